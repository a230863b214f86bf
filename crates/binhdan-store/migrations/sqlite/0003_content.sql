-- The curriculum, loaded from the content packs of the repository (binhdan content load).
-- Ids are the packs' stable ids. Nothing is ever deleted: a lesson or item that leaves the
-- pack is marked retired, so learners' progress and responses keep their references.
CREATE TABLE course (
    id         TEXT PRIMARY KEY NOT NULL,
    version    INTEGER NOT NULL,
    grp        TEXT NOT NULL,
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    position   INTEGER NOT NULL,
    loaded_at  INTEGER NOT NULL,
    retired_at INTEGER
);

CREATE TABLE course_module (
    id         TEXT PRIMARY KEY NOT NULL,
    course_id  TEXT NOT NULL REFERENCES course (id),
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    retired_at INTEGER
);
CREATE INDEX course_module_course ON course_module (course_id, position);

CREATE TABLE lesson (
    id         TEXT PRIMARY KEY NOT NULL,
    module_id  TEXT NOT NULL REFERENCES course_module (id),
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    competence TEXT NOT NULL,
    step       TEXT NOT NULL,
    minutes    INTEGER NOT NULL,
    markdown   TEXT NOT NULL,
    html       TEXT NOT NULL,
    -- Incremented whenever the lesson's text changes.
    revision   INTEGER NOT NULL,
    retired_at INTEGER
);
CREATE INDEX lesson_module ON lesson (module_id, position);

CREATE TABLE item (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    competence  TEXT NOT NULL,
    step        TEXT NOT NULL,
    -- The whole item (stem, options, answer, explanation) as JSON.
    body        TEXT NOT NULL,
    -- Incremented whenever the body changes: calibrated parameters belong to one revision.
    revision    INTEGER NOT NULL,
    retired_at  INTEGER
);

CREATE TABLE module_quiz (
    module_id TEXT NOT NULL REFERENCES course_module (id),
    position  INTEGER NOT NULL,
    item_id   TEXT NOT NULL REFERENCES item (id),
    PRIMARY KEY (module_id, position)
);

CREATE TABLE content_asset (
    path   TEXT PRIMARY KEY NOT NULL,
    bytes  BLOB NOT NULL,
    width  INTEGER NOT NULL,
    height INTEGER NOT NULL
);
