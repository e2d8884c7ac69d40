"""``zgwatch watch`` as a real process: a change alerted within a poll, a clean stop on SIGTERM
(idle or mid-cycle), and a watcher's cycle and a scheduled one at one moment alerting once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.watch import read_state, state_path
from tests.cli.test_watch import Recorder, _alerts_of
from tests.support.processes import clean_env, kill_all, processes_mentioning, start, wait_until
from zgwatch.config import load_settings
from zgwatch.lock import cycle_lock
from zgwatch.sinks import WebhookSink
from zgwatch.watch import Watch

pytestmark = pytest.mark.slow  # real processes, signals and several cycles


@pytest.fixture
def hook():
    with WebhookSink() as sink:
        yield sink


def _flags(replica, tmp_path: Path, hook: WebhookSink) -> dict[str, str]:
    return {"source": replica.url, "db": str(tmp_path / "w.duckdb"),
            "data_dir": str(tmp_path / "data"), "notify": hook.url(), "delay": "0",
            "timeout": "5"}


def _args(flags: dict[str, str], *extra: str) -> list[str]:
    out = []
    for name, value in flags.items():
        out += [f"--{name.replace('_', '-')}", value]
    return [*out, *extra]


def _stopped_cleanly(proc: subprocess.Popen, tmp_path: Path) -> str:
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err.strip().splitlines()[-1] == "zgwatch: watch stopped", err
    with cycle_lock(tmp_path / "data"):  # the cycle lock is free
        pass
    wait_until(lambda: not processes_mentioning(str(tmp_path)), 30, "no crawl left behind")
    return err


def test_watch_alerts_a_new_notice_within_a_poll_and_stops_on_sigterm(replica, tmp_path, hook):
    flags = _flags(replica, tmp_path, hook)
    proc = start("watch", *_args(flags, "--poll", "0.3", "--every", "3600"), cwd=tmp_path,
                 env=clean_env(ZGWATCH_LOG_LEVEL="INFO"))
    try:
        data = tmp_path / "data"
        wait_until(lambda: (s := read_state(state_path(data))) and s.full_at, 120,
                   "the first full cycle")
        baseline = len(hook.accepted)
        notice_id = replica.site.add_notice()
        wait_until(lambda: _alerts_of(hook, notice_id), 120, "the new notice alerted")
        err = _stopped_cleanly(proc, tmp_path)
    finally:
        kill_all([proc.pid, *processes_mentioning(str(tmp_path))])
    assert len(hook.accepted) == baseline + 1
    changes = [line for line in err.splitlines() if "first list page changed" in line]
    assert len(changes) == 1 and " INFO " in changes[0]
    assert "Traceback" not in err


def test_sigterm_mid_cycle_stops_the_crawl_and_frees_the_lock(replica, tmp_path, hook):
    marker = tmp_path / "paused"
    proc = start("watch", *_args(_flags(replica, tmp_path, hook)), cwd=tmp_path,
                 env=clean_env(ZGWATCH_TEST_PAUSE="before:alert",
                               ZGWATCH_TEST_PAUSE_FILE=str(marker)))
    try:
        wait_until(marker.exists, 120, "the first cycle paused before its alerts")
        _stopped_cleanly(proc, tmp_path)
    finally:
        kill_all([proc.pid, *processes_mentioning(str(tmp_path))])
    ran = subprocess.run([str(Path(sys.executable).with_name("zgwatch")), "run",
                          *_args(_flags(replica, tmp_path, hook))], cwd=tmp_path,
                         env=clean_env(), capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr


def test_a_watcher_event_and_a_scheduled_cycle_at_one_moment_alert_once(
        replica, tmp_path, hook):
    flags = _flags(replica, tmp_path, hook)
    settings = load_settings({**flags, "notify": [hook.url()]}, env={})
    cycles = Recorder()
    watch = Watch(settings, settings.select(), cycle=cycles)
    w = watch.watched[0]
    watch.tend(w)  # the first full cycle
    notice_id = replica.site.add_notice()

    # The scheduled cycle (another process) holds the lock at the moment the watcher fires.
    code = ("import sys\nfrom zgwatch import pipeline\nfrom zgwatch.config import "
            "load_settings\nfrom zgwatch.lock import cycle_lock\n"
            f"s = load_settings({json.dumps({**flags, 'notify': [hook.url()]})}, env={{}})\n"
            "with cycle_lock(s.data_dir):\n"
            "    print('held', flush=True)\n    sys.stdin.readline()\n    pipeline.run(s)\n")
    scheduled = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
                                 env=clean_env())
    try:
        assert scheduled.stdout.readline() == "held\n"
        w.next_probe = 0
        watch.tend(w)  # the event: the cycle is refused, the change left for the next poll
        assert cycles.runs == ["full"]
        scheduled.stdin.write("go\n")
        scheduled.stdin.close()
        assert scheduled.wait(timeout=120) == 0
    finally:
        kill_all([scheduled.pid])
    assert _alerts_of(hook, notice_id) == 1  # the scheduled cycle alerted it

    w.next_probe = 0
    watch.tend(w)  # the next poll sees the change again and runs its cycle: nothing new
    assert cycles.runs == ["full", "quick"]
    w.next_probe = 0
    watch.tend(w)  # saved now: no more
    assert cycles.runs == ["full", "quick"]
    assert _alerts_of(hook, notice_id) == 1
