-- depends: notices
-- issuer_contacts: one row per issuer: its latest notice's contacts, and every
-- phone and e-mail it has published.
CREATE OR REPLACE VIEW issuer_contacts AS
SELECT
    source_id,
    source_name,
    issuer,
    count(*)                                                    AS notices,
    max(published_on)                                           AS latest_published_on,
    arg_max(notice_id, published_on)                            AS latest_notice_id,
    arg_max(phones, published_on)                               AS phones,
    arg_max(emails, published_on)                               AS emails,
    arg_max(postcode, published_on)                             AS postcode,
    arg_max(address, published_on)                              AS address,
    list_sort(list_distinct(flatten(list(phones))))             AS all_phones,
    list_sort(list_distinct(flatten(list(emails))))             AS all_emails
FROM notices
WHERE issuer IS NOT NULL
GROUP BY source_id, source_name, issuer;
