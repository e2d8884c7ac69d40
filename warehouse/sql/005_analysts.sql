-- 005: what analysts need to answer their questions in SQL alone (issue 17).
--
-- batches.as_of / diffed_at: the cycle's date (--as-of) and the instant the diff
-- stage last ran on the batch. The newest batch with an as_of is the latest
-- completed cycle (view latest_cycle); views with days left or phases count
-- from its as_of, not from the analyst's current_date. Batches loaded before
-- this step take the as_of of the events detected after them (a batch whose
-- cycle detected nothing keeps NULL and is skipped by latest_cycle).
ALTER TABLE batches ADD COLUMN as_of DATE;
ALTER TABLE batches ADD COLUMN diffed_at TIMESTAMPTZ;
UPDATE batches AS b
SET as_of = e.as_of, diffed_at = e.detected_at
FROM (SELECT batch_id, max(as_of) AS as_of, max(detected_at) AS detected_at
      FROM change_events GROUP BY batch_id) AS e
WHERE e.batch_id = b.batch_id;

-- edit_hunks: one row per changed passage of an edited event, cut by
-- core.textdiff.placed_hunks exactly as alerts cut them, the section named by
-- warehouse.summaries.section_of. Filled by the diff stage for every edited
-- event without rows (so events recorded before this step are filled by the
-- next diff run). Analysts read it through the view change_hunks.
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
