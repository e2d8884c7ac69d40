"""Sharing the file with real processes: a second writer, a killed load, an open analyst."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date

import pytest

import warehouse.db as wdb
from core.errors import WarehouseBusy
from tests.warehouse.conftest import REPO
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_pending
from warehouse.publish import analyst_copy_path, publish_analyst_copy

# Holds the warehouse open for writing until its stdin closes.
HOLD_WRITER = """
import sys
from warehouse.db import connect
con = connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.read()
"""
# Loads every pending batch, but stops inside the open transaction once every row
# of the batch is written, says so, and waits there to be killed.
LOAD_THEN_HANG = """
import sys, time
import warehouse.load as wl
from warehouse.db import connect
write_rows = wl._load
def write_rows_then_hang(*args, **kwargs):
    counts = write_rows(*args, **kwargs)
    print("paused inside the transaction", file=sys.stderr, flush=True)
    time.sleep(60)
    return counts
wl._load = write_rows_then_hang
with connect(sys.argv[1]) as con:
    wl.load_pending(con, sys.argv[2])
"""
# An analyst: opens the published copy read-only and answers one query per stdin line.
ANALYST = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    n = con.execute("SELECT count(*) FROM changes").fetchone()[0]
    print(n, flush=True)
"""


def spawn(code: str, *args, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


@pytest.fixture
def writer(db):
    """Another process holding the write lock; ``release()`` lets it go."""
    with connect(db):
        pass
    proc = spawn(HOLD_WRITER, db)
    assert proc.stdout.readline().strip() == "locked", proc.stderr.read()
    proc.release = lambda: (proc.stdin.close(), proc.wait(timeout=30))
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_a_second_writer_waits_then_fails_with_one_clear_line(db, writer):
    t0 = time.monotonic()
    with pytest.raises(WarehouseBusy) as exc:
        connect(db, lock_wait=1.0)
    waited = time.monotonic() - t0
    assert 1.0 <= waited < 5
    assert str(exc.value) == (
        f"warehouse {db} is locked by another process (pid {writer.pid}) after waiting 1s"
    )
    assert exc.value.exit_code == 1
    with pytest.raises(WarehouseBusy):  # a read-only opener is locked out too
        connect(db, read_only=True, lock_wait=0)


def test_a_second_writer_gets_in_once_the_first_lets_go(db, writer, monkeypatch):
    waiting = threading.Event()
    real_sleep = time.sleep

    def backoff(seconds: float) -> None:  # the first backoff proves it met the lock
        waiting.set()
        real_sleep(seconds)

    monkeypatch.setattr(wdb.time, "sleep", backoff)
    opened = []
    second = threading.Thread(target=lambda: opened.append(connect(db, lock_wait=60)))
    second.start()
    assert waiting.wait(timeout=30)
    writer.release()
    second.join(timeout=60)
    (con,) = opened
    assert con.execute("SELECT count(*) FROM notices").fetchone() == (0,)
    con.close()


def snapshot(db) -> list:
    with connect(db, lock_wait=5) as con:
        return [
            con.execute(f"SELECT count(*), max(COLUMNS(*)::VARCHAR) FROM {t}").fetchall()
            for t in ("batches", "fetches", "listing_entries", "notice_versions", "notice_state")
        ]


def test_a_load_killed_half_way_leaves_the_warehouse_as_it_was(db, column, tmp_path):
    for i in range(1, 2001):
        column.add(i, published_on=date(2024, 9, 1 + i % 28))
    column.crawl()
    with connect(db) as con:
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=date(2024, 10, 1), warn_days=3)
    for i in range(1, 2001, 3):
        column.edit(i, "第一时间", "及时")
    for i in range(2001, 2501):
        column.add(i, published_on=date(2024, 9, 30))
    big = column.crawl()
    before = snapshot(db)

    proc = spawn(LOAD_THEN_HANG, db, column.batches_dir)
    line = proc.stderr.readline()  # printed inside the open transaction, all rows written
    assert line.startswith("paused inside the transaction"), line + proc.stderr.read()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert snapshot(db) == before
    with connect(db) as con:
        (result,) = load_pending(con, column.batches_dir)
        assert (result.batch_id, result.new_notices, result.new_versions) == (big.name, 500, 1167)
        assert load_pending(con, column.batches_dir) == []
        counts = detect_changes(con, as_of=date(2024, 10, 1), warn_days=3).counts
        assert (counts["new"], counts["edited"]) == (500, 667)


def test_an_analyst_never_blocks_a_cycle_nor_the_reverse(db, column, cycle):
    column.add(1)
    cycle()
    copy = publish_analyst_copy(db)
    assert copy == analyst_copy_path(db) == db.with_name("zgwatch.analyst.duckdb")
    analyst = spawn(ANALYST, copy)
    try:
        analyst.stdin.write("?\n")
        analyst.stdin.flush()
        assert analyst.stdout.readline().strip() == "1"
        # a cycle while the analyst holds the copy open: nothing waits
        column.add(2)
        cycle()
        publish_analyst_copy(db, lock_wait=0)
        analyst.stdin.write("?\n")
        analyst.stdin.flush()
        assert analyst.stdout.readline().strip() == "1"  # still their snapshot
        # and the analyst's next session sees the new cycle, while the pipeline holds the db
        with connect(db, lock_wait=0):
            fresh = spawn(ANALYST, copy)
            out, err = fresh.communicate("?\n", timeout=60)
            assert out.strip() == "2", err
    finally:
        analyst.stdin.close()
        analyst.wait(timeout=30)


def test_the_analyst_copy_is_a_whole_warehouse(db, column, cycle, con):
    column.add(1)
    cycle()
    con.close()
    copy = publish_analyst_copy(db)
    proc = subprocess.run(
        [sys.executable, "-c",
         "import sys, duckdb; c = duckdb.connect(sys.argv[1], read_only=True);"
         "print(c.execute('SELECT count(*) FROM notices').fetchone()[0],"
         " c.execute('SELECT max(version) FROM schema_version').fetchone()[0])", str(copy)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert proc.stdout.split()[0] == "1", proc.stderr
    assert not list(copy.parent.glob(".*.tmp"))
