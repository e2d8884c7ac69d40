-- The source a warehouse holds (warehouse/source.py; table in 022_sources.sql).

-- name: recorded
SELECT source_id FROM warehouse_source;

-- name: record
INSERT INTO warehouse_source (source_id, name, url, kind, since, updated_at)
VALUES ($source_id, $name, $url, $kind, $now, $now)
ON CONFLICT (source_id) DO UPDATE
SET name = excluded.name, url = excluded.url, kind = excluded.kind,
    updated_at = excluded.updated_at;
