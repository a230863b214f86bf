-- A host's check-in by name looks for the one resident whose whole name matches (without
-- regard to case or diacritics) under the point's unit: a seek on the name, not a scan of the
-- unit's people with LIKE.
CREATE INDEX person_name_key ON person (name_key, unit_path);
