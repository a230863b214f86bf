-- Simulated tasks as items of the placement test and the certification exam (issue 21).
--
-- While a task is a sitting's current item, its engine state (seed, screen, step count — never
-- what was typed) lives in the sitting's `state`; `task_step` is the number of steps taken in
-- it, so a step is taken only once, in order: a replayed, doubled or out-of-order step matches
-- no row and changes nothing.
ALTER TABLE exam_attempt ADD COLUMN task_step INTEGER NOT NULL DEFAULT 0;

-- How each task given in a sitting ended: its partial-credit score out of `credit`, and how
-- many steps it took. Nothing the learner typed. "Could do" is `2 * score >= credit` (the goal
-- reached, no critical error, at most half the credit lost to wrong steps).
CREATE TABLE task_result (
    attempt_id   INTEGER NOT NULL REFERENCES exam_attempt (id),
    position     INTEGER NOT NULL,
    person_id    INTEGER NOT NULL REFERENCES person (id),
    grp          TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('placement', 'certification')),
    task_id      TEXT NOT NULL REFERENCES sim_task (id),
    task_version INTEGER NOT NULL,
    score        INTEGER NOT NULL,
    credit       INTEGER NOT NULL,
    steps        INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, position)
);
CREATE INDEX task_result_person ON task_result (person_id, grp, kind);
