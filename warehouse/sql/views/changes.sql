-- changes: one row per detected event (change_events), with the notice's url,
-- title and issuer as of the event's version.
-- depends: sources
CREATE OR REPLACE VIEW changes AS
SELECT
    src.source_id,
    src.source_name,
    e.change_id,
    e.notice_id,
    s.url,
    coalesce(v.title, s.list_title) AS title,
    e.kind,
    e.detected_at,
    e.as_of,
    e.summary,
    e.baseline,
    v.issuer,
    e.batch_id,
    e.event_key,
    e.from_version,
    e.to_version,
    e.publicity_start,
    e.publicity_end,
    e.diff
FROM change_events AS e
CROSS JOIN sources AS src
LEFT JOIN notice_state AS s ON s.notice_id = e.notice_id
LEFT JOIN notice_versions AS v
       ON v.notice_id = e.notice_id AND v.version_no = coalesce(e.to_version, s.latest_version);
