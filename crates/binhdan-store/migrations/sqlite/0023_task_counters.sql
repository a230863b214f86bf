-- What people can do, per unit, group and simulated task (issue 21, item 5): the share who
-- could do each task at the placement test and at the certification exam, read by the
-- dashboards and reports without a scan of people (DESIGN invariant 1).
--
-- The rule, per person, group, task and kind of sitting (`placement` or `certification`),
-- counted once whatever the number of sittings:
-- * `tried`: the person was given the task in at least one sitting of that kind;
-- * `could`: in at least one of them they could do it (`task_result`: `score > 0` and
--   `2 * score >= credit`) — their best result, so a resit that goes worse takes nothing
--   back, and a person who could do it at two resits counts once.
-- A supervised sitting the commune voided (`assisted_sitting.review = 'voided'`) counts for
-- nothing. Counted at the person's unit (a village's figures are also its commune's; a
-- province sums its communes), moved in the same transaction as `task_result`, a voided
-- sitting or a move home; `binhdan counters rebuild` recomputes them from `task_result`.
CREATE TABLE unit_task_counter (
    unit_code TEXT NOT NULL REFERENCES unit (code),
    level     TEXT NOT NULL,
    path      TEXT NOT NULL,
    grp       TEXT NOT NULL,
    task_id   TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('placement', 'certification')),
    tried     INTEGER NOT NULL,
    could     INTEGER NOT NULL,
    PRIMARY KEY (unit_code, grp, task_id, kind)
);
-- A subtree's figures: one range on the path at one level (villages, or communes).
CREATE INDEX unit_task_counter_level_path ON unit_task_counter (level, path);

-- What was done before this table existed.
INSERT INTO unit_task_counter (unit_code, level, path, grp, task_id, kind, tried, could)
SELECT u.code, u.level, u.path, t.grp, t.task_id, t.kind, COUNT(*), SUM(t.could)
FROM (
    SELECT r.person_id, r.grp, r.task_id, r.kind,
           MAX(CASE WHEN r.score > 0 AND 2 * r.score >= r.credit THEN 1 ELSE 0 END) AS could
    FROM task_result r
    WHERE NOT EXISTS (SELECT 1 FROM assisted_sitting s
                      WHERE s.attempt_id = r.attempt_id AND s.review = 'voided')
    GROUP BY r.person_id, r.grp, r.task_id, r.kind
) t
JOIN person p ON p.id = t.person_id
JOIN unit home ON home.code = p.unit_code
JOIN unit u ON u.code = home.code OR (home.level = 'village' AND u.code = home.parent_code)
GROUP BY u.code, u.level, u.path, t.grp, t.task_id, t.kind;
