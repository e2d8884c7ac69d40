"""A warehouse watches one column: another is refused (exit 2) before any request.

Issue 12 (4): a second ``--source`` on an existing warehouse merged two sites (a
false ``edited`` for an id both share, the first site's notices active for ever).
The first cycle that reads the column records it; a move is ``zgwatch move-column``.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.cli.test_cli import one_line_error, zgwatch

pytestmark = pytest.mark.slow  # two or three cycles a test

QUIET = {"ZGWATCH_LOG_LEVEL": "ERROR"}


@pytest.fixture
def sites(make_replica):
    """Two columns that share notice ids (same seed, different texts after an edit)."""
    a, b = make_replica(notices=6, seed=3), make_replica(notices=6, seed=3)
    b.site.edit(b.site.notice_ids()[0])  # the id both share reads differently on b
    return a, b


def zg(tmp_path, command, *args, source=None):
    opts = ["--delay", "0", "--timeout", "5", "--data-dir", str(tmp_path / "data"),
            "--db", str(tmp_path / "w.duckdb")]
    if source is not None:
        opts += ["--source", source]
    return zgwatch(command, *opts, *args, env=QUIET, cwd=tmp_path)


def query(tmp_path, sql):
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def batches(tmp_path):
    return sorted(p.name for p in (tmp_path / "data" / "batches").iterdir())


def test_another_column_is_refused_before_any_request(sites, tmp_path):
    a, b = sites
    assert zg(tmp_path, "run", source=a.url).returncode == 0
    assert query(tmp_path, "SELECT source, how FROM warehouse_column") == [(a.url, "first cycle")]
    events, before = query(tmp_path, "SELECT count(*) FROM change_events"), batches(tmp_path)
    for command in ("run", "crawl"):
        line = one_line_error(zg(tmp_path, command, source=b.url), 2)
        assert line == (f"zgwatch: warehouse {tmp_path / 'w.duckdb'} watches the column {a.url}; "
                        f"asked to watch {b.url} (to move it there on purpose: "
                        f"zgwatch move-column {b.url})")
    assert not b.site.requests
    assert batches(tmp_path) == before
    assert query(tmp_path, "SELECT count(*) FROM change_events") == events


@pytest.mark.parametrize("spelling", ["index", "case"])
def test_the_same_column_written_another_way_is_the_same(sites, tmp_path, spelling):
    a, _ = sites
    assert zg(tmp_path, "run", source=a.url).returncode == 0
    same = {"index": a.url + "index.html",
            "case": a.url.replace("http://127.0.0.1", "HTTP://127.0.0.1")}[spelling]
    proc = zg(tmp_path, "run", source=same)
    assert proc.returncode == 0, proc.stderr
    assert len(query(tmp_path, "SELECT * FROM warehouse_column")) == 1


def test_a_move_is_deliberate_and_recorded(sites, tmp_path):
    a, b = sites
    assert zg(tmp_path, "run", source=a.url).returncode == 0
    proc = zg(tmp_path, "move-column", b.url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (f"warehouse {tmp_path / 'w.duckdb'} now watches {b.url} "
                                   f"(moved from {a.url})")
    assert not b.site.requests  # recording a move reads nothing
    proc = zg(tmp_path, "run", source=b.url)
    assert proc.returncode == 0, proc.stderr
    rows = query(tmp_path, "SELECT column_no, source, moved_from, how FROM warehouse_column "
                           "ORDER BY column_no")
    assert rows == [(1, a.url, None, "first cycle"), (2, b.url, a.url, "moved")]
    # the shared id, now read at the new address, is one notice with its history
    edited = query(tmp_path, "SELECT count(*) FROM change_events WHERE kind = 'edited'")
    assert edited == [(1,)]
    line = one_line_error(zg(tmp_path, "run", source=a.url), 2)
    assert f"watches the column {b.url}; asked to watch {a.url}" in line
    assert one_line_error(zg(tmp_path, "move-column", "http://127.0.0.1:99999/"), 2).startswith(
        "zgwatch: move-column URL: has a port")


def test_a_batch_of_another_column_is_not_loaded(sites, tmp_path):
    a, b = sites
    assert zg(tmp_path, "run", source=a.url).returncode == 0
    # b crawled into the same batches folder by a run on another warehouse
    other = zgwatch("crawl", "--source", b.url, "--delay", "0", "--data-dir",
                    str(tmp_path / "data"), "--db", str(tmp_path / "other.duckdb"),
                    env=QUIET, cwd=tmp_path)
    assert other.returncode == 0, other.stderr
    newest = batches(tmp_path)[-1]
    line = one_line_error(zg(tmp_path, "load"), 2)
    assert line == (f"zgwatch: warehouse {tmp_path / 'w.duckdb'} watches the column {a.url}; "
                    f"batch {newest} is of the column {b.url}")
    assert query(tmp_path, "SELECT count(*) FROM batches") == [(1,)]


def test_a_warehouse_from_before_adopts_its_first_readable_column(sites, tmp_path):
    a, b = sites
    assert zg(tmp_path, "run", source=a.url).returncode == 0
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("DELETE FROM warehouse_column")  # as a warehouse made before 004 is
    one_line_error(zg(tmp_path, "run", source=b.url), 2)
    (batch,) = query(tmp_path, "SELECT batch_id FROM batches")[0]
    assert query(tmp_path, "SELECT source, how FROM warehouse_column") == [
        (a.url, f"adopted from batch {batch}")]


def test_a_first_cycle_that_cannot_read_its_column_records_nothing(sites, tmp_path):
    a, _ = sites
    assert zg(tmp_path, "run", source=a.url + "typo/").returncode == 1  # its list page: 404
    assert query(tmp_path, "SELECT * FROM warehouse_column") == []
    proc = zg(tmp_path, "run", source=a.url)  # the right address after a wrong one: accepted
    assert proc.returncode == 0, proc.stderr
    assert query(tmp_path, "SELECT source FROM warehouse_column") == [(a.url,)]
