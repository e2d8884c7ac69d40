-- 005: what analysts need to answer their questions in SQL alone (issue 17).
--
-- edit_hunks: one row per changed passage of an edited event, cut by
-- core.textdiff.placed_hunks exactly as alerts cut them (numbers and dates
-- widened whole), the section named by warehouse.summaries.section_of. Filled
-- by the diff stage for every edited event without rows (so events recorded
-- before this step are filled by the next diff run). Analysts read it through
-- the view change_hunks.
-- (The cycle's date that days left count from is diff_runs.as_of, migration
-- 006, read through the view latest_cycle.)
CREATE TABLE edit_hunks (
    change_id       BIGINT NOT NULL,     -- change_events.change_id (kind edited)
    seq             INTEGER NOT NULL,    -- 1, 2, ... in text order
    section         VARCHAR NOT NULL,    -- 标题, 导语, 公开期限, 联系方式 or the heading above
    position        INTEGER NOT NULL,    -- offset of the first change in the new text
    before          VARCHAR NOT NULL,    -- the old text from the first change to the last
    after           VARCHAR NOT NULL,    -- the new text in its place
    context_before  VARCHAR NOT NULL,    -- unchanged text before (… when cut)
    context_after   VARCHAR NOT NULL,    -- unchanged text after (… when cut)
    marked          VARCHAR NOT NULL,    -- the hunk as alerts write it: …[-old-]{+new+}…
    PRIMARY KEY (change_id, seq)
);
