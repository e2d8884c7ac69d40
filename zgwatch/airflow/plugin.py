"""zgwatch inside the Airflow UI: what the Airflow 3 plugin ``plugins/zgwatch_plugin.py`` adds.

- A FastAPI app at ``/zgwatch`` in the API server: ``/zgwatch/`` the status
  page (``zgwatch.airflow.page``), ``/zgwatch/status.json`` the same data,
  ``/zgwatch/runbook`` the operators' runbook, ``/zgwatch/site/…`` the notice
  history site from ``Settings.site_folder`` when it has been built. Every route
  asks Airflow's auth manager first: the caller must be allowed to read the
  monitor's runs (a plugin app is not covered by the API's own checks).
- An external view, "zgwatch" in the UI's navigation, showing that page.
- With ``ZGWATCH_UI_TIMEZONE`` set (``zgwatch airflow`` sets Asia/Shanghai), a
  middleware makes that the UI's time zone for every browser that has not
  chosen one: Airflow 3 removed ``[webserver] default_ui_timezone``; its UI
  shows the browser's zone unless the user picks one (kept in the browser).

Every component that loads plugins imports this module, so it imports nothing
heavy (not even Airflow: ``zgwatch airflow`` reads its constants): the app is
built on its first request, in the API server.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

DAG_ID = "zgwatch_monitor"
URL_PREFIX = "/zgwatch"
UI_TIMEZONE_ENV = "ZGWATCH_UI_TIMEZONE"
TIMEZONE_KEY = "timezone"  # the Airflow UI's localStorage key for the chosen zone (JSON)
RUNS_SHOWN = 10
# Never the UI's pages: the APIs (some answers stream), static files, the plugin's own app.
NOT_PAGES = ("/api/", "/ui/", "/execution/", "/auth/", "/pluginsv2/", "/static/", URL_PREFIX)


class LazyApp:
    """An ASGI app that builds the real one (FastAPI, Airflow's security) on first use."""

    def __init__(self, factory):
        self._factory = factory
        self._app = None

    async def __call__(self, scope, receive, send):
        if self._app is None:
            self._app = self._factory()
        await self._app(scope, receive, send)


class DefaultTimezone:
    """Root middleware: the UI's HTML page sets ``timezone`` in localStorage if unset.

    The UI reads the zone from localStorage (``"timezone"``, JSON) and falls back to
    the browser's; a small script in the page's head fills in the default before
    the UI's own scripts run. A zone the user picked is never overwritten.
    """

    def __init__(self, app, timezone: str | None = None):
        self.app = app
        self.timezone = timezone if timezone is not None else os.environ.get(UI_TIMEZONE_ENV, "")
        zone = json.dumps(json.dumps(self.timezone))  # a JS string holding the JSON value
        self.script = (f"<script>try{{if(!localStorage.getItem('{TIMEZONE_KEY}'))"
                       f"localStorage.setItem('{TIMEZONE_KEY}',{zone})}}catch(e){{}}</script>"
                       ).encode()

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (not self.timezone or scope["type"] != "http" or scope.get("method") != "GET"
                or path.startswith(NOT_PAGES)):
            await self.app(scope, receive, send)
            return
        start: dict = {}
        body = bytearray()

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = [(k, v) for k, v in start.get("headers", [])
                       if k.lower() != b"content-length"]
            html = bytes(body)
            if any(k.lower() == b"content-type" and v.startswith(b"text/html")
                   for k, v in headers):
                html = html.replace(b"<head>", b"<head>" + self.script, 1)
            headers.append((b"content-length", str(len(html)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": html})

        await self.app(scope, receive, capture)


# ---- the app (built in the API server, on the first request) --------------------------------


# The history site holds copies of the column's pages. Served here, under Airflow's own
# origin, each file is sandboxed (an opaque origin: no Airflow cookie, no API) and may load
# nothing from elsewhere.
SITE_HEADERS = {
    "Content-Security-Policy": "sandbox allow-scripts allow-popups "
                               "allow-popups-to-escape-sandbox; default-src 'self'; "
                               "img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}


def _settings():
    """The column's settings as the tasks see them, minus the run: environment and Variable."""
    from core.vocabulary import today_in_shanghai
    from zgwatch.airflow.tasks import cycle_settings, stored_variable

    return cycle_settings(as_of=today_in_shanghai(), variable=stored_variable())


def airflow_runs(dag_id: str = DAG_ID, limit: int = RUNS_SHOWN, source=None):
    """A monitor's newest runs from Airflow's metadata database, with their crawl batch;
    ``source`` (``core.sources.Source``) is named on each row."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from zgwatch.airflow.page import RunRow

    with create_session() as session:
        runs = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id)
                               .order_by(DagRun.run_after.desc()).limit(limit)).all()
        ids = [r.run_id for r in runs]
        batches = {}
        for run_id, value in session.execute(
                select(XComModel.run_id, XComModel.value).where(
                    XComModel.dag_id == dag_id, XComModel.task_id == "crawl",
                    XComModel.key == "return_value", XComModel.run_id.in_(ids))):
            crawled = XComModel.deserialize_value(_Row(value))
            if isinstance(crawled, dict) and crawled.get("batch_dir"):
                batches[run_id] = os.path.basename(crawled["batch_dir"])
        failed: dict[str, list[str]] = {}
        for run_id, task_id in session.execute(
                select(TaskInstance.run_id, TaskInstance.task_id).where(
                    TaskInstance.dag_id == dag_id, TaskInstance.run_id.in_(ids),
                    TaskInstance.state.in_(("failed", "upstream_failed", "up_for_retry")))):
            failed.setdefault(run_id, []).append(task_id)
        return [RunRow(run_id=r.run_id, state=str(r.state), run_after=r.run_after,
                       logical_date=r.logical_date, start_date=r.start_date,
                       end_date=r.end_date, batch_id=batches.get(r.run_id),
                       failed_tasks=tuple(sorted(failed.get(r.run_id, []))), dag_id=dag_id,
                       source_id=source.id if source else None,
                       source_name=source.name if source else None)
                for r in runs]


class _Row:
    """What ``XComModel.deserialize_value`` reads: an object with ``.value``."""

    def __init__(self, value):
        self.value = value


def page_data():
    """Everything the page shows: each source's Airflow runs, then its analysts' copy."""
    from warehouse.publish import analyst_copy_path
    from zgwatch.airflow.page import PageData, read_copy

    data = PageData(DAG_ID)
    try:
        settings = _settings()
    except Exception as exc:  # bad settings: the page still shows the runs and says why
        data.runs = airflow_runs()
        data.problem = f"cannot read zgwatch's settings: {exc}"
        return data, None
    only_default = not settings.has_registry
    monitors = {s.dag_id(only_default=only_default): s for s in settings.source_list}
    data.dag_id = ", ".join(monitors)
    data.runs = sorted((row for dag_id, source in monitors.items()
                        for row in airflow_runs(dag_id, source=source)),
                       key=lambda r: r.run_after, reverse=True)[:RUNS_SHOWN * len(monitors)]
    data.site = settings.site_folder.is_dir()
    for source in monitors.values():
        read_copy(data, analyst_copy_path(settings.for_source(source).db), limit=RUNS_SHOWN)
    return data, settings


def _json(data) -> dict:
    """The page's data as JSON: runs with their cycle, incidents, the last failures."""
    def when(value):
        return value.isoformat() if isinstance(value, datetime) else value

    return {
        "dag_id": data.dag_id,
        "generated_at": datetime.now(UTC).isoformat(),
        "problem": data.problem,
        "runs": [{"run_id": r.run_id, "dag_id": r.dag_id, "source_id": r.source_id,
                  "source_name": r.source_name, "state": r.state, "run_after": when(r.run_after),
                  "logical_date": when(r.logical_date), "duration": r.duration,
                  "failed_tasks": list(r.failed_tasks), "batch_id": r.batch_id,
                  "cycle": data.cycles[r.batch_id].as_json()
                  if r.batch_id in data.cycles else None} for r in data.runs],
        "incidents": data.incidents,
        "last_batch": data.last_batch,
        "failures": [{"url": f.url, "page_kind": f.page_kind, "notice_id": f.notice_id,
                      "outcome": f.outcome, "http_status": f.http_status, "reason": f.reason}
                     for f in data.failures],
    }


def create_app():
    """The FastAPI app behind ``/zgwatch``; every route checks the caller with Airflow first."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

    from zgwatch.airflow import page, runbook

    may_read = [Depends(requires_access_dag("GET", DagAccessEntity.RUN, param_dag_id=DAG_ID))]
    app = FastAPI(title="zgwatch", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", response_class=HTMLResponse, dependencies=may_read)
    def status_page():
        data, _ = page_data()
        return HTMLResponse(page.render(data), headers={"Cache-Control": "no-store"})

    @app.get("/status.json", dependencies=may_read)
    def status_json():
        data, _ = page_data()
        return JSONResponse(_json(data), headers={"Cache-Control": "no-store"})

    @app.get("/runbook", response_class=HTMLResponse, dependencies=may_read)
    def runbook_page():
        body = runbook.html()
        return HTMLResponse(f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                            f"<title>zgwatch runbook</title><style>{RUNBOOK_CSS}</style></head>"
                            f"<body><p><a href='./'>← zgwatch</a></p>{body}</body></html>")

    @app.get("/{name}.png", dependencies=may_read)
    def runbook_picture(name: str):
        """The screenshots the runbook shows (docs/*.png)."""
        target = runbook.RUNBOOK.parent / f"{name}.png"
        if "/" in name or not target.is_file():
            raise HTTPException(404, f"no picture {name}.png")
        return FileResponse(target)

    @app.get("/site/{path:path}", dependencies=may_read)
    def history_site(path: str):
        root = _settings().site_folder.resolve()
        target = (root / (path or "index.html")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            raise HTTPException(404, f"not in the history site: {path}")
        return FileResponse(target, headers=SITE_HEADERS)

    return app


RUNBOOK_CSS = """
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", sans-serif;
       color: #1a202c; max-width: 60rem; margin: 16px 24px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; } h3 { font-size: 16px; }
h3:target { background: #fefcbf; }
code { background: #f7fafc; padding: 0 3px; } pre { background: #f7fafc; padding: 8px; }
table { border-collapse: collapse; } th, td { border: 1px solid #e2e8f0; padding: 4px 8px; }
img { max-width: 100%; border: 1px solid #e2e8f0; }
"""


# What plugins/zgwatch_plugin.py registers (as the AirflowPlugin's attributes).
FASTAPI_APPS = [{"app": LazyApp(create_app), "url_prefix": URL_PREFIX, "name": "zgwatch"}]
EXTERNAL_VIEWS = [{"name": "zgwatch", "href": "zgwatch/", "url_route": "zgwatch",
                   "destination": "nav"}]
ROOT_MIDDLEWARES = [{"middleware": DefaultTimezone, "name": "zgwatch UI time zone"}]
