"""One cycle at a time per data directory: a second run exits 1 naming the holder
(docs/interfaces.md, "Exit status"; docs/reliability.md, "Two runs at once")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from core.errors import CycleRunning
from tests.support.processes import (
    clean_env,
    kill_all,
    processes_mentioning,
    start,
    wait_until,
)
from zgwatch.airflow import tasks
from zgwatch.lock import LOCK_NAME, cycle_lock


def _args(replica, tmp_path: Path, *extra: str) -> list[str]:
    return ["--source", replica.url, "--data-dir", str(tmp_path / "data"),
            "--db", str(tmp_path / "w.duckdb"), "--delay", "0", "--timeout", "5", *extra]


def _one_line(proc: subprocess.Popen | subprocess.CompletedProcess, code: int, err: str) -> str:
    assert proc.returncode == code, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("zgwatch: "), err
    return lines[0]


def test_a_second_run_exits_1_naming_the_holder_and_the_lock_dies_with_it(replica, tmp_path):
    marker = tmp_path / "paused"
    first = start("run", *_args(replica, tmp_path), cwd=tmp_path,
                  env=clean_env(ZGWATCH_TEST_PAUSE="before:load",
                                ZGWATCH_TEST_PAUSE_FILE=str(marker)))
    try:
        wait_until(marker.exists, 120, "the first run has crawled and paused")
        requests = len(replica.site.requests)
        second = start("run", *_args(replica, tmp_path), cwd=tmp_path, env=clean_env())
        _out, err = second.communicate(timeout=60)
        line = _one_line(second, 1, err)
        assert f"pid {first.pid} " in line and "zgwatch run" in line and "since" in line
        assert str(tmp_path / "data" / LOCK_NAME) in line
        assert len(replica.site.requests) == requests  # the second asked the site nothing
        os.kill(first.pid, signal.SIGKILL)  # the holder dies: the kernel drops its lock
        first.communicate(timeout=30)
        third = start("run", *_args(replica, tmp_path), cwd=tmp_path, env=clean_env())
        _out, err = third.communicate(timeout=120)
        assert third.returncode == 0, err  # the lock file left behind is simply taken
    finally:
        kill_all([first.pid, *processes_mentioning(str(tmp_path))])


@pytest.fixture
def held(tmp_path):
    """The cycle lock of ``tmp_path/data`` held by another process (a stand-in for a run)."""
    code = ("import sys; from zgwatch.lock import cycle_lock\n"
            f"with cycle_lock({str(tmp_path / 'data')!r}):\n"
            "    print('held', flush=True); sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    assert holder.stdout.readline() == "held\n"
    yield holder
    holder.stdin.close()
    holder.wait(timeout=30)


@pytest.mark.parametrize("command", ["crawl", "load", "diff", "alert"])
def test_the_stage_commands_that_write_refuse_too(replica, tmp_path, held, command):
    proc = start(command, *_args(replica, tmp_path), cwd=tmp_path, env=clean_env())
    _out, err = proc.communicate(timeout=60)
    assert f"pid {held.pid} " in _one_line(proc, 1, err)
    assert not replica.site.requests  # nothing asked of the site


def test_reading_commands_do_not_wait_for_a_cycle(replica, tmp_path, held):
    proc = start("alert", "--dry-run", *_args(replica, tmp_path), cwd=tmp_path, env=clean_env())
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def test_an_airflow_task_takes_the_same_lock(tmp_path, held):
    settings = tasks.cycle_settings(as_of=date(2026, 3, 2), env={
        "ZGWATCH_DATA_DIR": str(tmp_path / "data"), "ZGWATCH_LOCK_WAIT": "0.2"})
    with pytest.raises(CycleRunning, match=f"pid {held.pid} "), tasks._locked(settings):
        pass
    held.stdin.close()  # the other run ends: the task gets the lock
    held.wait(timeout=30)
    with tasks._locked(settings) as path:
        facts = json.loads(path.read_text())
    assert facts["pid"] == os.getpid()


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    with cycle_lock(tmp_path), cycle_lock(tmp_path) as path:
        assert path == tmp_path / LOCK_NAME


def test_a_garbled_lock_file_left_behind_is_taken(tmp_path):
    (tmp_path / LOCK_NAME).write_text("not json")
    with cycle_lock(tmp_path) as path:
        assert json.loads(path.read_text())["pid"] == os.getpid()
