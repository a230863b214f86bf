-- Each organisation's counters' change per day (the calendar day in Vietnam, as days since
-- 1970-01-01), moved in the same transaction as the counters: the week-on-week change of the
-- agencies', schools' and enterprises' ranking reads these. What was counted before is booked
-- on day 0.
CREATE TABLE organisation_day_counter (
    organisation_id INTEGER NOT NULL REFERENCES organisation (id),
    grp             TEXT NOT NULL,
    metric          TEXT NOT NULL,
    day             INTEGER NOT NULL,
    value           INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, grp, metric, day)
);

INSERT INTO organisation_day_counter (organisation_id, grp, metric, day, value)
SELECT organisation_id, grp, metric, 0, value FROM organisation_counter;
