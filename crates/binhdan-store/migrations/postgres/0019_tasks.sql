-- Simulated real-service tasks (content/tasks/*.toml), loaded with the curriculum by
-- `binhdan content load`. Like items, a task is kept whole as JSON and never deleted: one that
-- leaves the pack is retired, so attempts and scores keep their reference; `revision` grows
-- whenever its body changes.
CREATE TABLE sim_task (
    id         TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    version    BIGINT NOT NULL,
    competence TEXT NOT NULL,
    body       TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    loaded_at  BIGINT NOT NULL,
    retired_at BIGINT
);

-- The lessons that prepare for each task (a lesson page links its tasks).
CREATE TABLE sim_task_lesson (
    task_id   TEXT COLLATE "C" NOT NULL REFERENCES sim_task (id),
    lesson_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (task_id, lesson_id)
);
CREATE INDEX sim_task_lesson_lesson ON sim_task_lesson (lesson_id);
