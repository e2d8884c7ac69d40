-- version_history: every text version of every notice, with the diff that made it
-- (NULL for version 1). deleted/inserted list the changed passages.
CREATE OR REPLACE VIEW version_history AS
WITH d AS (
    SELECT notice_id, to_version, change_id, summary, diff,
           json_transform(diff, '[["VARCHAR"]]') AS ops
    FROM change_events
    WHERE kind = 'edited'
)
SELECT
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
    [op[2] FOR op IN d.ops IF op[1] = '-1']                             AS deleted,
    [op[2] FOR op IN d.ops IF op[1] = '1']                              AS inserted
FROM notice_versions AS v
LEFT JOIN d ON d.notice_id = v.notice_id AND d.to_version = v.version_no;
