-- sources: the source whose rows these are (table warehouse_source, migration 022;
-- warehouse/source.py), one row: source_id, source_name, source_kind, source_url.
-- Every analyst view takes its first two columns, source_id and source_name, from
-- here. Before a cycle of this release has recorded the source (a warehouse made by
-- the previous release), the default source (core/sources.py) and the column the
-- warehouse remembers. In the analysts' copy across sources, a table of every source.
CREATE OR REPLACE VIEW sources AS
SELECT
    coalesce(s.source_id, default_source_id())                  AS source_id,
    coalesce(s.name, default_source_name())                     AS source_name,
    coalesce(s.kind, default_source_kind())                     AS source_kind,
    coalesce(s.url, c.source)                                   AS source_url,
    s.since,
    s.updated_at
FROM (SELECT 1) AS one
LEFT JOIN warehouse_source AS s ON true
LEFT JOIN (SELECT source FROM warehouse_column ORDER BY column_no DESC LIMIT 1) AS c ON true;
