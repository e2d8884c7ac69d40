-- What one cycle did, read back from the warehouse (warehouse/cycles.py): the
-- run note, the asset event's extra and the zgwatch page in the Airflow UI.
-- Read-only: these run on the pipeline's warehouse and on the analysts' copy.

-- name: batch
SELECT batch_id, started_at, source, list_complete, fetch_count,
       try_cast(summary->>'seconds' AS DOUBLE),
       try_cast(summary->>'list_pages' AS INTEGER),
       try_cast(summary->>'list_pages_ok' AS INTEGER)
FROM batches WHERE batch_id = $batch_id;

-- name: latest_batches
SELECT batch_id FROM batches ORDER BY batch_id DESC LIMIT $limit;

-- name: events_by_kind
-- The events the diff recorded after this batch (change_events.batch_id is the newest
-- batch loaded when they were detected).
SELECT kind, count(*), bool_or(baseline) FROM change_events
WHERE batch_id = $batch_id GROUP BY kind;

-- name: failures_by_outcome
SELECT outcome, count(*) FROM fetches
WHERE batch_id = $batch_id AND NOT is_content(outcome) GROUP BY outcome ORDER BY outcome;

-- name: failed_fetches
SELECT url, page_kind, notice_id, outcome, http_status, reason, fetched_at FROM fetches
WHERE batch_id = $batch_id AND NOT is_content(outcome)
ORDER BY CASE page_kind WHEN 'list' THEN 0 WHEN 'article' THEN 1 ELSE 2 END, fetched_at, url;

-- name: latest_changes
-- The newest events outside the baseline, for people to read.
SELECT change_id, notice_id, kind, title, summary, detected_at, batch_id
FROM changes WHERE NOT baseline ORDER BY change_id DESC LIMIT $limit;
