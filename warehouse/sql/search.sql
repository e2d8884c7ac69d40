-- Chinese full-text search in the analyst copy (warehouse/search.py; docs/analysts.md).
--
-- Notices are indexed as character bigrams: each run of Chinese characters
-- becomes its overlapping pairs (违规吃喝 -> 违规 规吃 吃喝), a run of one character
-- itself, and each run of ASCII letters or digits one token (full-width forms
-- folded, lower case). bench/search_eval.py measured bigrams against jieba's
-- segmentation on what analysts type: bigrams find every notice holding the
-- phrase, words inside words included (docs/benchmarks.md). The query is
-- tokenised by the same macro, in SQL: no Python at either end.
--
-- The index is DuckDB's fts extension (PRAGMA create_fts_index, loaded by
-- file path from the duckdb-extension-fts wheel) over the space-separated
-- tokens of each paragraph of each notice's latest title and body: schema
-- fts_main_search_text, tables docs (one per paragraph), dict, terms, stats.
-- Paragraphs, not whole notices, because fts tokenises 2,048 documents at a
-- time: a notice's worth of tokens each made the build peak at ~600 MB at
-- 20,000 notices, a paragraph's ~250 MB. On top of fts's tables the build adds
-- each occurrence's place (terms.pos, so a phrase's tokens can be required side
-- by side), re-sorts terms by term (a query reads
-- only its own terms' row groups), numbers paragraphs so that docid divided by
-- search_index.per_notice is the notice's nid, and adds notice_docs (one row
-- per notice).
-- search_notices() then scores notices with BM25 in plain SQL, so any DuckDB
-- session runs it, the CLI included, without loading the extension.

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
-- The index's input, one row per paragraph of each notice read at least once
-- (its latest version): the paragraph's tokens. TEMP: only the index reaches
-- the file. nid, the notice's number in the index, is the version's rowid.
CREATE OR REPLACE TEMP TABLE search_text (
    paragraph VARCHAR NOT NULL, nid BIGINT NOT NULL, para INTEGER NOT NULL,
    tokens VARCHAR NOT NULL);

-- name: fill_text
-- One slice of notice_versions (by rowid) at a time: a slice's token lists stay small.
INSERT INTO search_text
SELECT notice_id || '#' || generate_subscripts(paragraphs, 1), nid,
       generate_subscripts(paragraphs, 1), array_to_string(search_tokens(unnest(paragraphs)), ' ')
FROM (SELECT v.notice_id, v.rowid AS nid,
             string_split(v.title || chr(10) || v.body, chr(10)) AS paragraphs
      FROM notice_versions AS v
      JOIN notice_state AS s ON s.notice_id = v.notice_id AND s.latest_version = v.version_no
      WHERE v.rowid >= $first AND v.rowid < $first + $count);

-- name: create_index
-- Tokens are already made: split on spaces only, keep every token as it is.
PRAGMA create_fts_index('search_text', 'paragraph', 'tokens', overwrite = 1,
    stemmer = 'none', stopwords = 'none', ignore = '\s+', strip_accents = 0, lower = 0);

-- name: paragraph_starts
-- fts writes one row per token occurrence, in token order: an occurrence's
-- place in its paragraph is its rowid minus the paragraph's first. Each
-- paragraph is renumbered nid * $per_notice + its number in the notice (in
-- docs and terms alike): a query finds an occurrence's notice by a division.
CREATE OR REPLACE TEMP TABLE search_starts AS
SELECT s.docid, s.start, x.nid * $per_notice + x.para AS id
FROM (SELECT docid, min(rowid) AS start FROM fts_main_search_text.terms GROUP BY docid) AS s
JOIN search_text AS x ON x.rowid = s.docid;

-- name: sort_terms
-- Each occurrence with its place (pos), ordered by term: a query reads only
-- its own terms' row groups (zone maps).
CREATE TABLE fts_main_search_text.terms_by_term AS
SELECT s.id AS docid, t.fieldid, t.termid, (t.rowid - s.start)::INTEGER AS pos
FROM fts_main_search_text.terms AS t
JOIN search_starts AS s USING (docid)
ORDER BY t.termid, docid, pos;

-- name: swap_terms
DROP TABLE fts_main_search_text.terms;
ALTER TABLE fts_main_search_text.terms_by_term RENAME TO terms;
DROP TABLE search_starts;

-- name: renumber_docs
UPDATE fts_main_search_text.docs AS d SET docid = x.nid * $per_notice + x.para
FROM search_text AS x
WHERE x.rowid = d.docid;

-- name: notice_docs
-- One row per indexed notice: what a result row shows, and its length in
-- tokens (BM25's document length).
CREATE TABLE fts_main_search_text.notice_docs AS
SELECT v.rowid AS nid, v.notice_id, v.version_no, v.title, v.issuer, v.published_on,
       s.status, s.url, l.len
FROM (SELECT docid // $per_notice AS nid, sum(len) AS len
      FROM fts_main_search_text.docs GROUP BY nid) AS l
JOIN notice_versions AS v ON v.rowid = l.nid
JOIN notice_state AS s ON s.notice_id = v.notice_id
ORDER BY nid;

-- name: version_index
-- The copy only: fetching the texts of the best hits by notice_id is then an
-- index scan instead of a read of every body (the pipeline's warehouse has no
-- index on this table: there it would be rewritten every cycle).
CREATE INDEX notice_versions_by_notice ON notice_versions (notice_id);

-- name: drop_text
DROP TABLE search_text;

-- name: fingerprint
-- What the index is made of: each indexed version (its rowid is its nid) and
-- what notice_docs shows of its notice's state. Equal fingerprints (with the
-- same search.sql, warehouse/search.py) give the same index.
SELECT md5(coalesce(string_agg(
           concat_ws(chr(31), v.rowid, v.notice_id, v.version_no, s.status, s.url),
           chr(30) ORDER BY v.rowid), ''))
FROM notice_versions AS v
JOIN notice_state AS s ON s.notice_id = v.notice_id AND s.latest_version = v.version_no;

-- name: previous_index
-- The previous analyst copy's index, attached as prev, when it was made of the
-- same and holds every table a search reads.
SELECT per_notice FROM prev.search_index
WHERE fingerprint = $fingerprint
  AND (SELECT count(*) FROM duckdb_tables()
       WHERE database_name = 'prev' AND schema_name = 'fts_main_search_text'
         AND table_name IN ('docs', 'dict', 'terms', 'stats', 'fields', 'notice_docs')) = 6;

-- name: previous_tables
SELECT table_name FROM duckdb_tables()
WHERE database_name = 'prev' AND schema_name = 'fts_main_search_text';

-- name: info_table
-- What was indexed, when, how long it took (one row); notices and tokens are
-- BM25's N and (tokens / notices) average length too. reused: the tables were
-- copied from the previous analyst copy, made of the same (fingerprint).
CREATE OR REPLACE TABLE search_index AS
SELECT (SELECT count(*) FROM fts_main_search_text.notice_docs)     AS notices,
       (SELECT count(*) FROM fts_main_search_text.dict)            AS terms,
       (SELECT coalesce(sum(len), 0) FROM fts_main_search_text.notice_docs) AS tokens,
       'bigram'                                                    AS tokenizer,
       $built_at::TIMESTAMPTZ                                      AS built_at,
       $seconds::DOUBLE                                            AS build_seconds,
       (SELECT as_of FROM latest_cycle)                            AS as_of,
       $per_notice::BIGINT                                         AS per_notice,
       $fingerprint::VARCHAR                                       AS fingerprint,
       $reused::BOOLEAN                                            AS reused;

-- name: search_guard
-- A table macro reads the tables of the database in use, not of the one it lives in:
-- after ATTACH '…analyst.duckdb' AS zg, zg.search_notices(…) would fail on
-- "fts_main_search_text.terms does not exist". The macro reads this view first, so
-- DuckDB's error names what to do: its name is the instruction.
CREATE OR REPLACE VIEW "search_notices: USE this database first, e.g. USE zg (it reads the index of the database in use)" AS
SELECT 1 AS ok;

-- name: search_macro
-- search_notices(query): the notices holding every word of the query (words
-- are separated by spaces) as a phrase: the word's tokens side by side, in
-- order, within one paragraph; punctuation inside a word stands for any
-- punctuation in the notice (违规,吃喝 finds 违规、吃喝, not 违规吃喝). A lone
-- Chinese character stands for itself, or inside a longer run: alone in the
-- word, any pair holding it; first in the word, a pair ending with it; last,
-- a pair starting with it. Best first by BM25 with each query word as a term
-- (its frequency: the places it stands in the notice; its rarity: how many
-- notices hold it), with fts's constants: k1 1.2, b 0.75, log10 idf, the
-- notice's length in tokens.
-- snippet: the text around the first query word found verbatim, marked 【】,
-- for the best `snippets` rows only (NULL below: reading every body of a
-- common word would be slow).
CREATE OR REPLACE MACRO search_notices(query, snippets := 20) AS TABLE
WITH words AS (
    SELECT unnest(parts) AS word, generate_subscripts(parts, 1) AS w
    FROM (SELECT list_filter(string_split_regex(coalesce(query, ''), '\s+'),
                             x -> len(search_tokens(x)) > 0) AS parts)
),
q AS (
    SELECT w, unnest(tokens) AS token, generate_subscripts(tokens, 1) AS slot,
           len(tokens) AS n
    FROM (SELECT w, search_tokens(word) AS tokens FROM words)
),
qterms AS (  -- each query token's terms: itself, and for a lone character the pairs above
    SELECT q.w, q.slot, q.n, d.termid
    FROM q
    JOIN fts_main_search_text.dict AS d ON d.term = q.token
    UNION ALL
    SELECT q.w, q.slot, q.n, d.termid
    FROM (SELECT * FROM q WHERE length(token) = 1 AND regexp_matches(token, '\p{Han}')) AS q
    JOIN fts_main_search_text.dict AS d
      ON length(d.term) = 2 AND contains(d.term, q.token)
     AND (q.n = 1
          OR (q.slot = 1 AND suffix(d.term, q.token))
          OR (q.slot = q.n AND starts_with(d.term, q.token)))
),
occurrences AS (  -- the guard is bound first (search_guard)
    SELECT t.docid, t.termid, t.pos
    FROM "search_notices: USE this database first, e.g. USE zg (it reads the index of the database in use)" AS guard,
         fts_main_search_text.terms AS t
    WHERE t.termid IN (SELECT termid FROM qterms)
),
aligned AS (  -- each occurrence as (paragraph, word, where the word would start)
    SELECT o.docid, qt.w, qt.n, qt.slot, o.pos - qt.slot AS start
    FROM occurrences AS o
    JOIN qterms AS qt USING (termid)
),
places AS (  -- each place where a word of the query stands: its n tokens side by side
    SELECT docid, w
    FROM (SELECT * FROM aligned WHERE slot > 1) AS rest
    SEMI JOIN (SELECT docid, w, start FROM aligned WHERE slot = 1) AS first
        USING (docid, w, start)
    GROUP BY docid, w, start, n
    HAVING count(*) = n - 1  -- a place holds one term: n - 1 rows are the other tokens
    UNION ALL
    SELECT docid, w FROM aligned WHERE n = 1
),
word_tf AS (  -- how often each word stands in each notice (docid // per_notice: its nid)
    SELECT p.docid // i.per_notice AS nid, p.w, count(*) AS tf
    FROM places AS p
    CROSS JOIN search_index AS i
    GROUP BY ALL
),
matched AS (
    SELECT nid FROM word_tf GROUP BY nid HAVING count(*) = (SELECT count(*) FROM words)
),
word_df AS (
    SELECT w, count(*) AS df FROM word_tf GROUP BY w
),
scored AS (
    SELECT m.nid,
           sum(log((i.notices - f.df + 0.5) / (f.df + 0.5) + 1)
               * t.tf * (1.2 + 1)
               / (t.tf + 1.2 * (1 - 0.75 + 0.75 * n.len / (i.tokens / i.notices)))) AS score
    FROM matched AS m
    JOIN word_tf AS t USING (nid)
    JOIN word_df AS f USING (w)
    JOIN fts_main_search_text.notice_docs AS n USING (nid)
    CROSS JOIN search_index AS i
    GROUP BY m.nid
),
ranked AS (
    SELECT n.*, scored.score
    FROM scored
    JOIN fts_main_search_text.notice_docs AS n USING (nid)
),
best AS (  -- the latest version is the highest: no filter that would hide the index
    SELECT b.notice_id, arg_max(v.title || chr(10) || v.body, v.version_no) AS text
    FROM (SELECT notice_id FROM ranked ORDER BY score DESC, notice_id LIMIT snippets) AS b
    JOIN notice_versions AS v USING (notice_id)
    GROUP BY b.notice_id
),
located AS (
    SELECT notice_id, text, word, coalesce(instr(low, word), 1) AS pos
    FROM (SELECT notice_id, text, low,
                 list_filter(search_words(query) || search_tokens(query),
                             x -> contains(low, x))[1] AS word
          FROM (SELECT notice_id, text, lower(text) AS low FROM best))
),
snippet AS (
    SELECT notice_id,
           replace(
               CASE WHEN pos > 31 THEN '…' ELSE '' END
               || substr(text, greatest(pos - 30, 1), least(pos - 1, 30))
               || '【' || substr(text, pos, coalesce(length(word), 0)) || '】'
               || substr(text, pos + coalesce(length(word), 0), 50)
               || CASE WHEN pos + coalesce(length(word), 0) + 50 <= length(text) THEN '…'
                       ELSE '' END,
               chr(10), ' ') AS snippet
    FROM located
)
SELECT
    r.notice_id,
    r.title,
    r.issuer,
    r.score,
    snippet.snippet,
    r.published_on,
    r.status,
    r.url
FROM ranked AS r
LEFT JOIN snippet USING (notice_id)
ORDER BY r.score DESC, r.notice_id;
