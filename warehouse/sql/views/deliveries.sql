-- depends: sources
-- deliveries: one row per alerted event and destination (interfaces.md), and the
-- message it goes out in (outbox, migrations 002 and 008; owned by alerts/).
CREATE OR REPLACE VIEW deliveries AS
SELECT
    src.source_id,
    src.source_name,
    o.change_id,
    o.channel,
    o.status,
    o.attempts,
    o.last_error,
    o.sent_at,
    o.delivery_id,
    o.url_hash,
    o.queued_at,
    o.last_tried_at,
    o.message
FROM outbox AS o
CROSS JOIN sources AS src
WHERE o.change_id IS NOT NULL;
