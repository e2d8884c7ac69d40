-- inspection_documents: what each notice's latest version says for the inspection cycle,
-- one row per unit it names (docs/inspection.md): the three kinds of document of a round
-- (document_kind inspection_announcement = stationing, feedback_announcement, rectification
-- = a progress notice), the unit as printed and its key (core.units), the group, the
-- visit, the letters deadline (letters_until: its own fact, not a publicity period), the
-- feedback day; a date the text does not pin to a day is NULL and named in parse_gaps.
-- contacts: a stationing's (phones, emails, postcode, address), NULL for other kinds.
-- The rounds (units, inspection_rounds, rectification_due) are built from this view, of
-- one source or of all of them (warehouse/inspection.py, build_inspection).
-- depends: sources
CREATE OR REPLACE VIEW inspection_documents AS
SELECT
    src.source_id,
    src.source_name,
    s.notice_id,
    v.version_no,
    s.url,
    v.title,
    coalesce(v.published_on, s.listed_on)                   AS published_on,
    v.document_kind,
    s.status,
    f.seq::INTEGER                                          AS seq,
    f.fact ->> 'unit'                                       AS unit,
    f.fact ->> 'unit_key'                                   AS unit_key,
    f.fact ->> 'region'                                     AS region,
    f.fact ->> 'unit_short'                                 AS unit_short,
    f.fact ->> 'group'                                      AS group_name,
    TRY_CAST(f.fact ->> 'stationed_from' AS DATE)           AS stationed_from,
    TRY_CAST(f.fact ->> 'stationed_to' AS DATE)             AS stationed_to,
    TRY_CAST(f.fact ->> 'letters_until' AS DATE)            AS letters_until,
    TRY_CAST(f.fact ->> 'feedback_on' AS DATE)              AS feedback_on,
    CASE WHEN v.document_kind = 'inspection_announcement'
         THEN json_object('phones', v.contacts -> 'phones', 'emails', v.contacts -> 'emails',
                          'postcode', v.contacts ->> 'postcode',
                          'address', v.contacts ->> 'address') END AS contacts
FROM notice_state AS s
CROSS JOIN sources AS src
JOIN notice_versions AS v
  ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
CROSS JOIN unnest(CAST(v.cycle AS JSON[])) WITH ORDINALITY AS f(fact, seq)
WHERE v.cycle IS NOT NULL;
