-- 001: the warehouse's tables. Crawl facts (batches, fetches, listing_entries)
-- are appended as loaded; notice_versions grows by one row per new text;
-- notice_state holds one row per notice ever seen; change_events is what the
-- diff stage detected (the contract with alerts/, see docs/warehouse.md).
-- Instants are TIMESTAMPTZ (UTC); dates are DATE.

CREATE SEQUENCE change_id_seq START 1;

CREATE TABLE batches (
    batch_id       VARCHAR PRIMARY KEY,     -- YYYYMMDDTHHMMSSmmmZ-xxxxxx, sorts in time order
    started_at     TIMESTAMPTZ NOT NULL,    -- the instant in the batch id
    source         VARCHAR,
    list_complete  BOOLEAN NOT NULL,        -- every announced list page was read ok
    fetch_count    INTEGER NOT NULL,
    listing_count  INTEGER NOT NULL,
    notice_count   INTEGER NOT NULL,        -- articles read ok
    new_notices    INTEGER NOT NULL,
    new_versions   INTEGER NOT NULL,
    summary        JSON,                    -- summary.json as the crawler wrote it
    loaded_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE fetches (
    batch_id        VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    page_kind       VARCHAR NOT NULL,       -- list | article | probe
    outcome         VARCHAR NOT NULL,       -- ok | not_modified | not_found | server_error | ...
    fetched_at      TIMESTAMPTZ NOT NULL,
    notice_id       VARCHAR,
    http_status     INTEGER,
    reason          VARCHAR,
    etag            VARCHAR,
    last_modified   VARCHAR,
    content_sha256  VARCHAR,
    bytes           BIGINT,
    elapsed_ms      INTEGER,
    encoding        VARCHAR,
    page_no         INTEGER
);

CREATE TABLE listing_entries (
    batch_id   VARCHAR NOT NULL,
    notice_id  VARCHAR NOT NULL,
    url        VARCHAR NOT NULL,
    title      VARCHAR,
    listed_on  DATE,
    page_no    INTEGER,
    position   INTEGER                      -- 0-based rank in the whole list
);

CREATE TABLE notice_versions (
    notice_id              VARCHAR NOT NULL,
    version_no             INTEGER NOT NULL,   -- 1, 2, ... per notice
    text_sha256            VARCHAR NOT NULL,   -- sha256 of title || '\n' || body
    title                  VARCHAR NOT NULL,
    body                   VARCHAR NOT NULL,   -- normalised text, paragraphs separated by '\n'
    url                    VARCHAR NOT NULL,
    published_on           DATE,
    published_at           TIMESTAMP,          -- local Asia/Shanghai time printed on the page
    source                 VARCHAR,            -- 来源
    issuer                 VARCHAR,            -- the signature
    signed_on              DATE,
    publicity_start        DATE,               -- 公开期限
    publicity_end          DATE,
    publicity_end_derived  BOOLEAN,
    publicity_days         INTEGER,
    publicity_raw          VARCHAR,
    contacts               JSON,               -- {phones, emails, postcode, address, raw}
    inspection             JSON,               -- {group, start, end, feedback_on}
    attachments            JSON,               -- [{name, url}]
    raw_sha256             VARCHAR,            -- data/raw/<sha[:2]>/<sha>.html.gz
    first_seen_batch       VARCHAR NOT NULL,
    first_seen_at          TIMESTAMPTZ NOT NULL
    -- (notice_id, version_no) is unique by construction: the load, the only writer,
    -- numbers versions in one transaction. No PRIMARY KEY on purpose: DuckDB's index
    -- over this wide table made every cycle rewrite the whole table (file size x2).
);

CREATE TABLE notice_state (
    notice_id           VARCHAR PRIMARY KEY,
    url                 VARCHAR NOT NULL,
    list_title          VARCHAR,
    listed_on           DATE,
    list_position       INTEGER,
    status              VARCHAR NOT NULL DEFAULT 'active',  -- active | removed (set by diff)
    first_seen          TIMESTAMPTZ NOT NULL,
    first_seen_batch    VARCHAR NOT NULL,
    last_seen           TIMESTAMPTZ NOT NULL,   -- listed, or its page read ok/304
    last_listed_batch   VARCHAR,
    last_fetch_at       TIMESTAMPTZ,
    last_fetch_outcome  VARCHAR,
    last_checked_at     TIMESTAMPTZ,            -- last ok/304 read of its page
    etag                VARCHAR,
    last_modified       VARCHAR,
    absent_streak       INTEGER NOT NULL DEFAULT 0,  -- consecutive confirmed absences
    latest_version      INTEGER NOT NULL DEFAULT 0   -- 0: listed but never read ok
);

CREATE TABLE change_events (
    change_id        BIGINT PRIMARY KEY DEFAULT nextval('change_id_seq'),
    event_key        VARCHAR NOT NULL UNIQUE,   -- new:ID, edited:ID:V, removed:ID:N, ...
    notice_id        VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,          -- new | edited | removed | restored | expiring | expired
    batch_id         VARCHAR,                   -- newest loaded batch when detected
    detected_at      TIMESTAMPTZ NOT NULL,
    as_of            DATE NOT NULL,
    baseline         BOOLEAN NOT NULL,
    summary          VARCHAR NOT NULL,
    from_version     INTEGER,
    to_version       INTEGER,
    diff             JSON,                      -- [[op, text], ...], op -1/0/1; edited only
    publicity_start  DATE,
    publicity_end    DATE
);
