-- fetch_failures: every fetch that brought no content (faults, and 404/410 probes).
CREATE OR REPLACE VIEW fetch_failures AS
SELECT
    batch_id,
    fetched_at,
    page_kind,
    notice_id,
    url,
    outcome,
    http_status,
    reason
FROM fetches
WHERE NOT is_content(outcome);
