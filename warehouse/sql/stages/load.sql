-- The load stage (warehouse/load.py): fold one crawl batch into the warehouse.
-- Every statement runs inside the batch's one transaction. The batch's files
-- are read through the temporary views batch_fetch_file, batch_listing_file and
-- batch_notice_file (made by load.py with fixed column types).
-- Rules: docs/warehouse.md, "Load".

-- name: stage_fetches
-- $notice_id is vocabulary.NOTICE_ID: a fetch naming anything else is kept without it.
CREATE OR REPLACE TEMP TABLE batch_fetches AS
SELECT * REPLACE (fetched_at::TIMESTAMPTZ AS fetched_at,
                  CASE WHEN regexp_full_match(notice_id, $notice_id) THEN notice_id END
                      AS notice_id)
FROM batch_fetch_file;

-- name: stage_listings
-- Defence in depth: an entry or a notice whose id is not a notice id is never loaded
-- (the crawler records such links as faults and never lists them).
CREATE OR REPLACE TEMP TABLE batch_listings AS
SELECT * FROM batch_listing_file WHERE regexp_full_match(notice_id, $notice_id);

-- name: refused_ids
-- The ids of the batch's listings and notices that are not notice ids (how many, a few).
SELECT count(DISTINCT notice_id), list(DISTINCT notice_id)[1:3]
FROM (SELECT notice_id FROM batch_listing_file UNION ALL SELECT notice_id FROM batch_notice_file)
WHERE NOT coalesce(regexp_full_match(notice_id, $notice_id), false);

-- name: stage_notices
-- One light row per notice (the last read wins): the texts stay in the file
-- until they are needed, so a batch of 20,000 notices never sits in memory.
-- text_sha256 is NoticePage.text_sha256: the hash of title, line break, body.
CREATE OR REPLACE TEMP TABLE batch_notices AS
SELECT *, count(*) OVER (PARTITION BY notice_id, fetched_at, text_sha256) AS copies
FROM (
    SELECT notice_id, url, fetched_at::TIMESTAMPTZ AS fetched_at, etag, last_modified,
           sha256(title || chr(10) || body) AS text_sha256
    FROM batch_notice_file
    WHERE regexp_full_match(notice_id, $notice_id)
)
QUALIFY row_number() OVER (PARTITION BY notice_id ORDER BY fetched_at DESC) = 1;

-- name: insert_fetches
INSERT INTO fetches BY NAME SELECT $batch_id AS batch_id, * FROM batch_fetches;

-- name: insert_listings
INSERT INTO listing_entries BY NAME SELECT $batch_id AS batch_id, * FROM batch_listings;

-- name: insert_new_notices
INSERT INTO notice_state (notice_id, url, first_seen, first_seen_batch, last_seen)
SELECT notice_id, arg_min(url, rank), $at, $batch_id, $at
FROM (SELECT notice_id, url, 0 AS rank FROM batch_listings
      UNION ALL SELECT notice_id, url, 1 FROM batch_notices)
WHERE notice_id NOT IN (SELECT notice_id FROM notice_state)
GROUP BY notice_id;

-- name: stage_new_versions
-- The (small) set of notices whose text hash differs from their latest version's.
CREATE OR REPLACE TEMP TABLE batch_new_versions AS
SELECT b.notice_id, b.fetched_at, b.text_sha256, b.copies,
       s.latest_version + 1 AS version_no
FROM batch_notices AS b
JOIN notice_state AS s USING (notice_id)
LEFT JOIN notice_versions AS v
       ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
WHERE v.text_sha256 IS DISTINCT FROM b.text_sha256;

-- name: version_rows
-- The new versions' rows: the file is read a second time, streaming, and joined to
-- the staged keys (load.py keeps DuckDB's join order as written, so the keys are the
-- build side). A view: the two inserts below read it, each in one pass.
CREATE OR REPLACE TEMP VIEW batch_version_rows AS
SELECT n.* EXCLUDE (fetched_at, etag, last_modified, publicity_end_derived),
       k.text_sha256,
       k.version_no,
       coalesce(n.publicity_end_derived, false)  AS publicity_end_derived,
       k.fetched_at                              AS first_seen_at,
       k.copies
FROM batch_notice_file AS n
JOIN batch_new_versions AS k
  ON k.notice_id = n.notice_id AND k.fetched_at = n.fetched_at::TIMESTAMPTZ
 AND k.text_sha256 = sha256(n.title || chr(10) || n.body);

-- name: insert_versions
INSERT INTO notice_versions BY NAME
SELECT * EXCLUDE (copies), $batch_id AS first_seen_batch
FROM batch_version_rows
WHERE copies = 1;

-- name: insert_versions_written_twice
-- A line the crawler wrote twice: keep one (a window over a handful of rows).
INSERT INTO notice_versions BY NAME
SELECT * EXCLUDE (copies), $batch_id AS first_seen_batch
FROM batch_version_rows
WHERE copies > 1
QUALIFY row_number() OVER (PARTITION BY notice_id) = 1;

-- name: set_latest_version
UPDATE notice_state AS s SET latest_version = v.version_no
FROM notice_versions AS v
WHERE v.notice_id = s.notice_id AND v.first_seen_batch = $batch_id;

-- name: update_state
-- Fold this batch's sightings and fetches into notice_state. absent_streak
-- counts consecutive confirmed absences: missing from a complete list and
-- 404/410 in this batch, at least $absence_interval after the last one counted
-- (last_absent_at), so that a rerun of a cycle is not a second absence.
UPDATE notice_state AS s SET
    url              = coalesce(b.listed_url, s.url),
    list_title       = CASE WHEN b.listed THEN b.list_title ELSE s.list_title END,
    listed_on        = CASE WHEN b.listed THEN b.listed_on ELSE s.listed_on END,
    list_position    = CASE WHEN b.listed THEN b.list_position ELSE s.list_position END,
    last_listed_batch = CASE WHEN b.listed THEN $batch_id ELSE s.last_listed_batch END,
    last_seen        = CASE WHEN b.listed OR b.content THEN $at ELSE s.last_seen END,
    last_fetch_at    = coalesce(b.last_fetch_at, s.last_fetch_at),
    last_fetch_outcome = coalesce(b.last_fetch_outcome, s.last_fetch_outcome),
    last_checked_at  = coalesce(b.checked_at, s.last_checked_at),
    etag             = coalesce(b.etag, s.etag),
    last_modified    = coalesce(b.last_modified, s.last_modified),
    absent_streak    = CASE
        WHEN b.listed OR b.content THEN 0
        WHEN b.absence THEN s.absent_streak + 1
        ELSE s.absent_streak END,
    last_absent_at   = CASE
        WHEN b.listed OR b.content THEN NULL
        WHEN b.absence THEN $at
        ELSE s.last_absent_at END
FROM (
    SELECT s.notice_id,
           l.notice_id IS NOT NULL              AS listed,
           l.url AS listed_url, l.title AS list_title, l.listed_on,
           l.position AS list_position,
           coalesce(f.content, false)           AS content,
           $list_complete AND coalesce(f.gone, false) AND l.notice_id IS NULL
               AND NOT coalesce(f.content, false)
               AND (s.last_absent_at IS NULL OR $at >= s.last_absent_at + $absence_interval)
                                                AS absence,
           f.last_fetch_at, f.last_fetch_outcome, f.checked_at,
           coalesce(n.etag, f.etag)             AS etag,
           coalesce(n.last_modified, f.last_modified) AS last_modified
    FROM notice_state AS s
    LEFT JOIN (
        SELECT * FROM batch_listings
        QUALIFY row_number() OVER (PARTITION BY notice_id ORDER BY position) = 1
    ) AS l
           ON l.notice_id = s.notice_id
    LEFT JOIN (
        SELECT notice_id,
               bool_or(is_content(outcome))                         AS content,
               bool_or(outcome = 'not_found')                       AS gone,
               max(fetched_at)                                      AS last_fetch_at,
               arg_max(outcome, fetched_at)                         AS last_fetch_outcome,
               max(fetched_at) FILTER (is_content(outcome))         AS checked_at,
               arg_max(etag, fetched_at) FILTER (is_content(outcome)) AS etag,
               arg_max(last_modified, fetched_at) FILTER (is_content(outcome)) AS last_modified
        FROM batch_fetches
        WHERE page_kind IN ('article', 'probe') AND notice_id IS NOT NULL
        GROUP BY notice_id
    ) AS f ON f.notice_id = s.notice_id
    LEFT JOIN batch_notices AS n ON n.notice_id = s.notice_id
    WHERE l.notice_id IS NOT NULL OR f.notice_id IS NOT NULL
) AS b
WHERE b.notice_id = s.notice_id;

-- name: insert_batch
INSERT INTO batches VALUES
    ($batch_id, $at, $source, $list_complete, $fetches, $listings, $notices, $new_notices,
     $new_versions, $summary, now());

-- name: versions_without_cycle
-- Versions of the inspection cycle's kinds read before migration 023 (load.fill_cycle_facts).
SELECT notice_id, version_no, document_kind, title, body, inspection::VARCHAR, issuer,
       published_on
FROM notice_versions
WHERE cycle IS NULL
  AND document_kind IN ('inspection_announcement', 'feedback_announcement', 'rectification')
ORDER BY notice_id, version_no
LIMIT $limit;

-- name: set_cycle
UPDATE notice_versions AS v SET cycle = r.cycle::JSON
FROM cycle_rows AS r
WHERE v.notice_id = r.notice_id AND v.version_no = r.version_no;
