"""The analysts' copy brought up to date in a spare instead of copied whole (issue 26).

A publish keeps the copy it replaces as a spare and the publish after it
writes only what changed into that spare. These tests hold it to two
promises: the copy it makes is the one a whole copy would make (every table,
the index, search results), and it never writes a file someone may be
reading (a reader's open copy keeps its snapshot).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.parsing.cycle import stored_facts
from testkit.batches import FakeColumn
from tests.warehouse.conftest import REPO
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import fill_cycle_facts, load_pending
from warehouse.publish import (
    APPEND_ONLY,
    FILLED_IN_PLACE,
    Published,
    judge_cycle,
    publish_analyst_copy,
)
from warehouse.search import build_search_index

QUERIES = ["违规吃喝", "整改", "公车", "红树林", "abc", "整改 巡视", "吃"]


def run_cycle(db: Path, column: FakeColumn) -> None:
    column.crawl()
    with connect(db, lock_wait=5) as con:
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=date(2024, 10, 1), warn_days=3)


def inode(path: Path) -> int:
    return path.stat().st_ino


def contents(path: Path) -> dict:
    """Every row of every table (the index's own numbers left out) and what search finds."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for schema, table in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall():
            query = {
                "search_index": "SELECT notices, terms, tokens, unindexed FROM ",
                "terms": "SELECT count(*), sum(pos) FROM ",
                "docs": "SELECT name, len FROM ",
                "dict": "SELECT term, df FROM ",
                "notice_docs": "SELECT * EXCLUDE (nid) FROM ",
            }.get(table, "FROM ")
            rows = con.execute(f'{query}{schema}."{table}"').fetchall()
            out[f"{schema}.{table}"] = sorted(rows, key=repr)
        for view in ("notices", "changes"):
            out[view] = sorted(con.execute(f"FROM {view}").fetchall(), key=repr)
        out["search"] = [sorted(con.execute("SELECT notice_id, round(score, 9) FROM "
                                            "search_notices(?)", [q]).fetchall())
                         for q in QUERIES]  # fmt: skip
    return out


def whole_copy(db: Path, out: Path) -> Path:
    """What a publish without a spare makes: the warehouse's bytes and an index built."""
    shutil.copyfile(db, out)
    with connect(out, lock_wait=0) as con:
        build_search_index(con)
        judge_cycle(con)  # the inspection cycle's relations, as every publish adds them
    return out


def publish_and_compare(db: Path, tmp: Path) -> Path:
    copy = publish_analyst_copy(db)
    assert contents(copy) == contents(whole_copy(db, tmp / "whole.duckdb"))
    return copy


def test_the_copy_two_publishes_old_is_brought_up_to_date_and_equals_a_whole_copy(
        db, column, tmp_path):
    column.add(1, body="严禁违规吃喝。公车私用。", title="通报1")
    column.add(2, body="整改落实。巡视整改。", title="通报2")
    run_cycle(db, column)
    first = inode(publish_and_compare(db, tmp_path))
    column.add(3, body="新的通报提到红树林。")
    run_cycle(db, column)
    second = inode(publish_and_compare(db, tmp_path))
    assert second != first  # no spare yet: a whole copy
    column.edit(1, "违规", "违纪")
    column.remove(2)
    run_cycle(db, column)
    run_cycle(db, column)  # gone twice: removed
    third = inode(publish_and_compare(db, tmp_path))
    assert third == first  # the first copy, brought up to date
    run_cycle(db, column)  # nothing changed
    assert inode(publish_and_compare(db, tmp_path)) == second
    assert not list(db.parent.glob("*.tmp"))


OPS = st.lists(st.tuples(st.sampled_from(["add", "edit", "remove", "restore"]),
                         st.integers(1, 5),
                         st.sampled_from(["违规吃喝", "整改巡视", "红树林", "abc 公车"])),
               max_size=4)  # fmt: skip


@settings(max_examples=8, deadline=None)
@given(cycles=st.lists(OPS, min_size=3, max_size=5))
@example(cycles=[[("remove", 1, "违规吃喝")], [("add", 1, "违规吃喝")], []])  # seen to fail once
def test_cycle_after_cycle_the_spare_equals_a_whole_copy(tmp_path_factory, cycles):
    root = tmp_path_factory.mktemp("spare")
    column, db = FakeColumn(root / "batches"), root / "data" / "zgwatch.duckdb"
    column.add(1, body="起始。")
    for ops in cycles:
        for op, n, text in ops:
            if op == "add" or str(n) not in column.notices:
                column.restore(n)
                column.add(n, body=f"通报{n}：{text}", title=f"通报{n}")
            elif op == "edit":
                column.notices[str(n)].body += text
            elif op == "remove":
                column.remove(n)
            else:
                column.restore(n)
        run_cycle(db, column)
        publish_and_compare(db, root)


# Holds the copy open read-only, says so, and prints what it reads when told to.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM notices").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*) FROM notices").fetchone()[0], flush=True)
"""


def test_a_spare_a_reader_still_holds_is_not_written(db, column, tmp_path):
    column.add(1)
    run_cycle(db, column)
    copy = publish_analyst_copy(db)
    held = inode(copy)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(copy)], cwd=REPO,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "1"
        column.add(2)
        run_cycle(db, column)
        publish_analyst_copy(db)  # the held copy becomes the spare
        column.add(3)
        run_cycle(db, column)
        copy = publish_and_compare(db, tmp_path)
        assert inode(copy) != held  # held by the reader: a whole copy instead
        reader.stdin.write("again\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"  # its snapshot is untouched
    finally:
        reader.kill()
        reader.wait(timeout=30)
        reader.stdin.close()
        reader.stdout.close()


def test_a_spare_this_process_holds_is_not_written(db, column, tmp_path):
    column.add(1)
    run_cycle(db, column)
    copy = publish_analyst_copy(db)
    held = inode(copy)
    first = duckdb.connect(str(copy), read_only=True)
    try:
        for n in (2, 3):
            column.add(n)
            run_cycle(db, column)
            publish_analyst_copy(db)
        assert first.execute("SELECT count(*) FROM notices").fetchone() == (1,)
    finally:
        first.close()  # (until then this process reads the old copy at that path)
    assert inode(copy) != held
    assert contents(copy) == contents(whole_copy(db, tmp_path / "whole.duckdb"))


def test_a_copy_someone_wrote_to_is_not_kept_as_spare(db, column, tmp_path):
    column.add(1)
    column.add(2)
    run_cycle(db, column)
    copy = publish_analyst_copy(db)
    with duckdb.connect(str(copy)) as con:  # what analysts are told not to do
        con.execute("DELETE FROM notice_state WHERE notice_id = '1'")
    column.add(3)
    run_cycle(db, column)
    publish_and_compare(db, tmp_path)
    assert not Published(copy).spare.exists()
    column.add(4)
    run_cycle(db, column)
    publish_and_compare(db, tmp_path)  # notice 1 is back: the warehouse's rows, not the copy's


def test_a_warehouse_whose_schema_moved_gets_a_whole_copy(db, column, tmp_path, caplog):
    column.add(1)
    run_cycle(db, column)
    publish_analyst_copy(db)
    run_cycle(db, column)
    publish_analyst_copy(db)
    with connect(db, lock_wait=5) as con:  # as a migration would
        con.execute("CREATE TABLE added_later AS SELECT 42 AS answer")
    with caplog.at_level("INFO", logger="warehouse.publish"):
        publish_and_compare(db, tmp_path)
    assert "spare not used (its schema is not the warehouse's)" in caplog.text


def test_a_warehouse_started_again_gets_a_whole_copy(db, column, tmp_path, caplog):
    for n in (1, 2, 3):
        column.add(n)
    run_cycle(db, column)
    publish_analyst_copy(db)
    run_cycle(db, column)
    publish_analyst_copy(db)
    db.unlink()  # a new warehouse of the same schema: its first rows are other rows
    shutil.rmtree(column.batches_dir)
    column = FakeColumn(tmp_path / "other-batches")
    for n in (5, 6, 7, 8):
        column.add(n)
    run_cycle(db, column)
    run_cycle(db, column)
    with caplog.at_level("INFO", logger="warehouse.publish"):
        publish_and_compare(db, tmp_path)
    assert "spare not used (its batches is not the warehouse's)" in caplog.text


# What writes to a table after its rows are in: an append-only table must see none of it.
WRITES = re.compile(r"\b(?:UPDATE|DELETE\s+FROM|INSERT\s+OR\s+REPLACE\s+INTO|TRUNCATE)\s+"
                    r"(?:TABLE\s+)?\"?(\w+)", re.IGNORECASE)  # fmt: skip
UPSERT = re.compile(r"INSERT\s+INTO\s+\"?(\w+)[^;]*ON\s+CONFLICT[^;]*DO\s+UPDATE",
                    re.IGNORECASE | re.DOTALL)  # fmt: skip
MIGRATION = re.compile(r"^\d{3}_.*\.sql$")


def test_append_only_tables_are_written_only_by_inserts():
    """The promise APPEND_ONLY makes, kept by every statement of the product (migrations
    change the schema, which sends the next publish back to a whole copy)."""
    written = {}
    for folder in ("core", "crawler", "warehouse", "alerts", "history", "zgwatch", "dags"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix not in (".sql", ".py") or MIGRATION.match(path.name):
                continue
            text = path.read_text(encoding="utf-8")
            for m in [*WRITES.finditer(text), *UPSERT.finditer(text)]:
                written.setdefault(m[1].lower(), []).append(path.name)
    # the one exception, FILLED_IN_PLACE: load.sql's backfill of the cycle's facts
    assert {t: written[t] for t in APPEND_ONLY if t in written} == {
        t: ["load.sql"] for t in FILLED_IN_PLACE}
    assert "SET cycle = " in (REPO / "warehouse/sql/stages/load.sql").read_text(encoding="utf-8")
    assert "notice_state" in written  # the scan sees the writes there are


def test_a_spare_holding_facts_the_warehouse_filled_since_is_not_used(db, column, tmp_path,
                                                                      caplog):
    """Versions read before migration 023 get their cycle facts in place (load's backfill):
    a spare taken before that holds them NULL and must not be brought up to date."""
    for n in (1, 2, 3):
        column.add(n, body="整改落实。", title=f"中共某{n}委员会关于巡视整改进展情况的通报")
    run_cycle(db, column)
    with connect(db, lock_wait=0) as con:  # the middle row, as read before migration 023
        con.execute("UPDATE notice_versions SET cycle = NULL WHERE rowid = 1")
    publish_and_compare(db, tmp_path)
    run_cycle(db, column)
    publish_and_compare(db, tmp_path)
    with connect(db, lock_wait=0) as con:
        assert fill_cycle_facts(con, stored_facts) == 1
    caplog.set_level(logging.INFO, logger="warehouse.publish")
    copy = publish_and_compare(db, tmp_path)
    assert "spare not used (its notice_versions is not the warehouse's)" in caplog.text
    with duckdb.connect(str(copy), read_only=True) as con:  # a whole copy, facts and all
        assert con.execute("SELECT count(*) FROM notice_versions WHERE cycle IS NULL"
                           ).fetchone() == (0,)


def found(copy: Path, query: str) -> list[str]:
    with duckdb.connect(str(copy), read_only=True) as con:
        return sorted(r[0] for r in con.execute("SELECT notice_id FROM search_notices(?)",
                                                [query]).fetchall())  # fmt: skip


def test_a_publish_past_its_deadline_does_not_lose_what_the_published_copy_finds(
        db, column, caplog):
    """The spare is two publishes old: the notices the last publish tokenised, it lacks.
    Past the deadline (the copy refreshed for an incident) it would leave them out."""
    for n in (1, 2, 3):
        column.add(n, body=f"通报{n}：整改落实。")
    run_cycle(db, column)
    publish_analyst_copy(db)
    for n in (1, 2):
        column.edit(n, "整改落实", "红树林保护")
    run_cycle(db, column)
    assert found(publish_analyst_copy(db), "红树林") == ["1", "2"]
    with caplog.at_level("INFO", logger="warehouse.publish"):
        copy = publish_analyst_copy(db, deadline=0.0)  # long past: nothing tokenised
    assert "index lacks 2 notices more than the published copy's" in caplog.text
    assert found(copy, "红树林") == ["1", "2"]
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("SELECT unindexed FROM search_index").fetchone() == (0,)


def test_a_spare_too_far_behind_is_not_used(db, column, tmp_path, caplog, monkeypatch):
    import warehouse.publish as wp

    for n in (1, 2, 3):
        column.add(n, body=f"通报{n}：整改落实。")
    run_cycle(db, column)
    publish_analyst_copy(db)
    for n in (1, 2, 3):
        column.edit(n, "整改落实", "红树林保护")
    run_cycle(db, column)
    publish_analyst_copy(db)  # tokenises the three; the first copy, the spare, lacks them
    monkeypatch.setattr(wp, "SPARE_LAG", 2)
    with caplog.at_level("INFO", logger="warehouse.publish"):
        publish_and_compare(db, tmp_path)
    assert "index lacks 3 notices more than the published copy's" in caplog.text
