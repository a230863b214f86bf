-- Each commune's counters' change per day (the calendar day in Vietnam, as days since
-- 1970-01-01), moved in the same transaction as the counters themselves: trends and the
-- week-on-week change of the rankings read these, never people. The value on a day is the
-- sum of its changes up to that day; what was counted before this table existed is booked
-- on day 0.
CREATE TABLE unit_day_counter (
    commune_code TEXT NOT NULL REFERENCES unit (code),
    path         TEXT NOT NULL,
    grp          TEXT NOT NULL,
    metric       TEXT NOT NULL,
    day          BIGINT NOT NULL,
    value        BIGINT NOT NULL,
    PRIMARY KEY (commune_code, grp, metric, day)
);
CREATE INDEX unit_day_counter_path ON unit_day_counter (path, grp, metric, day);

INSERT INTO unit_day_counter (commune_code, path, grp, metric, day, value)
SELECT unit_code, path, grp, metric, 0, value FROM unit_counter WHERE level = 'commune';
