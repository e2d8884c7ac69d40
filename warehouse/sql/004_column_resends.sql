-- 004: the column a warehouse watches, and deliveries sent again on request.
-- Instants are TIMESTAMPTZ (UTC).

-- One row per address the warehouse's column has had; the highest column_no is the
-- current one. The first is recorded by the first cycle whose crawl read the column
-- (warehouse/column.py); a cycle asked to watch another column is refused (exit 2),
-- and only `zgwatch move-column URL` adds a row.
CREATE TABLE warehouse_column (
    column_no   INTEGER PRIMARY KEY,      -- 1, 2, ...: the current address is the highest
    source      VARCHAR NOT NULL,         -- the column's index URL, as crawled (no credentials)
    column_key  VARCHAR NOT NULL,         -- the URL without index.html, trailing slash, case
    since       TIMESTAMPTZ NOT NULL,
    moved_from  VARCHAR,                  -- the address before a move; null for the first
    how         VARCHAR NOT NULL          -- first cycle | adopted from batch <id> | moved | set by a move
);

-- `zgwatch alert --retry-failed`: one row per failed delivery put back to pending.
CREATE TABLE outbox_resends (
    delivery_id        BIGINT NOT NULL,   -- outbox.delivery_id
    requested_at       TIMESTAMPTZ NOT NULL,
    attempts_before    INTEGER NOT NULL,  -- the failed runs it had been given up after
    last_error_before  VARCHAR            -- masked, as in outbox.last_error
);
