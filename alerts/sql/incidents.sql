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

-- name: batch_runaway
-- Why the batch's crawl ran away (invented notices, its time budget), or NULL.
SELECT json_extract_string(summary, '$.runaway') FROM batches WHERE batch_id = $batch_id;

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

-- name: recent_batches
-- The newest batches, newest first, and whether each read its whole list. A watcher's
-- quick crawl (summary "quick") reads the list only up to the first known notice on
-- purpose: it says nothing of whether the whole list can be read.
SELECT batch_id, list_complete FROM batches
WHERE NOT coalesce(json_extract(summary, '$.quick')::BOOLEAN, false)
ORDER BY batch_id DESC LIMIT $n;

-- name: list_pages_failed
-- The list pages of a batch that brought no content, as one line each.
SELECT url || ' ' || outcome || coalesce(' (HTTP ' || http_status || ')', '')
FROM fetches WHERE batch_id = $batch_id AND page_kind = 'list' AND NOT is_content(outcome)
ORDER BY page_no NULLS LAST, url;

-- name: articles_failing
-- Active notices whose article has brought no content since its last good read (or ever),
-- failing since $since or earlier: first failure, tries, and the last failure as one line.
-- A 404/410 is a removal, not a failure (the diff stage's business).
SELECT s.notice_id, s.url, min(f.fetched_at), count(*),
       arg_max(f.outcome || coalesce(' (HTTP ' || f.http_status || ')', '')
               || coalesce(': ' || f.reason, ''), f.fetched_at)
FROM notice_state AS s
JOIN fetches AS f ON f.notice_id = s.notice_id AND f.page_kind = 'article'
WHERE s.status = 'active'
  AND NOT is_content(s.last_fetch_outcome) AND s.last_fetch_outcome <> 'not_found'
  AND (s.last_checked_at IS NULL OR f.fetched_at > s.last_checked_at)
  AND NOT is_content(f.outcome)
GROUP BY s.notice_id, s.url
HAVING min(f.fetched_at) <= $since
ORDER BY s.notice_id;

-- name: incidents_listed
-- Open incidents, then the latest closed ones, for people to read (the zgwatch page).
SELECT incident_id, kind, subject_key, subject, detail, epoch(started_at), epoch(ended_at)
FROM incidents
ORDER BY ended_at IS NOT NULL, coalesce(ended_at, started_at) DESC, incident_id DESC
LIMIT $limit;
