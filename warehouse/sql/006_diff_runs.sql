-- 006: one row per run of the diff stage, so readers know the date the
-- warehouse's events were computed for. "Days left" on the history site is
-- counted from the latest run's as_of (the cycle's date), not from the day the
-- site happens to be built. Written by warehouse/diff.py in the run's own
-- transaction; never updated.

CREATE TABLE diff_runs (
    ran_at    TIMESTAMPTZ NOT NULL,   -- the run's detected_at for its events
    batch_id  VARCHAR,                -- newest loaded batch when it ran
    as_of     DATE NOT NULL,          -- the cycle's date
    warn_days INTEGER NOT NULL,
    baseline  BOOLEAN NOT NULL,       -- it found change_events empty
    events    INTEGER NOT NULL        -- events it added
);
