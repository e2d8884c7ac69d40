-- depends: notices
-- timeline_gaps: the dates (and group) of rectification_timeline that the parser
-- could not read from a notice's latest version: one row per notice and field,
-- with why, judged from the text the parser reads (the opening: the body's
-- first two lines; the 日期 line; the 公开期限 sentence). The lead unions it
-- into parse_gaps (notice_id, version_no, field, reason).
CREATE OR REPLACE VIEW timeline_gaps AS
WITH v AS (
    SELECT
        notice_id,
        versions                                                AS version_no,
        array_to_string(string_split(body, chr(10))[1:2], chr(10)) AS opening,
        inspection_group, inspection_start, inspection_end, feedback_on,
        published_on, publicity_end, publicity_days, publicity_raw
    FROM notices
    WHERE versions > 0
),
g AS (
    SELECT notice_id, version_no, 'inspection_group' AS field,
           CASE WHEN NOT regexp_matches(opening, '巡视|巡察')
                THEN 'the opening does not mention an inspection (巡视/巡察)'
                ELSE 'the opening names no inspection group (第N巡视组, 巡视N组)' END AS reason
    FROM v WHERE inspection_group IS NULL
    UNION ALL
    SELECT notice_id, version_no, field,
           CASE WHEN NOT regexp_matches(opening, '巡视|巡察')
                THEN 'the opening does not mention an inspection (巡视/巡察)'
                ELSE 'the sentence naming the inspection has no date range with days '
                     || '(a month-only window gives no dates)' END
    FROM v, (VALUES ('inspection_start'), ('inspection_end')) AS f(field)
    WHERE (field = 'inspection_start' AND inspection_start IS NULL)
       OR (field = 'inspection_end' AND inspection_end IS NULL)
    UNION ALL
    SELECT notice_id, version_no, 'feedback_on',
           CASE WHEN NOT contains(opening, '反馈')
                THEN 'the opening does not say when the findings were fed back (no 反馈)'
                ELSE 'no date before 反馈 in its sentence' END
    FROM v WHERE feedback_on IS NULL
    UNION ALL
    SELECT notice_id, version_no, 'published_on', 'the page shows no 日期 line'
    FROM v WHERE published_on IS NULL
    UNION ALL
    SELECT notice_id, version_no, 'publicity_end',
           CASE WHEN publicity_raw IS NULL THEN 'no 公开期限 sentence'
                WHEN publicity_days IS NOT NULL
                THEN 'the period is counted in working days (no calendar end without a holiday calendar)'
                ELSE 'the 公开期限 sentence gives no end date' END
    FROM v WHERE publicity_end IS NULL
)
SELECT notice_id, version_no, field, reason FROM g;
