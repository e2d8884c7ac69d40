-- parse_gaps: one row per missing or doubtful field of a notice version, so that
-- what the parser could not read is seen rather than silently absent.
-- Columns: notice_id, version_no, field, reason, detail (for people), then
-- latest (the notice's current version), document_kind, title, url,
-- published_on, raw (the sentence the field was read from, if any),
-- confidence, first_seen_at, first_seen_batch.
--
-- Adding a check: add one branch to `gaps` below,
--   UNION ALL
--   SELECT notice_id, version_no, '<field>', '<reason>', '<detail>' FROM versions WHERE <cond>
-- (select from your own view instead of `versions` if need be, and name it on a
-- `-- depends:` line). A (notice_id, version_no, field) may have several reasons;
-- operators hear of each such triple once (alerts/gaps.py), for the fields alerts
-- have words for (alerts/events.py, GAP_FIELDS).
--
-- The rectification timeline's facts (view rectification_timeline) are judged
-- here too: in a rectification notice, the inspection group, window and the
-- day findings were fed back (read from the opening, its first two lines), and
-- the publication date (the 日期 line, else the list's date). Their detail says why,
-- from the text the parser reads; raw is that opening. Analysts read them
-- here; alerts leave them out.
-- depends: sources
CREATE OR REPLACE VIEW parse_gaps AS
WITH versions AS (
    SELECT
        v.*,
        coalesce(v.document_kind, 'other')                                  AS kind,
        states_window(v.document_kind)                                      AS states_window,
        array_to_string(string_split(v.body, chr(10))[1:2], chr(10))        AS opening,
        regexp_matches(opening, '巡视|巡察')                                AS names_inspection
    FROM notice_versions AS v
),
timeline AS (  -- a rectification notice's opening: what rectification_timeline shows
    SELECT v.notice_id, v.version_no, v.opening, v.names_inspection,
           coalesce(v.published_on, s.listed_on)                            AS published_on,
           inspection ->> 'group'                                           AS inspection_group,
           TRY_CAST(inspection ->> 'start' AS DATE)                         AS inspection_start,
           TRY_CAST(inspection ->> 'end' AS DATE)                           AS inspection_end,
           TRY_CAST(inspection ->> 'feedback_on' AS DATE)                   AS feedback_on
    FROM versions AS v
    LEFT JOIN notice_state AS s USING (notice_id)
    WHERE v.document_kind = 'rectification'
),
gaps AS (
    -- a notice of a kind that states a window, without one
    SELECT notice_id, version_no, 'publicity_period' AS field, 'missing' AS reason,
           'no publicity window could be read' AS detail
    FROM versions
    WHERE states_window AND publicity_start IS NULL AND publicity_end IS NULL
    UNION ALL
    SELECT notice_id, version_no, 'publicity_end', 'missing',
           'a start (' || publicity_start || ') but no end could be read'
    FROM versions
    WHERE states_window AND publicity_start IS NOT NULL AND publicity_end IS NULL
    UNION ALL
    SELECT notice_id, version_no, 'publicity_period', 'end_before_start',
           'the end (' || publicity_end || ') is before the start (' || publicity_start || ')'
    FROM versions
    WHERE publicity_end < publicity_start
    UNION ALL
    SELECT notice_id, version_no, 'publicity_period', 'doubtful',
           'found only near the appeal, without a label (confidence '
           || (readings -> 'publicity_start' ->> 'confidence') || ')'
    FROM versions
    -- a doubt is about a window that was read: one not read at all is `missing` above
    WHERE TRY_CAST(readings -> 'publicity_start' ->> 'confidence' AS DOUBLE) < 0.7
      AND (publicity_start IS NOT NULL OR publicity_end IS NOT NULL)
    UNION ALL
    SELECT notice_id, version_no, 'publicity_end', 'over_a_year',
           'the end (' || publicity_end || ') is more than a year after publication ('
           || published_on || ')'
    FROM versions
    WHERE publicity_end > CAST(published_on + INTERVAL 1 YEAR AS DATE)
    UNION ALL
    SELECT notice_id, version_no, 'publicity_end', 'estimated',
           'working days counted past the holiday calendar''s years: end ' || publicity_end
           || ' assumes Monday to Friday'
    FROM versions
    WHERE (readings -> 'publicity_end' ->> 'estimated') = 'true'
    UNION ALL
    SELECT notice_id, version_no, 'contacts', 'missing',
           'no phone, e-mail, postcode or address could be read'
    FROM versions
    WHERE states_window
      AND coalesce(json_array_length(contacts -> 'phones'), 0) = 0
      AND coalesce(json_array_length(contacts -> 'emails'), 0) = 0
      AND (contacts ->> 'postcode') IS NULL
      AND (contacts ->> 'address') IS NULL
    UNION ALL
    SELECT notice_id, version_no, 'issuer', 'unknown',
           'no signature and no organisation in the title'
    FROM versions
    WHERE issuer IS NULL
    UNION ALL
    SELECT notice_id, version_no, 'published_on', 'missing',
           'neither the page (its 日期 line) nor the list gives a date'
    FROM timeline
    WHERE published_on IS NULL
    UNION ALL
    SELECT notice_id, version_no, 'inspection_group', 'missing',
           CASE WHEN NOT names_inspection
                THEN 'the opening does not mention an inspection (巡视/巡察)'
                ELSE 'the opening names no inspection group (第N巡视组, 巡视N组)' END
    FROM timeline
    WHERE inspection_group IS NULL
    UNION ALL
    SELECT notice_id, version_no, f.field, 'missing',
           CASE WHEN NOT names_inspection
                THEN 'the opening does not mention an inspection (巡视/巡察)'
                ELSE 'the sentence naming the inspection has no date range with days '
                     || '(a month-only window gives no dates)' END
    FROM timeline, (VALUES ('inspection_start'), ('inspection_end')) AS f(field)
    WHERE (f.field = 'inspection_start' AND inspection_start IS NULL)
       OR (f.field = 'inspection_end' AND inspection_end IS NULL)
    UNION ALL
    SELECT notice_id, version_no, 'feedback_on', 'missing',
           CASE WHEN NOT contains(opening, '反馈')
                THEN 'the opening does not say when the findings were fed back (no 反馈)'
                ELSE 'no date before 反馈 in its sentence' END
    FROM timeline
    WHERE feedback_on IS NULL
    UNION ALL
    -- a stationing's or feedback's date that names no day (a month, 近日, unreadable):
    -- never guessed (crawler/parsing/cycle.py; a progress notice's are the opening's above)
    SELECT v.notice_id, v.version_no, g.gap ->> 'field', g.gap ->> 'reason',
           coalesce(f.fact ->> 'unit', '') || ': the ' || (g.gap ->> 'field')
           || ' names no day (' || (g.gap ->> 'reason') || ')'
    FROM versions AS v,
         unnest(CAST(v.cycle AS JSON[])) AS f(fact),
         unnest(CAST(f.fact -> 'gaps' AS JSON[])) AS g(gap)
    WHERE v.document_kind IN ('inspection_announcement', 'feedback_announcement')
    UNION ALL
    SELECT notice_id, version_no, 'unit', 'missing',
           'a stationing or feedback announcement that names no unit'
    FROM versions
    WHERE document_kind IN ('inspection_announcement', 'feedback_announcement')
      AND cycle IS NOT NULL AND json_array_length(cycle) = 0
)
SELECT
    src.source_id,
    src.source_name,
    g.notice_id,
    g.version_no,
    g.field,
    g.reason,
    g.detail,
    g.version_no = s.latest_version                                         AS latest,
    v.kind                                                                  AS document_kind,
    v.title,
    v.url,
    v.published_on,
    CASE
        WHEN g.field = 'contacts' THEN v.contacts ->> 'raw'
        WHEN g.field IN ('inspection_group', 'inspection_start', 'inspection_end',
                         'feedback_on') THEN v.opening
        ELSE coalesce(v.readings -> r.reading ->> 'raw',
                      CASE WHEN g.field LIKE 'publicity%' THEN v.publicity_raw END)
    END                                                                     AS raw,
    TRY_CAST(v.readings -> r.reading ->> 'confidence' AS DOUBLE)           AS confidence,
    v.first_seen_at,
    v.first_seen_batch
FROM gaps AS g
JOIN versions AS v USING (notice_id, version_no)
-- the readings entry that speaks of the field (notice_versions.readings)
CROSS JOIN LATERAL (SELECT CASE g.field WHEN 'publicity_period' THEN 'publicity_start'
                                        ELSE g.field END AS reading) AS r
LEFT JOIN notice_state AS s ON s.notice_id = g.notice_id
CROSS JOIN sources AS src;
