-- 003: how each field of a notice version was read, and what kind of document it is
-- (crawler/parsing/readings.py, crawler/parsing/kind.py; docs/warehouse.md).
-- readings: {field: {source: label|role|derived|none, raw, confidence, ...}} for
-- publicity_start, publicity_end, phones, emails, postcode, address, issuer, document_kind.
-- document_kind: rectification | inspection_announcement | other (core.vocabulary.DocumentKind).

ALTER TABLE notice_versions ADD COLUMN document_kind VARCHAR;
ALTER TABLE notice_versions ADD COLUMN readings JSON;

-- Versions read before this step have no readings; their kind is taken from the title
-- alone (the parser also reads the opening), so parse_gaps can judge them too.
UPDATE notice_versions
SET document_kind = CASE
    WHEN regexp_matches(title, '整改(工作)?(进展|落实|情况|结果|成效)') THEN 'rectification'
    WHEN regexp_matches(title, '(巡视|巡察).{0,30}(进驻|公告)') THEN 'inspection_announcement'
    ELSE 'other' END
WHERE document_kind IS NULL;
