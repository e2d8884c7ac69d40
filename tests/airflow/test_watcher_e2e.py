"""The watcher on the real Airflow 3.3: ``zgwatch airflow`` starts the triggerer, which runs
``FirstPageTrigger`` on the source's asset; a new notice starts the monitor within a poll.

Three launches on one AIRFLOW_HOME (the asset state store lives in its database): the
first alerts a notice published while it runs; a notice published while Airflow is down is
alerted once after the restart; a restart without a change starts no run.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest

from core.batch import Batch
from testkit import airflow_api
from tests.airflow.conftest import clean_env
from tests.airflow.test_airflow_e2e import PASSWORD, Launcher, trigger_and_wait, wait_until
from zgwatch.airflow import launcher as airflow_local
from zgwatch.sinks import WebhookSink, free_port

pytestmark = pytest.mark.slow  # end to end: tiers in docs/development.md

FIRST_PAGE = "/xunshizgls/"
WATCHER_RUN = "asset_triggered"


def _runs(url: str, token: str, run_type: str | None = None) -> list[dict]:
    runs = airflow_api.api(url, token, "/dags/zgwatch_monitor/dagRuns")["dag_runs"]
    return [r for r in runs if run_type is None or r["run_type"] == run_type]


def _probes(replica) -> int:
    return sum(path == FIRST_PAGE for _, path, _ in list(replica.site.requests))


def _alerts(sink: WebhookSink, title: str) -> int:
    return sum(title in str(m["json"]) for m in sink.accepted)


def _watcher_events(url: str, token: str) -> list[dict]:
    assets = airflow_api.api(url, token, "/assets?name_pattern=zgwatch_source")["assets"]
    (asset,) = [a for a in assets if a["name"] == "zgwatch_source"]
    query = urllib.parse.urlencode({"asset_id": asset["id"]})
    return airflow_api.api(url, token, f"/assets/events?{query}")["asset_events"]


class Airflow:
    """One launch of ``zgwatch airflow`` on the test's data folder."""

    def __init__(self, replica, tmp_path: Path, sink: WebhookSink) -> None:
        port = free_port()
        data = tmp_path / "data"
        env = clean_env() | {"ZGWATCH_SCHEDULE": "none", "ZGWATCH_POLL": "2",
                             "ZGWATCH_EVERY": "16", airflow_local.PASSWORD_ENV: PASSWORD}
        self.launcher = Launcher(["--port", str(port), "--data-dir", str(data), "--db",
                                  str(data / "zgwatch.duckdb"), "--source", replica.url,
                                  "--delay", "0", "--notify", sink.url()], env, tmp_path)
        self.launcher.wait_for(r"ready in (\d+) s", timeout=300)
        self.url = f"http://127.0.0.1:{port}"
        self.token = airflow_api.api_token(self.url, PASSWORD)
        wait_until(lambda: airflow_api.api(self.url, self.token, "/dags/zgwatch_monitor"), 120,
                   "the DAG processor to register zgwatch_monitor")

    def watcher_runs(self) -> list[dict]:
        return _runs(self.url, self.token, WATCHER_RUN)

    def quiet_for_probes(self, replica, n: int) -> None:
        """``n`` probes go by (the triggerer polls every 2 s) and no watcher run starts."""
        before, asked = len(self.watcher_runs()), _probes(replica)
        wait_until(lambda: _probes(replica) >= asked + n, 120, f"{n} probes")
        assert len(self.watcher_runs()) == before

    def stop(self) -> None:
        left = self.launcher.stop()
        assert left == [], f"processes left after stopping zgwatch airflow: {left}"


def _finished(af: Airflow, count: int) -> list[dict]:
    def done():
        runs = af.watcher_runs()
        return runs if len(runs) >= count and all(
            r["state"] in ("success", "failed") for r in runs) else None

    runs = wait_until(done, 300, f"{count} run(s) started by the watcher")
    assert all(r["state"] == "success" for r in runs), runs
    return runs


@pytest.mark.timeout(1500)
def test_the_triggerer_watches_the_first_page_across_restarts(replica, tmp_path):
    with WebhookSink() as sink:
        af = Airflow(replica, tmp_path, sink)
        try:
            first = trigger_and_wait(af.url, af.token, {})  # the baseline cycle, by hand
            assert first["state"] == "success"
            af.quiet_for_probes(replica, 3)  # the watcher's baseline fires nothing
            replica.site.add_notice(title="关于观察者测试甲整改进展情况的通报")
            _finished(af, 1)
            assert _alerts(sink, "观察者测试甲") == 1
            latest = Batch(max((tmp_path / "data" / "batches").iterdir())).read_summary()
            assert latest["quick"] and latest["list_pages"] == 1  # the watcher's run: quick
            events = _watcher_events(af.url, af.token)
            assert len(events) == 1 and "digest" in str(events[0]["extra"])
        finally:
            af.stop()

        replica.site.add_notice(title="关于观察者测试乙整改进展情况的通报")  # while down
        af = Airflow(replica, tmp_path, sink)
        try:
            _finished(af, 2)
            assert _alerts(sink, "观察者测试乙") == 1  # caught after the restart
            af.quiet_for_probes(replica, 4)  # once
        finally:
            af.stop()

        af = Airflow(replica, tmp_path, sink)  # a restart without a change
        try:
            af.quiet_for_probes(replica, 4)
            assert len(af.watcher_runs()) == 2
        finally:
            af.stop()
    assert _alerts(sink, "观察者测试甲") == 1 and _alerts(sink, "观察者测试乙") == 1
