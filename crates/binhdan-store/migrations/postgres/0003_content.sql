-- The curriculum, loaded from the content packs of the repository (binhdan content load).
-- Ids are the packs' stable ids. Nothing is ever deleted: a lesson or item that leaves the
-- pack is marked retired, so learners' progress and responses keep their references.
CREATE TABLE course (
    id         TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    version    BIGINT NOT NULL,
    grp        TEXT NOT NULL,
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    position   BIGINT NOT NULL,
    loaded_at  BIGINT NOT NULL,
    retired_at BIGINT
);

CREATE TABLE course_module (
    id         TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    course_id  TEXT COLLATE "C" NOT NULL REFERENCES course (id),
    position   BIGINT NOT NULL,
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX course_module_course ON course_module (course_id, position);

CREATE TABLE lesson (
    id         TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    module_id  TEXT COLLATE "C" NOT NULL REFERENCES course_module (id),
    position   BIGINT NOT NULL,
    title      TEXT NOT NULL,
    competence TEXT NOT NULL,
    step       TEXT NOT NULL,
    minutes    BIGINT NOT NULL,
    markdown   TEXT NOT NULL,
    html       TEXT NOT NULL,
    -- Incremented whenever the lesson's text changes.
    revision   BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX lesson_module ON lesson (module_id, position);

CREATE TABLE item (
    id          TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    competence  TEXT NOT NULL,
    step        TEXT NOT NULL,
    -- The whole item (stem, options, answer, explanation) as JSON.
    body        TEXT NOT NULL,
    -- Incremented whenever the body changes: calibrated parameters belong to one revision.
    revision    BIGINT NOT NULL,
    retired_at  BIGINT
);

CREATE TABLE module_quiz (
    module_id TEXT COLLATE "C" NOT NULL REFERENCES course_module (id),
    position  BIGINT NOT NULL,
    item_id   TEXT COLLATE "C" NOT NULL REFERENCES item (id),
    PRIMARY KEY (module_id, position)
);

CREATE TABLE content_asset (
    path   TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    bytes  BYTEA NOT NULL,
    width  BIGINT NOT NULL,
    height BIGINT NOT NULL
);
