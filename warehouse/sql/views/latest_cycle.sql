-- latest_cycle: the latest completed cycle, one row (none before the first diff):
-- the newest batch the diff stage has run on, and the cycle's date (--as-of).
-- Views with days left or phases count from this as_of, so a copy read next
-- week still says what the cycle saw.
CREATE OR REPLACE VIEW latest_cycle AS
SELECT
    as_of,
    batch_id,
    started_at,
    diffed_at,
    list_complete
FROM batches
WHERE as_of IS NOT NULL
ORDER BY batch_id DESC
LIMIT 1;
