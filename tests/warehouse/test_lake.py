"""The lake: each source's publish inserts its snapshot into one DuckLake (catalog in a real
PostgreSQL, started from the pgserver wheel on a free loopback port); analysts read every
source in one session; two sources publishing at once both commit; a catalog out of reach
is one line and nothing written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from core.errors import StageFailed
from testkit.batches import FakeColumn
from tests.warehouse.conftest import REPO
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.lake import attach, masked, publish_to_lake
from warehouse.load import load_pending
from warehouse.publish import publish_analyst_copy
from zgwatch.airflow.servers import Database, free_port


@pytest.fixture(scope="module")
def postgres():
    """PostgreSQL for the module, its cluster in a folder of its own under /tmp (under root it
    runs as another user, who cannot enter pytest's private temporary folders)."""
    folder = Path(tempfile.mkdtemp(prefix="zgwatch-lake-pg-"))
    db = Database(folder / "cluster", free_port())
    try:
        db.start()
        yield db
    finally:
        db.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def lake(postgres, tmp_path, request):
    """A fresh lake: its own catalog database and data folder."""
    name = "lake_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    postgres.create(name)
    return postgres.url(name), tmp_path / "lake-data"


def source_copy(tmp_path: Path, name: str, notices: int) -> Path:
    """A source's analyst copy after one cycle over ``notices`` fake notices."""
    column = FakeColumn(tmp_path / name / "batches")
    for n in range(1, notices + 1):
        column.add(n, period_days=None)  # no period: one `new` event each
    column.crawl()
    db = tmp_path / name / "zgwatch.duckdb"
    with connect(db, lock_wait=5) as con:
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=date(2024, 10, 1), warn_days=3)
    return publish_analyst_copy(db)


def read(lake, sql: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        attach(con, *lake, read_only=True)
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_two_sources_are_read_in_one_session_each_at_its_latest_snapshot(lake, tmp_path):
    a, b = source_copy(tmp_path, "a", 3), source_copy(tmp_path, "b", 2)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = publish_to_lake(a, catalog=lake[0], data_path=lake[1], source_id="gd", at=t0)
    assert (first.notices, first.changes) == (3, 3)
    publish_to_lake(b, catalog=lake[0], data_path=lake[1], source_id="sz", at=t0)
    # a second publish of "gd" replaces what analysts see of it (its older rows stay, unread)
    publish_to_lake(a, catalog=lake[0], data_path=lake[1], source_id="gd",
                    at=t0 + timedelta(hours=1))
    assert read(lake, "SELECT source_id, count(*) FROM lake.notices GROUP BY ALL ORDER BY 1"
                ) == [("gd", 3), ("sz", 2)]
    assert read(lake, "SELECT source_id, kind, count(*) FROM lake.changes GROUP BY ALL "
                      "ORDER BY 1") == [("gd", "new", 3), ("sz", "new", 2)]
    assert read(lake, "SELECT count(*) FROM lake.snapshots") == [(3,)]


CONCURRENT = """
import sys
from pathlib import Path
from warehouse.lake import publish_to_lake
print(publish_to_lake(Path(sys.argv[1]), catalog=sys.argv[2], data_path=sys.argv[3],
                      source_id=sys.argv[4]), flush=True)
"""


def test_two_sources_publishing_at_once_both_commit(lake, tmp_path):
    copies = {"gd": source_copy(tmp_path, "a", 4), "sz": source_copy(tmp_path, "b", 3)}
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(path), lake[0],
                               str(lake[1]), source], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for source, path in copies.items()]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.startswith("lake: source ")
    assert read(lake, "SELECT source_id, count(*) FROM lake.notices GROUP BY ALL ORDER BY 1"
                ) == [("gd", 4), ("sz", 3)]


def test_an_unreachable_catalog_is_one_line_naming_it_with_the_password_masked(tmp_path):
    copy = source_copy(tmp_path, "a", 1)
    url = f"postgresql://zg:s3cret@127.0.0.1:{free_port()}/lake"
    with pytest.raises(StageFailed) as err:
        publish_to_lake(copy, catalog=url, data_path=tmp_path / "d", source_id="gd")
    line = str(err.value)
    assert "\n" not in line and "s3cret" not in line
    assert line.startswith("lake catalog postgresql://zg:***@127.0.0.1:")


def test_a_failed_insert_leaves_nothing_in_the_lake(lake, tmp_path):
    copy = source_copy(tmp_path, "a", 2)
    publish_to_lake(copy, catalog=lake[0], data_path=lake[1], source_id="gd")
    con = duckdb.connect(str(copy))  # the next copy has a notice the lake cannot take
    con.execute("CREATE OR REPLACE VIEW changes AS SELECT *, 1 AS surplus FROM change_events")
    con.close()
    with pytest.raises(StageFailed, match="source gd not published, nothing written"):
        publish_to_lake(copy, catalog=lake[0], data_path=lake[1], source_id="gd")
    assert read(lake, "SELECT count(*) FROM lake.snapshots") == [(1,)]
    assert read(lake, "SELECT count(*) FROM lake.notice_rows") == [(2,)]


@pytest.mark.parametrize(("given", "shown"), [
    ("postgresql://u:p%40ss@h:5432/lake", "postgresql://u:***@h:5432/lake"),
    ("dbname=lake host=h password=pw user=u", "dbname=lake host=h password=*** user=u"),
    ("postgresql://u@h/lake", "postgresql://u@h/lake"),
])
def test_messages_never_show_the_catalogs_password(given, shown):
    assert masked(given) == shown


def zgwatch_run(replica, data: Path, **env: str) -> subprocess.CompletedProcess:
    from tests.support.processes import ZGWATCH, clean_env

    return subprocess.run([str(ZGWATCH), "run", "--source", replica.url, "--delay", "0",
                           "--data-dir", str(data), "--db", str(data / "zgwatch.duckdb")],
                          env=clean_env(**env), capture_output=True, text=True, timeout=300)


def test_a_cycle_publishes_its_source_into_the_lake(lake, make_replica, tmp_path):
    replica = make_replica(notices=5, seed=2)
    done = zgwatch_run(replica, tmp_path / "d", ZGWATCH_LAKE=lake[0],
                       ZGWATCH_LAKE_DATA=str(lake[1]), ZGWATCH_SOURCE_ID="gd-zgls")
    assert done.returncode == 0, done.stderr
    assert read(lake, "SELECT source_id, count(*) FROM lake.notices GROUP BY ALL"
                ) == [("gd-zgls", 5)]


def test_a_cycle_whose_lake_is_out_of_reach_fails_in_one_line_exit_1(make_replica, tmp_path):
    replica = make_replica(notices=3, seed=2)
    done = zgwatch_run(replica, tmp_path / "d",
                       ZGWATCH_LAKE=f"postgresql://zg@127.0.0.1:{free_port()}/lake",
                       ZGWATCH_LAKE_DATA=str(tmp_path / "lake"))
    assert done.returncode == 1
    assert re.fullmatch(r"zgwatch: lake catalog postgresql://zg@127\.0\.0\.1:\d+/lake: cannot "
                        r"attach it: .+\n", done.stderr), done.stderr
    assert (tmp_path / "d" / "zgwatch.analyst.duckdb").exists()  # the cycle itself is whole


def test_the_guides_query_across_sources_runs_on_the_lake(lake, tmp_path):
    from tests.warehouse.test_analysts import DOC, LAKE_SECTION, sql_blocks

    blocks = [sql for label, sql in sql_blocks(DOC.read_text("utf-8"))
              if label.endswith(LAKE_SECTION)]
    attach_sql, query = blocks
    assert "ATTACH 'ducklake:postgres:" in attach_sql and "READ_ONLY" in attach_sql
    for source, n in (("gd", 3), ("sz", 2)):
        publish_to_lake(source_copy(tmp_path, source, n), catalog=lake[0], data_path=lake[1],
                        source_id=source)
    rows = read(lake, query)
    assert {r[0] for r in rows} <= {"gd", "sz"}
    assert read(lake, "SELECT source_id, notices FROM lake.snapshots ORDER BY 1"
                ) == [("gd", 3), ("sz", 2)]
