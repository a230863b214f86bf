-- Calibrated item parameters (IRT), versioned: each `binhdan irt calibrate` that succeeds adds a
-- version; a calibration with too little data adds nothing and the previous version stays.
CREATE TABLE item_calibration (
    version        INTEGER PRIMARY KEY,
    model          TEXT NOT NULL CHECK (model IN ('2pl', 'rasch')),
    persons        INTEGER NOT NULL,
    responses      INTEGER NOT NULL,
    iterations     INTEGER NOT NULL,
    converged      INTEGER NOT NULL,
    log_likelihood REAL NOT NULL,
    calibrated_at  INTEGER NOT NULL
);

-- One item's parameters in a version, for the item's revision they were estimated on.
CREATE TABLE item_parameter (
    version       INTEGER NOT NULL REFERENCES item_calibration (version),
    item_id       TEXT NOT NULL REFERENCES item (id),
    item_revision INTEGER NOT NULL,
    a             REAL NOT NULL,
    b             REAL NOT NULL,
    responses     INTEGER NOT NULL,
    -- False when the item had too few responses and kept its previous (or default) values.
    calibrated    INTEGER NOT NULL,
    PRIMARY KEY (version, item_id)
);
