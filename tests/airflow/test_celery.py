"""``zgwatch airflow --executor celery`` for real: Valkey and PostgreSQL from their wheels,
Airflow's scheduler, API server, DAG processor and triggerer, Celery workers.

1. Two sources, each on the queue of its warehouse's machine: the launcher's worker
   serves one; the other's first task waits in the broker, the broker is restarted,
   and a second worker added with ``zgwatch worker`` (its settings from
   ``worker.env``) runs the queued work; every task shows the worker that ran it,
   and analysts find both sources in the lake.
2. A worker killed mid-crawl: the crawl is retried on the other worker, the run
   succeeds, and every event is recorded, and alerted, once.

The data directory sits in a folder of its own under /tmp, not under pytest's: under
root PostgreSQL runs as another user, who must be able to enter it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

import duckdb
import pytest

from testkit import airflow_api
from tests.airflow.conftest import clean_env
from tests.airflow.test_airflow_e2e import Launcher
from tests.support.processes import ZGWATCH, processes_mentioning, running, wait_until
from warehouse.lake import attach
from zgwatch.airflow import launcher as airflow_local
from zgwatch.airflow.servers import Broker
from zgwatch.sinks import WebhookSink, free_port

pytestmark = pytest.mark.slow  # end to end: tiers in docs/development.md

PASSWORD = "zgwatch-celery-secret"
TASKS = ("snapshot_known", "crawl", "load", "diff", "alert", "verify_column")

DAG_FILE = """
from datetime import timedelta

from zgwatch.airflow.factory import column_dags

# the test's sources: one warehouse each, on the queue of the machine that holds it
for _name, _url, _queue in {sources!r}:
    _monitor, _publish = column_dags(_name, queue=_queue, schedule="none", column_settings={{
        "source": _url, "source_id": _name, "data_dir": f"{data}/{{_name}}",
        "db": f"{data}/{{_name}}/zgwatch.duckdb"}})
    for _task in (*_monitor.tasks, *_publish.tasks):
        _task.retry_delay = timedelta(seconds=2)  # a retry at once: the test waits for it
        _task.retry_exponential_backoff = 0
    globals()[f"monitor_{{_name}}"], globals()[f"publish_{{_name}}"] = _monitor, _publish
"""


@pytest.fixture
def workdir(tmp_path):
    """A folder of its own under /tmp; its Airflow logs are kept in ``tmp_path`` after."""
    folder = Path(tempfile.mkdtemp(prefix="zgwatch-celery-"))
    yield folder
    logs = folder / "data" / "airflow" / "logs"
    if logs.is_dir():
        shutil.copytree(logs, tmp_path / "airflow-logs", dirs_exist_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def start_stack(workdir: Path, sources: list[tuple[str, str, str]], *, workers: int,
                queue: str, extra: list[str] = ()) -> Launcher:
    """The launcher with a DAG folder holding ``sources`` (name, URL, queue)."""
    dags = workdir / "dags"
    dags.mkdir()
    (dags / "sources.py").write_text(DAG_FILE.format(sources=sources, data=workdir / "data"),
                                     encoding="utf-8")
    env = clean_env() | {airflow_local.PASSWORD_ENV: PASSWORD, "ZGWATCH_QUEUE": queue,
                         "ZGWATCH_WATCH": "off",  # runs by the REST API only
                         "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
                         # a dead worker's task is failed (and retried) after 20 s
                         "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20"}
    return Launcher(["--executor", "celery", "--workers", str(workers), "--port",
                     str(free_port()), "--data-dir", str(workdir / "data"), "--delay", "0",
                     *extra], env, workdir)


def stop_stack(launcher: Launcher, workdir: Path) -> None:
    left = launcher.stop()
    assert left == [], f"processes left after stopping zgwatch airflow: {left}"
    assert launcher.proc.returncode == 0
    assert launcher.lines[-1] == "zgwatch airflow: stopped"
    # PostgreSQL runs detached (pg_ctl), so it is no descendant: found by its folder
    assert processes_mentioning(str(workdir)) == []


def trigger(url: str, token: str, dag_id: str) -> str:
    airflow_api.wait_for_api(lambda: airflow_api.api(url, token, f"/dags/{dag_id}"), 180,
                             f"{dag_id} registered")
    run = airflow_api.api(url, token, f"/dags/{dag_id}/dagRuns", {"logical_date": None})
    return run["dag_run_id"]


def finished(url: str, token: str, dag_id: str, run_id: str, timeout: float) -> dict:
    path = f"/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}"
    run = wait_until(lambda: (r := airflow_api.api(url, token, path))["state"]
                     in ("success", "failed") and r, timeout, f"{dag_id} run {run_id}")
    assert run["state"] == "success", tries(url, token, dag_id, run_id)
    return run


def tries(url: str, token: str, dag_id: str, run_id: str) -> dict[str, list[tuple]]:
    """Every try of every task of the run: (try_number, state, hostname), in order."""
    out: dict[str, list[tuple]] = {}
    quoted = urllib.parse.quote(run_id, safe="")
    for task_id in TASKS:
        found = airflow_api.api(url, token, f"/dags/{dag_id}/dagRuns/{quoted}/taskInstances/"
                                            f"{task_id}/tries")["task_instances"]
        out[task_id] = [(t["try_number"], t["state"], t["hostname"]) for t in found]
    return out


def published(url: str, token: str, dag_id: str) -> list[dict]:
    runs = airflow_api.api(url, token, f"/dags/{dag_id}/dagRuns")["dag_runs"]
    return [r for r in runs if r["state"] == "success"]


def lake_rows(catalog: str, data_path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        attach(con, catalog, data_path, read_only=True)
        return con.sql(sql).fetchall()
    finally:
        con.close()


@pytest.mark.timeout(600)
def test_two_sources_run_on_two_workers_and_analysts_read_both_in_the_lake(
        make_replica, workdir):
    gd, sz = make_replica(notices=12, seed=3), make_replica(notices=7, seed=5)
    launcher = start_stack(workdir, [("gd", gd.url, "machine-a"), ("sz", sz.url, "machine-b")],
                           workers=1, queue="machine-a")
    extra = restarted = None
    try:
        ready = launcher.wait_for(r"ready in (\d+) s", timeout=300)
        url = launcher.wait_for(r"UI:\s+(http://127\.0\.0\.1:\d+)/", timeout=5).group(1)
        catalog = launcher.wait_for(r"lake:\s+catalog (\S+),", timeout=5).group(1)
        worker_env = Path(launcher.wait_for(r"\. (\S+/worker\.env);", timeout=5).group(1))
        assert oct(worker_env.stat().st_mode & 0o777) == "0o600"
        assert re.search(r"^AIRFLOW__API_AUTH__JWT_SECRET=\S{86}$",
                         worker_env.read_text(encoding="utf-8"), re.MULTILINE)

        token = airflow_api.api_token(url, PASSWORD)
        runs = {name: trigger(url, token, f"zgwatch_monitor__{name}") for name in ("gd", "sz")}
        # machine-b has no worker yet: sz's first task waits in the broker, which restarts
        wait_until(lambda: ti_state(url, token, "zgwatch_monitor__sz", runs["sz"],
                                    "snapshot_known") == "queued", 180, "sz's task queued")
        broker_url = launcher.wait_for(r"broker: (\S+)", timeout=5).group(1)
        restarted = restart_broker(workdir / "data" / "airflow" / "valkey", broker_url)

        # the command that adds a worker on another machine, with that machine's queue
        settings = dict(line.split("=", 1) for line in
                        subprocess.run(["sh", "-c", f"set -a; . {worker_env}; env"],
                                       capture_output=True, text=True, check=True,
                                       env={}).stdout.splitlines() if "=" in line)
        with (workdir / "worker-b.log").open("w") as log:
            extra = subprocess.Popen([str(ZGWATCH), "worker", "--name", "b1", "--queue",
                                      "machine-b"], env=clean_env() | settings, cwd=workdir,
                                     stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

        hosts = {}
        for name, run_id in runs.items():
            finished(url, token, f"zgwatch_monitor__{name}", run_id, timeout=300)
            hosts[name] = {h for ts in tries(url, token, f"zgwatch_monitor__{name}",
                                             run_id).values() for _, _, h in ts}
        assert len(hosts["gd"]) == 1 and next(iter(hosts["gd"])).endswith("-w1"), hosts
        assert len(hosts["sz"]) == 1 and next(iter(hosts["sz"])).endswith("-b1"), hosts
        for name in ("gd", "sz"):
            wait_until(lambda n=name: published(url, token, f"zgwatch_publish__{n}"), 180,
                       f"the publish of {name}")
        # analysts: one session, every source (the catalog lives in the stack's database)
        rows = lake_rows(catalog, workdir / "data" / "lake",
                         "SELECT source_id, count(*), count(DISTINCT notice_id) "
                         "FROM lake.notices GROUP BY ALL ORDER BY 1")
        assert rows == [("gd", 12, 12), ("sz", 7, 7)]
        kinds = lake_rows(catalog, workdir / "data" / "lake",
                          "SELECT DISTINCT source_id FROM lake.changes WHERE kind = 'new'")
        assert sorted(kinds) == [("gd",), ("sz",)]
        print(f"\nCelery stack ready in {ready.group(1)} s")
    finally:
        if extra is not None:
            os.killpg(extra.pid, signal.SIGTERM)
            extra.wait(timeout=60)
        stop_stack(launcher, workdir)
        if restarted is not None:
            restarted.stop()


def ti_state(url: str, token: str, dag_id: str, run_id: str, task_id: str) -> str | None:
    quoted = urllib.parse.quote(run_id, safe="")
    return airflow_api.api(url, token,
                           f"/dags/{dag_id}/dagRuns/{quoted}/taskInstances/{task_id}")["state"]


def restart_broker(folder: Path, url: str) -> Broker:
    """Stop the stack's Valkey (SIGTERM: it writes its append-only file) and start it again
    on the same folder and port, as an operator restarting the broker would."""
    port = urllib.parse.urlsplit(url).port
    (pid,) = [p for p in processes_mentioning(f"127.0.0.1:{port}")
              if "valkey" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")]
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not running(pid), 30, "the broker stopped")
    broker = Broker(folder, port)
    broker.start()
    return broker


def worker_running(url: str, token: str, dag_id: str, run_id: str, task_id: str) -> str | None:
    """The hostname of the worker running ``task_id`` now, if it is running."""
    quoted = urllib.parse.quote(run_id, safe="")
    ti = airflow_api.api(url, token, f"/dags/{dag_id}/dagRuns/{quoted}/taskInstances/{task_id}")
    return ti["hostname"] if ti["state"] == "running" else None


def celery_worker_pid(name: str) -> int:
    """The main process of Celery worker ``name`` (its command line names ``name@``)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            if f"celeryd: {name}@" in cmd and "MainProcess" in cmd:
                return int(entry.name)
    raise AssertionError(f"no Celery worker {name} running")


@pytest.mark.timeout(600)
def test_a_worker_killed_mid_crawl_the_crawl_runs_again_on_the_other_and_every_event_is_once(
        make_replica, workdir):
    # 0.3 s a page: the crawl lasts long enough to be killed in the middle of it
    site = make_replica(notices=20, seed=9, latency=0.3)
    with WebhookSink() as sink:
        launcher = start_stack(workdir, [("gd", site.url, "default")], workers=2,
                               queue="default", extra=["--notify", sink.url()])
        try:
            launcher.wait_for(r"ready in (\d+) s", timeout=300)
            url = launcher.wait_for(r"UI:\s+(http://127\.0\.0\.1:\d+)/", timeout=5).group(1)
            token = airflow_api.api_token(url, PASSWORD)
            dag_id = "zgwatch_monitor__gd"
            run_id = trigger(url, token, dag_id)
            host = wait_until(lambda: worker_running(url, token, dag_id, run_id, "crawl"), 240,
                              "the crawl running on a worker")
            victim = host.rsplit("-", 1)[1]
            pid = celery_worker_pid(victim)
            os.killpg(os.getpgid(pid), signal.SIGKILL)  # the worker's machine is gone
            wait_until(lambda: not running(pid), 30, "the killed worker gone")
            finished(url, token, dag_id, run_id, timeout=300)
            crawl = tries(url, token, dag_id, run_id)["crawl"]
            assert len(crawl) >= 2 and crawl[0][2] == host, crawl
            assert crawl[-1][1] == "success" and not crawl[-1][2].endswith(f"-{victim}"), crawl
            assert launcher.proc.poll() is None  # the stack carried on with one worker
            messages = sink.wait_for(1, timeout=60)
        finally:
            stop_stack(launcher, workdir)

    db = workdir / "data" / "gd" / "zgwatch.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        events = con.execute("SELECT count(*), count(DISTINCT event_key), "
                             "count(DISTINCT notice_id) FILTER (kind = 'new') "
                             "FROM change_events").fetchone()
        sends = con.execute("SELECT count(*), count(DISTINCT change_id) FROM deliveries "
                            "WHERE status = 'sent'").fetchone()
    assert events[0] == events[1] and events[2] == 20, events  # every notice new, once
    assert sends[0] == sends[1], sends  # each event delivered once
    bodies = [json.dumps(m["json"], sort_keys=True, ensure_ascii=False) for m in messages]
    assert len(set(bodies)) == len(bodies)  # no message sent twice
