-- Learning: lessons done, quiz attempts and every response, kept for measurement.

-- A lesson a person finished, once (the revision they read is kept).
CREATE TABLE lesson_progress (
    person_id    INTEGER NOT NULL REFERENCES person (id),
    lesson_id    TEXT NOT NULL REFERENCES lesson (id),
    revision     INTEGER NOT NULL,
    completed_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, lesson_id)
);

-- A module's quiz, as one person took it: the items in order and each item's options in the
-- shuffled order shown (JSON), open until every item is answered, one after the other.
CREATE TABLE quiz_attempt (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES person (id),
    module_id   TEXT NOT NULL REFERENCES course_module (id),
    plan        TEXT NOT NULL,
    items       INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    -- Answers so far: the next question is plan[answered]; questions go in order.
    answered    INTEGER NOT NULL DEFAULT 0,
    correct     INTEGER NOT NULL DEFAULT 0,
    passed      INTEGER
);
CREATE INDEX quiz_attempt_person ON quiz_attempt (person_id, module_id, id);

-- One answer to one item of an attempt: at most one per item (a repeat is refused).
CREATE TABLE quiz_response (
    attempt_id    INTEGER NOT NULL REFERENCES quiz_attempt (id),
    item_id       TEXT NOT NULL REFERENCES item (id),
    item_revision INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    reply         TEXT NOT NULL,
    correct       INTEGER NOT NULL,
    answered_at   INTEGER NOT NULL,
    -- Milliseconds since the item was shown (or since the previous answer).
    elapsed_ms    INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, item_id)
);

-- What a person has reached, per group, so that each counter moves once per person:
-- `learning` (a first lesson done), `skilled` (their group's course completed).
CREATE TABLE learner_mark (
    person_id INTEGER NOT NULL REFERENCES person (id),
    grp       TEXT NOT NULL,
    metric    TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (person_id, grp, metric)
);

-- An answer moves its attempt on in the same statement: the hot path is one INSERT.
CREATE TRIGGER quiz_response_moves_attempt AFTER INSERT ON quiz_response
BEGIN
    UPDATE quiz_attempt SET answered = answered + 1, correct = correct + NEW.correct
    WHERE id = NEW.attempt_id;
END;
