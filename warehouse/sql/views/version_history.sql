-- version_history: every text version of every notice, with the diff that made it
-- (NULL for version 1). deleted/inserted list the changed passages in text order, as
-- change_hunks cuts them (edit_hunks: a changed digit gives its whole date or number,
-- 2月18日, never 2月18): what each passage held before, and what replaced it.
-- depends: sources
CREATE OR REPLACE VIEW version_history AS
WITH d AS (
    SELECT e.notice_id, e.to_version, e.change_id, e.summary, e.diff,
           list(h.before ORDER BY h.seq) FILTER (WHERE h.before <> '')   AS deleted,
           list(h.after ORDER BY h.seq) FILTER (WHERE h.after <> '')     AS inserted
    FROM change_events AS e
    LEFT JOIN edit_hunks AS h USING (change_id)
    WHERE e.kind = 'edited'
    GROUP BY ALL
)
SELECT
    src.source_id,
    src.source_name,
    v.notice_id,
    v.version_no,
    v.first_seen_at,
    v.first_seen_batch,
    v.title,
    v.issuer,
    v.published_on,
    v.publicity_start,
    v.publicity_end,
    v.text_sha256,
    v.raw_sha256,
    length(v.body)                                                      AS body_chars,
    v.body,
    d.change_id,
    d.summary,
    d.diff,
    CASE WHEN d.change_id IS NOT NULL THEN coalesce(d.deleted, []) END  AS deleted,
    CASE WHEN d.change_id IS NOT NULL THEN coalesce(d.inserted, []) END AS inserted
FROM notice_versions AS v
CROSS JOIN sources AS src
LEFT JOIN d ON d.notice_id = v.notice_id AND d.to_version = v.version_no;
