"""What operators see, built without a running Airflow: the run note, the zgwatch page,
one-line failures, and the UI's default time zone. The e2e test runs them in Airflow."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from alerts.messages import (
    GAPS_SECTION,
    INCIDENT_ACTIONS,
    INCIDENT_LABELS,
    INCIDENT_SECTIONS,
    incident_message,
)
from alerts.operators import Trouble, open_incident
from alerts.render import render
from core import sitemap
from core.errors import (
    ColumnMismatch,
    ColumnUnreadable,
    ConfigError,
    CycleRunning,
    HostBusy,
    StageFailed,
    WarehouseBusy,
)
from core.sources import Source
from testkit.batches import FakeColumn
from warehouse.cycles import cycle_summary
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_pending
from warehouse.publish import publish_analyst_copy
from zgwatch.airflow import notes, page, runbook, tasks
from zgwatch.airflow.plugin import DefaultTimezone

NOW = datetime(2024, 10, 1, 3, 0, tzinfo=UTC)


def _cycles(folder, first_id: int, notices: int, faults_by_cycle, con_hook=None):
    """A warehouse in ``folder`` after one FakeColumn cycle per item of ``faults_by_cycle``
    (``{notice_id: outcome}``; a later cycle adds notice 2000 and fails a list page), with
    ``con_hook(con)`` run at the end; its copy published. The warehouse and its batch ids."""
    db = folder / "zgwatch.duckdb"
    column = FakeColumn(folder / "batches")
    for i in range(1, notices + 1):
        column.add(first_id + i)
    with connect(db, lock_wait=5) as con:
        for faults in faults_by_cycle:
            if faults:
                column.add(2000, title="关于<b>端到端</b>整改进展情况的通报")
            column.crawl(faults=faults, list_fault="server_error" if faults else None)
            load_pending(con, column.batches_dir)
            detect_changes(con, as_of=date(2024, 10, 1), warn_days=3)
        if con_hook is not None:
            con_hook(con)
        batches = [r[0] for r in con.execute("SELECT batch_id FROM batches ORDER BY 1")
                   .fetchall()]
    publish_analyst_copy(db, lock_wait=5)
    return db, batches


@pytest.fixture
def warehouse(tmp_path):
    """Two cycles (a baseline, then a partial failure) and an open incident; the copy published."""
    return _cycles(tmp_path / "data", 1000, 29, ({}, {1005: "blocked"}), lambda con: open_incident(
        con, Trouble("list_incomplete", "", "http://x/", "连续 3 个周期…"), None, NOW))


def runs(batches):
    return [page.RunRow("manual__2", "success", NOW + timedelta(hours=1), batch_id=batches[1],
                        start_date=NOW, end_date=NOW + timedelta(seconds=25)),
            page.RunRow("manual__1", "failed", NOW, batch_id=batches[0],
                        failed_tasks=("verify_column",)),
            page.RunRow("manual__0", "failed", NOW - timedelta(hours=1),
                        failed_tasks=("snapshot_known",))]


def test_the_page_shows_the_cycles_incidents_and_failures_from_the_analysts_copy(
        warehouse, tmp_path):
    db, batches = warehouse
    data = page.PageData("zgwatch_monitor", runs=runs(batches))
    html = page.render(page.read_copy(data, db.with_name("zgwatch.analyst.duckdb")))

    assert data.last_batch == batches[1]
    # the last cycles: counts, requests, list, links to the run and its logs
    assert data.cycles[batches[1]].failed == {"blocked": 1, "server_error": 1}
    assert "blocked 1, server_error 1" in html and "incomplete" in html
    assert 'href="../dags/zgwatch_monitor/runs/manual__2"' in html
    assert 'href="../dags/zgwatch_monitor/runs/manual__1/tasks/verify_column"' in html
    assert 'target="_top"' in html  # Airflow's pages open in the whole window, not the iframe
    assert "no crawl batch" in html  # a run that failed before crawling
    # the failed fetches of the last cycle with their reasons
    assert "index_2.html" in html and "post_1005.html" in html and ">412<" in html
    # the open incident, with what to do
    assert "栏目列表持续不完整" in html and 'href="runbook#list-incomplete"' in html
    # the latest changes, escaped
    assert "&lt;b&gt;端到端&lt;/b&gt;" in html and "<b>端到端" not in html
    assert "notices/2000.html" not in html  # no history site built: no dead links
    assert 'href="runbook"' in html


def test_a_failing_step_reaches_the_page_at_once_and_so_does_its_recovery(warehouse):
    """While runs fail before publish, the page (which reads the analysts' copy) must still
    show the step failing; its recovery too."""
    from zgwatch import pipeline
    from zgwatch.config import load_settings

    db, _ = warehouse
    settings = load_settings({"db": db, "data_dir": db.parent}, env={})
    copy = db.with_name("zgwatch.analyst.duckdb")

    def open_kinds():
        data = page.read_copy(page.PageData("zgwatch_monitor"), copy)
        return sorted(i["kind"] for i in data.incidents if i["ended_at"] is None)

    assert pipeline.tell_operators(settings, "zgwatch_monitor.load", "disk full")
    assert open_kinds() == ["list_incomplete", "step_failed"]
    assert pipeline.tell_operators(settings, "zgwatch_monitor.load", None)
    assert open_kinds() == ["list_incomplete"]


def test_notice_links_point_into_the_history_site_when_it_exists(warehouse):
    db, batches = warehouse
    data = page.read_copy(page.PageData("zgwatch_monitor", runs=runs(batches), site=True),
                          db.with_name("zgwatch.analyst.duckdb"))
    html = page.render(data)
    assert page.notice_href("2000") == "site/notices/2000.html"
    assert page.notice_href("2000") == page.SITE + sitemap.notice_page("2000")  # one URL shape
    assert 'href="site/notices/2000.html"' in html and 'href="site/notices/1005.html"' in html


def test_without_an_analysts_copy_the_page_says_so_and_still_lists_the_runs(tmp_path):
    data = page.read_copy(page.PageData("zgwatch_monitor", runs=runs(["a", "b"])),
                          tmp_path / "zgwatch.analyst.duckdb")
    html = page.render(data)
    assert "does not exist" in data.problem and "zgwatch_publish" in data.problem
    assert "manual__1" in html and "not in the analysts' copy yet" in html


def test_with_several_sources_each_row_names_its_source_and_links_its_dag(warehouse, tmp_path):
    db, batches = warehouse
    db_b, (batch_b,) = _cycles(tmp_path / "b", 5000, 3, ({},))  # a second source: one cycle
    copy_b = db_b.with_name("zgwatch.analyst.duckdb")
    rows = [dataclasses.replace(r, dag_id="zgwatch_gd-zgls", source_id="gd-zgls",
                                source_name="南粤清风网 · 整改落实") for r in runs(batches)]
    rows.append(page.RunRow("manual__b", "success", NOW, batch_id=batch_b, dag_id="zgwatch_qy",
                            source_id="qy", source_name="清远廉政网 · 巡察整改"))
    data = page.PageData("zgwatch_gd-zgls, zgwatch_qy", runs=rows)
    for copy in (db.with_name("zgwatch.analyst.duckdb"), copy_b):
        page.read_copy(data, copy)
    html = page.render(data)
    assert {batches[1], batch_b} <= set(data.cycles)  # both sources' cycles, from both copies
    assert data.cycles[batch_b].events["new"] == 3
    assert "<code>gd-zgls</code>" in html and "南粤清风网 · 整改落实" in html
    assert "<code>qy</code>" in html and "清远廉政网 · 巡察整改" in html
    assert 'href="../dags/zgwatch_qy/runs/manual__b"' in html
    assert 'href="../dags/zgwatch_gd-zgls/runs/manual__1/tasks/verify_column"' in html
    assert "栏目列表持续不完整" in html  # the first source's incident stays on the page


def test_the_run_note_names_the_source(warehouse):
    db, batches = warehouse
    with connect(db, read_only=True) as con:
        baseline = cycle_summary(con, batches[0])
    source = Source(id="gd-xsgg", url="http://127.0.0.1:9/swxsnew/xsgg/",
                    name="南粤清风网 · 巡视公告")
    lines = notes.note_text(baseline, [], {}, source=source).split("  \n")
    assert lines[0].startswith("✓ new 29")  # the UI shows the first line: still the news
    assert lines[1] == "source `gd-xsgg` · 南粤清风网 · 巡视公告"


def test_the_run_note_leads_with_what_went_wrong_and_fits_the_api(warehouse):
    db, batches = warehouse
    with connect(db, read_only=True) as con:
        partial, baseline = cycle_summary(con, batches[1]), cycle_summary(con, batches[0])
    incidents = [{"kind": "list_incomplete"}]
    text = notes.note_text(partial, incidents, {"list_incomplete": "栏目列表持续不完整"})
    first = text.splitlines()[0]
    assert first.startswith("⚠ failed fetches: blocked 1, server_error 1; list INCOMPLETE")
    assert "1 open incident(s)" in first and "new 1, edited 0" in first
    assert "open incidents: 栏目列表持续不完整" in text
    assert f"{partial.requests} requests" in text and len(text) <= notes.MAX_NOTE
    clean = notes.note_text(baseline, [], {})
    assert clean.startswith("✓ new 29, edited 0") and "(baseline)" in clean


def test_a_delivery_that_failed_in_this_run_is_on_the_note_at_once(warehouse):
    """Not a ✓ until the destination's incident opens (a day, or runs, later)."""
    from alerts.run import AlertReport

    db, batches = warehouse
    with connect(db, read_only=True) as con:
        baseline = cycle_summary(con, batches[0])
    failing = notes.note_text(baseline, [], {}, AlertReport(sent=3, retry_later=2))
    assert failing.startswith("⚠ deliveries failed: 2 to retry · new 29"), failing
    given_up = notes.note_text(baseline, [], {}, AlertReport(retry_later=0, failed=1))
    assert given_up.startswith("⚠ deliveries failed: 0 to retry, 1 given up · ")
    assert notes.note_text(baseline, [], {}, AlertReport(sent=5)).startswith("✓ ")


@pytest.mark.parametrize(("error", "final", "section"), [
    (ConfigError("Trigger form field source: must be an http(s) URL"), True, "bad-settings"),
    (ColumnUnreadable("cannot read the column http://x/: first list page blocked"), True,
     "column-unreadable"),
    (WarehouseBusy("warehouse w.duckdb is locked by another process (pid 7)"), False,
     "warehouse-locked"),
    (ColumnMismatch("w.duckdb", "http://a/", "http://b/"), True, "bad-settings"),
    (CycleRunning("another cycle is running on /srv/data: pid 7 on h (zgwatch run); lock "
                  "/srv/data/zgwatch.lock"), False, "another-cycle-running"),
    (HostBusy("host 127.0.0.1:8000 is busy: another crawl held it for more than 3600 s "
              "(host_wait): pid 7 on h (zgwatch run); lock /srv/data/hosts/h.lock"), False,
     "a-host-busy-for-too-long"),
])
def test_a_known_failure_is_one_line_with_its_runbook_section_and_no_traceback(
        error, final, section, caplog, monkeypatch):
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://127.0.0.1:8080/")
    caplog.set_level(logging.INFO)
    with pytest.raises(tasks.TaskFailed) as failed, tasks.known_failures():
        raise error
    assert isinstance(failed.value, SystemExit)  # Airflow logs "Task exited", no traceback
    assert isinstance(failed.value, tasks.FinalTaskFailed) is final  # the retry policy's cue
    assert str(failed.value) == str(error)  # what the failure callback tells operators
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is None
    assert record.getMessage() == (f"{error} (what to do: "
                                   f"http://127.0.0.1:8080/zgwatch/runbook#{section})")


def test_a_full_disk_names_the_file_and_points_to_its_section(caplog, monkeypatch):
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    with pytest.raises(tasks.TaskFailed) as failed, tasks.known_failures():
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/data/raw/ab/x.html.gz")
    assert not isinstance(failed.value, tasks.FinalTaskFailed)  # retried: space may come back
    assert caplog.records[-1].getMessage() == (
        "/srv/data/raw/ab/x.html.gz: No space left on device "
        "(what to do: /zgwatch/runbook#disk-full)")


@pytest.mark.parametrize("cause", [
    OSError(errno.ENOSPC, "No space left on device", "/srv/data/raw/ab/x.html.gz"),
    None,  # DuckDB's full disk reaches the stage as text only
])
def test_a_stage_failing_on_a_full_disk_points_to_the_disk_section(cause, caplog, monkeypatch):
    """``zgwatch.pipeline.one_line`` wraps a full disk into StageFailed: still "disk full"."""
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    text = ("load: /srv/data/raw/ab/x.html.gz: No space left on device" if cause else
            'load: warehouse /srv/z.duckdb: Could not write file "z.wal": No space left on device')
    with pytest.raises(tasks.TaskFailed) as failed, tasks.known_failures():
        raise StageFailed(text) from cause
    assert not isinstance(failed.value, tasks.FinalTaskFailed)
    assert caplog.records[-1].getMessage() == f"{text} (what to do: /zgwatch/runbook#disk-full)"
    assert runbook.section_for(StageFailed("load: warehouse busy")) == "a-step-failing"


def test_every_incident_kind_says_what_to_do_and_where_to_read():
    html = runbook.html()
    assert set(INCIDENT_ACTIONS) == set(INCIDENT_LABELS) == set(INCIDENT_SECTIONS)
    for kind, anchor in {**INCIDENT_SECTIONS, "gaps": GAPS_SECTION}.items():
        assert f'id="{anchor}"' in html, kind
    for action in INCIDENT_ACTIONS.values():  # Chinese text, no English section names
        assert not re.search(r"[A-Z][a-z]+ [a-z]+", action), action
    # the message links the section, wherever the runbook is served
    message = incident_message({"incident_id": 7, "kind": "all_blocked", "subject": "http://x/",
                                "detail": "批次 b: 3 篇文章全部被拦截", "started_at": NOW,
                                "ended_at": None, "runbook": "http://af:8080/zgwatch/runbook"},
                               "start")
    text = render(message, "txt")
    assert "运维手册: http://af:8080/zgwatch/runbook#shield-pages" in text


def test_an_unknown_failure_keeps_its_traceback():
    with pytest.raises(KeyError), tasks.known_failures():
        raise KeyError("a bug")


def test_every_runbook_section_a_failure_points_to_exists():
    html = runbook.html()
    for anchor in {*runbook.SECTIONS.values(), "list-incomplete", "an-article-failing",
                   "another-cycle-running",
                   "shield-pages", "destination-failing", "deliveries-given-up", "parse-gaps",
                   "disk-full"}:
        assert f'id="{anchor}"' in html, anchor


def _serve(app, path: str, method: str = "GET") -> tuple[dict, bytes]:
    """Call an ASGI app once; (the response start message, the body)."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app({"type": "http", "method": method, "path": path, "headers": []},
                    receive, send))
    return sent[0], b"".join(m.get("body", b"") for m in sent[1:])


async def _ui(scope, receive, send):
    """Airflow's UI, as far as the middleware cares: an HTML page with a head."""
    kind = b"application/json" if scope["path"].startswith("/api/") else b"text/html"
    body = b'{"a": "<head>"}' if kind == b"application/json" else b"<html><head></head></html>"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", kind), (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


def test_the_ui_defaults_to_shanghai_time_unless_the_user_chose_a_zone():
    app = DefaultTimezone(_ui, "Asia/Shanghai")
    start, body = _serve(app, "/dags/zgwatch_monitor")
    script = ("<script>try{if(!localStorage.getItem('timezone'))"
              "localStorage.setItem('timezone',\"\\\"Asia/Shanghai\\\"\")}catch(e){}</script>")
    assert body == f"<html><head>{script}</head></html>".encode()
    assert dict(start["headers"])[b"content-length"] == b"%d" % len(body)
    assert _serve(app, "/api/v2/dags")[1] == b'{"a": "<head>"}'  # the API is left alone
    assert _serve(app, "/ui/grid/x")[1] == b"<html><head></head></html>"  # so is the UI's API
    assert _serve(DefaultTimezone(_ui, ""), "/")[1] == b"<html><head></head></html>"  # off
