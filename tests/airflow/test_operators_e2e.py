"""What operators see in the Airflow UI, with a real scheduler, API server and replica faults.

``zgwatch airflow`` runs six cycles through the REST API: a clean baseline;
three with the list's page 2 answering 503, one new article answering the
shield page (412) and one cut off (a partial failure that lasts: the
incident opens on the third); one with the faults gone (the incident
closes); one with a logical date in 2024; one with a bad value in the
Trigger form. Checked: each run's note and the warehouse asset event's
``extra`` against the warehouse, the crawl log's WARNING line for each failed
URL, the incident opened once and closed once, the zgwatch page through the
API server with auth, the UI's time zone, every task of the 2024 run, and
the bad value's one-line failure (no traceback, no retry). The run page and the zgwatch page are
photographed with Chromium (``ZGWATCH_SCREENSHOTS=docs`` keeps them).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest

from core.vocabulary import SHANGHAI
from replica.state import article_path, list_path
from testkit import airflow_api
from tests.airflow.conftest import clean_env
from tests.airflow.test_airflow_e2e import Launcher, task_states, wait_until
from warehouse.cycles import EVENT_KINDS
from zgwatch.airflow import launcher as airflow_local
from zgwatch.sinks import WebhookSink, free_port

PASSWORD = "zgwatch-e2e-operators"
SECRET = "s3cr3t-hook-pw"
ALL_DONE = dict.fromkeys(["snapshot_known", "crawl", "load", "diff", "alert", "verify_column",
                          "cycle_health"], "success")
INCOMPLETE = "栏目列表持续不完整"

pytestmark = pytest.mark.slow  # end to end: tiers in docs/development.md


def quoted(run_id: str) -> str:
    return urllib.parse.quote(run_id, safe="")


def trigger(url: str, token: str, logical_date: datetime) -> dict:
    """Trigger a monitor run for ``logical_date``; the finished run."""
    run = airflow_api.api(url, token, "/dags/zgwatch_monitor/dagRuns",
                          {"logical_date": logical_date.isoformat(), "conf": {}})
    path = f"/dags/zgwatch_monitor/dagRuns/{quoted(run['dag_run_id'])}"

    def finished():
        r = airflow_api.api(url, token, path)
        return r if r["state"] in ("success", "failed") else None

    return wait_until(finished, 300, f"run {run['dag_run_id']}")


def task_log(url: str, token: str, run_id: str, task_id: str) -> list[dict]:
    """The structured log of a task's first try, as the UI shows it."""
    path = f"/dags/zgwatch_monitor/dagRuns/{quoted(run_id)}/taskInstances/{task_id}/logs/1"
    return [e for e in airflow_api.api(url, token, path)["content"] if isinstance(e, dict)]


def crawl_batch(url: str, token: str, run_id: str) -> str:
    path = (f"/dags/zgwatch_monitor/dagRuns/{quoted(run_id)}/taskInstances/crawl/"
            "xcomEntries/return_value")
    return airflow_api.api(url, token, path)["value"]["batch_id"]


def asset_extra(url: str, token: str, run_id: str) -> dict:
    events = airflow_api.api(url, token, "/assets/events?source_dag_id=zgwatch_monitor"
                             f"&source_run_id={urllib.parse.quote(run_id)}")["asset_events"]
    (event,) = [e for e in events if e["source_run_id"] == run_id]
    return event["extra"]


def get(url: str, token: str | None = None, headers: dict | None = None) -> tuple[int, str]:
    """GET a page of the API server (with the token, as the UI's cookie would carry it);
    ``headers``, if given, receives the answer's headers (names in lower case)."""
    sent = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=sent), timeout=60) as r:
            if headers is not None:
                headers.update((k.lower(), v) for k, v in r.headers.items())
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def wait_published(url: str, token: str, run_id: str) -> dict:
    """The zgwatch page's data once the analysts' copy holds ``run_id``'s cycle."""
    def caught_up():
        state = json.loads(get(f"{url}/zgwatch/status.json", token)[1])
        newest = state["runs"][0] if state["runs"] else {}
        return state if newest.get("run_id") == run_id and newest.get("cycle") else None

    return wait_until(caught_up, 180, f"the analysts' copy to hold {run_id}")


def incidents_told(ops: WebhookSink) -> list[dict]:
    """The operators' incident messages (their payloads), leaving out the other families
    operators get (parse gaps, from the replica's notices)."""
    return [m["json"] for m in ops.accepted
            if m["json"]["zgwatch"]["message_key"].startswith("incident:")]


def wait_told(ops: WebhookSink, n: int, timeout: float) -> None:
    wait_until(lambda: len(incidents_told(ops)) >= n or None, timeout,
               f"{n} incident messages to operators")


def warehouse_cycle(db: Path, batch_id: str) -> dict:
    """The cycle's counts straight from the warehouse's tables (not warehouse.cycles)."""
    with duckdb.connect(str(db), read_only=True) as con:
        events = dict(con.execute("SELECT kind, count(*) FROM change_events WHERE batch_id = ?"
                                  " GROUP BY kind", [batch_id]).fetchall())
        failed = dict(con.execute(
            "SELECT outcome, count(*) FROM fetches WHERE batch_id = ?"
            " AND outcome NOT IN ('ok', 'not_modified') GROUP BY outcome", [batch_id]).fetchall())
        requests, complete = con.execute(
            "SELECT fetch_count, list_complete FROM batches WHERE batch_id = ?",
            [batch_id]).fetchone()
    return {"events": {k: events.get(k, 0) for k in EVENT_KINDS}, "failed": failed,
            "requests": requests, "list_complete": complete}


@pytest.mark.timeout(1500)
def test_operators_see_each_cycle_what_failed_and_what_to_do(replica, tmp_path):
    data, port = tmp_path / "data", free_port()
    db = data / "zgwatch.duckdb"
    shots = tmp_path / "shots"
    shots.mkdir()
    site = replica.site
    # 10:00 in Shanghai on the replica's "today", a minute apart: each run's as_of is that day
    first = datetime.combine(site.today, time(10), tzinfo=SHANGHAI)
    with WebhookSink() as hook, WebhookSink() as ops:
        secret_hook = hook.url().replace("json://", f"json://zg:{SECRET}@")
        env = clean_env() | {"ZGWATCH_SCHEDULE": "none", "ZGWATCH_WATCH": "off",
                             airflow_local.PASSWORD_ENV: PASSWORD,
                             "ZGWATCH_OPERATORS_NOTIFY": ops.url()}
        launcher = Launcher(["--port", str(port), "--data-dir", str(data), "--db", str(db),
                             "--source", replica.url, "--delay", "0", "--notify", secret_hook],
                            env, tmp_path)
        runs: list[dict] = []
        try:
            launcher.wait_for(r"ready in (\d+) s", timeout=240)
            url = f"http://127.0.0.1:{port}"
            token = airflow_api.api_token(url, PASSWORD)
            wait_until(lambda: airflow_api.api(url, token, "/dags/zgwatch_monitor"), 120,
                       "the DAG processor to register zgwatch_monitor")

            # destinations kept in the Variable: the UI (which reads this API) shows no secret
            airflow_api.api(url, token, "/variables", {
                "key": "zgwatch_settings", "value": json.dumps({"notify": [secret_hook]})})
            shown = json.dumps([airflow_api.api(url, token, "/variables"),
                                airflow_api.api(url, token, "/variables/zgwatch_settings")])
            assert SECRET not in shown and "zgwatch_settings" in shown

            runs.append(trigger(url, token, first))  # the baseline, clean
            assert runs[-1]["note"].startswith("✓ new 45, edited 0"), runs[-1]["note"]

            # a partial failure that lasts: page 2 of the list, two new articles
            shield, cut = site.add_notice(), site.add_notice()
            site.set_fault(list_path(2), "503")
            site.set_fault(article_path(shield), "blocked")
            site.set_fault(article_path(cut), "truncated")
            failing = {replica.url + "index_2.html": "server_error",
                       replica.url + f"content/post_{shield}.html": "blocked",
                       replica.url + f"content/post_{cut}.html": "truncated"}
            for i in range(1, 4):
                if i == 3:
                    site.add_notice(title="关于端到端测试整改进展情况的通报")  # read fine
                runs.append(trigger(url, token, first + timedelta(minutes=i)))
                assert runs[-1]["state"] == "success"  # a partial failure fails no task
                # ... and is a pink square in the grid: cycle_health skipped
                health = task_states(url, token, "zgwatch_monitor", runs[-1]["dag_run_id"])
                assert health["cycle_health"][0] == "skipped", health
                warnings = [e["event"] for e in task_log(url, token, runs[-1]["dag_run_id"],
                                                         "crawl") if e.get("level") == "warning"]
                for failed_url, outcome in failing.items():  # each one named, with its outcome
                    assert any(failed_url in w and outcome in w for w in warnings), warnings
            assert [m["title"] for m in incidents_told(ops)] == [
                f"[zgwatch] 运行故障: {INCOMPLETE} | {replica.url}"]  # on the third cycle
            note = runs[-1]["note"]
            assert note.startswith("⚠ failed fetches: blocked 1, server_error 1, truncated 1;"
                                   " list INCOMPLETE (2/3 pages); 1 open incident(s)"), note
            assert f"open incidents: {INCOMPLETE}" in note

            # the alert log names the webhook by scheme, host and a hash: not ***, no secret
            alert_log = " ".join(e.get("event", "") for e in task_log(
                url, token, runs[-1]["dag_run_id"], "alert"))
            assert f"to json://127.0.0.1:{hook.port} #" in alert_log, alert_log
            assert SECRET not in alert_log and "***?method" not in alert_log

            # the zgwatch page, through the API server, once the analysts' copy caught up
            state = wait_published(url, token, runs[-1]["dag_run_id"])
            # the notice history site (built by zgwatch_publish) is served beside the page
            history = data / "site" / "notices" / f"{shield}.html"
            wait_until(history.is_file, 180, "zgwatch_publish to build the history site")
            assert get(f"{url}/zgwatch/")[0] in (401, 403)  # auth first
            assert get(f"{url}/zgwatch/status.json", "not-a-token")[0] in (401, 403)
            status, page = get(f"{url}/zgwatch/", token)
            assert status == 200 and INCOMPLETE in page
            for failed_url in failing:
                assert failed_url in page
            assert f'href="../dags/zgwatch_monitor/runs/{quoted(runs[-1]["dag_run_id"])}"' in page
            assert [r["run_id"] for r in state["runs"]] == [r["dag_run_id"]
                                                            for r in reversed(runs)]
            assert {f["url"]: f["outcome"] for f in state["failures"]} == failing
            assert get(f"{url}/zgwatch/runbook", token)[1].count('id="list-incomplete"') == 1
            assert f'href="site/notices/{shield}.html"' in page
            answer: dict = {}
            assert get(f"{url}/zgwatch/site/notices/{shield}.html", token, answer) == (
                200, history.read_text(encoding="utf-8"))
            # copies of the column's pages, under Airflow's origin: sandboxed (no cookie, no API)
            assert answer["content-security-policy"].startswith("sandbox allow-scripts")
            assert get(f"{url}/zgwatch/site/notices/{shield}.html")[0] in (401, 403)
            assert get(f"{url}/zgwatch/site/%2e%2e/zgwatch.duckdb", token)[0] == 404

            # the UI in Shanghai time; the DAG's docs link the runbook at its real address
            assert "localStorage.setItem('timezone'," in get(f"{url}/dags/zgwatch_monitor")[1]
            assert "Asia/Shanghai" in get(f"{url}/dags/zgwatch_monitor")[1]
            doc = airflow_api.api(url, token, "/dags/zgwatch_monitor/details")["doc_md"]
            assert f"]({url}/zgwatch/runbook)" in doc

            airflow_api.screenshot(f"{url}/dags/zgwatch_monitor/runs/"
                                   f"{quoted(runs[-1]['dag_run_id'])}", token,
                                   shots / "airflow-run-summary.png", size="1400,820")
            airflow_api.screenshot(f"{url}/plugin/zgwatch", token,
                                   shots / "airflow-zgwatch-page.png", size="1400,1000")

            # the faults go: the incident closes, once
            site.clear_faults()
            runs.append(trigger(url, token, first + timedelta(minutes=4)))
            assert runs[-1]["note"].startswith("✓ "), runs[-1]["note"]
            wait_told(ops, 2, timeout=30)

            # a logical date in 2024, before the DAG was ever deployed: every task runs
            runs.append(trigger(url, token, datetime.fromisoformat("2024-10-20T10:00:00+08:00")))
            states = task_states(url, token, "zgwatch_monitor", runs[-1]["dag_run_id"])
            assert {t: s for t, (s, _) in states.items()} == ALL_DONE
            assert runs[-1]["state"] == "success"

            # a bad value in the Trigger form: one line naming the field, no traceback, no retry
            bad = airflow_api.api(url, token, "/dags/zgwatch_monitor/dagRuns", {
                "logical_date": (first + timedelta(minutes=9)).isoformat(),
                "conf": {"source": "ftp://example.org/"}})
            wait_until(lambda: airflow_api.api(url, token, "/dags/zgwatch_monitor/dagRuns/"
                                               f"{quoted(bad['dag_run_id'])}")["state"]
                       == "failed", 300, "the run with a bad source to fail")
            log = task_log(url, token, bad["dag_run_id"], "snapshot_known")
            errors = [e["event"] for e in log if e.get("level") == "error"]
            assert errors[0] == ("Trigger form field source: must be an http(s) URL of the "
                                 "column's index (got 'ftp://example.org/') (what to do: "
                                 f"{url}/zgwatch/runbook#bad-settings)"), errors
            assert not any("error_detail" in e for e in log)  # no traceback
            tis = airflow_api.api(url, token, "/dags/zgwatch_monitor/dagRuns/"
                                  f"{quoted(bad['dag_run_id'])}/taskInstances")["task_instances"]
            assert {t["task_id"]: (t["state"], t["try_number"]) for t in tis
                    if t["task_id"] == "snapshot_known"} == {"snapshot_known": ("failed", 1)}
            wait_told(ops, 3, timeout=60)  # the failing step, told once

            extras = {r["dag_run_id"]: asset_extra(url, token, r["dag_run_id"]) for r in runs}
            batches = {r["dag_run_id"]: crawl_batch(url, token, r["dag_run_id"]) for r in runs}
        finally:
            left = launcher.stop()
        assert left == [], f"processes left after stopping zgwatch airflow: {left}"

    told = incidents_told(ops)
    assert [m["title"] for m in told] == [
        f"[zgwatch] 运行故障: {INCOMPLETE} | {replica.url}",
        f"[zgwatch] 已恢复: {INCOMPLETE} | {replica.url}",
        "[zgwatch] 运行故障: 运行步骤失败 | zgwatch_monitor.snapshot_known"]
    assert "Trigger form field source" in told[2]["message"]
    with duckdb.connect(str(db), read_only=True) as con:
        incidents = con.execute("SELECT kind, ended_at IS NOT NULL FROM incidents"
                                " ORDER BY incident_id").fetchall()
        as_of = con.execute("SELECT DISTINCT as_of FROM change_events WHERE batch_id = ?",
                            [batches[runs[-1]["dag_run_id"]]]).fetchall()
    assert incidents == [("list_incomplete", True), ("step_failed", False)]
    assert as_of in ([], [(datetime(2024, 10, 20).date(),)])
    # every run's note and asset event say what the warehouse says about its cycle
    for run in runs:
        rid = run["dag_run_id"]
        truth = warehouse_cycle(db, batches[rid])
        extra = extras[rid]
        assert {k: extra[k] for k in truth} == truth, rid
        counts = ", ".join(f"{k} {n}" for k, n in truth["events"].items())
        assert counts in run["note"].splitlines()[0], run["note"]
        assert f"{truth['requests']} requests" in run["note"]
        if truth["failed"]:
            failed = ", ".join(f"{k} {n}" for k, n in sorted(truth["failed"].items()))
            assert f"failed fetches: {failed}" in run["note"]

    for png in shots.iterdir():
        assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 20_000
        if keep := os.environ.get("ZGWATCH_SCREENSHOTS"):
            shutil.copy(png, Path(keep) / png.name)
