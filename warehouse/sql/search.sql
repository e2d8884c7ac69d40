-- Chinese full-text search in the analyst copy (warehouse/search.py; docs/analysts.md).
--
-- Notices are indexed as character bigrams: each run of Chinese characters
-- becomes its overlapping pairs (违规吃喝 -> 违规 规吃 吃喝), a run of one character
-- itself, and each run of ASCII letters or digits one token (full-width forms
-- folded, lower case). bench/search_eval.py measured bigrams against jieba's
-- segmentation on what analysts type: bigrams find every notice holding the
-- phrase, words inside words included (docs/benchmarks.md).
--
-- The index is DuckDB's fts extension (PRAGMA create_fts_index, loaded by
-- file path from the duckdb-extension-fts wheel) over the bigrams, space
-- separated: schema fts_main_search_text with tables docs, dict, terms, stats.
-- search_notices() scores with the same BM25 as fts's match_bm25 (k 1.2,
-- b 0.75, every query token required) in plain SQL, so it works in any
-- DuckDB session, the CLI included, without loading the extension. The query is
-- tokenised by the same macro as the notices, in SQL.

-- name: fold_macro
-- What the tokens are read from: full-width letters and digits folded, lower case.
CREATE OR REPLACE MACRO search_fold(s) AS lower(translate(s,
    '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ',
    '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'));

-- name: words_macro
-- The runs of Chinese characters, and of ASCII letters/digits; the rest separates them.
CREATE OR REPLACE MACRO search_words(s) AS
    regexp_extract_all(search_fold(s), '\p{Han}+|[a-z0-9]+');

-- name: tokens_macro
CREATE OR REPLACE MACRO search_tokens(s) AS flatten([
    CASE WHEN length(w) > 1 AND regexp_matches(w, '^\p{Han}')
         THEN [substr(w, i, 2) FOR i IN range(1, length(w))]
         ELSE [w] END
    FOR w IN search_words(s)
]);

-- name: create_text
-- The index's input, one row per notice read at least once: its latest title
-- and body as tokens. TEMP: it never reaches the file, only the index does.
CREATE OR REPLACE TEMP TABLE search_text (notice_id VARCHAR NOT NULL, tokens VARCHAR NOT NULL);

-- name: fill_text
-- One slice of notice_versions (by rowid) at a time: a slice's token lists stay small.
INSERT INTO search_text
SELECT v.notice_id, array_to_string(search_tokens(v.title || chr(10) || v.body), ' ')
FROM notice_versions AS v
JOIN notice_state AS s ON s.notice_id = v.notice_id AND s.latest_version = v.version_no
WHERE v.rowid >= $first AND v.rowid < $first + $count;

-- name: create_index
-- Tokens are already made: split on spaces only, keep every token as it is.
PRAGMA create_fts_index('search_text', 'notice_id', 'tokens', overwrite = 1,
    stemmer = 'none', stopwords = 'none', ignore = '\s+', strip_accents = 0, lower = 0);

-- name: sort_terms
-- One row per token occurrence, as fts writes it, but ordered by term: a query
-- then reads only the row groups of its own terms (zone maps), not all of them.
CREATE TABLE fts_main_search_text.terms_by_term AS
SELECT docid, fieldid, termid FROM fts_main_search_text.terms ORDER BY termid, docid;
DROP TABLE fts_main_search_text.terms;
ALTER TABLE fts_main_search_text.terms_by_term RENAME TO terms;

-- name: drop_text
DROP TABLE search_text;

-- name: info_table
-- What was indexed, when, how long it took (one row).
CREATE OR REPLACE TABLE search_index AS
SELECT (SELECT num_docs FROM fts_main_search_text.stats)      AS notices,
       (SELECT count(*) FROM fts_main_search_text.dict)        AS terms,
       (SELECT sum(len) FROM fts_main_search_text.docs)        AS tokens,
       'bigram'                                                AS tokenizer,
       $built_at::TIMESTAMPTZ                                  AS built_at,
       $seconds::DOUBLE                                        AS build_seconds,
       (SELECT as_of FROM latest_cycle)                        AS as_of;

-- name: search_macro
-- search_notices(query): the notices holding every token of the query, best
-- first (BM25, as fts's match_bm25 with conjunctive := 1). A query token that
-- is a lone Chinese character matches every indexed pair holding it.
-- snippet (the 100 best only: reading every body would make a common word
-- slow): the text around the first query word found verbatim, marked 【】.
CREATE OR REPLACE MACRO search_notices(query) AS TABLE
WITH q AS (
    SELECT DISTINCT unnest(search_tokens(query)) AS token
),
qterms AS (
    SELECT q.token, d.termid
    FROM q
    JOIN fts_main_search_text.dict AS d
      ON d.term = q.token
      OR (length(q.token) = 1 AND regexp_matches(q.token, '\p{Han}') AND contains(d.term, q.token))
),
postings AS (
    SELECT t.docid, t.termid, count(*) AS tf
    FROM fts_main_search_text.terms AS t
    WHERE t.termid IN (SELECT termid FROM qterms)
    GROUP BY t.docid, t.termid
),
matched AS (
    SELECT p.docid
    FROM postings AS p
    JOIN qterms USING (termid)
    GROUP BY p.docid
    HAVING count(DISTINCT qterms.token) = (SELECT count(*) FROM q)
),
scored AS (
    SELECT docs.name AS notice_id,
           sum(log((s.num_docs - d.df + 0.5) / (d.df + 0.5) + 1)
               * p.tf * (1.2 + 1)
               / (p.tf + 1.2 * (1 - 0.75 + 0.75 * docs.len / s.avgdl))) AS score
    FROM postings AS p
    JOIN matched USING (docid)
    JOIN fts_main_search_text.dict AS d USING (termid)
    JOIN fts_main_search_text.docs AS docs USING (docid)
    CROSS JOIN fts_main_search_text.stats AS s
    GROUP BY docs.name
),
ranked AS (
    SELECT notice_id, score, row_number() OVER (ORDER BY score DESC, notice_id) AS rank
    FROM scored
),
rows AS (
    SELECT r.notice_id, r.score, r.rank, v.title, v.issuer, v.published_on, s.status, s.url
    FROM ranked AS r
    JOIN notice_state AS s ON s.notice_id = r.notice_id
    JOIN notice_versions AS v ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
),
best AS (
    SELECT r.notice_id, v.title || chr(10) || v.body AS text
    FROM ranked AS r
    JOIN notice_state AS s ON s.notice_id = r.notice_id
    JOIN notice_versions AS v ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
    WHERE r.rank <= 100
),
found AS (
    SELECT notice_id, text, lower(text) AS low,
           search_words(query) || search_tokens(query) AS words
    FROM best
),
placed AS (
    SELECT notice_id, text, word, coalesce(instr(low, word), 1) AS pos
    FROM (SELECT notice_id, text, low, list_filter(words, w -> contains(low, w))[1] AS word
          FROM found)
),
snippets AS (
    SELECT notice_id,
           replace(
               CASE WHEN pos > 31 THEN '…' ELSE '' END
               || substr(text, greatest(pos - 30, 1), least(pos - 1, 30))
               || '【' || substr(text, pos, coalesce(length(word), 0)) || '】'
               || substr(text, pos + coalesce(length(word), 0), 50)
               || CASE WHEN pos + coalesce(length(word), 0) + 50 <= length(text) THEN '…'
                       ELSE '' END,
               chr(10), ' ') AS snippet
    FROM placed
)
SELECT
    notice_id,
    rows.title,
    rows.issuer,
    rows.score,
    snippets.snippet,
    rows.published_on,
    rows.status,
    rows.url
FROM rows
LEFT JOIN snippets USING (notice_id)
ORDER BY rows.rank;
