-- depends: change_hunks, pair_hunks
-- diff_versions(notice_id, a, b, source_id := NULL): the changed passages from
-- version a to version b of a notice (a < b), with the columns of change_hunks but
-- change_id: the edit's rows (change_hunks) when b = a + 1, else the stored pair
-- (pair_hunks), cut the same way, in text order. No rows when a >= b or either
-- version does not exist. Where several sources are (the analysts' copy across
-- sources), source_id names the notice's source; NULL: every source's notice of
-- that id. (Inside, an unqualified source_id is the argument: every column is x.'s.)
CREATE OR REPLACE MACRO diff_versions(nid, a, b, source_id := NULL) AS TABLE
SELECT x.source_id, x.source_name, x.notice_id, x.seq, x.section, x.before, x.after,
       x.context_before, x.context_after, x.marked, x.position, x.from_version, x.to_version
FROM (
    SELECT h.source_id, h.source_name, h.notice_id, h.seq, h.section, h.before, h.after,
           h.context_before, h.context_after, h.marked, h.position, h.from_version,
           h.to_version
    FROM change_hunks AS h
    UNION ALL
    SELECT p.source_id, p.source_name, p.notice_id, p.seq, p.section, p.before, p.after,
           p.context_before, p.context_after, p.marked, p.position, p.from_version,
           p.to_version
    FROM pair_hunks AS p
) AS x
WHERE x.notice_id = CAST(nid AS VARCHAR) AND x.from_version = a AND x.to_version = b
  AND (source_id IS NULL OR x.source_id = source_id)  -- the argument; x.source_id the row's
ORDER BY x.source_id, x.seq;
