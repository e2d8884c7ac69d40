-- 028: the changed passages between any two versions of a notice (issue 28), so the
-- table macro diff_versions(notice_id, a, b) answers in SQL alone, as the history
-- site shows every pair. Two consecutive versions are an edit, whose passages are
-- edit_hunks (change_hunks); this table holds every other pair (a < b - 1), cut the
-- same way (core.textdiff.placed_hunks through warehouse.summaries.passages) by the
-- diff stage, for every pair of differing texts without rows (numbered after the
-- issue, not the next free number, so that migrations of other areas never collide).
CREATE TABLE version_pair_hunks (
    notice_id       VARCHAR NOT NULL,
    from_version    INTEGER NOT NULL,    -- the older version (a)
    to_version      INTEGER NOT NULL,    -- the newer (b), at least a + 2
    seq             INTEGER NOT NULL,    -- as edit_hunks
    section         VARCHAR NOT NULL,
    position        INTEGER NOT NULL,
    before          VARCHAR NOT NULL,
    after           VARCHAR NOT NULL,
    context_before  VARCHAR NOT NULL,
    context_after   VARCHAR NOT NULL,
    marked          VARCHAR NOT NULL,
    PRIMARY KEY (notice_id, from_version, to_version, seq)
);
