-- Parse gaps told to operators (alerts/gaps.py; the view is warehouse/sql/views/parse_gaps.sql).

-- name: new_gaps
-- The gaps of notices' current versions, first read in a batch this destination hears of
-- (its since_batch), that it has no message for yet: one row per (notice, version, field);
-- only the $fields alerts speak of (alerts/events.py, GAP_FIELDS).
SELECT g.notice_id, g.version_no, g.field,
       list(g.reason ORDER BY g.reason)  AS reasons,
       list(g.detail ORDER BY g.reason)  AS details,
       any_value(g.title)                AS title,
       any_value(g.url)                  AS url,
       any_value(g.document_kind)        AS document_kind,
       any_value(g.published_on)         AS published_on,
       any_value(g.raw)                  AS raw
FROM parse_gaps AS g
WHERE g.latest
  AND list_contains($fields::VARCHAR[], g.field)
  AND g.first_seen_batch >= (SELECT since_batch FROM alert_destinations
                             WHERE url_hash = $url_hash)
  AND NOT EXISTS (SELECT 1 FROM outbox AS o
                  WHERE o.url_hash = $url_hash
                    AND o.message_key = 'gap:' || g.notice_id || ':' || g.version_no || ':'
                                        || g.field)
GROUP BY g.notice_id, g.version_no, g.field
ORDER BY g.notice_id, g.version_no, g.field;
