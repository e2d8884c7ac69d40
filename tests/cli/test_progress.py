"""``zgwatch run`` says what it does: one line per stage when it is done, a live crawl line
on a terminal, nothing extra when stdout is not one (Airflow, cron), no line twice."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time

from tests.cli.test_cli import ZGWATCH, zgwatch

STAGES = ("crawl ", "load batch ", "diff as of ", "alert: ", "analyst copy published: ",
          "full build of ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def _args(replica, tmp_path) -> list[str]:
    return ["run", "--source", replica.url, "--delay", "0", "--data-dir", str(tmp_path / "d"),
            "--db", str(tmp_path / "d" / "w.duckdb")]


def test_without_a_terminal_each_stage_is_one_line_on_stdout_once(replica, tmp_path):
    proc = zgwatch(*_args(replica, tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [next(s for s in STAGES if line.startswith(s)) for line in lines] == list(STAGES)
    for line in lines:  # not again in the log
        assert line not in proc.stderr
    assert "crawling:" not in proc.stdout + proc.stderr and "\x1b[" not in proc.stdout


def test_on_a_terminal_the_crawl_shows_live_progress_then_its_line_once(replica, tmp_path):
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZGWATCH_", "AIRFLOW"))}
    env.update(TERM="xterm", COLUMNS="120")
    proc = subprocess.Popen([str(ZGWATCH), *_args(replica, tmp_path)], stdout=follower,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd=tmp_path,
                            env=env)
    os.close(follower)
    out = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(leader)
    assert proc.wait(timeout=30) == 0
    text = ANSI.sub("", out.decode("utf-8", "replace"))
    assert re.search(r"crawling: \d+ list page\(s\), \d+ notice\(s\), \d+ failed · "
                     r"[\d.]+ req/s", text), text[-2000:]
    finished = [line for line in text.splitlines() if line.startswith("crawl 2")]
    assert len(finished) == 1, text[-2000:]
    for stage in STAGES[1:]:
        assert sum(line.startswith(stage) for line in text.splitlines()) == 1, stage
