-- depends: change_hunks
-- diff_versions(notice_id, a, b): the changed passages from version a to version b of
-- a notice (a < b), with the columns of change_hunks but change_id: the edit's rows
-- (change_hunks) when b = a + 1, else the stored pair (version_pair_hunks), cut the
-- same way, in text order. No rows when a >= b or either version does not exist.
CREATE OR REPLACE MACRO diff_versions(nid, a, b) AS TABLE
SELECT notice_id, seq, section, before, after, context_before, context_after, marked,
       position, from_version, to_version
FROM (
    SELECT notice_id, seq, section, before, after, context_before, context_after, marked,
           position, from_version, to_version
    FROM change_hunks
    WHERE notice_id = CAST(nid AS VARCHAR) AND from_version = a AND to_version = b
    UNION ALL
    SELECT notice_id, seq, section, before, after, context_before, context_after, marked,
           position, from_version, to_version
    FROM version_pair_hunks
    WHERE notice_id = CAST(nid AS VARCHAR) AND from_version = a AND to_version = b
)
ORDER BY seq;
