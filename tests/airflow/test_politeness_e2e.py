"""One host, one politeness budget in Airflow: two sources' DAGs triggered together.

``zgwatch airflow --config`` with a registry of two columns of one replica (one
host): the DAG file builds ``zgwatch_gd-zgls`` and ``zgwatch_gd-xsgg``, each crawl
in the host's one-slot pool. Both are triggered at once; their crawls never run
at the same time (the task instances' times) and the replica never has two
requests in flight. Without the pool the two crawl tasks would run together
(parallelism 2): the first assertion is the pool's.
"""

from __future__ import annotations

import urllib.parse
from datetime import datetime
from pathlib import Path

import pytest

from core.sources import host_pool
from testkit import airflow_api
from tests.airflow.conftest import clean_env
from tests.airflow.test_airflow_e2e import Launcher, task_states, wait_until
from zgwatch.airflow import launcher as airflow_local
from zgwatch.sinks import free_port

pytestmark = pytest.mark.slow  # end to end: tiers in docs/development.md

PASSWORD = "zgwatch-politeness-secret"
SOURCES = {"gd-zgls": ("/xunshizgls/", "南粤清风网 · 整改落实"),
           "gd-xsgg": ("/swxsnew/xsgg/", "南粤清风网 · 巡视公告")}


def _registry(replica, path: Path) -> Path:
    path.write_text("".join(
        f'[[sources]]\nid = "{sid}"\nurl = "{replica.url_for(folder)}"\nname = "{name}"\n\n'
        for sid, (folder, name) in SOURCES.items()), encoding="utf-8")
    return path


def _crawl(url: str, token: str, dag_id: str, run_id: str) -> dict:
    quoted = urllib.parse.quote(run_id, safe="")
    return airflow_api.api(url, token, f"/dags/{dag_id}/dagRuns/{quoted}/taskInstances/crawl")


@pytest.mark.timeout(900)
def test_two_sources_on_one_host_never_crawl_at_once(make_replica, tmp_path):
    # every answer takes 50 ms: each crawl lasts seconds, long enough to overlap without a pool
    replica = make_replica(notices=30, latency=0.05)
    config = _registry(replica, tmp_path / "zgwatch.toml")
    env = clean_env() | {"ZGWATCH_SCHEDULE": "none", airflow_local.PASSWORD_ENV: PASSWORD}
    launcher = Launcher(["--port", str(free_port()), "--config", str(config),
                         "--data-dir", str(tmp_path / "data"), "--delay", "0"], env, tmp_path)
    try:
        launcher.wait_for(r"ready in (\d+) s", timeout=300)
        url = launcher.wait_for(r"UI:\s+(http://127\.0\.0\.1:\d+)/", timeout=5).group(1)
        token = airflow_api.api_token(url, PASSWORD)
        dags = [f"zgwatch_{sid}" for sid in SOURCES]
        for dag_id in dags:
            wait_until(lambda d=dag_id: airflow_api.api(url, token, f"/dags/{d}"), 180,
                       f"the DAG processor to register {dag_id}")
        runs = {d: airflow_api.api(url, token, f"/dags/{d}/dagRuns",
                                   {"logical_date": None})["dag_run_id"] for d in dags}

        def finished():
            states = {d: airflow_api.api(
                url, token, f"/dags/{d}/dagRuns/{urllib.parse.quote(r, safe='')}")["state"]
                for d, r in runs.items()}
            return states if all(s in ("success", "failed") for s in states.values()) else None

        states = wait_until(finished, 600, "both runs to finish")
        assert states == dict.fromkeys(dags, "success"), {
            d: task_states(url, token, d, r) for d, r in runs.items()}
        crawls = {d: _crawl(url, token, d, r) for d, r in runs.items()}
    finally:
        left = launcher.stop()
    assert left == [], f"processes left after stopping zgwatch airflow: {left}"

    # both crawls took the host's one slot, and took turns
    assert {c["pool"] for c in crawls.values()} == {host_pool(replica.url)}
    first, second = sorted(
        (datetime.fromisoformat(c["start_date"]), datetime.fromisoformat(c["end_date"]))
         for c in crawls.values())
    assert first[1] <= second[0], f"the crawls overlapped: {crawls}"
    # the replica saw both columns, never two requests at once
    paths = [path for _method, path, _agent in replica.site.requests]
    assert all(any(p.startswith(folder) for p in paths) for folder, _ in SOURCES.values())
    assert replica.site.max_active == 1
    # each source wrote its own warehouse, under the data root
    for sid in SOURCES:
        assert (tmp_path / "data" / "sources" / sid / "zgwatch.duckdb").exists()
