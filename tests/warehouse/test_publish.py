"""The analysts' copy: no temporary file outlives a publish, even one killed mid-copy.

Issue 12 (9): a crash left ``.zgwatch.analyst.duckdb.<pid>.tmp`` (20 MB) behind for
good. And (10) what docs/analysts.md says of reopening the copy in one process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from tests.warehouse.conftest import REPO
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_pending
from warehouse.publish import analyst_copy_path, publish_analyst_copy

# Publishes, but stops once the temporary copy is whole (before the rename), says so and
# waits there to be killed: a crash at the worst moment.
PUBLISH_THEN_HANG = """
import os, sys, time
import warehouse.publish as wp
def hang(*args):
    print("copied", flush=True)
    time.sleep(600)
wp.os.replace = hang
wp.publish_analyst_copy(sys.argv[1])
"""


def leftovers(db):
    return sorted(p.name for p in db.parent.glob(".*.tmp"))


def one_cycle(db, column):
    """A loaded and diffed warehouse, closed again (a publisher in another process needs it)."""
    column.add(1)
    column.crawl()
    with connect(db, lock_wait=5) as con:
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=date(2024, 10, 1), warn_days=3)


def test_the_copy_left_by_a_killed_publisher_is_removed_by_the_next(db, column):
    one_cycle(db, column)
    writer = subprocess.Popen([sys.executable, "-c", PUBLISH_THEN_HANG, str(db)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "copied"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(timeout=30)
        writer.stdout.close()
    assert leftovers(db) == [f".zgwatch.analyst.duckdb.{writer.pid}.tmp"]

    # a temporary copy of a publisher still alive (here: this test's parent) is not ours
    alive = db.parent / f".zgwatch.analyst.duckdb.{os.getppid()}.tmp"
    alive.write_bytes(b"someone else's copy in progress")
    publish_analyst_copy(db)
    assert leftovers(db) == [alive.name]
    with duckdb.connect(str(analyst_copy_path(db)), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM notices").fetchone() == (1,)


def test_a_publish_that_fails_leaves_no_temporary_copy(db, column, monkeypatch):
    one_cycle(db, column)
    import warehouse.publish as wp

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(wp.os, "replace", refuse)  # the rename, after the copy is whole
    with pytest.raises(PermissionError):
        publish_analyst_copy(db)
    assert leftovers(db) == []


def test_reopening_the_copy_in_one_process_gives_the_old_snapshot_until_all_are_closed(
        db, cycle, column):
    """What docs/analysts.md says: DuckDB shares one instance per file in a process."""
    column.add(1)
    cycle(date(2024, 10, 1))
    copy = publish_analyst_copy(db)
    first = duckdb.connect(str(copy), read_only=True)
    column.add(2)
    cycle(date(2024, 10, 1))
    publish_analyst_copy(db)
    again = duckdb.connect(str(copy), read_only=True)
    assert again.execute("SELECT count(*) FROM notices").fetchone() == (1,)  # still the old
    first.close()
    again.close()
    with duckdb.connect(str(copy), read_only=True) as fresh:
        assert fresh.execute("SELECT count(*) FROM notices").fetchone() == (2,)
