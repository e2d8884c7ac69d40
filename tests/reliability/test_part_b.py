"""Fault injection, issue 12 part B: a full disk at every stage, a long outage of a
destination, a warehouse asked to watch another column.

Each case checks what docs/reliability.md promises: the command exits with the
documented status and one line on stderr (naming the path and the cause), nothing
is half-written, and once the fault is gone a rerun leaves the data consistent: no
duplicate event, every delivery sent exactly once (no loss, no repeat).

The full disk is real: a small tmpfs mounted for the test (``tests/support/disk.py``;
root only, otherwise skipped saying so), filled to the last byte.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from core.errors import ColumnMismatch
from tests.cli.test_cli import one_line_error, zgwatch
from tests.support.disk import small_disk
from zgwatch import pipeline
from zgwatch.config import Settings
from zgwatch.sinks import WebhookSink

pytestmark = pytest.mark.slow  # several cycles each

NO_SPACE = "No space left on device"
QUIET = {"ZGWATCH_LOG_LEVEL": "ERROR"}
NOTICES = 8


class Site:
    """One warehouse watching one replica, driven through the ``zgwatch`` command."""

    def __init__(self, replica, hook: WebhookSink, data_dir: Path, db: Path, cwd: Path):
        self.replica, self.hook, self.data_dir, self.db, self.cwd = (
            replica, hook, data_dir, db, cwd)

    def __call__(self, command: str, *args: str):
        return zgwatch(command, "--source", self.replica.url, "--delay", "0", "--timeout", "5",
                       "--data-dir", str(self.data_dir), "--db", str(self.db),
                       "--notify", self.hook.url(), *args, env=QUIET, cwd=self.cwd)

    def ok(self, command: str, *args: str):
        proc = self(command, *args)
        assert proc.returncode == 0, proc.stderr
        return proc

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql).fetchall()

    def consistent(self) -> None:
        """No duplicate event; every notice of the site once; every delivery sent once."""
        site = self.replica.site
        assert self.query("SELECT notice_id FROM change_events WHERE kind = 'new' "
                          "GROUP BY ALL HAVING count(*) > 1") == []
        assert self.query("SELECT count(*), count(DISTINCT event_key) FROM change_events")[0][0] \
            == self.query("SELECT count(DISTINCT event_key) FROM change_events")[0][0]
        assert self.query("SELECT count(*) FROM notice_state") == [(len(site.notice_ids()),)]
        assert self.query("SELECT count(*) FROM notice_versions") == [(len(site.notice_ids()),)]
        assert self.query("SELECT DISTINCT status FROM outbox") == [("sent",)]
        # a row's message is what goes out (notice:<id>:<run>, digest:<run>, baseline:<batch>)
        queued = {k for (k,) in self.query("SELECT coalesce(message, message_key) FROM outbox "
                                           "WHERE audience = 'stakeholders'")}
        received = Counter(m["json"]["zgwatch"]["message_key"] for m in self.hook.accepted)
        assert set(received) == queued  # nothing lost
        assert max(received.values()) == 1  # nothing twice


@pytest.fixture
def hook():
    with WebhookSink() as sink:
        yield sink


def no_temporary_files(disk) -> None:
    assert [p for p in disk.files() if ".tmp" in p.name] == []


# -- a full disk, stage by stage -------------------------------------------------------------


def test_crawl_on_a_full_disk_says_where_and_stores_no_batch(make_replica, hook, tmp_path):
    rep = make_replica(notices=NOTICES, seed=5)
    with small_disk(tmp_path / "disk", 8192) as disk:
        site = Site(rep, hook, disk.path / "data", tmp_path / "w.duckdb", tmp_path)
        disk.fill(leave_kb=64)  # the known snapshot fits, the pages do not
        line = one_line_error(site("run"), 1)
        assert line.startswith(f"zgwatch: crawl of {rep.url} did not finish (exit 1): ")
        assert f"{disk.path}/data/" in line and "cannot " in line
        assert NO_SPACE in line and "no output" not in line
        assert not list((disk.path / "data").rglob("DONE"))
        no_temporary_files(disk)
        assert site.query("SELECT count(*) FROM batches") == [(0,)]
        disk.free()
        site.ok("run")
    site.consistent()


def test_the_known_snapshot_on_a_full_disk_leaves_no_batch(make_replica, hook, tmp_path):
    rep = make_replica(notices=NOTICES, seed=5)
    with small_disk(tmp_path / "disk", 8192) as disk:
        site = Site(rep, hook, disk.path / "data", tmp_path / "w.duckdb", tmp_path)
        site.ok("run")
        first = sorted((disk.path / "data" / "batches").iterdir())
        rep.site.requests.clear()
        disk.fill()
        line = one_line_error(site("run"), 1)
        assert line.startswith(f"zgwatch: known: warehouse {site.db}: Could not write file "
                               f'"{disk.path}/data/batches/') and NO_SPACE in line
        assert sorted((disk.path / "data" / "batches").iterdir()) == first
        assert not rep.site.requests
        no_temporary_files(disk)
        disk.free()
        site.ok("run")
    site.consistent()


@pytest.mark.parametrize("stage", ["load", "diff", "alert"])
def test_a_warehouse_stage_on_a_full_disk_rolls_back_and_reruns(stage, make_replica, hook,
                                                                 tmp_path):
    rep = make_replica(notices=NOTICES, seed=5)
    with small_disk(tmp_path / "disk", 65536) as disk:
        site = Site(rep, hook, tmp_path / "data", disk.path / "w.duckdb", tmp_path)
        site.ok("run")
        rep.site.add_notice(issuer="中共珠海市香洲区委")
        before = {t: site.query(f"SELECT count(*) FROM {t}")
                  for t in ("batches", "change_events", "outbox")}
        for earlier in ("crawl", "load", "diff", "alert")[:("crawl", "load", "diff",
                                                            "alert").index(stage)]:
            site.ok(earlier)
        disk.fill()
        line = one_line_error(site(stage), 1)
        assert line.startswith(f"zgwatch: {stage}: warehouse {site.db}: ")
        assert f'"{site.db}.wal"' in line and NO_SPACE in line
        if stage == "load":  # the batch's transaction was rolled back: as before, and readable
            assert site.query("SELECT count(*) FROM batches") == before["batches"]
        if stage == "diff":
            assert site.query("SELECT count(*) FROM change_events") == before["change_events"]
        no_temporary_files(disk)
        disk.free()
        site.ok("run")
        site.consistent()  # the database lives on the small disk
        assert site.query("SELECT count(*) FROM change_events WHERE NOT baseline") == [(1,)]


def test_publish_on_a_full_disk_keeps_the_old_copy_whole(make_replica, hook, tmp_path):
    rep = make_replica(notices=NOTICES, seed=5)
    with small_disk(tmp_path / "disk", 65536) as disk:
        site = Site(rep, hook, tmp_path / "data", disk.path / "w.duckdb", tmp_path)
        site.ok("run")
        copy = disk.path / "w.analyst.duckdb"
        old = copy.read_bytes()
        rep.site.add_notice()
        # the cycle's writes fit (its log, a checkpoint's new blocks); a second copy does not
        disk.fill(leave_kb=site.db.stat().st_size // 1024 - 1024)
        line = one_line_error(site("run"), 1)
        assert line.startswith("zgwatch: publish: ") and NO_SPACE in line
        assert str(disk.path) in line
        assert copy.read_bytes() == old  # analysts keep the last whole copy
        no_temporary_files(disk)
        disk.free()
        site.ok("run")
        with duckdb.connect(str(copy), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM notices").fetchone() == (NOTICES + 1,)
        site.consistent()


def test_export_to_a_full_disk_leaves_no_partial_file(make_replica, hook, tmp_path):
    rep = make_replica(notices=NOTICES, seed=5)
    site = Site(rep, hook, tmp_path / "data", tmp_path / "w.duckdb", tmp_path)
    site.ok("run")
    def export():  # export takes only where the copy is (--db), no cycle option
        return zgwatch("export", "--db", str(site.db), str(disk.path / "out"), env=QUIET,
                       cwd=tmp_path)

    with small_disk(tmp_path / "disk", 1024) as disk:
        disk.fill()
        line = one_line_error(export(), 1)
        assert line.startswith(f"zgwatch: export: warehouse {site.db}: Could not write file "
                               f'"{disk.path}/out/') and NO_SPACE in line
        assert disk.files() == []
        disk.free()
        assert export().returncode == 0
        assert (disk.path / "out" / "notices.parquet").exists()
        no_temporary_files(disk)


def test_the_demo_on_a_full_disk_is_one_line(tmp_path):
    with small_disk(tmp_path / "disk", 4096) as disk:
        disk.fill(leave_kb=96)
        proc = zgwatch("demo", "--data-dir", str(disk.path / "demo"), cwd=tmp_path, env=QUIET)
        line = one_line_error(proc, 1)
        assert NO_SPACE in line and str(disk.path / "demo") in line
        no_temporary_files(disk)


# -- a destination down for longer than its deliveries are kept ----------------------------


def test_an_outage_longer_than_max_attempts_is_told_before_and_resent_once(make_replica,
                                                                           tmp_path):
    """8-24 h of outage used to give alerts up in silence (told only after 24 h)."""
    rep = make_replica(notices=NOTICES, seed=5)
    up = {"ok": False}
    with WebhookSink(status=lambda n: 200 if up["ok"] else 503) as hook, \
            WebhookSink() as ops:
        (tmp_path / "zgwatch.toml").write_text(
            f'max_attempts = 3\noperators_notify = ["{ops.url()}"]\n', encoding="utf-8")
        site = Site(rep, hook, tmp_path / "data", tmp_path / "w.duckdb", tmp_path)
        site.ok("run")  # the baseline summary fails (1 of 3)
        assert ops.accepted == []
        site.ok("alert")  # 2 of 3: one more failure gives it up, so operators hear now
        titles = [m["json"]["title"].split(" | ")[0] for m in ops.accepted]
        assert titles == ["[zgwatch] 运行故障: 告警渠道持续发送失败"]
        site.ok("alert")  # given up: told so, with the command that re-sends
        assert site.query("SELECT status FROM outbox WHERE audience = 'stakeholders'") == [
            ("failed",)]
        told = ops.accepted[-1]["json"]
        assert told["title"].startswith("[zgwatch] 运行故障: 告警已放弃发送")
        assert "zgwatch alert --retry-failed" in told["message"]
        site.ok("alert")
        assert len(ops.accepted) == 2  # one message per incident, however long it lasts
        up["ok"] = True
        site.ok("alert", "--retry-failed")
        site.ok("alert", "--retry-failed")
    site.consistent()
    assert site.query("SELECT count(*) FROM outbox_resends") == [(1,)]
    assert [m["json"]["title"].split(" | ")[0] for m in ops.accepted][2:] == [
        "[zgwatch] 已恢复: 告警渠道持续发送失败", "[zgwatch] 已恢复: 告警已放弃发送"]


# -- another column: refused before any request, by the CLI and by the Airflow task --------


def test_the_snapshot_task_refuses_another_column_before_any_request(make_replica, hook,
                                                                      tmp_path):
    a, b = make_replica(notices=NOTICES, seed=5), make_replica(notices=NOTICES, seed=6)
    site = Site(a, hook, tmp_path / "data", tmp_path / "w.duckdb", tmp_path)
    site.ok("run")
    events = site.query("SELECT count(*) FROM change_events")
    other = Settings(source=b.url, db=site.db, data_dir=site.data_dir, lock_wait=5)
    with pytest.raises(ColumnMismatch) as refused:  # what the Airflow task snapshot_known runs
        pipeline.snapshot_known(other)
    assert refused.value.exit_code == 2 and a.url in str(refused.value)
    assert not b.site.requests
    assert len(list((site.data_dir / "batches").iterdir())) == 1
    line = one_line_error(zgwatch("run", "--source", b.url, "--db", str(site.db), "--data-dir",
                                  str(site.data_dir), env=QUIET, cwd=tmp_path), 2)
    assert a.url in line and b.url in line
    assert not b.site.requests
    assert site.query("SELECT count(*) FROM change_events") == events
    site.consistent()
    shutil.rmtree(site.data_dir / "batches")  # and no batch is needed to remember the column
    one_line_error(zgwatch("crawl", "--source", b.url, "--db", str(site.db), "--data-dir",
                           str(site.data_dir), env=QUIET, cwd=tmp_path), 2)
