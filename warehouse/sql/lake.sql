-- The lake (warehouse/lake.py): every source's analyst relations in one DuckLake.
-- A publish only ever INSERTs: the rows of one snapshot of one source, then the
-- snapshot's row in lake.snapshots, in one transaction. No two writers update the
-- same rows (DuckLake commits concurrent inserts; concurrent updates would conflict).
-- Analysts read the views, which show each source's latest snapshot. The copy's own
-- source_id and source_name (every analyst relation's first columns) give way to the
-- publish's source_id, so a lake made before them keeps its columns.

-- name: create_snapshots
CREATE TABLE IF NOT EXISTS lake.snapshots (
    source_id    VARCHAR NOT NULL,
    snapshot_id  VARCHAR NOT NULL,  -- the publish's UTC instant, YYYYmmddTHHMMSSffffffZ: sorts in time
    published_at TIMESTAMPTZ NOT NULL,
    notices      BIGINT NOT NULL,
    changes      BIGINT NOT NULL
);

-- name: create_notice_rows
CREATE TABLE IF NOT EXISTS lake.notice_rows AS
SELECT ''::VARCHAR AS source_id, ''::VARCHAR AS snapshot_id, 
    COLUMNS(c -> c NOT IN ('source_id', 'source_name')) FROM copy.notices LIMIT 0;

-- name: create_change_rows
CREATE TABLE IF NOT EXISTS lake.change_rows AS
SELECT ''::VARCHAR AS source_id, ''::VARCHAR AS snapshot_id, 
    COLUMNS(c -> c NOT IN ('source_id', 'source_name')) FROM copy.changes LIMIT 0;

-- name: create_latest
-- each source's latest snapshot
CREATE OR REPLACE VIEW lake.latest_snapshots AS
SELECT source_id, max(snapshot_id) AS snapshot_id FROM lake.snapshots GROUP BY source_id;

-- name: create_notices
CREATE OR REPLACE VIEW lake.notices AS
SELECT r.* FROM lake.notice_rows r JOIN lake.latest_snapshots USING (source_id, snapshot_id);

-- name: create_changes
CREATE OR REPLACE VIEW lake.changes AS
SELECT r.* FROM lake.change_rows r JOIN lake.latest_snapshots USING (source_id, snapshot_id);

-- name: insert_notices
INSERT INTO lake.notice_rows BY NAME
SELECT $source_id AS source_id, $snapshot_id AS snapshot_id, 
    COLUMNS(c -> c NOT IN ('source_id', 'source_name')) FROM copy.notices;

-- name: insert_changes
INSERT INTO lake.change_rows BY NAME
SELECT $source_id AS source_id, $snapshot_id AS snapshot_id, 
    COLUMNS(c -> c NOT IN ('source_id', 'source_name')) FROM copy.changes;

-- name: insert_snapshot
INSERT INTO lake.snapshots
SELECT $source_id, $snapshot_id, $published_at,
       (SELECT count(*) FROM copy.notices), (SELECT count(*) FROM copy.changes);

-- name: snapshot_counts
SELECT notices, changes FROM lake.snapshots
WHERE source_id = $source_id AND snapshot_id = $snapshot_id;
