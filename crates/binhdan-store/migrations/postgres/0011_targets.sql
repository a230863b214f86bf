-- Targets a province set for a unit, overriding the plan's defaults (K1–K5, 31/12/2026) for
-- the unit and everything below it that has no target of its own.
CREATE TABLE unit_target (
    unit_code TEXT NOT NULL REFERENCES unit (code),
    kpi       TEXT NOT NULL CHECK (kpi IN ('K1', 'K2', 'K3', 'K4', 'K5')),
    percent   BIGINT NOT NULL CHECK (percent BETWEEN 0 AND 100),
    -- Days since 1970-01-01.
    deadline  BIGINT NOT NULL,
    set_by    TEXT NOT NULL,
    set_at    BIGINT NOT NULL,
    PRIMARY KEY (unit_code, kpi)
);
