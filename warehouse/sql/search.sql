-- Chinese full-text search in the analyst copy (warehouse/search.py; docs/analysts.md).
--
-- Notices are indexed as character bigrams: each run of Chinese characters
-- becomes its overlapping pairs (违规吃喝 -> 违规 规吃 吃喝), a run of one character
-- itself, and each run of ASCII letters or digits one token (full-width forms
-- folded, lower case). bench/search_eval.py measured bigrams against jieba's
-- segmentation on what analysts type: bigrams find every notice holding the
-- phrase, words inside words included (docs/benchmarks.md). The query is
-- tokenised by the same macro, in SQL: no Python at either end. The tokeniser
-- is linear in its input (a run is split into its characters once, and pairs
-- are zipped from that list: substr over UTF-8 made it quadratic), and a
-- paragraph is indexed up to its first $cap characters (search.PARAGRAPH_CAP).
--
-- The index has the tables of DuckDB's fts extension (schema
-- fts_main_search_text: docs, one row per paragraph of each notice's latest
-- title and body; dict; terms, one row per token occurrence; stats; fields),
-- made by PRAGMA create_fts_index over an empty table (its schema and its
-- macros, match_bm25 included) and filled here, so fts's own functions read
-- it. It is kept per notice: each publish starts from the previous analyst
-- copy's tables, drops the notices whose text is gone or changed, and
-- tokenises only the new or changed ones (search_pending). On top of fts's
-- columns, terms.pos is each occurrence's place (a phrase's tokens can be
-- required side by side); terms is kept sorted by term up to an appended tail
-- (a query reads only its own terms' row groups), sorted again when the tail
-- grows past a tenth; a paragraph's docid is nid * per_notice + its number, so
-- docid divided by search_index.per_notice is the notice's nid; notice_docs has
-- one row per notice. search_notices() scores notices with BM25 in plain SQL,
-- so any DuckDB session runs it, the CLI included, without the extension.

-- name: fold_macro
-- What the tokens are read from: full-width letters and digits folded, lower case.
CREATE OR REPLACE MACRO search_fold(s) AS lower(translate(s,
    '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ',
    '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'));

-- name: words_macro
-- The runs of Chinese characters, and of ASCII letters/digits; the rest separates them.
CREATE OR REPLACE MACRO search_words(s) AS
    regexp_extract_all(search_fold(s), '\p{Han}+|[a-z0-9]+');

-- name: pairs_macro
-- A run's pairs zipped from its list of characters: linear in the run's length.
CREATE OR REPLACE MACRO search_pairs(chars) AS
    list_transform(list_zip(chars[:-2], chars[2:]), p -> p[1] || p[2]);

-- name: tokens_macro
CREATE OR REPLACE MACRO search_tokens(s) AS flatten([
    CASE WHEN length(w) > 1 AND regexp_matches(w, '^\p{Han}')
         THEN search_pairs(string_split(w, ''))
         ELSE [w] END
    FOR w IN search_words(s)
]);

-- name: create_text
-- fts's input, kept empty: PRAGMA create_fts_index over it makes the schema,
-- fts's tables and macros; the tables are then filled by the statements below.
CREATE OR REPLACE TEMP TABLE search_text (paragraph VARCHAR, tokens VARCHAR);

-- name: create_index
PRAGMA create_fts_index('search_text', 'paragraph', 'tokens', overwrite = 1,
    stemmer = 'none', stopwords = 'none', ignore = '\s+', strip_accents = 0, lower = 0);

-- name: empty_docs
-- A first build starts from these (fts's docs, dict and terms with terms.pos).
CREATE TABLE fts_main_search_text.docs (docid BIGINT, name VARCHAR, len BIGINT);

-- name: empty_dict
CREATE TABLE fts_main_search_text.dict (termid BIGINT, term VARCHAR, df BIGINT);

-- name: empty_terms
CREATE TABLE fts_main_search_text.terms (
    docid BIGINT, fieldid BIGINT, termid BIGINT, pos INTEGER);

-- name: empty_notice_docs
CREATE TABLE fts_main_search_text.notice_docs (
    nid BIGINT, notice_id VARCHAR, version_no INTEGER, text_sha256 VARCHAR, title VARCHAR,
    issuer VARCHAR, published_on DATE, status VARCHAR, url VARCHAR, len BIGINT);

-- name: wanted
-- What the index must hold: each notice's latest version, with what a result
-- row shows, where it lies (vrow, its rowid in this file), its length and its
-- paragraphs (lines of title \n body), read in one pass over the texts.
CREATE OR REPLACE TEMP TABLE search_wanted AS
SELECT v.notice_id, v.version_no, v.text_sha256, v.title, v.issuer, v.published_on,
       s.status, s.url, v.rowid AS vrow, length(v.title) + length(v.body) AS chars,
       length(v.title) - length(replace(v.title, chr(10), ''))
       + length(v.body) - length(replace(v.body, chr(10), '')) + 2 AS paragraphs
FROM notice_versions AS v
JOIN notice_state AS s ON s.notice_id = v.notice_id AND s.latest_version = v.version_no;

-- name: copy_docs
-- The previous copy's index, every row in its order but the stale notices'
-- (search_stale, from the copied notice_docs): left out here, not deleted after
-- (keep_terms says why).
CREATE TABLE fts_main_search_text.docs AS
SELECT * FROM prev.fts_main_search_text.docs
WHERE docid // $per_notice NOT IN (SELECT nid FROM search_stale);

-- name: copy_terms
CREATE TABLE fts_main_search_text.terms AS
SELECT * FROM prev.fts_main_search_text.terms
WHERE docid // $per_notice NOT IN (SELECT nid FROM search_stale);

-- name: copy_dict
CREATE TABLE fts_main_search_text.dict AS
SELECT * FROM prev.fts_main_search_text.dict ORDER BY termid;

-- name: copy_notice_docs
CREATE TABLE fts_main_search_text.notice_docs AS
SELECT * FROM prev.fts_main_search_text.notice_docs ORDER BY nid;

-- name: stale
-- The index's notices whose text is no longer wanted (changed, or gone).
CREATE OR REPLACE TEMP TABLE search_stale AS
SELECT d.nid FROM fts_main_search_text.notice_docs AS d
ANTI JOIN search_wanted AS w USING (notice_id, text_sha256);

-- name: stale_count
SELECT count(*) FROM search_stale;

-- name: stale_df
-- How many of each term's paragraphs go with the stale notices (dict.df drops by
-- that), read from {terms}: the index's own, or prev's before it is copied.
CREATE OR REPLACE TEMP TABLE search_df_change AS
SELECT termid, -count(DISTINCT docid) AS change
FROM {terms}
WHERE docid // $per_notice IN (SELECT nid FROM search_stale)
GROUP BY termid;

-- name: keep_terms
-- The index's occurrences less the stale notices', in their order, written anew
-- (then drop_terms, rename_sorted) rather than deleted: terms is ordered by term,
-- so a notice's occurrences lie in nearly every vector of 2,048 rows, and DuckDB
-- keeps deletion info for each vector a DELETE touches (tens of KB): at 20,000
-- notices (48 M rows) the delete of 20 notices ran past the memory limit.
CREATE TABLE fts_main_search_text.terms_by_term AS
SELECT * FROM fts_main_search_text.terms
WHERE docid // $per_notice NOT IN (SELECT nid FROM search_stale);

-- name: delete_stale_docs
DELETE FROM fts_main_search_text.docs
WHERE docid // $per_notice IN (SELECT nid FROM search_stale);

-- name: delete_stale_notice_docs
DELETE FROM fts_main_search_text.notice_docs WHERE nid IN (SELECT nid FROM search_stale);

-- name: no_change
CREATE OR REPLACE TEMP TABLE search_df_change (termid BIGINT, change BIGINT);

-- name: pending
-- The wanted notices the index does not hold yet (new, or their text changed),
-- each given the next free nid, and cut into slices of about $slice_chars
-- characters (a slice is tokenised by one statement: its token lists stay small,
-- and a publish with a deadline stops between two slices).
CREATE OR REPLACE TEMP TABLE search_pending AS
SELECT *, (sum(chars) OVER (ORDER BY nid) - chars) // $slice_chars AS slice
FROM (SELECT w.*, (SELECT coalesce(max(nid), -1) FROM fts_main_search_text.notice_docs)
                  + row_number() OVER (ORDER BY w.vrow) AS nid
      FROM search_wanted AS w
      ANTI JOIN fts_main_search_text.notice_docs AS d
        ON d.notice_id = w.notice_id AND d.text_sha256 = w.text_sha256);

-- name: most_paragraphs
-- The most paragraphs a pending notice has: per_notice must stay above it.
SELECT coalesce(max(paragraphs), 0) FROM search_pending;

-- name: tokenise
-- One slice of the pending notices: each paragraph (up to $cap characters)
-- becomes its docs row and its tokens.
CREATE OR REPLACE TEMP TABLE search_slice AS
SELECT p.nid * $per_notice + generate_subscripts(paragraphs, 1) AS docid,
       p.notice_id || '#' || generate_subscripts(paragraphs, 1) AS name,
       search_tokens(left(unnest(paragraphs), $cap)) AS tokens
FROM (SELECT p.nid, p.notice_id,
             string_split(v.title || chr(10) || v.body, chr(10)) AS paragraphs
      FROM notice_versions AS v
      JOIN search_pending AS p ON p.vrow = v.rowid
      WHERE p.slice = $slice AND v.rowid BETWEEN $first_row AND $last_row) AS p;

-- name: slice_docs
INSERT INTO fts_main_search_text.docs SELECT docid, name, len(tokens) FROM search_slice;

-- name: slice_tokens
-- The slice's occurrences, each with its place in its paragraph.
CREATE OR REPLACE TEMP TABLE search_slice_tokens AS
SELECT docid, unnest(tokens) AS term, (generate_subscripts(tokens, 1) - 1)::INTEGER AS pos
FROM search_slice;

-- name: add_terms
-- The slice's new terms take the next termids.
INSERT INTO fts_main_search_text.dict
SELECT (SELECT coalesce(max(termid), -1) FROM fts_main_search_text.dict)
       + row_number() OVER (ORDER BY term), term, 0
FROM (SELECT DISTINCT term FROM search_slice_tokens) AS n
ANTI JOIN fts_main_search_text.dict USING (term);

-- name: new_df
INSERT INTO search_df_change
SELECT d.termid, count(DISTINCT n.docid)
FROM search_slice_tokens AS n JOIN fts_main_search_text.dict AS d USING (term)
GROUP BY d.termid;

-- name: add_occurrences
-- The slice's occurrences, sorted among themselves, after the rest (the tail).
INSERT INTO fts_main_search_text.terms
SELECT n.docid, 0, d.termid, n.pos
FROM search_slice_tokens AS n JOIN fts_main_search_text.dict AS d USING (term)
ORDER BY d.termid, n.docid, n.pos;

-- name: update_df
-- dict.df counts the paragraphs holding each term (fts's meaning): less the
-- stale notices', plus the new ones'.
UPDATE fts_main_search_text.dict AS d SET df = d.df + c.change
FROM (SELECT termid, sum(change) AS change FROM search_df_change GROUP BY termid) AS c
WHERE c.termid = d.termid;

-- name: drop_unused_terms
-- A term no paragraph holds any more leaves the dict.
DELETE FROM fts_main_search_text.dict WHERE df = 0;

-- name: sort_terms
-- Every occurrence ordered by term again: a query reads only its terms' row groups.
CREATE TABLE fts_main_search_text.terms_by_term AS
SELECT * FROM fts_main_search_text.terms ORDER BY termid, docid, pos;

-- name: drop_terms
DROP TABLE fts_main_search_text.terms;

-- name: rename_sorted
ALTER TABLE fts_main_search_text.terms_by_term RENAME TO terms;

-- name: notice_lengths
-- One row per indexed notice: what a result row shows (from the state now),
-- and its length in tokens (BM25's document length).
CREATE OR REPLACE TEMP TABLE search_lengths AS
SELECT docid // $per_notice AS nid, sum(len) AS len
FROM fts_main_search_text.docs
WHERE docid // $per_notice IN (SELECT nid FROM search_pending WHERE slice < $done)
GROUP BY ALL;

-- name: new_notice_rows
INSERT INTO fts_main_search_text.notice_docs
SELECT p.nid, p.notice_id, p.version_no, p.text_sha256, p.title, p.issuer, p.published_on,
       p.status, p.url, coalesce(l.len, 0)
FROM search_pending AS p LEFT JOIN search_lengths AS l USING (nid)
WHERE p.slice < $done;

-- name: kept_notice_rows
-- A kept notice shows its state now (status, URL, title: what notice_docs shows).
UPDATE fts_main_search_text.notice_docs AS d
SET version_no = w.version_no, title = w.title, issuer = w.issuer,
    published_on = w.published_on, status = w.status, url = w.url
FROM search_wanted AS w
WHERE w.notice_id = d.notice_id AND w.text_sha256 = d.text_sha256
  AND (d.version_no, d.title, d.issuer, d.published_on, d.status, d.url)
      IS DISTINCT FROM (w.version_no, w.title, w.issuer, w.published_on, w.status, w.url);

-- name: clear_stats
DELETE FROM fts_main_search_text.stats;

-- name: stats
INSERT INTO fts_main_search_text.stats
SELECT count(*), coalesce(sum(len) / count(*), 0) FROM fts_main_search_text.docs;

-- name: version_index
-- The copy only: fetching the texts of the best hits by notice_id is then an
-- index scan instead of a read of every body (the pipeline's warehouse has no
-- index on this table: there it would be rewritten every cycle).
CREATE INDEX IF NOT EXISTS notice_versions_by_notice ON notice_versions (notice_id);

-- name: slices
-- How many slices the pending notices make.
SELECT coalesce(max(slice) + 1, 0) FROM search_pending;

-- name: slice_rows
-- The rowids a slice's texts lie between (nids follow rowids: a slice is a range of them).
SELECT min(vrow), max(vrow) FROM search_pending WHERE slice = $slice;

-- name: slice_occurrences
SELECT count(*) FROM search_slice_tokens;

-- name: pending_counts
-- The pending notices tokenised (their slice done), and those left for the next build.
SELECT count(*) FILTER (slice < $done), count(*) FILTER (slice >= $done) FROM search_pending;

-- name: occurrences
SELECT count(*) FROM fts_main_search_text.terms;

-- name: counts
SELECT notices, terms FROM search_index;

-- name: previous_index
-- The previous analyst copy's index, attached as prev: its per_notice and
-- unsorted tail, when it was made by the same code and holds every table a
-- search reads.
SELECT per_notice, unsorted FROM prev.search_index
WHERE fingerprint = $fingerprint
  AND (SELECT count(*) FROM duckdb_tables()
       WHERE database_name = 'prev' AND schema_name = 'fts_main_search_text'
         AND table_name IN ('docs', 'dict', 'terms', 'stats', 'fields', 'notice_docs')) = 6;

-- name: own_index
-- The index this database already holds (an older analyst copy brought up to
-- date in place, warehouse/publish.py), on the same terms as previous_index.
SELECT per_notice, unsorted FROM search_index
WHERE fingerprint = $fingerprint
  AND (SELECT count(*) FROM duckdb_tables()
       WHERE database_name = current_database() AND schema_name = 'fts_main_search_text'
         AND table_name IN ('docs', 'dict', 'terms', 'stats', 'fields', 'notice_docs')) = 6;

-- name: info_table
-- What was indexed, when, how long it took (one row); notices and tokens are
-- BM25's N and (tokens / notices) average length too. reused: the previous
-- analyst copy's index was kept for its unchanged notices; changed: the
-- notices tokenised by this publish; unindexed: the notices it left for the
-- next publish (its deadline came first; search does not find them yet);
-- unsorted: occurrences in terms' tail.
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
       $reused::BOOLEAN                                            AS reused,
       $changed::BIGINT                                            AS changed,
       $unsorted::BIGINT                                           AS unsorted,
       $unindexed::BIGINT                                          AS unindexed,
       $cap::INTEGER                                               AS paragraph_cap;

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
    SELECT q.w, q.slot, q.n, d.termid, d.df
    FROM q
    JOIN fts_main_search_text.dict AS d ON d.term = q.token
    UNION ALL
    SELECT q.w, q.slot, q.n, d.termid, d.df
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
      -- a token no paragraph holds: no notice holds every word, nothing is read
      AND (SELECT count(DISTINCT (w, slot)) FROM qterms) = (SELECT count(*) FROM q)
),
anchors AS (  -- each word's rarest token (its slot): the fewest paragraphs hold it
    SELECT w, arg_min(slot, df) AS anchor
    FROM (SELECT w, slot, sum(df) AS df FROM qterms GROUP BY w, slot)
    GROUP BY w
),
aligned AS (  -- each occurrence as (paragraph, word, where the word would start)
    SELECT o.docid, qa.w, qa.n, qa.slot, o.pos - qa.slot AS start, qa.anchored
    FROM occurrences AS o
    JOIN (SELECT qt.*, qt.slot = x.anchor AS anchored
          FROM qterms AS qt JOIN anchors AS x USING (w)) AS qa USING (termid)
),
places AS (  -- each place where a word of the query stands: its n tokens side by side,
             -- found from its rarest token's places (a small hash table to probe)
    SELECT docid, w
    FROM (SELECT * FROM aligned WHERE NOT anchored) AS rest
    SEMI JOIN (SELECT docid, w, start FROM aligned WHERE anchored) AS first
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
