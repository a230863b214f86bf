-- Reviewing supervised sittings (issue 19, review): voiding one undoes its pass, the review
-- keeps its reason, and a person has at most one open supervised sitting.

-- A voided pass stays (its certificate, revoked, still names it) but no longer counts: the
-- person may pass again, so "one pass per person and group" holds among passes not voided.
ALTER TABLE exam_pass ADD COLUMN voided_at BIGINT;
ALTER TABLE exam_pass DROP CONSTRAINT exam_pass_person_id_grp_key;
CREATE UNIQUE INDEX exam_pass_current ON exam_pass (person_id, grp) WHERE voided_at IS NULL;

-- Why the commune admin confirmed or voided a sitting (required, at most 500 characters).
ALTER TABLE assisted_sitting ADD COLUMN review_reason TEXT;

-- One open supervised sitting per person, whichever member starts it: two members starting
-- for the same person at once, one insert wins.
CREATE UNIQUE INDEX assisted_sitting_person_open ON assisted_sitting (person_id) WHERE open;
