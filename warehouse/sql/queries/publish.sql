-- What a published analyst copy says about the publish that made it (warehouse/publish.py).

-- name: left_over
-- The notices its search index left for the next publish, and whether an
-- incident of $kind was open when the copy was taken.
SELECT (SELECT unindexed FROM search_index),
       EXISTS (SELECT 1 FROM incidents WHERE kind = $kind AND ended_at IS NULL);

-- name: cycle_as_of
-- The latest cycle's date (the day the inspection cycle's deadlines are counted to); NULL
-- before the first diff.
SELECT max(as_of) FROM latest_cycle;

-- A spare copy brought up to date from the warehouse (warehouse/publish.py,
-- _bring_up_to_date): the warehouse's connection has the spare attached as
-- zg_spare; {table} is a table of the warehouse, quoted.

-- name: schema_objects
-- What a database's main schema is made of: tables, views, indexes and
-- sequences with their SQL, macros by name. The spare must be made of what the
-- warehouse is made of (and the analysts' additions, search.COPY_ONLY).
SELECT object_type, name, sql FROM (
    SELECT 'table' AS object_type, table_name AS name, sql FROM duckdb_tables()
    WHERE database_name = $db AND schema_name = 'main' AND NOT temporary
    UNION ALL
    SELECT 'view', view_name, sql FROM duckdb_views()
    WHERE database_name = $db AND schema_name = 'main' AND NOT internal AND NOT temporary
    UNION ALL
    SELECT 'index', index_name, sql FROM duckdb_indexes()
    WHERE database_name = $db AND schema_name = 'main'
    UNION ALL
    SELECT 'sequence', sequence_name, NULL FROM duckdb_sequences()
    WHERE database_name = $db AND schema_name = 'main'
    UNION ALL
    SELECT DISTINCT 'macro', function_name, NULL FROM duckdb_functions()
    WHERE database_name = $db AND schema_name = 'main' AND NOT internal
      AND function_type IN ('macro', 'table_macro')
) ORDER BY ALL;

-- name: row_counts
-- Rows of {table} in the warehouse, and in the spare.
SELECT (SELECT count(*) FROM {table}), (SELECT count(*) FROM zg_spare.main.{table});

-- name: differing_ends
-- An append-only table's first and last rows in the spare that the warehouse
-- does not hold at the same place (0: the spare's rows are the warehouse's first ones).
SELECT count(*) FROM (
    SELECT * FROM zg_spare.main.{table} WHERE rowid IN (0, $last)
    EXCEPT ALL
    SELECT * FROM {table} WHERE rowid IN (0, $last));

-- name: filled_since
-- Rows of {table} whose {column} the spare holds NULL and the warehouse has filled since
-- (publish.FILLED_IN_PLACE; $rows: the spare's rows, the warehouse's first ones).
SELECT (SELECT count(*) FROM zg_spare.main.{table} WHERE {column} IS NULL)
     - (SELECT count(*) FROM {table} WHERE rowid < $rows AND {column} IS NULL);

-- name: append_rows
-- The rows an append-only table gained since the spare was taken.
INSERT INTO zg_spare.main.{table} SELECT * FROM {table} WHERE rowid >= $start;

-- name: clear_rows
DELETE FROM zg_spare.main.{table};

-- name: all_rows
INSERT INTO zg_spare.main.{table} SELECT * FROM {table};

-- name: spare_lag
-- How many more of the warehouse's latest texts the spare's search index lacks
-- than the published copy's (attached as zg_published): the notices the spare
-- would tokenise again.
WITH latest AS (
    SELECT v.notice_id, v.text_sha256 FROM notice_versions AS v
    JOIN notice_state AS s ON s.notice_id = v.notice_id AND s.latest_version = v.version_no
)
SELECT (SELECT count(*) FROM latest
        ANTI JOIN zg_spare.fts_main_search_text.notice_docs USING (notice_id, text_sha256))
     - (SELECT count(*) FROM latest
        ANTI JOIN zg_published.fts_main_search_text.notice_docs USING (notice_id, text_sha256));
