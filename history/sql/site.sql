-- The history site's reads (history/read.py). Read-only: the site is built
-- from an open read-only connection to the warehouse or its analyst copy,
-- through the analyst relations (notices, notice_versions, changes,
-- deliveries, batches, fetches, fetch_failures, diff_runs).
-- Instants are read as epoch seconds (UTC), as alerts/events.py does. Sets of ids
-- ($ids, $shas, $batches) come as one comma-separated string: DuckDB's Python
-- client binds a list element by element, trying to import pandas for each.

-- name: latest_as_of
-- The cycle's date of the latest diff run (the newest batch wins, then the latest run).
SELECT as_of FROM diff_runs ORDER BY batch_id DESC NULLS LAST, ran_at DESC LIMIT 1;

-- name: latest_event_as_of
-- For a warehouse without diff_runs (before migration 006).
SELECT max(as_of) FROM change_events;

-- name: column_source
SELECT source FROM batches ORDER BY batch_id DESC LIMIT 1;

-- name: index_rows
-- One row per notice for the index, with its latest event and a fingerprint of
-- everything its own page shows (a page is rewritten when the fingerprint moves).
WITH e AS (
    SELECT notice_id,
           count(*)                          AS events,
           max(change_id)                    AS last_change_id,
           arg_max(kind, change_id)          AS last_kind,
           epoch(max(detected_at))           AS last_change_at
    FROM change_events
    GROUP BY notice_id
)
SELECT n.notice_id, n.url, n.title, n.issuer, n.published_on, n.publicity_start,
       n.publicity_end, n.status, n.versions, e.last_kind, e.last_change_at,
       md5(concat_ws('|', n.status, n.url, n.title, n.issuer, n.published_on, n.versions,
                     n.listed_on, coalesce(e.events, 0), coalesce(e.last_change_id, 0)))
           AS fingerprint
FROM notices AS n
LEFT JOIN e USING (notice_id)
ORDER BY n.published_on DESC NULLS LAST, n.notice_id DESC;

-- name: notice_fields
-- What a notice page shows of the notice and its latest version.
SELECT notice_id, url, title, issuer, published_on, publicity_start, publicity_end, status,
       versions, published_at, source, signed_on, publicity_days, publicity_end_derived,
       publicity_raw, contacts, inspection_group, inspection_start, inspection_end,
       feedback_on, attachments, epoch(first_seen), list_title, listed_on
FROM notices
WHERE notice_id IN (SELECT unnest(string_split($ids, ',')));

-- name: notice_versions
-- Every version of the notices asked for, with the fetch that first brought it
-- (its character encoding, for the archived copy).
SELECT v.notice_id, v.version_no, epoch(v.first_seen_at), v.first_seen_batch, v.url, v.title,
       v.body, v.text_sha256, v.raw_sha256, v.issuer, v.publicity_start, v.publicity_end
FROM notice_versions AS v
WHERE v.notice_id IN (SELECT unnest(string_split($ids, ',')))
ORDER BY v.notice_id, v.version_no;

-- name: raw_encodings
-- The character encoding each stored page was read with (the crawl's, from HTTP or the page).
SELECT content_sha256, arg_max(encoding, fetched_at)
FROM fetches
WHERE content_sha256 IN (SELECT unnest(string_split($shas, ','))) AND encoding IS NOT NULL
GROUP BY content_sha256;

-- name: notice_events
SELECT change_id, notice_id, kind, epoch(detected_at), as_of, baseline, summary,
       from_version, to_version
FROM change_events
WHERE notice_id IN (SELECT unnest(string_split($ids, ',')))
ORDER BY notice_id, change_id;

-- name: recent_changes
-- The newest events people are told of one by one: alerted kinds, and of the
-- baseline only the kinds alerted one by one (its others are counted per cycle by
-- baseline_counts), with how their deliveries stand.
WITH d AS (
    SELECT change_id,
           count(*) FILTER (status = 'sent')     AS sent,
           count(*) FILTER (status = 'pending')  AS pending,
           count(*) FILTER (status = 'failed')   AS failed
    FROM deliveries
    GROUP BY change_id
)
SELECT c.change_id, c.notice_id, c.title, c.issuer, c.kind, epoch(c.detected_at), c.as_of,
       c.summary, c.batch_id, c.baseline, c.from_version, c.to_version,
       coalesce(d.sent, 0), coalesce(d.pending, 0), coalesce(d.failed, 0)
FROM changes AS c
LEFT JOIN d USING (change_id)
WHERE list_contains($alerted, c.kind)
  AND (NOT c.baseline OR list_contains($baseline_alerted, c.kind))
ORDER BY c.change_id DESC
LIMIT $limit;

-- name: baseline_counts
SELECT batch_id, kind, count(*), epoch(max(detected_at)), max(as_of)
FROM change_events WHERE baseline GROUP BY batch_id, kind;

-- name: cycles
-- The newest loaded batches (one per cycle), newest first.
SELECT batch_id, epoch(started_at), list_complete, fetch_count, listing_count, notice_count,
       new_notices, new_versions
FROM batches
ORDER BY batch_id DESC
LIMIT $limit;

-- name: cycle_as_of
SELECT batch_id, arg_max(as_of, ran_at) FROM diff_runs
WHERE batch_id IN (SELECT unnest(string_split($batches, ',')))
GROUP BY batch_id;

-- name: cycle_outcomes
SELECT batch_id, outcome, count(*)
FROM fetches
WHERE batch_id IN (SELECT unnest(string_split($batches, ',')))
GROUP BY ALL;

-- name: cycle_failures
-- The first failed fetches of each cycle, for people to see what went wrong where.
SELECT batch_id, epoch(fetched_at), page_kind, notice_id, url, outcome, http_status, reason
FROM fetch_failures
WHERE batch_id IN (SELECT unnest(string_split($batches, ',')))
QUALIFY row_number() OVER (PARTITION BY batch_id ORDER BY fetched_at, url) <= $per_cycle
ORDER BY batch_id DESC, fetched_at, url;

-- name: cycle_events
SELECT batch_id, kind, count(*) FROM change_events
WHERE batch_id IN (SELECT unnest(string_split($batches, ',')))
GROUP BY ALL;

-- name: feed_events
-- The newest alerted events: alerted kinds, and of the baseline only the kinds
-- alerted one by one (core.vocabulary.ALERTED_KINDS, BASELINE_ALERTED), with the
-- contacts of the version each speaks of; the newest $limit in all, or ($per_issuer)
-- the newest $limit of each issuer (their feeds).
SELECT c.change_id, c.event_key, c.notice_id, c.url, c.title, c.issuer, c.kind,
       epoch(c.detected_at), c.as_of, c.summary, c.from_version, c.to_version,
       c.publicity_start, c.publicity_end, c.diff, v.contacts
FROM changes AS c
LEFT JOIN notice_versions AS v ON v.notice_id = c.notice_id AND v.version_no = c.to_version
WHERE list_contains($alerted, c.kind)
  AND (NOT c.baseline OR list_contains($baseline_alerted, c.kind))
  AND (NOT $per_issuer OR c.issuer IS NOT NULL)
QUALIFY row_number() OVER (PARTITION BY CASE WHEN $per_issuer THEN c.issuer END
                           ORDER BY c.detected_at DESC, c.change_id DESC) <= $limit
ORDER BY c.detected_at DESC, c.change_id DESC;

-- name: has_cycle
-- Whether the copy holds the inspection cycle's relations (warehouse/inspection.py).
SELECT count(*) = 4 FROM duckdb_tables()
WHERE table_name IN ('units', 'inspection_rounds', 'rectification_due', 'round_documents');

-- name: cycle_rounds
-- Every round with its unit and its deadlines, for the unit pages and their index.
SELECT u.unit_id, u.region, u.aliases, r.round_id, r.group_name, r.stationed_from,
       r.stationed_to, r.letters_until, r.feedback_on, r.first_progress_on,
       r.progress_notices, r.status, d.report_due, d.progress_expected_by, d.days_overdue
FROM inspection_rounds AS r
JOIN units AS u USING (unit_id)
LEFT JOIN rectification_due AS d USING (round_id)
ORDER BY u.unit_id, r.round_id;

-- name: cycle_documents
-- Each round's documents, in the order they came; `own`: this site's source's (it has
-- their pages), else another source's (read from the copy across sources).
SELECT DISTINCT round_id, document_kind, notice_id, url, title, published_on, own, source_id
FROM round_documents
ORDER BY round_id, published_on NULLS LAST, url;
