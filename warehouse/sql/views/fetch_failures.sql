-- fetch_failures: every fetch that brought no content (faults, and 404/410 probes).
-- depends: sources
CREATE OR REPLACE VIEW fetch_failures AS
SELECT
    src.source_id,
    src.source_name,
    batch_id,
    fetched_at,
    page_kind,
    notice_id,
    url,
    outcome,
    http_status,
    reason
FROM fetches
CROSS JOIN sources AS src
WHERE NOT is_content(outcome);
