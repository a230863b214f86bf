-- Live events (a launch ceremony, an online class), their bridge points (điểm cầu) and who
-- checked in where.

CREATE TABLE event (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('ceremony', 'class')),
    -- The organising unit: whoever manages events there manages this one.
    unit_code     TEXT NOT NULL REFERENCES unit (code),
    unit_path     TEXT NOT NULL,
    -- The window in which check-ins are accepted (ms since 1970).
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL CHECK (ends_at > starts_at),
    broadcast_url TEXT,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX event_unit_path ON event (unit_path, starts_at);

-- A connected site. `token` is the secret in the point's QR code. Its counters (identified
-- check-ins, the headcount of people without ID) are moved by its own host only, so no row is
-- shared by every writer.
CREATE TABLE bridge_point (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES event (id),
    name         TEXT NOT NULL,
    unit_code    TEXT NOT NULL REFERENCES unit (code),
    unit_path    TEXT NOT NULL,
    -- The commune the point is in (itself when the point is at a commune), for the live
    -- figures by commune; NULL for a point at the province.
    commune_code TEXT REFERENCES unit (code),
    host_id      INTEGER NOT NULL REFERENCES staff_account (id),
    expected     INTEGER NOT NULL CHECK (expected >= 0),
    token        TEXT NOT NULL,
    checked_in   INTEGER NOT NULL DEFAULT 0,
    headcount    INTEGER NOT NULL DEFAULT 0,
    -- When the host's last headcount was taken (the newest wins, so a retried or late report
    -- never undoes a newer one).
    headcount_at INTEGER,
    connected_at INTEGER,
    last_seen_at INTEGER
);
CREATE UNIQUE INDEX bridge_point_token ON bridge_point (token);
CREATE UNIQUE INDEX bridge_point_name ON bridge_point (event_id, name);
CREATE INDEX bridge_point_host ON bridge_point (host_id);

-- One row per participant and event: `participant` names the person (`p:<id>`), or for someone not on
-- the registry the number's look-up hash, a phone's hash or a name at a point, so a retried or
-- repeated check-in counts once.
CREATE TABLE check_in (
    event_id  INTEGER NOT NULL REFERENCES event (id),
    participant TEXT NOT NULL,
    point_id  INTEGER NOT NULL REFERENCES bridge_point (id),
    person_id INTEGER REFERENCES person (id),
    via       TEXT NOT NULL CHECK (via IN ('qr', 'cccd', 'phone', 'name')),
    -- What the host sees: the person's name, or a guest's name or masked number.
    label     TEXT NOT NULL,
    -- Who checked them in (`staff:<id>`, or `person:<id>` scanning the QR code): the record of
    -- the host's look-ups of a person.
    by_actor  TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (event_id, participant)
);
CREATE INDEX check_in_point ON check_in (point_id, at);
CREATE INDEX check_in_person ON check_in (person_id) WHERE person_id IS NOT NULL;

-- Participants per point and group (a person in several groups counts in each; `guest` is
-- someone not on the registry).
CREATE TABLE point_group_counter (
    event_id INTEGER NOT NULL REFERENCES event (id),
    point_id INTEGER NOT NULL REFERENCES bridge_point (id),
    grp      TEXT NOT NULL,
    value    INTEGER NOT NULL,
    PRIMARY KEY (event_id, point_id, grp)
);

-- The host enters a phone number to find a person.
CREATE INDEX person_phone ON person (phone) WHERE phone IS NOT NULL;
