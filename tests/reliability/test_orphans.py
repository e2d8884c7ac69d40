"""A crawl dies with the run that started it, however the run ends, and stops promptly
when told to (docs/reliability.md, "A killed run")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.support.processes import (
    children,
    clean_env,
    crawl_of,
    kill_all,
    lines,
    processes_mentioning,
    running,
    start,
    wait_until,
)

GONE_WITHIN = 30  # seconds; the crawl stops within 5 s of a signal (crawler.process.STOP_GRACE)


def _alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if running(pid)]


def _fetches(data: Path) -> int:
    batches = data / "batches"
    return max((lines(b / "fetches.jsonl") for b in batches.iterdir()), default=0) \
        if batches.is_dir() else 0


@pytest.fixture
def busy_replica(make_replica):
    """A column big enough, and slow enough, to be caught mid-crawl with page workers."""
    return make_replica(200, 1, latency=0.03)


@pytest.mark.parametrize(("sig", "code", "line"), [
    (signal.SIGKILL, -9, None),
    (signal.SIGTERM, 143, "zgwatch: terminated"),
    (signal.SIGINT, 130, "zgwatch: interrupted"),
])
def test_the_crawl_and_its_workers_end_with_a_killed_run(busy_replica, tmp_path, sig, code, line):
    data = tmp_path / "data"
    run = start("run", "--source", busy_replica.url, "--data-dir", str(data),
                "--db", str(tmp_path / "w.duckdb"), "--delay", "0", "--timeout", "5",
                env=clean_env(), cwd=tmp_path)
    try:
        crawl = wait_until(lambda: crawl_of(run.pid), 60, "the crawl starts")
        # past the 20 articles read inline: the page-reading workers are starting or reading
        wait_until(lambda: _fetches(data) >= 30, 120, "the crawl is under way")
        family = [crawl, *children(crawl)]
        os.kill(run.pid, sig)
        _out, err = run.communicate(timeout=GONE_WITHIN)
        assert run.returncode == code, err
        if line is not None:
            assert [x for x in err.splitlines() if x.strip()] == [line]
        wait_until(lambda: not _alive(family), GONE_WITHIN, f"{family} end with the run")
        requests = len(busy_replica.site.requests)
        assert not processes_mentioning(str(tmp_path))
        batch = next((data / "batches").iterdir())
        assert not (batch / "DONE").exists()  # never loaded
        assert len(busy_replica.site.requests) == requests  # nobody is crawling any more
    finally:
        kill_all([run.pid, *processes_mentioning(str(tmp_path))])


def _crawl_cmd(replica, tmp_path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "crawler.process", "--source", replica.url,
            "--batch-dir", str(tmp_path / "batch"), "--raw-dir", str(tmp_path / "raw"),
            "--as-of", date(2026, 11, 26).isoformat(), "--delay", "0", *extra]


def test_sigterm_stops_a_crawl_promptly_with_a_request_hanging(replica, tmp_path):
    """Scrapy's own handler waits for every request in flight: here, 120 s."""
    replica.site.set_fault("/xunshizgls/content/*", "hang", seconds=300)
    crawl = subprocess.Popen(_crawl_cmd(replica, tmp_path, "--timeout", "120"),
                             stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        wait_until(lambda: lines(tmp_path / "batch" / "fetches.jsonl") >= 1, 60,
                   "the first list page is read, an article hangs")
        crawl.send_signal(signal.SIGTERM)
        crawl.communicate(timeout=GONE_WITHIN)
        # 143: the graceful stop still waited for the hanging request; the grace ran out
        assert crawl.returncode in (1, 128 + signal.SIGTERM)
        assert not (tmp_path / "batch" / "DONE").exists()
    finally:
        kill_all([crawl.pid])


def test_sigterm_stops_a_crawl_gracefully_when_nothing_hangs(busy_replica, tmp_path):
    crawl = subprocess.Popen(_crawl_cmd(busy_replica, tmp_path, "--timeout", "5"),
                             stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        wait_until(lambda: lines(tmp_path / "batch" / "fetches.jsonl") >= 5, 60, "under way")
        crawl.send_signal(signal.SIGTERM)
        _out, err = crawl.communicate(timeout=GONE_WITHIN)
        assert crawl.returncode == 1
        assert err.splitlines()[-1] == "crawl: stopped by a signal before it finished"
        assert (tmp_path / "batch" / "summary.json").exists()
        assert not (tmp_path / "batch" / "DONE").exists()
    finally:
        kill_all([crawl.pid])


def test_a_crawl_whose_parent_is_not_the_one_named_ends_at_once(replica, tmp_path):
    """The parent died before the crawl could ask to die with it: it must not run on."""
    proc = subprocess.run(_crawl_cmd(replica, tmp_path, "--parent-pid", "1"),
                          capture_output=True, timeout=60, cwd=Path(__file__).parents[2])
    assert proc.returncode == 1
    assert not replica.site.requests
