-- Operators' incidents (alerts/operators.py; table in warehouse/sql/002_outbox.sql).

-- name: latest_batch
SELECT batch_id, list_complete FROM batches ORDER BY batch_id DESC LIMIT 1;

-- name: list_pages_read
-- The list pages of a batch: how many, how many brought content, the first one's outcome
-- with its reason ("server_error (HTTP 503 service unavailable)"), else its status.
SELECT count(*), count(*) FILTER (WHERE is_content(outcome)),
       arg_min(outcome || coalesce(' (' || coalesce(reason, 'HTTP ' || http_status) || ')', ''),
               coalesce(page_no, 0))
FROM fetches WHERE batch_id = $batch_id AND page_kind = 'list';

-- name: articles_blocked
SELECT count(*), count(*) FILTER (WHERE outcome = 'blocked')
FROM fetches WHERE batch_id = $batch_id AND page_kind = 'article';

-- name: open_incidents
SELECT incident_id, kind, subject_key, subject, detail, epoch(started_at), epoch(ended_at)
FROM incidents WHERE ended_at IS NULL AND list_contains($kinds::VARCHAR[], kind);

-- name: all_open_incidents
SELECT incident_id, kind, subject_key, subject, detail, epoch(started_at), epoch(ended_at)
FROM incidents WHERE ended_at IS NULL;

-- name: open_incident
INSERT INTO incidents (kind, subject_key, subject, detail, started_at, start_batch)
VALUES ($kind, $subject_key, $subject, $detail, $now, $batch_id);

-- name: close_incident
UPDATE incidents SET ended_at = $now, end_batch = $batch_id WHERE incident_id = $incident_id;

-- name: ended_incidents_told
-- Closed incidents whose start this destination was told of (so it hears of the end).
SELECT incident_id, kind, subject_key, subject, detail, epoch(started_at), epoch(ended_at)
FROM incidents i
WHERE ended_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM outbox o WHERE o.url_hash = $url_hash
              AND o.message_key = 'incident:' || i.incident_id || ':start');
