-- depends: sources
-- pair_hunks: the changed passages between two versions of a notice that are not
-- consecutive (table version_pair_hunks, migration 028, cut by the diff stage as
-- change_hunks are), with the source; what diff_versions reads besides change_hunks.
CREATE OR REPLACE VIEW pair_hunks AS
SELECT
    src.source_id,
    src.source_name,
    p.notice_id,
    p.from_version,
    p.to_version,
    p.seq,
    p.section,
    p.position,
    p.before,
    p.after,
    p.context_before,
    p.context_after,
    p.marked
FROM version_pair_hunks AS p
CROSS JOIN sources AS src;
