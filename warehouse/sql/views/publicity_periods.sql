-- depends: notices
-- publicity_periods: each notice's 公开期限 and where today (current_date) stands in it.
CREATE OR REPLACE VIEW publicity_periods AS
SELECT
    notice_id,
    url,
    title,
    issuer,
    status,
    published_on,
    publicity_start,
    publicity_end,
    publicity_end - publicity_start + 1                         AS days_total,
    publicity_days,
    publicity_end_derived,
    publicity_raw,
    CASE
        WHEN current_date < publicity_start THEN 'upcoming'
        WHEN current_date <= publicity_end THEN 'open'
        ELSE 'closed'
    END                                                         AS phase,
    publicity_end - current_date                                AS days_left
FROM notices
WHERE publicity_end IS NOT NULL;
