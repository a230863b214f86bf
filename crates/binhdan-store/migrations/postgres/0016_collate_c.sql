-- Codes and materialised paths compare byte by byte: a subtree is read as the range
-- [path, path || '0') and a code's children by prefix, which only holds in the "C" collation.
-- Migrations 0011, 0012 and 0014 left these columns in the database's default collation: on a
-- database created with a linguistic one (glibc en_US.UTF-8) `38/16591/` sorts after `380`,
-- and those ranges read the wrong rows. Indexes on the columns are rebuilt by the change.
ALTER TABLE unit_target
    ALTER COLUMN unit_code TYPE TEXT COLLATE "C";
ALTER TABLE unit_day_counter
    ALTER COLUMN commune_code TYPE TEXT COLLATE "C",
    ALTER COLUMN path TYPE TEXT COLLATE "C";
ALTER TABLE event
    ALTER COLUMN unit_code TYPE TEXT COLLATE "C",
    ALTER COLUMN unit_path TYPE TEXT COLLATE "C";
ALTER TABLE bridge_point
    ALTER COLUMN unit_code TYPE TEXT COLLATE "C",
    ALTER COLUMN unit_path TYPE TEXT COLLATE "C",
    ALTER COLUMN commune_code TYPE TEXT COLLATE "C";
ALTER TABLE organisation
    ALTER COLUMN code TYPE TEXT COLLATE "C";
