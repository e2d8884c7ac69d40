-- depends: notices, latest_cycle
-- publicity_periods: each notice's 公开期限 and where the latest completed cycle's
-- date (as_of, from latest_cycle; NULL before the first cycle) stands in it: phase,
-- days_left and days_label by the macros of core/periods.py (warehouse.db.vocabulary_sql).
CREATE OR REPLACE VIEW publicity_periods AS
SELECT
    n.source_id,
    n.source_name,
    n.notice_id,
    n.url,
    n.title,
    n.issuer,
    n.status,
    n.published_on,
    n.publicity_start,
    n.publicity_end,
    n.publicity_end - n.publicity_start + 1                     AS days_total,
    n.publicity_days,
    n.publicity_end_derived,
    n.publicity_raw,
    c.as_of,
    period_phase(n.publicity_start, n.publicity_end, c.as_of)   AS phase,
    days_left(n.publicity_end, c.as_of)                         AS days_left,
    days_label(n.publicity_start, n.publicity_end, c.as_of)     AS days_label
FROM notices AS n
LEFT JOIN latest_cycle AS c ON true
WHERE n.publicity_end IS NOT NULL;
