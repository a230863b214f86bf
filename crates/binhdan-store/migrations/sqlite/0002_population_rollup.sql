-- Population per commune (its own figures and its villages'), kept in step with `population`
-- in the same transaction, so a province's figures sum its communes (166 rows in Thanh Hóa)
-- instead of every village.
CREATE TABLE population_rollup (
    commune_code TEXT NOT NULL REFERENCES unit (code),
    path         TEXT NOT NULL,
    grp          TEXT NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (commune_code, grp)
);
CREATE INDEX population_rollup_path ON population_rollup (path);

INSERT INTO population_rollup (commune_code, path, grp, count)
SELECT c.code, c.path, p.grp, SUM(p.count)
FROM unit c JOIN unit u ON u.code = c.code OR u.parent_code = c.code
JOIN population p ON p.unit_code = u.code
WHERE c.level = 'commune'
GROUP BY c.code, c.path, p.grp;

-- Subtree counts read only the index.
CREATE INDEX unit_path_level ON unit (path, level);
