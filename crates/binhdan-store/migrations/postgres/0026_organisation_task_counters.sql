-- What an organisation's people can do (issue 21, item 5), beside its other counters: per
-- organisation, group, simulated task and kind of sitting, `tried` and `could` by the rule of
-- migration 0023 (each person once, their best result, voided supervised sittings left out),
-- for each member whose membership gives the result's group, as `organisation_counter` counts
-- its members' learning. Moved in the same transaction as `task_result`, a voided sitting or
-- a new membership; `binhdan counters rebuild` recomputes them. Read by the primary key's
-- range on one organisation, never by a scan of people.
CREATE TABLE organisation_task_counter (
    organisation_id BIGINT NOT NULL REFERENCES organisation (id),
    grp             TEXT NOT NULL,
    task_id         TEXT COLLATE "C" NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('placement', 'certification')),
    tried           BIGINT NOT NULL,
    could           BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, grp, task_id, kind)
);

-- What was done before this table existed.
INSERT INTO organisation_task_counter (organisation_id, grp, task_id, kind, tried, could)
SELECT ms.organisation_id, t.grp, t.task_id, t.kind, COUNT(*), CAST(SUM(t.could) AS BIGINT)
FROM (
    SELECT r.person_id, r.grp, r.task_id, r.kind,
           MAX(CASE WHEN r.score > 0 AND 2 * r.score >= r.credit THEN 1 ELSE 0 END) AS could
    FROM task_result r
    WHERE NOT EXISTS (SELECT 1 FROM assisted_sitting s
                      WHERE s.attempt_id = r.attempt_id AND s.review = 'voided')
    GROUP BY r.person_id, r.grp, r.task_id, r.kind
) t
JOIN membership ms ON ms.person_id = t.person_id AND ms.grp = t.grp
GROUP BY ms.organisation_id, t.grp, t.task_id, t.kind;
