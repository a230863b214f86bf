-- Village teams (tổ công nghệ số cộng đồng): their members, their visits to households, their
-- classes and who came. Every team write carries an id made on the device (`op`), unique, so
-- a resend over a flaky network is answered with what the first one did and counts once.

-- A member: a staff account holding a village facilitator grant over the village, appointed
-- by the commune. `visits` and `classes` are the member's own figures, moved with the facts.
CREATE TABLE team_member (
    village_code TEXT NOT NULL REFERENCES unit (code),
    account_id   INTEGER NOT NULL REFERENCES staff_account (id),
    appointed_by TEXT NOT NULL,
    appointed_at INTEGER NOT NULL,
    visits       INTEGER NOT NULL DEFAULT 0,
    classes      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (village_code, account_id)
);
CREATE INDEX team_member_account ON team_member (account_id);

-- What a visit may record, per province (its own list, in order); a province without rows
-- uses the built-in list. Keys are kept forever (retired, never deleted): visits name them.
CREATE TABLE visit_checklist (
    province_code TEXT NOT NULL REFERENCES unit (code),
    item_key      TEXT NOT NULL,
    label         TEXT NOT NULL,
    position      INTEGER NOT NULL,
    retired       BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (province_code, item_key)
);

-- A household as the team forms it: a label per person (optional).
CREATE TABLE team_household (
    person_id    INTEGER PRIMARY KEY REFERENCES person (id),
    village_code TEXT NOT NULL REFERENCES unit (code),
    label        TEXT NOT NULL,
    label_key    TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX team_household_village ON team_household (village_code, label_key);

-- A visit to a person (and so their household). `done` is the checklist keys ticked, space
-- separated; `visited_on` the day (days since 1970) the member says it happened.
CREATE TABLE team_visit (
    id           INTEGER PRIMARY KEY,
    op           TEXT NOT NULL,
    village_code TEXT NOT NULL REFERENCES unit (code),
    person_id    INTEGER NOT NULL REFERENCES person (id),
    member_id    INTEGER NOT NULL REFERENCES staff_account (id),
    visited_on   INTEGER NOT NULL,
    done         TEXT NOT NULL,
    next_step    TEXT NOT NULL,
    recorded_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX team_visit_op ON team_visit (op);
CREATE INDEX team_visit_village ON team_visit (village_code, id);
CREATE INDEX team_visit_person ON team_visit (person_id, id);

-- The people a village's team has reached (visited or taught), once each: `team_reached`.
CREATE TABLE team_reach (
    village_code TEXT NOT NULL REFERENCES unit (code),
    person_id    INTEGER NOT NULL REFERENCES person (id),
    first_at     INTEGER NOT NULL,
    PRIMARY KEY (village_code, person_id)
);

-- A class at the village cultural house, for a module.
CREATE TABLE team_class (
    id           INTEGER PRIMARY KEY,
    op           TEXT NOT NULL,
    village_code TEXT NOT NULL REFERENCES unit (code),
    module_id    TEXT NOT NULL REFERENCES course_module (id),
    place        TEXT NOT NULL,
    starts_at    INTEGER NOT NULL,
    opened_by    INTEGER NOT NULL REFERENCES staff_account (id),
    opened_at    INTEGER NOT NULL,
    present      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX team_class_op ON team_class (op);
CREATE INDEX team_class_village ON team_class (village_code, starts_at);

-- Who came: once per class and person. `op` is the marking's device id (a resend finds it).
CREATE TABLE team_attendance (
    class_id  INTEGER NOT NULL REFERENCES team_class (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    op        TEXT NOT NULL,
    via       TEXT NOT NULL CHECK (via IN ('card', 'number', 'phone', 'list')),
    marked_by INTEGER NOT NULL REFERENCES staff_account (id),
    marked_at INTEGER NOT NULL,
    PRIMARY KEY (class_id, person_id)
);
CREATE UNIQUE INDEX team_attendance_op ON team_attendance (op);
