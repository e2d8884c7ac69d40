-- The analysts' copy across sources (warehouse/across.py): what it reads of a source's
-- copy (attached as src) and what it records of itself.

-- name: bookkeeping
-- copy_sources: one row per source merged in, and when; analyst_relations: which
-- relations each source gave (zgwatch export writes each of them once).
CREATE TABLE IF NOT EXISTS copy_sources (
    source_id VARCHAR PRIMARY KEY, source_name VARCHAR NOT NULL,
    merged_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS analyst_relations (
    source_id VARCHAR NOT NULL, name VARCHAR NOT NULL, PRIMARY KEY (source_id, name));

-- name: source_views
SELECT view_name FROM duckdb_views()
WHERE database_name = 'src' AND schema_name = 'main' AND NOT internal;

-- name: source_tables
SELECT table_name FROM duckdb_tables()
WHERE database_name = 'src' AND schema_name = 'main' AND list_contains($names, table_name);

-- name: columns
SELECT column_name, data_type FROM duckdb_columns()
WHERE database_name = $database AND schema_name = 'main' AND table_name = $name
ORDER BY column_index;

-- name: relations_gone
-- Relations the source gave before and gives no more (a view a newer release dropped).
SELECT name FROM analyst_relations
WHERE source_id = $source_id AND NOT list_contains($names, name)
  AND name IN (SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main');

-- name: forget_relations
DELETE FROM analyst_relations WHERE source_id = $source_id;

-- name: record_relation
INSERT INTO analyst_relations VALUES ($source_id, $name);

-- name: record_source
INSERT INTO copy_sources VALUES ($source_id, $source_name, now())
ON CONFLICT (source_id) DO UPDATE SET source_name = excluded.source_name,
                                      merged_at = excluded.merged_at;

-- name: source_has_index
-- The source's copy holds a search index (its publish built one): fts's tables and
-- search_index.
SELECT (SELECT count(*) FROM duckdb_tables()
        WHERE database_name = 'src' AND schema_name = 'fts_main_search_text'
          AND table_name IN ('docs', 'dict', 'terms', 'stats', 'fields', 'notice_docs')) = 6
   AND EXISTS (SELECT 1 FROM duckdb_tables()
               WHERE database_name = 'src' AND schema_name = 'main'
                 AND table_name = 'search_index');

-- name: latest_texts
-- Each notice's latest text: what search_notices cuts its snippets from.
SELECT v.notice_id, v.version_no, v.title, v.body
FROM src.notice_versions AS v
JOIN src.notice_state AS s ON s.notice_id = v.notice_id AND s.latest_version = v.version_no

-- name: indexed_sources
SELECT c.source_id, c.source_name FROM copy_sources AS c
WHERE EXISTS (SELECT 1 FROM duckdb_schemas() WHERE schema_name = 'search_' || c.source_id)
ORDER BY c.source_id;
