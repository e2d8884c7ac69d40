-- 002: the alerts' outbox (owned by alerts/, see docs/alerts.md).
-- One outbox row per message and destination; a row is written before the
-- message is sent and updated right after each try, so a rerun sends nothing
-- twice and a crash loses nothing. Destinations are stored masked
-- (Apprise's url(privacy=True)) with a SHA-256 of the full URL to recognise
-- them; the secret itself never reaches the warehouse.
-- Instants are TIMESTAMPTZ (UTC).

CREATE SEQUENCE outbox_id_seq START 1;
CREATE SEQUENCE incident_id_seq START 1;

-- Every destination ever configured, stakeholders' or operators'.
CREATE TABLE alert_destinations (
    url_hash       VARCHAR PRIMARY KEY,     -- sha256 hex of the full Apprise URL
    channel        VARCHAR NOT NULL,        -- the URL with its secrets masked
    since_batch    VARCHAR NOT NULL,        -- events of this batch and later are alerted here
    first_seen     TIMESTAMPTZ NOT NULL,
    last_ok_at     TIMESTAMPTZ,             -- last message it accepted
    failing_since  TIMESTAMPTZ              -- first failure since the last success; null when fine
);

CREATE TABLE outbox (
    delivery_id    BIGINT PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
    message_key    VARCHAR NOT NULL,        -- change:ID | baseline:BATCH | incident:ID:start|end
    url_hash       VARCHAR NOT NULL,
    audience       VARCHAR NOT NULL,        -- stakeholders | operators
    channel        VARCHAR NOT NULL,        -- masked, as in alert_destinations
    change_id      BIGINT,                  -- the event, for message_key change:ID
    payload        JSON,                    -- facts of messages that are not one event
    status         VARCHAR NOT NULL DEFAULT 'pending',  -- pending | sent | failed
    attempts       INTEGER NOT NULL DEFAULT 0,          -- runs that tried and failed
    last_error     VARCHAR,                 -- masked
    queued_at      TIMESTAMPTZ NOT NULL,
    last_tried_at  TIMESTAMPTZ,
    sent_at        TIMESTAMPTZ,
    UNIQUE (message_key, url_hash)
);

-- Trouble with the pipeline itself; operators hear of each once when it
-- starts and once when it ends (outbox rows incident:ID:start / :end).
CREATE TABLE incidents (
    incident_id    BIGINT PRIMARY KEY DEFAULT nextval('incident_id_seq'),
    kind           VARCHAR NOT NULL,        -- column_unreadable | all_blocked | destination_failing
    subject_key    VARCHAR NOT NULL,        -- '' or the failing destination's url_hash
    subject        VARCHAR NOT NULL,        -- what is in trouble, for people (masked)
    detail         VARCHAR,
    started_at     TIMESTAMPTZ NOT NULL,
    start_batch    VARCHAR,
    ended_at       TIMESTAMPTZ,             -- null while open
    end_batch      VARCHAR
);

-- Analysts: one row per alerted event and destination.
CREATE VIEW deliveries AS
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
    last_tried_at
FROM outbox
WHERE change_id IS NOT NULL;
