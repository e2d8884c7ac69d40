"""``kill -9`` at each point of a cycle, then a rerun: nothing doubled, nothing lost, nothing
left running (docs/reliability.md, "A killed run").

Each case: a baseline cycle, changes on the site, a cycle killed at one point
(the test hook ``ZGWATCH_TEST_PAUSE`` holds it there, core/testhook.py; the
crawl is caught by watching its batch), then a plain rerun. Checked: the rerun
exits 0 with nothing on stderr; no event twice; every change alerted, each
message delivered once, except the one that was in flight when the run was
killed (``alert:sent``: accepted by the destination, not yet recorded), which
is sent once more; no process of the killed run alive.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.support.processes import (
    children,
    clean_env,
    kill_all,
    lines,
    processes_mentioning,
    running,
    start,
    wait_until,
)
from zgwatch.sinks import WebhookSink

pytestmark = pytest.mark.slow

AS_OF = "2026-11-26"  # the replica's today
CASES = ["crawl", "before:load", "load:commit", "diff:commit", "alert:sent", "publish:copied"]


@pytest.fixture
def hook():
    with WebhookSink() as sink:
        yield sink


class Cycle:
    """``zgwatch run`` on one warehouse, the site and the sink the test watches."""

    def __init__(self, replica, tmp_path: Path, hook: WebhookSink) -> None:
        self.tmp, self.data = tmp_path, tmp_path / "data"
        self.args = ["run", "--source", replica.url, "--data-dir", str(self.data),
                     "--db", str(tmp_path / "w.duckdb"), "--notify", hook.url(),
                     "--as-of", AS_OF, "--delay", "0", "--timeout", "5"]

    def start(self, **env: str):
        return start(*self.args, env=clean_env(**env), cwd=self.tmp)

    def run(self) -> str:
        """A whole cycle; it must end well and say nothing on stderr."""
        proc = self.start()
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0 and err == "", err
        return out

    def events(self) -> list[tuple]:
        with duckdb.connect(str(self.tmp / "w.duckdb"), read_only=True) as con:
            return con.execute("SELECT event_key FROM change_events").fetchall()


def _killed_at(cycle: Cycle, point: str) -> tuple[list[int], list[Path]]:
    """Run a cycle and kill -9 it at ``point``: the pids of it and its children then, and
    the batches it started."""
    marker = cycle.tmp / f"paused-{point.replace(':', '-')}"
    env = {} if point == "crawl" else {"ZGWATCH_TEST_PAUSE": point,
                                       "ZGWATCH_TEST_PAUSE_FILE": str(marker)}
    batches = cycle.data / "batches"
    before = {b.name for b in batches.iterdir()}
    proc = cycle.start(**env)
    if point == "crawl":
        wait_until(lambda: any(lines(b / "fetches.jsonl") >= 5 for b in batches.iterdir()
                               if b.name not in before), 120, "the crawl is under way")
    else:
        wait_until(marker.exists, 180, f"the run reaches {point}")
    family = [proc.pid, *children(proc.pid)]
    os.kill(proc.pid, signal.SIGKILL)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL and err == ""
    return family, [b for b in batches.iterdir() if b.name not in before]


@pytest.mark.parametrize("point", CASES)
def test_kill_9_then_rerun(make_replica, tmp_path, hook, point):
    replica = make_replica(45, 1, latency=0.05 if point == "crawl" else 0.0)
    cycle = Cycle(replica, tmp_path, hook)
    site = replica.site
    recent = [site.add_notice(), site.add_notice()]  # read every cycle (revisit policy)
    try:
        cycle.run()  # the baseline
        baseline_events = len(cycle.events())
        hook.clear()
        changed = [site.add_notice(), site.add_notice()]
        for notice_id in recent:
            site.edit(notice_id)
            changed.append(notice_id)

        family, started = _killed_at(cycle, point)
        wait_until(lambda: not [p for p in family if running(p)], 30,
                   "no process of the killed run is left")
        assert not processes_mentioning(str(tmp_path))
        if point == "crawl":  # its crawl did not go on to finish the batch
            assert [b for b in started if (b / "DONE").exists()] == []
        cycle.run()

        keys = [k for (k,) in cycle.events()]
        assert len(keys) == len(set(keys))  # no event twice
        assert len(keys) == baseline_events + len(changed)  # and none missing
        sent = Counter(m["json"]["zgwatch"]["message_key"] for m in hook.accepted)
        notices = {(m["json"]["zgwatch"].get("notice") or {}).get("notice_id")
                   for m in hook.accepted}
        assert notices == set(changed)  # every change alerted
        doubled = [key for key, n in sent.items() if n > 1]
        assert doubled == [] if point != "alert:sent" else len(doubled) <= 1, sent
        assert all(n <= 2 for n in sent.values())
        incomplete = [b for b in (cycle.data / "batches").iterdir() if not (b / "DONE").exists()]
        assert incomplete == []  # the killed crawl's batch went to failed/ (or was complete)
    finally:
        kill_all(processes_mentioning(str(tmp_path)))
