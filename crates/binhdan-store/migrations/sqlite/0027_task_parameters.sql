-- Simulated tasks' calibrated parameters (issue 21): `binhdan irt calibrate` fits the tasks'
-- generalized partial credit models with the items, in one run on one ability scale, so a
-- task's parameters belong to the items' calibration version. They hold for the task's
-- `version` (the one its results name); a task with too few results keeps its provisional (or
-- previous) values and is marked not calibrated, and the exam then scores it provisionally.
CREATE TABLE task_parameter (
    version      INTEGER NOT NULL REFERENCES item_calibration (version),
    task_id      TEXT NOT NULL REFERENCES sim_task (id),
    task_version INTEGER NOT NULL,
    a            REAL NOT NULL,
    -- The step difficulties b_1..b_m, one per credit point: a JSON array of numbers.
    steps        TEXT NOT NULL,
    responses    INTEGER NOT NULL,
    calibrated   INTEGER NOT NULL,
    PRIMARY KEY (version, task_id)
);
