-- People, organisations, staff, sessions and the audit log.

-- The person registry. The CCCD is never stored in clear: `cccd_sealed` is the AEAD-sealed
-- number (it names its key id, so keys rotate), `cccd_hash` the keyed look-up hash (unique:
-- one person per number), `cccd_masked` what people without the right to the number see.
CREATE TABLE person (
    id           INTEGER PRIMARY KEY,
    cccd_hash    BLOB NOT NULL,
    cccd_sealed  BLOB NOT NULL,
    cccd_masked  TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    birth_year   INTEGER NOT NULL,
    -- Days since 1970-01-01; NULL when only the year is known.
    birth_day    INTEGER,
    sex          TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    unit_code    TEXT NOT NULL REFERENCES unit (code),
    unit_path    TEXT NOT NULL,
    phone        TEXT,
    -- The VNeID (OpenID Connect) subject once the citizen has signed in.
    oidc_subject TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX person_cccd_hash ON person (cccd_hash);
CREATE UNIQUE INDEX person_oidc_subject ON person (oidc_subject) WHERE oidc_subject IS NOT NULL;
CREATE INDEX person_unit_path ON person (unit_path, name_key);

-- Schools, agencies, enterprises and cooperatives, each in a commune.
CREATE TABLE organisation (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('school', 'agency', 'enterprise', 'cooperative')),
    -- The official code (school code, budget-unit code, tax code), unique per kind.
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    unit_code  TEXT NOT NULL REFERENCES unit (code),
    unit_path  TEXT NOT NULL,
    min_grade  INTEGER,
    max_grade  INTEGER,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX organisation_code ON organisation (kind, code);
CREATE INDEX organisation_unit_path ON organisation (unit_path);

-- A person's membership gives a group: student (school, grade), public servant (agency),
-- worker (enterprise, cooperative).
CREATE TABLE membership (
    person_id       INTEGER NOT NULL REFERENCES person (id),
    organisation_id INTEGER NOT NULL REFERENCES organisation (id),
    grp             TEXT NOT NULL CHECK (grp IN ('student', 'public_servant', 'worker')),
    grade           INTEGER,
    class           TEXT,
    position        TEXT,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (person_id, organisation_id)
);
CREATE INDEX membership_organisation ON membership (organisation_id, person_id);

-- Counters per unit (villages and communes; a province sums its communes) and per
-- organisation, per group and metric, moved in the same transaction as the facts.
CREATE TABLE unit_counter (
    unit_code TEXT NOT NULL REFERENCES unit (code),
    level     TEXT NOT NULL,
    path      TEXT NOT NULL,
    grp       TEXT NOT NULL,
    metric    TEXT NOT NULL,
    value     INTEGER NOT NULL,
    PRIMARY KEY (unit_code, grp, metric)
);
CREATE INDEX unit_counter_level_path ON unit_counter (level, path);

CREATE TABLE organisation_counter (
    organisation_id INTEGER NOT NULL REFERENCES organisation (id),
    grp             TEXT NOT NULL,
    metric          TEXT NOT NULL,
    value           INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, grp, metric)
);

-- Staff accounts (local sign-in) and their grants: a role within a scope.
CREATE TABLE staff_account (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret   TEXT,
    disabled_at   INTEGER,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER
);
CREATE UNIQUE INDEX staff_account_username ON staff_account (username);

CREATE TABLE staff_grant (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES staff_account (id),
    role            TEXT NOT NULL,
    scope_kind      TEXT NOT NULL CHECK (scope_kind IN ('unit', 'organisation', 'everywhere')),
    scope_path      TEXT,
    scope_org       INTEGER REFERENCES organisation (id),
    created_at      INTEGER NOT NULL
);
CREATE INDEX staff_grant_account ON staff_grant (account_id);

-- Server-side sessions, by a hash of the cookie's token (the token itself is never stored).
CREATE TABLE session (
    key          TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('staff', 'citizen')),
    account_id   INTEGER REFERENCES staff_account (id),
    person_id    INTEGER REFERENCES person (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX session_expires ON session (expires_at);

-- Sign-ins with VNeID under way: what the callback needs, by a hash of `state`.
CREATE TABLE oidc_pending (
    state_key  TEXT PRIMARY KEY NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- The audit log: append-only, each record's hash covers the previous one's, so an edited or
-- deleted record breaks the chain (`binhdan audit verify`). `audit_head` holds the last
-- sequence number and hash; appending updates it in the writer's transaction, which orders
-- appends on both backends.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    person_id INTEGER,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_person ON audit_log (person_id, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
