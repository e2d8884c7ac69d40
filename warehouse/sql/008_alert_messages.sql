-- 008: deliveries grouped into messages (owned by alerts/, see docs/alerts.md).
-- A notice's events queued in one alert run go to a destination as one message
-- (notice:<notice_id>:<run>), or, for a destination that wants a digest, every
-- event of the run as one message in numbered parts (digest:<run>). The outbox
-- keeps one row per event and destination (message_key change:<id>, as before);
-- `message` names the message the row goes out in, and the rows of one message
-- are marked sent or failed by one statement, together.

CREATE SEQUENCE alert_run_seq START 1;  -- one number per alert run that queued anything

ALTER TABLE outbox ADD COLUMN message VARCHAR;
-- rows queued before: each its own message, as they were
UPDATE outbox SET message = message_key WHERE message IS NULL;

-- Analysts: one row per alerted event and destination (interfaces.md), and the message.
CREATE OR REPLACE VIEW deliveries AS
SELECT
    change_id,
    channel,
    status,
    attempts,
    last_error,
    sent_at,
    delivery_id,
    url_hash,
    queued_at,
    last_tried_at,
    message
FROM outbox
WHERE change_id IS NOT NULL;
