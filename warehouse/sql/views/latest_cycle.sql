-- latest_cycle: the latest completed cycle, one row (none before the first diff):
-- the latest run of the diff stage (diff_runs, migration 006; the newest batch
-- wins, then the latest run, as on the history site) and the cycle's date
-- (--as-of). Views with days left or phases count from this as_of, so a copy
-- read next week still says what the cycle saw. A warehouse whose runs all
-- predate diff_runs falls back to its newest event's as_of until the next run.
-- depends: sources
CREATE OR REPLACE VIEW latest_cycle AS
WITH runs AS (
    SELECT as_of, batch_id, ran_at, warn_days
    FROM diff_runs
    UNION ALL
    SELECT arg_max(as_of, change_id), arg_max(batch_id, change_id), max(detected_at), NULL
    FROM change_events
    WHERE NOT EXISTS (SELECT 1 FROM diff_runs)
    HAVING count(*) > 0
)
SELECT
    src.source_id,
    src.source_name,
    r.as_of,
    r.batch_id,
    b.started_at,
    r.ran_at                                                    AS diffed_at,
    b.list_complete,
    r.warn_days
FROM runs AS r
LEFT JOIN batches AS b USING (batch_id)
CROSS JOIN sources AS src
ORDER BY r.batch_id DESC NULLS LAST, r.ran_at DESC
LIMIT 1;
