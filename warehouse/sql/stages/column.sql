-- The column a warehouse watches (warehouse/column.py; table in 004_column_resends.sql).

-- name: file
SELECT path FROM duckdb_databases() WHERE database_name = current_database();

-- name: current
SELECT source, column_key, column_no FROM warehouse_column ORDER BY column_no DESC LIMIT 1;

-- name: first_readable_batch
-- A warehouse older than 004: its column is the one its first readable crawl read.
SELECT batch_id, source FROM batches
WHERE source IS NOT NULL AND json_extract_string(summary, '$.first_page_outcome') = 'ok'
ORDER BY batch_id LIMIT 1;

-- name: record
INSERT INTO warehouse_column (column_no, source, column_key, since, moved_from, how)
SELECT coalesce(max(column_no), 0) + 1, $source, $column_key, $now, $moved_from, $how
FROM warehouse_column;
