-- Simulated real-service tasks (content/tasks/*.toml), loaded with the curriculum by
-- `binhdan content load`. Like items, a task is kept whole as JSON and never deleted: one that
-- leaves the pack is retired, so attempts and scores keep their reference; `revision` grows
-- whenever its body changes.
CREATE TABLE sim_task (
    id         TEXT PRIMARY KEY NOT NULL,
    version    INTEGER NOT NULL,
    competence TEXT NOT NULL,
    body       TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    loaded_at  INTEGER NOT NULL,
    retired_at INTEGER
);

-- The lessons that prepare for each task (a lesson page links its tasks).
CREATE TABLE sim_task_lesson (
    task_id   TEXT NOT NULL REFERENCES sim_task (id),
    lesson_id TEXT NOT NULL,
    PRIMARY KEY (task_id, lesson_id)
);
CREATE INDEX sim_task_lesson_lesson ON sim_task_lesson (lesson_id);
