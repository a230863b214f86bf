-- One row that `/readyz` rewrites and commits: readiness means the writer can write, not only
-- that the database answers reads (a full disk answers reads).
CREATE TABLE write_probe (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL
);
