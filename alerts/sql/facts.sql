-- What the alerts tell of a notice (alerts/events.py, alerts/outbox.py): read only.
-- TIMESTAMPTZ is read as epoch seconds: DuckDB needs pytz to hand out aware datetimes.

-- name: events
-- The events with these ids, each with the notice's fields as of the event's version
-- (to_version, else the latest): the contacts a reader uses to send an opinion; and
-- the publicity end of the version before (from_version) an edit.
SELECT e.change_id, e.notice_id, e.kind, e.batch_id, epoch(e.detected_at), e.as_of,
       e.baseline, e.summary, s.url, coalesce(v.title, s.list_title), v.issuer,
       e.publicity_start, e.publicity_end, e.diff,
       v.version_no, v.contacts, e.from_version, o.publicity_end AS previous_end,
       v.document_kind
FROM change_events AS e
LEFT JOIN notice_state AS s ON s.notice_id = e.notice_id
LEFT JOIN notice_versions AS v
       ON v.notice_id = e.notice_id AND v.version_no = coalesce(e.to_version, s.latest_version)
LEFT JOIN notice_versions AS o  -- the version before an edit: a moved period's old end
       ON o.notice_id = e.notice_id AND o.version_no = e.from_version
WHERE list_contains($ids::BIGINT[], e.change_id);

-- name: has_parse_gaps
-- Whether the warehouse says which fields could not be read (the parse_gaps view).
SELECT count(*) > 0 FROM information_schema.tables WHERE table_name = 'parse_gaps';

-- name: gaps
-- The fields of these versions ('<notice_id>:<version_no>') that could not be read, or
-- were read with doubt; only the $fields alerts speak of.
SELECT DISTINCT notice_id, version_no, field, reason
FROM parse_gaps
WHERE list_contains($keys::VARCHAR[], notice_id || ':' || version_no)
  AND list_contains($fields::VARCHAR[], field)
ORDER BY notice_id, version_no, field, reason;

-- name: open_notices
-- Every active notice still open for opinions on $as_of, soonest deadline first, with
-- what a reader needs to send one (a destination's filters apply in Python).
SELECT n.notice_id, n.url, n.title, n.issuer, n.publicity_start, n.publicity_end,
       n.versions, n.contacts
FROM notices AS n
WHERE n.status = 'active'
  AND period_phase(n.publicity_start, n.publicity_end, $as_of::DATE) = 'open'
ORDER BY n.publicity_end, n.notice_id;

-- name: unread_periods
-- Active notices whose latest version has no publicity end because it could not be read
-- (parse_gaps), for a person to look at.
SELECT DISTINCT n.notice_id, n.url, n.title, n.issuer, n.versions, n.contacts
FROM notices AS n
JOIN parse_gaps AS g ON g.notice_id = n.notice_id AND g.version_no = n.versions
WHERE n.status = 'active' AND g.field LIKE 'publicity%' AND n.publicity_end IS NULL
ORDER BY n.notice_id;
