"""The analysts' copy across sources (warehouse/across.py): every source's rows in one file,
brought up to date source by source, atomically, one publish at a time."""

from __future__ import annotations

import fcntl
import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.errors import StageFailed
from core.sources import Source
from testkit.batches import FakeColumn
from tests.warehouse.test_analysts import BLOCKS
from warehouse import source as wsource
from warehouse.across import across_path, merge_source
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.export import export_parquet
from warehouse.load import load_pending
from warehouse.publish import publish_analyst_copy

NAMES = {"gd-zgls": "南粤清风网 · 整改落实", "qy-xczg": "清远廉政网 · 巡察整改"}


class Source_:
    """One source: its fake column, its warehouse, its cycles and its own copy."""

    def __init__(self, root: Path, source_id: str, ids: range):
        self.id, self.name = source_id, NAMES[source_id]
        folder = root / "sources" / source_id
        self.column, self.db = FakeColumn(folder / "batches"), folder / "zgwatch.duckdb"
        for n in ids:
            self.column.add(n, issuer=f"中共{self.name[:2]}第{n}党委")
        self.day = date(2024, 10, 1)

    def cycle(self) -> Path:
        """A cycle (records the source, loads a crawl, diffs), then its publish: its copy."""
        with connect(self.db, lock_wait=5) as con:
            wsource.record(con, Source(self.id, f"http://x/{self.id}/", self.name))
            self.column.crawl()
            load_pending(con, self.column.batches_dir)
            detect_changes(con, as_of=self.day, warn_days=3)
        return publish_analyst_copy(self.db)


def merged(root: Path) -> tuple[Source_, Source_, Path]:
    """Two sources that share notice ids 1..3 (one has two more), merged once."""
    a = Source_(root, "gd-zgls", range(1, 6))
    b = Source_(root, "qy-xczg", range(1, 4))
    target = across_path(root)
    for s in (a, b):
        merge_source(target, s.cycle(), source_id=s.id, source_name=s.name)
    return a, b, target


@pytest.fixture
def two(tmp_path):
    """Two sources merged, for a test that changes them."""
    return merged(tmp_path)


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    """Two sources merged, for the tests that only read."""
    return merged(tmp_path_factory.mktemp("across"))


def query(path: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_every_source_and_its_rows_are_there(read_only):
    target = read_only[2]
    assert query(target, "SELECT source_id, source_name FROM sources ORDER BY 1") == sorted(
        NAMES.items())
    assert query(target, "SELECT source_id, count(*) FROM notices GROUP BY 1 ORDER BY 1") == [
        ("gd-zgls", 5), ("qy-xczg", 3)]
    assert query(target, "SELECT count(*) FROM notices WHERE notice_id = '1'") == [(2,)]
    for relation in ("notices", "changes", "parse_gaps", "latest_cycle", "batches",
                     "publicity_periods", "version_history", "search_index"):
        columns = [r[0] for r in query(target, f"DESCRIBE {relation}")]
        assert columns[:2] == ["source_id", "source_name"], relation
        if relation != "parse_gaps":  # the fake column's notices leave no gap
            assert {r[0] for r in query(target, f"SELECT DISTINCT source_id FROM {relation}")
                    } == set(NAMES), relation


def test_a_merge_replaces_only_its_sources_rows_and_readers_keep_their_snapshot(two):
    a, b, target = two
    theirs = query(target, "SELECT * FROM notices WHERE source_id = 'qy-xczg' ORDER BY 3")
    reader = duckdb.connect(str(target), read_only=True)  # an analyst with the copy open
    a.column.add(6, issuer="中共新增党委")
    a.column.edit(1, "整改", "整改落实")
    b.cycle()  # b's own copy is newer now, but only a is merged:
    merge_source(target, a.cycle(), source_id=a.id, source_name=a.name)
    assert reader.execute("SELECT count(*) FROM notices").fetchone() == (8,)  # its snapshot
    reader.close()  # (DuckDB shares one open file per path within a process)
    assert query(target, "SELECT count(*) FROM notices WHERE source_id = 'gd-zgls'") == [(6,)]
    assert query(target, "SELECT * FROM notices WHERE source_id = 'qy-xczg' ORDER BY 3") == theirs
    assert query(target, "SELECT kind FROM changes WHERE source_id = 'gd-zgls' AND NOT baseline "
                         "ORDER BY 1") == [("edited",), ("new",)]
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_search_and_diffs_name_the_source(two):
    a, _, target = two
    found = query(target, "SELECT source_id, notice_id FROM search_notices('清远') ORDER BY 2")
    assert found == [("qy-xczg", "1"), ("qy-xczg", "2"), ("qy-xczg", "3")]
    both = query(target, "SELECT DISTINCT source_id FROM search_notices('巡视整改') ORDER BY 1")
    assert both == [("gd-zgls",), ("qy-xczg",)]
    a.column.edit(1, "整改", "整改落实")
    merge_source(target, a.cycle(), source_id=a.id, source_name=a.name)
    rows = query(target, "SELECT source_id, before, after FROM diff_versions('1', 1, 2)")
    assert rows and {r[0] for r in rows} == {"gd-zgls"}
    assert query(target, "SELECT count(*) FROM diff_versions('1', 1, 2, "
                         "source_id := 'qy-xczg')") == [(0,)]


@pytest.mark.parametrize(("label", "sql"), BLOCKS, ids=[label for label, _ in BLOCKS])
def test_every_query_of_the_guide_runs_on_two_sources(read_only, label, sql):
    with duckdb.connect(str(read_only[2]), read_only=True) as con:
        con.execute(sql).fetchall()


def test_export_covers_every_source(read_only, tmp_path):
    files = export_parquet(read_only[2], tmp_path / "out")
    names = {f.stem for f in files}
    assert {"notices", "changes", "sources", "batches", "change_hunks"} <= names
    rows = query(read_only[2], f"SELECT source_id, count(*) FROM "
                         f"'{tmp_path / 'out' / 'notices.parquet'}' GROUP BY 1 ORDER BY 1")
    assert rows == [("gd-zgls", 5), ("qy-xczg", 3)]


def test_two_publishes_wait_for_each_other(two, tmp_path):
    a, _, target = two
    lock = target.with_name(f".{target.name}.lock")
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another source's publish, merging
    try:
        with pytest.raises(StageFailed, match="stayed locked by another publish"):
            merge_source(target, a.cycle(), source_id=a.id, source_name=a.name,
                         lock_wait=0.2)
    finally:
        os.close(fd)
    merge_source(target, a.db.with_name("zgwatch.analyst.duckdb"), source_id=a.id,
                 source_name=a.name, lock_wait=0.2)
