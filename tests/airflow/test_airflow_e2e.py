"""The real thing: ``zgwatch airflow`` starts Airflow, the REST API triggers the monitor.

One test, a few minutes: the launcher (scheduler, api-server, dag-processor,
triggerer) on free loopback ports under ``tmp_path``, the replica and a
webhook sink in this process. Two cycles are triggered through ``/api/v2``
(baseline, then a new notice), the asset-triggered ``zgwatch_publish``
follows, the warehouse and the sink are checked, the grid is photographed in
headless Chromium, and stopping the launcher must leave no process behind.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from core.sources import host_pool
from testkit import airflow_api
from tests.airflow.conftest import clean_env
from zgwatch.airflow import launcher as airflow_local
from zgwatch.sinks import WebhookSink, free_port

ZGWATCH = str(Path(sys.executable).parent / "zgwatch")
PASSWORD = "zgwatch-e2e-secret"
TITLE = "关于端到端测试整改进展情况的通报"

pytestmark = pytest.mark.slow  # end to end: tiers in docs/development.md


class Launcher:
    """``zgwatch airflow`` as a subprocess, its output collected by a thread."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path):
        self.lines: list[str] = []
        self.proc = subprocess.Popen([ZGWATCH, "airflow", *args], env=env, cwd=cwd, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if m := re.search(pattern, line):
                    return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.5)
        pytest.fail(f"no {pattern!r} from zgwatch airflow:\n" + "\n".join(self.lines[-40:]))

    def stop(self, timeout: float = 60) -> list[int]:
        """SIGTERM, as an init system would; the processes still alive afterwards."""
        before = airflow_local.descendants(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=timeout)
        time.sleep(0.5)
        return [pid for pid in before if Path(f"/proc/{pid}").exists()
                and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]


def wait_until(check, timeout: float, what: str, every: float = 1.0):
    """Poll the API until ``check()`` answers (bounded); a time-out fails the test."""
    try:
        return airflow_api.wait_for_api(check, timeout, what, every)
    except TimeoutError as exc:
        pytest.fail(str(exc))


def trigger_and_wait(url: str, token: str, conf: dict, timeout: float = 300) -> dict:
    run = airflow_api.api(url, token, "/dags/zgwatch_monitor/dagRuns",
                            {"logical_date": None, "conf": conf})
    path = f"/dags/zgwatch_monitor/dagRuns/{urllib.parse.quote(run['dag_run_id'], safe='')}"

    def finished():
        r = airflow_api.api(url, token, path)
        return r if r["state"] in ("success", "failed") else None

    return wait_until(finished, timeout, f"run {run['dag_run_id']}")


def task_states(url: str, token: str, dag_id: str, run_id: str) -> dict[str, str]:
    quoted = urllib.parse.quote(run_id, safe="")
    tis = airflow_api.api(url, token, f"/dags/{dag_id}/dagRuns/{quoted}/taskInstances")
    return {t["task_id"]: (t["state"], t["pool"]) for t in tis["task_instances"]}


def publish_runs(url: str, token: str) -> list[dict]:
    runs = airflow_api.api(url, token, "/dags/zgwatch_publish/dagRuns")["dag_runs"]
    return [r for r in runs if r["state"] == "success"]


class Collector:
    """A StatsD collector on a free loopback UDP port: a thread keeps every metric name."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.names: set[str] = set()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while self.running:
            try:
                data = self.sock.recv(65536).decode("ascii", "replace")
            except (TimeoutError, OSError):
                continue
            self.names |= {line.split(":")[0] for line in data.splitlines() if ":" in line}

    def wait_for(self, wanted: tuple[str, ...], timeout: float = 60) -> set[str]:
        """The names received, once one starting with each of ``wanted`` has come."""
        deadline = time.monotonic() + timeout
        while not all(any(n.startswith(w) for n in set(self.names)) for w in wanted):
            if time.monotonic() > deadline:
                pytest.fail(f"no {wanted} metric; got {sorted(self.names)[:40]}")
            time.sleep(0.5)
        return set(self.names)

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.mark.timeout(900)
def test_zgwatch_airflow_runs_the_monitor_triggered_through_the_rest_api(replica, tmp_path):
    data, port = tmp_path / "data", free_port()
    db = data / "zgwatch.duckdb"
    # a deadline of 1.2 s: every run is late, and operators are told (then the run ends it)
    collector = Collector()
    # runs by the REST API only: no schedule, no watcher (its own test: test_watcher_e2e.py)
    env = clean_env() | {"ZGWATCH_SCHEDULE": "none", "ZGWATCH_WATCH": "off",
                         "ZGWATCH_DEADLINE": "0.02",
                         "ZGWATCH_STATSD": collector.address,
                         airflow_local.PASSWORD_ENV: PASSWORD}
    with WebhookSink() as sink, WebhookSink() as ops, contextlib.closing(collector):
        launcher = Launcher(["--port", str(port), "--data-dir", str(data), "--db", str(db),
                             "--source", replica.url, "--delay", "0", "--notify", sink.url(),
                             "--operators-notify", ops.url("/ops")],
                            env, tmp_path)
        try:
            ready = launcher.wait_for(r"ready in (\d+) s", timeout=240)
            login = launcher.wait_for(r"login:\s+(\S+) / (\S+)", timeout=5)
            assert login.groups() == ("admin", PASSWORD)
            url = launcher.wait_for(r"UI:\s+(http://127\.0\.0\.1:\d+)/", timeout=5).group(1)
            assert url == f"http://127.0.0.1:{port}"

            token = airflow_api.api_token(url, PASSWORD)
            with pytest.raises(urllib.error.HTTPError) as denied:
                airflow_api.api(url, "not-a-token", "/dags")
            assert denied.value.code in (401, 403)  # auth is on
            dag = wait_until(lambda: airflow_api.api(url, token, "/dags/zgwatch_monitor"),
                             120, "the DAG processor to register zgwatch_monitor")
            assert dag["is_paused"] is False

            started = time.monotonic()
            first = trigger_and_wait(url, token, {})
            first_seconds = time.monotonic() - started
            assert first["state"] == "success", task_states(url, token, "zgwatch_monitor",
                                                            first["dag_run_id"])
            wait_until(lambda: publish_runs(url, token), 120, "the asset-triggered publish run")

            # a period far from its end, so the cycle has one event for it (new), whatever
            # phrasing the replica would have drawn (a count of working days ends soon)
            today = date.today()
            replica.site.add_notice(title=TITLE, period=(today, today + timedelta(days=60)))
            second = trigger_and_wait(url, token, {"warn_days": 5})
            states = task_states(url, token, "zgwatch_monitor", second["dag_run_id"])
            assert second["state"] == "success", states
            assert {t: s for t, (s, _) in states.items()} == dict.fromkeys(
                ["snapshot_known", "crawl", "load", "diff", "alert", "verify_column",
                 "cycle_health"], "success")
            assert states["load"][1] == "zgwatch_duckdb"
            assert states["crawl"][1] == host_pool(replica.url)  # one crawl at a time per host
            assert second["conf"] == {"warn_days": 5}

            # the alert reached the sink, once
            messages = sink.wait_for(1, timeout=30)
            assert sum(TITLE in str(m["json"]) for m in messages) == 1

            # metrics: zgwatch's per-cycle counts and Airflow's own, under one prefix
            names = collector.wait_for(("zgwatch.cycle.requests", "zgwatch.airflow."))
            assert all(n.startswith("zgwatch.") for n in names), names

            # the DeadlineAlert: the triggerer told operators that a cycle was late
            wait_until(lambda: [m for m in ops.messages if "周期超时" in str(m["json"])], 120,
                       "the deadline's message to operators")

            # an old logical date from an operator's shell (env.sh only) while the scheduler
            # runs: every task runs, as of that date, against the workers' column and warehouse
            schedule = airflow_api.api(url, token, "/dags/zgwatch_monitor")["timetable_summary"]
            home = data / "airflow"
            old = subprocess.run(
                ["/bin/sh", "-c", f". '{home / 'env.sh'}' && airflow dags test zgwatch_monitor "
                                  "2024-10-20"],
                env={"HOME": str(tmp_path), "LANG": "C.UTF-8"}, cwd=tmp_path, capture_output=True,
                text=True, timeout=600)
            assert old.returncode == 0, old.stdout[-3000:] + old.stderr[-3000:]
            runs = airflow_api.api(url, token, "/dags/zgwatch_monitor/dagRuns")["dag_runs"]
            [past] = [r for r in runs if (r["logical_date"] or "").startswith("2024-10-19T16:00")]
            states = task_states(url, token, "zgwatch_monitor", past["dag_run_id"])
            assert {t: s for t, (s, _) in states.items()} == dict.fromkeys(
                ["snapshot_known", "crawl", "load", "diff", "alert", "verify_column",
                 "cycle_health"], "success")
            after = airflow_api.api(url, token, "/dags/zgwatch_monitor")["timetable_summary"]
            assert after == schedule  # the DAG was not re-serialised with another schedule

            # chromium comes with the test set-up (scripts/bootstrap.sh --browser)
            assert shutil.which("chromium"), "chromium missing: run scripts/bootstrap.sh --browser"
            shot = airflow_api.screenshot(
                f"{url}/dags/zgwatch_monitor/runs/"
                f"{urllib.parse.quote(second['dag_run_id'], safe='')}",
                token, tmp_path / "airflow-grid.png")
            png = shot.read_bytes()
            assert png.startswith(b"\x89PNG") and len(png) > 20_000
            print(f"\nAirflow ready in {ready.group(1)} s; first run {first_seconds:.0f} s")
            # the API server's token key is long enough: no warning per token signed
            assert "HMAC key" not in (home / "logs" / "components" / "api-server.log").read_text()
        finally:
            left = launcher.stop()
        assert left == [], f"processes left after stopping zgwatch airflow: {left}"
        assert launcher.proc.returncode == 0
        assert launcher.lines[-1] == "zgwatch airflow: stopped"

    with duckdb.connect(str(db), read_only=True) as con:
        baseline = con.execute("SELECT count(*) FROM changes WHERE baseline").fetchone()[0]
        batches = con.execute("SELECT count(*) FROM batches").fetchone()[0]
        new = con.execute("SELECT change_id, kind FROM changes WHERE title = ?",
                          [TITLE]).fetchall()
        sent = con.execute("SELECT status FROM deliveries WHERE change_id = ?",
                           [new[0][0]]).fetchall()
    assert baseline >= 45
    assert batches == 3  # the two triggered runs and the one for 20 October 2024
    assert [k for _, k in new] == ["new"]
    assert sent == [("sent",)]
    assert (data / "zgwatch.analyst.duckdb").exists()  # published by zgwatch_publish
