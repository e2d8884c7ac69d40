"""search_notices: Chinese full-text search in the analyst copy, in SQL alone."""

from __future__ import annotations

import math
import shutil
import time
from datetime import date

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from testkit.batches import FakeColumn
from warehouse import search
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_pending
from warehouse.publish import publish_analyst_copy
from warehouse.search import build_search_index, create_macros, load_fts

BODIES = {
    1: "严禁违规吃喝。公车私用问题突出。\n2023年10月26日反馈意见。联系:ABC@Example.gov.cn",
    2: "吃喝玩乐之风。违规使用公车。吃喝问题。",
    3: "违规。吃喝",
    4: "其他内容。",
}


@pytest.fixture
def copy(db, column, cycle, con):
    for n, body in BODIES.items():
        column.add(n, body=body, title=f"通报{n}")
    cycle()
    con.close()
    path = publish_analyst_copy(db)
    c = duckdb.connect(str(path), read_only=True)
    yield c
    c.close()


def found(con, query: str) -> list[str]:
    rows = con.execute("SELECT notice_id FROM search_notices(?)", [query]).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize(
    ("query", "notices"),
    [
        ("违规吃喝", {"1"}),  # a phrase: its characters side by side
        ("吃喝", {"1", "2", "3"}),  # inside longer runs too
        ("违规,吃喝", {"3"}),  # a break in the query matches a break in the notice
        ("公车 违规", {"1", "2"}),  # words separated by a space: each anywhere
        ("违规公车", set()),
        ("违规使用公车", {"2"}),
        ("车", {"1", "2"}),  # a lone character inside any run
        ("吃", {"1", "2", "3"}),
        ("2023年10月", {"1"}),
        ("2023", {"1"}),
        ("202", set()),  # letters and digits are whole words
        ("２０２３年", {"1"}),  # full-width digits fold
        ("abc@EXAMPLE", {"1"}),  # case folds
        ("通报4", {"4"}),  # the title is indexed too
        ("", set()),
        ("  ", set()),
        ("，。", set()),
    ],
)
def test_what_a_query_finds(copy, query, notices):
    assert set(found(copy, query)) == notices


def test_best_first_with_a_snippet_around_the_words(copy):
    rows = copy.execute(
        "SELECT notice_id, title, issuer, score, snippet FROM search_notices('吃喝')"
    ).fetchall()
    assert [r[0] for r in rows] == ["3", "2", "1"]  # BM25: short notices, more often
    assert [r[3] for r in rows] == sorted((r[3] for r in rows), reverse=True)
    assert rows[1][1:] == ("通报2", "中共测试市第3区委", rows[1][3],
                           "通报2 【吃喝】玩乐之风。违规使用公车。吃喝问题。")  # fmt: skip
    only_one = copy.execute(
        "SELECT snippet FROM search_notices('吃喝', snippets := 1)"
    ).fetchall()
    assert only_one[0][0] and [r[0] for r in only_one[1:]] == [None, None]


def test_the_score_is_bm25_over_notices(copy):
    """k1 1.2, b 0.75, log10 idf as fts's match_bm25; documents are whole notices."""
    texts = dict(copy.execute(
        "SELECT notice_id, search_tokens(title || chr(10) || body) FROM notices"
    ).fetchall())  # fmt: skip
    avgdl = sum(map(len, texts.values())) / len(texts)
    df = sum("吃喝" in tokens for tokens in texts.values())
    idf = math.log10((len(texts) - df + 0.5) / (df + 0.5) + 1)

    def bm25(tokens: list[str]) -> float:
        tf = tokens.count("吃喝")
        return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(tokens) / avgdl))

    ours = dict(copy.execute("SELECT notice_id, score FROM search_notices('吃喝')").fetchall())
    assert ours == pytest.approx({k: bm25(t) for k, t in texts.items() if "吃喝" in t})


def test_fts_own_functions_work_on_the_index(copy):
    """The index is fts's: with the extension loaded, its match_bm25 reads it (per paragraph)."""
    load_fts(copy)
    hits = copy.execute(
        "SELECT name FROM (SELECT name, fts_main_search_text.match_bm25(name, '吃喝') AS score "
        "FROM fts_main_search_text.docs) WHERE score IS NOT NULL ORDER BY name"
    ).fetchall()
    assert [h[0] for h in hits] == ["1#2", "2#2", "3#2"]


def test_positions_follow_each_notice_token_by_token(copy):
    """Ordered by paragraph and place, a notice's index rows are its tokens."""
    for notice_id in BODIES:
        stored = [r[0] for r in copy.execute(
            "SELECT d.term FROM fts_main_search_text.terms AS t "
            "JOIN fts_main_search_text.dict AS d USING (termid) "
            "CROSS JOIN search_index AS i "
            "JOIN fts_main_search_text.notice_docs AS n ON n.nid = t.docid // i.per_notice "
            "WHERE n.notice_id = ? ORDER BY t.docid, t.pos", [str(notice_id)],
        ).fetchall()]  # fmt: skip
        (tokens,) = copy.execute(
            "SELECT search_tokens(title || chr(10) || body) FROM notices WHERE notice_id = ?",
            [str(notice_id)],
        ).fetchone()
        assert stored == tokens


def run_cycle(db, column) -> None:
    column.crawl()
    with connect(db, lock_wait=5) as c:
        load_pending(c, column.batches_dir)
        detect_changes(c, as_of=date(2024, 10, 1), warn_days=3)


def test_the_index_lives_in_the_analyst_copy_only(db, column):
    column.add(1, body="第一份通报。")
    run_cycle(db, column)
    publish_analyst_copy(db)
    column.add(2, body="第二份通报提到红树林。")
    run_cycle(db, column)
    copy = publish_analyst_copy(db)  # rebuilt by every publish
    with duckdb.connect(str(copy), read_only=True) as c:
        assert found(c, "红树林") == ["2"]
        assert c.execute("SELECT notices FROM search_index").fetchone() == (2,)
    with duckdb.connect(str(db), read_only=True) as w:
        names = {r[0] for r in w.execute(
            "SELECT schema_name FROM duckdb_schemas() UNION ALL "
            "SELECT function_name FROM duckdb_functions() WHERE NOT internal UNION ALL "
            "SELECT table_name FROM duckdb_tables() UNION ALL "
            "SELECT index_name FROM duckdb_indexes()").fetchall()}  # fmt: skip
    assert not {"fts_main_search_text", "search_notices", "search_tokens", "search_index",
                "notice_versions_by_notice"} & names  # fmt: skip


def test_an_empty_warehouse_publishes_an_empty_index(db, con):
    con.close()
    with duckdb.connect(str(publish_analyst_copy(db)), read_only=True) as c:
        assert found(c, "吃喝") == []


@pytest.fixture(scope="module")
def tokens_con():
    c = duckdb.connect()
    create_macros(c)
    yield c
    c.close()


HAN = st.text(alphabet="巡视整改落实情况通报违规吃喝公车", min_size=2, max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=HAN, data=st.data())
def test_any_stretch_of_two_or_more_characters_is_found_where_it_stands(tokens_con, text, data):
    """The query's tokens are the text's tokens at consecutive places: a phrase match."""
    start = data.draw(st.integers(0, len(text) - 2))
    end = data.draw(st.integers(start + 2, len(text)))
    whole, part = tokens_con.execute(
        "SELECT search_tokens(?), search_tokens(?)", [text, text[start:end]]
    ).fetchone()
    assert whole[start : start + len(part)] == part


def index_tables(con) -> dict[str, list[tuple]]:
    """Every row of every table of the index (fts's schema), in a stable order."""
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'fts_main_search_text' "
        "ORDER BY table_name").fetchall()]  # fmt: skip
    return {t: sorted(con.execute(f"FROM fts_main_search_text.{t}").fetchall(), key=repr)
            for t in tables}


def reused(path) -> bool:
    with duckdb.connect(str(path), read_only=True) as c:
        return c.execute("SELECT reused FROM search_index").fetchone()[0]


def test_a_publish_with_no_notice_changed_copies_the_previous_index(db, column):
    for n, body in BODIES.items():
        column.add(n, body=body, title=f"通报{n}")
    run_cycle(db, column)
    built = publish_analyst_copy(db)
    assert not reused(built)
    with duckdb.connect(str(built), read_only=True) as c:
        first = index_tables(c), found(c, "吃喝")
    run_cycle(db, column)  # a cycle that changes nothing
    again = publish_analyst_copy(db)
    assert reused(again)
    with duckdb.connect(str(again), read_only=True) as c:
        assert (index_tables(c), found(c, "吃喝")) == first
        assert c.execute("SELECT count(*) FROM duckdb_indexes() "
                         "WHERE index_name = 'notice_versions_by_notice'").fetchone() == (1,)
        load_fts(c)  # fts's own macros came with it
        assert c.execute(
            "SELECT count(*) FROM (SELECT fts_main_search_text.match_bm25(name, '吃喝') AS s "
            "FROM fts_main_search_text.docs) WHERE s IS NOT NULL").fetchone() == (3,)


def changed(path) -> tuple[bool, int]:
    with duckdb.connect(str(path), read_only=True) as c:
        return c.execute("SELECT reused, changed FROM search_index").fetchone()


def test_a_changed_status_keeps_the_index_and_a_changed_text_tokenises_that_notice(db, column):
    for n, body in BODIES.items():
        column.add(n, body=body, title=f"通报{n}")
    run_cycle(db, column)
    assert changed(publish_analyst_copy(db)) == (False, 4)  # a first build: every notice
    column.remove(2)
    run_cycle(db, column)
    run_cycle(db, column)  # gone twice: removed
    copy = publish_analyst_copy(db)
    assert changed(copy) == (True, 0)  # the text is the same: nothing tokenised
    with duckdb.connect(str(copy), read_only=True) as c:
        assert c.execute("SELECT status FROM search_notices('玩乐')").fetchall() == [("removed",)]
    column.add(5, body="新的通报提到红树林。")
    column.edit(3, "违规", "违纪")
    run_cycle(db, column)
    copy = publish_analyst_copy(db)
    assert changed(copy) == (True, 2)  # the new notice and the edited one
    with duckdb.connect(str(copy), read_only=True) as c:
        assert found(c, "红树林") == ["5"]
        assert found(c, "违纪") == ["3"]
        assert sorted(found(c, "违规")) == ["1", "2"]


@pytest.mark.parametrize("spoil", ["older copy", "a table missing", "not a database"])
def test_a_previous_copy_it_cannot_trust_means_a_build(db, column, spoil):
    column.add(1, body=BODIES[1])
    run_cycle(db, column)
    previous = publish_analyst_copy(db)
    if spoil == "older copy":  # an index from before fingerprints
        with duckdb.connect(str(previous)) as c:
            c.execute("ALTER TABLE search_index DROP COLUMN fingerprint")
    elif spoil == "a table missing":
        with duckdb.connect(str(previous)) as c:
            c.execute("DROP TABLE fts_main_search_text.terms")
    else:
        previous.write_bytes(b"not a duckdb file")
    copy = publish_analyst_copy(db)
    assert not reused(copy)
    with duckdb.connect(str(copy), read_only=True) as c:
        assert found(c, "违规吃喝") == ["1"]


def index_content(con) -> dict[str, list[tuple]]:
    """What the index holds, whatever numbers (nid, termid, docid) a build gave it."""
    queries = {
        "occurrences": "SELECT n.notice_id, t.docid % i.per_notice, t.pos, d.term "
                       "FROM fts_main_search_text.terms AS t "
                       "JOIN fts_main_search_text.dict AS d USING (termid) "
                       "CROSS JOIN search_index AS i "
                       "JOIN fts_main_search_text.notice_docs AS n "
                       "ON n.nid = t.docid // i.per_notice",
        "docs": "SELECT d.name, d.len, n.notice_id FROM fts_main_search_text.docs AS d "
                "CROSS JOIN search_index AS i "
                "JOIN fts_main_search_text.notice_docs AS n ON n.nid = d.docid // i.per_notice",
        "dict": "SELECT term, df FROM fts_main_search_text.dict",
        "stats": "FROM fts_main_search_text.stats",
        "notice_docs": "SELECT * EXCLUDE (nid) FROM fts_main_search_text.notice_docs",
        "info": "SELECT notices, terms, tokens FROM search_index",
    }
    return {k: sorted(con.execute(q).fetchall(), key=repr) for k, q in queries.items()}


def full_build(db, out) -> None:
    """The index built from nothing into a plain copy of the warehouse at ``out``."""
    shutil.copyfile(db, out)
    with connect(out, lock_wait=0) as c:
        build_search_index(c)


def search_results(con, queries) -> list:
    return [[(r[0], round(r[3], 9), r[4]) for r in con.execute(
        "SELECT * FROM search_notices(?)", [q]).fetchall()] for q in queries]  # fmt: skip


WORDS = ["违规吃喝", "公车私用", "整改", "巡视", "红树林", "abc", "2024年"]
PARAGRAPH = st.lists(st.sampled_from([*WORDS, "。", "，", " "]), max_size=12).map("".join)
TEXT = st.lists(PARAGRAPH, min_size=1, max_size=5).map("\n".join)
STEP = st.one_of(
    st.tuples(st.just("add"), st.integers(1, 6), TEXT),
    st.tuples(st.just("edit"), st.integers(1, 6), TEXT),
    st.tuples(st.just("remove"), st.integers(1, 6), st.just("")),
)


@settings(max_examples=12, deadline=None)
@example(steps=[[("add", 1, "abc。整改"), ("add", 2, "整改")], [("edit", 1, "巡视")]])
@given(steps=st.lists(st.lists(STEP, min_size=1, max_size=3), min_size=1, max_size=3))
def test_an_index_kept_per_notice_holds_what_a_build_from_nothing_holds(tmp_path_factory, steps):
    """Cycle after cycle of new, edited and removed notices: the kept index, its
    search results, equal a fresh build's."""
    root = tmp_path_factory.mktemp("kept")
    column, db = FakeColumn(root / "batches"), root / "data" / "zgwatch.duckdb"
    for cycle_steps in steps:
        for op, n, text in cycle_steps:
            if op == "remove":
                column.remove(n)
            elif op == "edit" and str(n) in column.notices:
                column.notices[str(n)].body = text
            else:
                column.restore(n)
                column.add(n, body=text, title=f"通报{n}")
        if not column.notices:
            continue
        run_cycle(db, column)
        run_cycle(db, column)  # a removal is confirmed on the second cycle
        kept = publish_analyst_copy(db)
        full_build(db, root / "full.duckdb")
        with duckdb.connect(str(kept), read_only=True) as k, \
                duckdb.connect(str(root / "full.duckdb"), read_only=True) as f:
            assert index_content(k) == index_content(f)
            assert search_results(k, [*WORDS, "整改 巡视", "吃"]) == \
                search_results(f, [*WORDS, "整改 巡视", "吃"])


HAN_RUN = st.text(alphabet="整改落实通报违规吃喝𠀀𠀁㐀", min_size=1, max_size=30)
ASCII_RUN = st.text(alphabet="abcxyz0129", min_size=1, max_size=8)
SEPARATOR = st.sampled_from([" ", "。", "，", "\n", "、"])


def pairs(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


@settings(max_examples=300, deadline=None)
@given(runs=st.lists(st.one_of(HAN_RUN, ASCII_RUN), max_size=8), sep=SEPARATOR)
def test_tokens_are_each_runs_pairs_in_order(tokens_con, runs, sep):
    """Chinese runs (characters beyond the BMP too: four bytes in UTF-8) give their
    overlapping pairs, letters and digits one token, in the order they stand."""
    (tokens,) = tokens_con.execute("SELECT search_tokens(?)", [sep.join(runs)]).fetchone()
    assert tokens == [t for run in runs for t in (pairs(run) if not run.isascii() else [run])]


def test_a_paragraph_is_indexed_up_to_its_cap(db, column, monkeypatch):
    monkeypatch.setattr(search, "PARAGRAPH_CAP", 40)
    column.add(1, body="违规吃喝" * 10 + "红树林" + "\n第二段公车私用", title="通报")
    run_cycle(db, column)
    with duckdb.connect(str(publish_analyst_copy(db)), read_only=True) as c:
        assert found(c, "违规吃喝") == ["1"]
        assert found(c, "红树林") == []  # past the 40th character of its paragraph
        assert found(c, "公车私用") == ["1"]  # the next paragraph has its own cap
        assert c.execute("SELECT paragraph_cap FROM search_index").fetchone() == (40,)


def test_a_deadline_leaves_notices_for_the_next_publish(db, column):
    for n, body in BODIES.items():
        column.add(n, body=body, title=f"通报{n}")
    run_cycle(db, column)
    late = publish_analyst_copy(db, deadline=time.monotonic() - 1)  # already past
    with duckdb.connect(str(late), read_only=True) as c:
        assert c.execute("SELECT notices, unindexed, changed FROM search_index").fetchone() == \
            (0, 4, 0)
        assert found(c, "吃喝") == []
        assert c.execute("SELECT count(*) FROM notices").fetchone() == (4,)  # the copy is whole
    run_cycle(db, column)
    again = publish_analyst_copy(db)
    full_build(db, db.parent / "full.duckdb")
    with duckdb.connect(str(again), read_only=True) as k, \
            duckdb.connect(str(db.parent / "full.duckdb"), read_only=True) as f:
        assert k.execute("SELECT unindexed, changed FROM search_index").fetchone() == (0, 4)
        assert index_content(k) == index_content(f)
        assert sorted(found(k, "吃喝")) == ["1", "2", "3"]


def test_called_through_attach_without_use_the_error_says_to_use_the_database(copy, tmp_path):
    """The guide's way (ATTACH … AS zg, then USE zg) works; without USE, DuckDB's error says it."""
    path = copy.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                        "current_database()").fetchone()[0]  # fmt: skip
    with duckdb.connect(str(tmp_path / "mine.duckdb")) as mine:
        mine.execute(f"ATTACH '{path}' AS zg (READ_ONLY)")
        told = r"USE this database first, e\.g\. USE zg"
        with pytest.raises(duckdb.CatalogException, match=told):
            mine.execute("FROM zg.search_notices('违规吃喝')").fetchall()
        mine.execute("USE zg")
        found = mine.execute("FROM zg.search_notices('违规吃喝')").fetchall()
        assert [r[0] for r in found] == ["1"]


def test_the_index_is_fingerprinted_by_what_writes_it_not_by_the_query(monkeypatch,
                                                                        tmp_path):
    """A new search_notices (made again at every publish) keeps the index; another
    tokeniser or another statement that writes the index means a build from nothing."""
    from core.sqlfiles import SqlFile

    text = search.SQL_PATH.read_text(encoding="utf-8")
    before = search._fingerprint()
    for name, same in (("search_macro", True), ("search_guard", True),
                       ("tokens_macro", False), ("copy_terms", False)):
        body = search.SQL[name]
        assert text.count(body) == 1
        changed = tmp_path / f"{name}.sql"
        changed.write_text(text.replace(body, body + "\n-- changed"), encoding="utf-8")
        monkeypatch.setattr(search, "SQL", SqlFile(changed))
        assert (search._fingerprint() == before) is same, name
