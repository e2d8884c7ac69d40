-- depends: notices
-- rectification_timeline: one row per notice read at least once (its latest
-- version): inspection window and group, the day the group fed back its
-- findings (反馈了巡视意见), the publication day and the publicity period, and
-- the days between them. issuer_* compare the issuer's notices; round_*
-- compare the notices whose inspection window is the same (one round).
-- A date the parser could not read is NULL and listed, with why, in parse_gaps.
CREATE OR REPLACE VIEW rectification_timeline AS
WITH t AS (
    SELECT
        source_id,
        source_name,
        notice_id,
        versions                                                AS version_no,
        issuer,
        title,
        status,
        document_kind,
        inspection_group,
        inspection_start,
        inspection_end,
        inspection_end - inspection_start + 1                   AS inspection_days,
        feedback_on,
        feedback_on - inspection_end                            AS days_to_feedback,
        published_on,
        published_on - feedback_on                              AS days_to_publication,
        publicity_start,
        publicity_end,
        publicity_end - feedback_on                             AS days_to_publicity_end,
        url
    FROM notices
    WHERE versions > 0
)
SELECT
    *,
    count(days_to_publication) OVER issuer_w                    AS issuer_notices,
    median(days_to_publication) OVER issuer_w                   AS issuer_median_days,
    max(days_to_publication) OVER issuer_w                      AS issuer_max_days,
    count(days_to_publication) OVER round_w                     AS round_notices,
    median(days_to_publication) OVER round_w                    AS round_median_days,
    days_to_publication - median(days_to_publication) OVER round_w AS days_behind_round
FROM t
WINDOW issuer_w AS (PARTITION BY source_id, issuer),
       round_w AS (PARTITION BY source_id, inspection_start, inspection_end);
