-- Certificates: the province's signing keys, every certificate issued (one per exam pass), its
-- revocation, and the outbox of deliveries to VNeID written in the same transaction as the fact.

-- Ed25519 signing keys: the seed sealed by the vault. The newest unretired key signs; retired
-- keys stay published so the certificates they signed keep verifying.
CREATE TABLE issuer_key (
    id          TEXT PRIMARY KEY NOT NULL,
    public_key  BLOB NOT NULL,
    seed_sealed BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);

-- One certificate per pass. `seq` places it in the revocation status lists
-- (list = (seq - 1) / list size, index = (seq - 1) % list size); the lists are computed from
-- `revoked_at`, so revoking touches only this row.
CREATE TABLE certificate (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    pass_id        INTEGER NOT NULL UNIQUE REFERENCES exam_pass (id),
    person_id      INTEGER NOT NULL REFERENCES person (id),
    grp            TEXT NOT NULL,
    key_id         TEXT NOT NULL REFERENCES issuer_key (id),
    jwt            TEXT NOT NULL,
    issued_at      INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT
);
CREATE INDEX certificate_person ON certificate (person_id);
CREATE INDEX certificate_revoked ON certificate (revoked_at) WHERE revoked_at IS NOT NULL;

-- Messages to deliver (to VNeID), written in the fact's transaction; a worker sends them with
-- their idempotency key, backing off, until delivered or dead.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    topic           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    last_error      TEXT,
    delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
