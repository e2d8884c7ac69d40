"""A publish after one notice changed does the work of that notice, and ends where a full
rebuild ends: the same search results, the same analyst copy, the same site (issue 26).
The publish measured is the third: it brings the spare (the first copy) up to date."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from history import build_site
from replica.state import Replica
from testkit.batches import FakeColumn
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_pending
from warehouse.publish import judge_cycle, publish_analyst_copy
from warehouse.search import build_search_index

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]  # 2,000 notices, a full site twice

AS_OF = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # both site builds: pages carry the build time
QUERIES = ["整改", "巡视整改", "违规吃喝", "更正", "广州 整改", "2023年", "群众"]


def cycle(column: FakeColumn, db: Path) -> None:
    column.crawl()
    with connect(db, lock_wait=5) as con:
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=AS_OF, warn_days=3)


def search(con) -> list:
    return [[(r[0], round(r[3], 9), r[4]) for r in con.execute(
        "SELECT * FROM search_notices(?)", [q]).fetchall()] for q in QUERIES]  # fmt: skip


def tables(con) -> dict[str, list]:
    """Every row of every table analysts can read, ids the index gives itself left out."""
    out = {}
    for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary "
            "ORDER BY ALL").fetchall():  # fmt: skip
        name = f'{schema}."{table}"'
        query = {
            "search_index": "SELECT notices, terms, tokens, per_notice > 0, unindexed FROM ",
            "terms": "SELECT count(*), sum(pos) FROM ",
            "docs": "SELECT name, len FROM ",
            "dict": "SELECT term, df FROM ",
            "notice_docs": "SELECT * EXCLUDE (nid) FROM ",
        }.get(table, "FROM ")
        out[name] = sorted(con.execute(query + name).fetchall(), key=repr)
    return out


def site_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}  # fmt: skip


def test_one_notice_changed_in_2000_ends_where_a_full_rebuild_ends(tmp_path):
    replica = Replica(notices=2000, seed=1, today=AS_OF)
    column = FakeColumn(tmp_path / "batches")
    for nid in replica.notice_ids():
        spec = replica.notice(nid)
        column.add(nid, published_on=spec.published_on, issuer=spec.issuer, title=spec.title,
                   body="\n".join(spec.body_paragraphs))  # fmt: skip
    db, raw, site = tmp_path / "data" / "zgwatch.duckdb", tmp_path / "raw", tmp_path / "site"
    cycle(column, db)
    copy = publish_analyst_copy(db)
    first = copy.stat().st_ino
    with duckdb.connect(str(copy), read_only=True) as con:
        build_site(con, raw, site, now=NOW)
    cycle(column, db)  # a quiet cycle: from its publish on, the replaced copy is the spare
    copy = publish_analyst_copy(db)
    with duckdb.connect(str(copy), read_only=True) as con:
        build_site(con, raw, site, now=NOW)

    edited = next(iter(column.notices))
    column.edit(edited, column.notices[edited].body[:6], "更正：" + column.notices[edited].body[:6])
    cycle(column, db)
    copy = publish_analyst_copy(db)
    assert copy.stat().st_ino == first  # the first copy, brought up to date (the spare)
    with duckdb.connect(str(copy), read_only=True) as con:
        report = build_site(con, raw, site, now=NOW)
        assert con.execute("SELECT reused, changed FROM search_index").fetchone() == (True, 1)
        kept_tables, kept_search = tables(con), search(con)
    assert report.pages_written == 1

    full_copy, full_site = tmp_path / "full.duckdb", tmp_path / "full-site"
    shutil.copyfile(db, full_copy)
    with connect(full_copy, lock_wait=0) as con:
        build_search_index(con)
        judge_cycle(con)  # the inspection cycle's relations, as every publish adds them
    with duckdb.connect(str(full_copy), read_only=True) as con:
        build_site(con, raw, full_site, now=NOW)
        assert con.execute("SELECT reused FROM search_index").fetchone() == (False,)
        assert kept_search == search(con)
        assert [hits for hits in kept_search if hits]  # the queries find something
        assert any(edited == row[0] for row in kept_search[QUERIES.index("更正")])
        assert kept_tables == tables(con)
    assert site_files(site) == site_files(full_site)
