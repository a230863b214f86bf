-- Reviewing supervised sittings (issue 19, review): voiding one undoes its pass, the review
-- keeps its reason, and a person has at most one open supervised sitting.

-- A voided pass stays (its certificate, revoked, still names it) but no longer counts: the
-- person may pass again, so "one pass per person and group" holds among passes not voided.
-- SQLite cannot drop a table's UNIQUE constraint, so the table is rebuilt. `certificate`
-- references `exam_pass` (id): with foreign keys deferred, dropping the old table counts a
-- violation per certificate, and inserting the same ids into the new `exam_pass` takes each
-- one back, so the transaction commits with every reference whole.
CREATE TABLE exam_pass_copy AS SELECT id, person_id, grp, attempt_id, theta, passed_at FROM exam_pass;
PRAGMA defer_foreign_keys = ON;
DROP TABLE exam_pass;
CREATE TABLE exam_pass (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES person (id),
    grp        TEXT NOT NULL,
    attempt_id INTEGER NOT NULL UNIQUE REFERENCES exam_attempt (id),
    theta      REAL NOT NULL,
    passed_at  INTEGER NOT NULL,
    -- Set when the commune voids the supervised sitting that passed.
    voided_at  INTEGER
);
INSERT INTO exam_pass (id, person_id, grp, attempt_id, theta, passed_at)
    SELECT id, person_id, grp, attempt_id, theta, passed_at FROM exam_pass_copy;
DROP TABLE exam_pass_copy;
CREATE UNIQUE INDEX exam_pass_current ON exam_pass (person_id, grp) WHERE voided_at IS NULL;

-- Why the commune admin confirmed or voided a sitting (required, at most 500 characters).
ALTER TABLE assisted_sitting ADD COLUMN review_reason TEXT;

-- One open supervised sitting per person, whichever member starts it: two members starting
-- for the same person at once, one insert wins.
CREATE UNIQUE INDEX assisted_sitting_person_open ON assisted_sitting (person_id) WHERE open;
