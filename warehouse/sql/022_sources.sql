-- 022: the source a warehouse holds (issue 22, docs/sources.md): one row, recorded from
-- the settings by each cycle before its first request (warehouse/source.py), so the
-- analysts' relations say which source each row belongs to (source_id, source_name:
-- the view `sources`). A warehouse holds one source for ever: a cycle of another id is
-- refused (exit 2), as another column is (004). Numbered after the issue.
-- A warehouse made before this migration has no row until its next cycle records the
-- source it runs as (the registry's source whose URL names its column, else the
-- default source); until then `sources` shows the default source and its column.
CREATE TABLE warehouse_source (
    source_id   VARCHAR PRIMARY KEY,      -- [a-z0-9-]{1,40}: keys everything the source owns
    name        VARCHAR NOT NULL,         -- what people read (alerts, site)
    url         VARCHAR NOT NULL,         -- the list's index URL
    kind        VARCHAR NOT NULL,         -- rectification | stationing | feedback | other
    since       TIMESTAMPTZ NOT NULL,     -- the cycle that first recorded it
    updated_at  TIMESTAMPTZ NOT NULL      -- the latest cycle (name and kind may change)
);
