-- The alerts' outbox (alerts/outbox.py; tables in warehouse/sql/002_outbox.sql).
-- Each statement runs on its own (DuckDB autocommit), so a row's "sent" is on
-- disk the moment Apprise has delivered it. The rows of one message (column
-- `message`, migration 008) are marked by one statement, so together.

-- name: register
-- Remember a destination; a new one hears of the latest cycle's events onwards.
INSERT INTO alert_destinations (url_hash, channel, since_batch, first_seen)
SELECT $url_hash, $channel, coalesce((SELECT max(batch_id) FROM change_events), ''), $now
ON CONFLICT (url_hash) DO UPDATE SET channel = excluded.channel;

-- name: next_run
-- The number that names this run's messages (notice:<id>:<run>, digest:<run>).
SELECT nextval('alert_run_seq');

-- name: enqueue_events
-- The events a destination wants (kinds; keywords in title or issuer) and has no row for.
-- Baseline events only of the kinds alerted one by one; none older than its since_batch.
-- A notice's events of this run share a message; a digest destination's all do.
INSERT INTO outbox (message_key, url_hash, audience, channel, change_id, queued_at, message)
SELECT 'change:' || e.change_id, $url_hash, $audience, $channel, e.change_id, $now,
       CASE WHEN $digest THEN 'digest:' || $run
            ELSE 'notice:' || e.notice_id || ':' || $run END
FROM change_events e
JOIN changes c USING (change_id)
WHERE list_contains($kinds::VARCHAR[], e.kind)
  AND (NOT e.baseline OR list_contains($baseline_kinds::VARCHAR[], e.kind))
  AND coalesce(e.batch_id, '') >= (SELECT since_batch FROM alert_destinations
                                   WHERE url_hash = $url_hash)
  AND (len($keywords::VARCHAR[]) = 0
       OR list_bool_or([contains(coalesce(c.title, ''), k) OR contains(coalesce(c.issuer, ''), k)
                        FOR k IN $keywords::VARCHAR[]]))
ORDER BY e.change_id
ON CONFLICT DO NOTHING;

-- name: run_messages
-- How many messages of one notice each this run queued for a destination.
SELECT count(DISTINCT message) FROM outbox
WHERE url_hash = $url_hash AND status = 'pending' AND starts_with(message, 'notice:')
  AND split_part(message, ':', 3) = $run;

-- name: flood_to_digest
-- A flood: this run's messages of one notice each become the run's one digest.
UPDATE outbox SET message = 'digest:' || $run
WHERE url_hash = $url_hash AND status = 'pending' AND starts_with(message, 'notice:')
  AND split_part(message, ':', 3) = $run;

-- name: baseline_facts
-- The baseline a destination would be told of (its keywords apply).
SELECT min(e.batch_id),
       count(*) FILTER (WHERE e.kind = 'new'),
       count(*) FILTER (WHERE e.kind = 'expired'),
       count(*) FILTER (WHERE e.kind = 'expiring'),
       max(e.as_of)
FROM change_events e JOIN changes c USING (change_id)
WHERE e.baseline
  AND (len($keywords::VARCHAR[]) = 0
       OR list_bool_or([contains(coalesce(c.title, ''), k) OR contains(coalesce(c.issuer, ''), k)
                        FOR k IN $keywords::VARCHAR[]]));

-- name: enqueue_message
-- A message that is not one event (a summary, an operators' notice): one row, its own message.
INSERT INTO outbox (message_key, url_hash, audience, channel, payload, queued_at, message)
VALUES ($key, $url_hash, $audience, $channel, $payload, $now, $key)
ON CONFLICT DO NOTHING;

-- name: queued
-- Whether this destination has a row for this message key.
SELECT count(*) > 0 FROM outbox WHERE url_hash = $url_hash AND message_key = $key;

-- name: since_batch
SELECT since_batch FROM alert_destinations WHERE url_hash = $url_hash;

-- name: pending
-- Pending rows of these destinations, oldest first (unconfigured ones' rows just wait).
SELECT delivery_id, message_key, url_hash, audience, channel, change_id, payload, attempts,
       coalesce(message, message_key)
FROM outbox
WHERE status = 'pending' AND list_contains($hashes::VARCHAR[], url_hash)
  AND audience = coalesce($audience, audience)
ORDER BY delivery_id;

-- name: message_events
-- Every event of one message of one destination, whatever its rows' status (a digest's
-- parts are cut from all of them, so a retry sends the same parts).
SELECT change_id FROM outbox
WHERE url_hash = $url_hash AND message = $message AND change_id IS NOT NULL
ORDER BY delivery_id;

-- name: mark_sent
-- The rows of one message (or digest part), in one statement.
UPDATE outbox SET status = 'sent', sent_at = $now, last_tried_at = $now, last_error = NULL
WHERE list_contains($ids::BIGINT[], delivery_id) AND status = 'pending';

-- name: mark_failed_run
-- One failed run for the rows of one message, in one statement; failed at max_attempts.
UPDATE outbox SET attempts = attempts + 1,
                  status = CASE WHEN attempts + 1 >= $max_attempts THEN 'failed'
                                ELSE 'pending' END,
                  last_error = $error, last_tried_at = $now
WHERE list_contains($ids::BIGINT[], delivery_id) AND status = 'pending'
RETURNING status;

-- name: destination_ok
UPDATE alert_destinations SET last_ok_at = $now, failing_since = NULL WHERE url_hash = $url_hash;

-- name: destination_failed
UPDATE alert_destinations SET failing_since = coalesce(failing_since, $now)
WHERE url_hash = $url_hash;

-- name: destination_health
-- Per configured destination: when it started failing (null when fine), its last success,
-- its pending deliveries, the most failed runs one of them has had, the deliveries given
-- up, and those given up since it started failing.
SELECT d.url_hash, d.channel, epoch(d.failing_since), epoch(d.last_ok_at),
       count(o.delivery_id) FILTER (WHERE o.status = 'pending'),
       coalesce(max(o.attempts) FILTER (WHERE o.status = 'pending'), 0),
       count(o.delivery_id) FILTER (WHERE o.status = 'failed'),
       count(o.delivery_id) FILTER (WHERE o.status = 'failed'
                                    AND o.last_tried_at >= d.failing_since),
       epoch(max(o.last_tried_at) FILTER (WHERE o.status = 'failed'))
FROM alert_destinations AS d
LEFT JOIN outbox AS o ON o.url_hash = d.url_hash AND o.audience = $audience
WHERE list_contains($hashes::VARCHAR[], d.url_hash)
GROUP BY ALL
ORDER BY d.url_hash;

-- name: record_resends
-- Before failed deliveries go back to pending: what each had been through (004).
INSERT INTO outbox_resends (delivery_id, requested_at, attempts_before, last_error_before)
SELECT delivery_id, $now, attempts, last_error FROM outbox
WHERE status = 'failed' AND list_contains($hashes::VARCHAR[], url_hash);

-- name: retry_failed
-- Failed deliveries of these destinations are tried again, from a fresh count of runs.
UPDATE outbox SET status = 'pending', attempts = 0
WHERE status = 'failed' AND list_contains($hashes::VARCHAR[], url_hash);
