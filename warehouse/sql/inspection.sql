-- The inspection cycle across sources (warehouse/inspection.py, docs/inspection.md):
-- units, inspection_rounds, rectification_due (and round_documents, each document's round)
-- from the facts of the temp view cycle_input (inspection_documents, with the other
-- sources' from the copy across sources where it is read), the hand-added aliases (temp
-- table cycle_aliases) applied. Parameters:
-- $as_of (the cycle's date), $expected_months (progress_expected_months), $report_months
-- (REPORT_DUE_MONTHS), $gap_months (ROUND_GAP_MONTHS). Every statement makes a TEMP table;
-- build_inspection keeps them as tables of the analyst copy, the diff reads them.

-- name: own_documents
-- The input: this copy's documents (`own`: of this warehouse's source) ...
CREATE OR REPLACE TEMP VIEW cycle_input AS
SELECT *, true AS own FROM inspection_documents;

-- name: all_documents
-- ... and, with the copy across sources attached as `across`, the documents of the other
-- sources (by URL: a stale copy's own ones give way to this warehouse's).
CREATE OR REPLACE TEMP VIEW cycle_input AS
SELECT *, true AS own FROM inspection_documents
UNION ALL BY NAME
SELECT *, false AS own FROM across.inspection_documents
WHERE url NOT IN (SELECT url FROM inspection_documents);

-- name: has_documents
-- Whether the attached copy across sources has the documents (a view or a table).
SELECT count(*) > 0 FROM information_schema.tables
WHERE table_catalog = 'across' AND table_name = 'inspection_documents';

-- name: sources_present
-- How many of the sources $ids the attached copy across sources holds.
SELECT count(DISTINCT source_id) FROM across.sources WHERE list_contains($ids, source_id);

-- name: facts
-- Each fact with its unit (a hand-added alias mapped onto its canonical unit) and the day
-- it places the round at: the visit's start where the document states it (a stationing,
-- a progress notice's restated visit), else the feedback day, else the publication day.
CREATE OR REPLACE TEMP TABLE cycle_facts AS
SELECT d.*,
       coalesce(a.unit_key, d.unit_key)                                     AS unit_id,
       CASE WHEN d.document_kind = 'feedback_announcement'
            THEN coalesce(d.feedback_on, d.published_on)
            ELSE coalesce(d.stationed_from, d.feedback_on, d.published_on) END AS anchor
FROM cycle_input AS d
LEFT JOIN cycle_aliases AS a ON a.alias_key = d.unit_key
WHERE d.unit_key IS NOT NULL
  AND coalesce(d.stationed_from, d.feedback_on, d.published_on) IS NOT NULL;

-- name: linked
-- A unit's facts in order of their day; a fact more than $gap_months after the one before
-- starts a new round (a unit's rounds are years apart; a round's documents months).
CREATE OR REPLACE TEMP TABLE cycle_linked AS
WITH marked AS (
    SELECT *,
           CASE WHEN anchor > lag(anchor) OVER w + to_months($gap_months)
                  OR lag(anchor) OVER w IS NULL THEN 1 ELSE 0 END          AS starts_round
    FROM cycle_facts
    WINDOW w AS (PARTITION BY unit_id ORDER BY anchor, url, seq)
),
numbered AS (
    SELECT *, sum(starts_round) OVER (PARTITION BY unit_id ORDER BY anchor, url, seq
                                      ROWS UNBOUNDED PRECEDING)            AS round_no
    FROM marked
)
SELECT n.* EXCLUDE (starts_round),
       n.unit_id || '@' || strftime(min(anchor) OVER (PARTITION BY unit_id, round_no),
                                    '%Y-%m-%d')                              AS round_id
FROM numbered AS n;

-- name: rounds
-- One row per round: each fact from the document that states it best (the stationing
-- for the group, visit, letters deadline and contacts; the feedback announcement for the
-- feedback day; a progress notice's restatement where those are missing).
CREATE OR REPLACE TEMP TABLE cycle_rounds AS
WITH r AS (
    SELECT round_id, unit_id,
        coalesce(arg_min(group_name, published_on) FILTER (document_kind = 'inspection_announcement' AND group_name IS NOT NULL),
                 arg_min(group_name, published_on) FILTER (document_kind = 'rectification' AND group_name IS NOT NULL),
                 arg_min(group_name, published_on) FILTER (group_name IS NOT NULL)) AS group_name,
        coalesce(min(stationed_from) FILTER (document_kind = 'inspection_announcement'),
                 min(stationed_from))                                      AS stationed_from,
        coalesce(max(stationed_to) FILTER (document_kind = 'inspection_announcement'),
                 max(stationed_to))                                        AS stationed_to,
        max(letters_until) FILTER (document_kind = 'inspection_announcement') AS letters_until,
        arg_max(contacts, published_on) FILTER (document_kind = 'inspection_announcement')
                                                                           AS contacts,
        coalesce(min(feedback_on) FILTER (document_kind = 'feedback_announcement'),
                 min(feedback_on))                                         AS feedback_on,
        count(*) FILTER (document_kind = 'feedback_announcement') > 0     AS feedback_announced,
        min(published_on) FILTER (document_kind = 'rectification' AND published_on <= $as_of)
                                                                           AS first_progress_on,
        count(DISTINCT url) FILTER (document_kind = 'rectification' AND published_on <= $as_of)
                                                                           AS progress_notices
    FROM cycle_linked
    GROUP BY round_id, unit_id
)
SELECT round_id, unit_id, group_name, stationed_from, stationed_to, letters_until, contacts,
       feedback_on, first_progress_on, progress_notices,
       CASE WHEN first_progress_on IS NOT NULL THEN 'progress_published'
            WHEN feedback_on IS NOT NULL
             AND $as_of > CAST(feedback_on + to_months($expected_months) AS DATE) THEN 'overdue'
            WHEN feedback_on IS NOT NULL OR feedback_announced THEN 'feedback_given'
            ELSE 'stationed' END                                           AS status
FROM r;

-- name: due
-- The rounds whose feedback day is known: the report to the inspection office (not public)
-- $report_months after it, the progress notice expected $expected_months after it (the
-- user's rule), and how many days past that no progress notice has been published.
CREATE OR REPLACE TEMP TABLE cycle_due AS
SELECT round_id, unit_id, feedback_on,
       CAST(feedback_on + to_months($report_months) AS DATE)              AS report_due,
       CAST(feedback_on + to_months($expected_months) AS DATE)            AS progress_expected_by,
       first_progress_on                                                  AS progress_published_on,
       CASE WHEN first_progress_on IS NULL AND $as_of > progress_expected_by
            THEN date_diff('day', progress_expected_by, $as_of::DATE)
            ELSE 0 END                                                    AS days_overdue
FROM cycle_rounds
WHERE feedback_on IS NOT NULL;

-- name: units
-- One row per unit: its key is its id and name; aliases are every other way a document or
-- an analyst named it (printed names, short names given in parentheses, hand-added ones).
CREATE OR REPLACE TEMP TABLE cycle_units AS
WITH names AS (
    SELECT unit_id, unit AS alias FROM cycle_linked
    UNION SELECT unit_id, unit_short FROM cycle_linked
    UNION SELECT a.unit_key, a.alias FROM cycle_aliases AS a
          WHERE a.unit_key IN (SELECT unit_id FROM cycle_linked)
)
SELECT f.unit_id,
       f.unit_id                                                          AS name,
       coalesce((SELECT list(DISTINCT n.alias ORDER BY n.alias) FROM names AS n
                 WHERE n.unit_id = f.unit_id AND n.alias IS NOT NULL
                   AND n.alias <> f.unit_id), [])                         AS aliases,
       f.region
FROM (SELECT unit_id, mode(region) AS region FROM cycle_linked GROUP BY unit_id) AS f;

-- name: keep
-- The analyst copy's relations (docs/analysts.md), replaced whole on every build.
CREATE OR REPLACE TABLE units AS FROM cycle_units ORDER BY unit_id;
CREATE OR REPLACE TABLE inspection_rounds AS FROM cycle_rounds ORDER BY unit_id, round_id;
CREATE OR REPLACE TABLE rectification_due AS FROM cycle_due ORDER BY days_overdue DESC, round_id;
CREATE OR REPLACE TABLE round_documents AS
    SELECT round_id, unit_id, * EXCLUDE (round_id, unit_id, round_no, anchor)
    FROM cycle_linked ORDER BY round_id, published_on, url, seq;
CREATE OR REPLACE TABLE unit_aliases AS FROM cycle_aliases ORDER BY alias
