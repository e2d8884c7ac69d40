-- The alerts' outbox (alerts/outbox.py; tables in warehouse/sql/002_outbox.sql).
-- Each statement runs on its own (DuckDB autocommit), so a row's "sent" is on
-- disk the moment Apprise has delivered it.

-- name: register
-- Remember a destination; a new one hears of the latest cycle's events onwards.
INSERT INTO alert_destinations (url_hash, channel, since_batch, first_seen)
SELECT $url_hash, $channel, coalesce((SELECT max(batch_id) FROM change_events), ''), $now
ON CONFLICT (url_hash) DO UPDATE SET channel = excluded.channel;

-- name: enqueue_events
-- The events a destination wants (kinds; keywords in title or issuer) and has no row for.
-- Baseline events only of the kinds alerted one by one; none older than its since_batch.
INSERT INTO outbox (message_key, url_hash, audience, channel, change_id, queued_at)
SELECT 'change:' || e.change_id, $url_hash, $audience, $channel, e.change_id, $now
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
-- A message that is not one event (a summary, an operators' notice).
INSERT INTO outbox (message_key, url_hash, audience, channel, payload, queued_at)
VALUES ($key, $url_hash, $audience, $channel, $payload, $now)
ON CONFLICT DO NOTHING;

-- name: since_batch
SELECT since_batch FROM alert_destinations WHERE url_hash = $url_hash;

-- name: pending
-- Pending rows of these destinations, oldest first (unconfigured ones' rows just wait).
SELECT delivery_id, message_key, url_hash, audience, channel, change_id, payload, attempts
FROM outbox
WHERE status = 'pending' AND list_contains($hashes::VARCHAR[], url_hash)
  AND audience = coalesce($audience, audience)
ORDER BY delivery_id;

-- name: mark_sent
UPDATE outbox SET status = 'sent', sent_at = $now, last_tried_at = $now, last_error = NULL
WHERE delivery_id = $delivery_id;

-- name: mark_failed_run
UPDATE outbox SET attempts = $attempts, status = $status, last_error = $error,
                  last_tried_at = $now
WHERE delivery_id = $delivery_id;

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
