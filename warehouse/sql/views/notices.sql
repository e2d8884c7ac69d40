-- notices: one row per notice ever seen, with the fields of its latest version.
-- The columns of interfaces.md come first; a notice listed but never read has
-- versions = 0 and only the list's title, url and date.
-- depends: sources
CREATE OR REPLACE VIEW notices AS
SELECT
    src.source_id,
    src.source_name,
    s.notice_id,
    s.url,
    coalesce(v.title, s.list_title)                             AS title,
    v.issuer,
    coalesce(v.published_on, s.listed_on)                       AS published_on,
    v.publicity_start,
    v.publicity_end,
    s.status,
    s.first_seen,
    s.last_seen,
    s.latest_version                                            AS versions,
    v.published_at,
    v.source,
    v.signed_on,
    v.publicity_days,
    v.publicity_end_derived,
    v.publicity_raw,
    json_extract_string(v.contacts, '$.phones[*]')              AS phones,
    json_extract_string(v.contacts, '$.emails[*]')              AS emails,
    v.contacts ->> 'postcode'                                   AS postcode,
    v.contacts ->> 'address'                                    AS address,
    v.contacts,
    v.inspection ->> 'group'                                    AS inspection_group,
    TRY_CAST(v.inspection ->> 'start' AS DATE)                  AS inspection_start,
    TRY_CAST(v.inspection ->> 'end' AS DATE)                    AS inspection_end,
    TRY_CAST(v.inspection ->> 'feedback_on' AS DATE)            AS feedback_on,
    v.attachments,
    v.body,
    v.text_sha256,
    v.first_seen_at                                             AS last_changed_at,
    s.list_title,
    s.listed_on,
    s.list_position,
    s.last_checked_at,
    s.last_fetch_outcome,
    s.absent_streak,
    v.document_kind,
    v.readings
FROM notice_state AS s
CROSS JOIN sources AS src
LEFT JOIN notice_versions AS v
       ON v.notice_id = s.notice_id AND v.version_no = s.latest_version;
