-- Assessment: placement tests and certification exams, adaptive from the item bank, with every
-- response, each person's measured ability and the passes that earn a certificate.

-- One sitting of a placement test or a certification exam. `state` (JSON) holds the items given
-- so far with their shown option order, the parameters they were scored with and the answers;
-- `answered` moves by one per answer, so a replayed or stale submission matches no row.
CREATE TABLE exam_attempt (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES person (id),
    grp         TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('placement', 'certification')),
    -- The item calibration version in force when it started (NULL: provisional parameters only).
    calibration INTEGER,
    state       TEXT NOT NULL,
    answered    INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER NOT NULL,
    -- Enforced by the server: no answer is taken after it.
    deadline_at INTEGER NOT NULL,
    finished_at INTEGER,
    theta       REAL,
    se          REAL,
    passed      INTEGER,
    timed_out   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX exam_attempt_person ON exam_attempt (person_id, grp, kind, started_at);
-- At most one open sitting per person, group and kind, whatever the races.
CREATE UNIQUE INDEX exam_attempt_open ON exam_attempt (person_id, grp, kind) WHERE finished_at IS NULL;

-- One answer, at its position in the sitting.
CREATE TABLE exam_response (
    attempt_id    INTEGER NOT NULL REFERENCES exam_attempt (id),
    position      INTEGER NOT NULL,
    item_id       TEXT NOT NULL REFERENCES item (id),
    item_revision INTEGER NOT NULL,
    reply         TEXT NOT NULL,
    correct       INTEGER NOT NULL,
    answered_at   INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, position)
);

-- A person's measured ability per group, on the item bank's scale: the placement test's and
-- the best completed certification exam's. The gain is their difference.
CREATE TABLE ability (
    person_id       INTEGER NOT NULL REFERENCES person (id),
    grp             TEXT NOT NULL,
    placement_theta REAL,
    best_theta      REAL,
    PRIMARY KEY (person_id, grp)
);

-- A pass of the certification exam: the fact a certificate is issued for, once per person and
-- group (a retried request finds the same row).
CREATE TABLE exam_pass (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES person (id),
    grp        TEXT NOT NULL,
    attempt_id INTEGER NOT NULL UNIQUE REFERENCES exam_attempt (id),
    theta      REAL NOT NULL,
    passed_at  INTEGER NOT NULL,
    UNIQUE (person_id, grp)
);
