-- Shared devices and assisted certification for the village teams (issue 19, items 5 and 6).
-- What a member did for someone stays on the platform beside the fact it helped: the answer,
-- the class session, the exam sitting. Every write carries the device-made `op`.

-- An answer given on a member's device for the learner they picked (the answer itself is the
-- ordinary `quiz_response`, counted as any other; this row says who helped).
CREATE TABLE assisted_answer (
    attempt_id BIGINT NOT NULL REFERENCES quiz_attempt (id),
    position   BIGINT NOT NULL,
    person_id  BIGINT NOT NULL REFERENCES person (id),
    member_id  BIGINT NOT NULL REFERENCES staff_account (id),
    class_id   BIGINT REFERENCES team_class (id),
    op         TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, position)
);
CREATE UNIQUE INDEX assisted_answer_op ON assisted_answer (op);
CREATE INDEX assisted_answer_person ON assisted_answer (person_id);

-- A class's join code (its QR): only the hash of the token is kept; it ends with the class.
CREATE TABLE class_join (
    token_hash TEXT PRIMARY KEY NOT NULL,
    class_id   BIGINT NOT NULL REFERENCES team_class (id),
    created_by BIGINT NOT NULL REFERENCES staff_account (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX class_join_class ON class_join (class_id);

-- A learner's narrow session on their own phone: one class, one person (present at it), the
-- class's module only; it ends with the join code.
CREATE TABLE class_session (
    token_hash TEXT PRIMARY KEY NOT NULL,
    class_id   BIGINT NOT NULL REFERENCES team_class (id),
    person_id  BIGINT NOT NULL REFERENCES person (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- A certification sitting under a member's supervision. `open` is TRUE until the sitting
-- ends: one open sitting per member (the unique index). `flags` are the reasons it is shown
-- to the commune admin (space separated: fast, device, member); `review` what they decided.
CREATE TABLE assisted_sitting (
    attempt_id   BIGINT PRIMARY KEY NOT NULL REFERENCES exam_attempt (id),
    op           TEXT NOT NULL,
    person_id    BIGINT NOT NULL REFERENCES person (id),
    member_id    BIGINT NOT NULL REFERENCES staff_account (id),
    village_code TEXT COLLATE "C" NOT NULL REFERENCES unit (code),
    commune_code TEXT COLLATE "C" NOT NULL REFERENCES unit (code),
    device       TEXT NOT NULL,
    via          TEXT NOT NULL CHECK (via IN ('card', 'list')),
    attested_at  BIGINT NOT NULL,
    day          BIGINT NOT NULL,
    open         BOOLEAN NOT NULL DEFAULT TRUE,
    finished_at  BIGINT,
    passed       BOOLEAN,
    seconds      BIGINT,
    flags        TEXT NOT NULL DEFAULT '',
    review       TEXT CHECK (review IN ('confirmed', 'voided')),
    reviewed_by  BIGINT REFERENCES staff_account (id),
    reviewed_at  BIGINT
);
CREATE UNIQUE INDEX assisted_sitting_op ON assisted_sitting (op);
CREATE UNIQUE INDEX assisted_sitting_one_open ON assisted_sitting (member_id) WHERE open;
CREATE INDEX assisted_sitting_device ON assisted_sitting (device, day);
CREATE INDEX assisted_sitting_commune ON assisted_sitting (commune_code, attested_at);
