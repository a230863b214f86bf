-- The certification exam's own items per course: never shown in a quiz, so no learner has seen
-- their answers while practising.
CREATE TABLE course_exam (
    course_id TEXT NOT NULL REFERENCES course (id),
    position  INTEGER NOT NULL,
    item_id   TEXT NOT NULL REFERENCES item (id),
    PRIMARY KEY (course_id, position)
);
