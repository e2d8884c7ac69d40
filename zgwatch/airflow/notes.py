"""The run note: what a cycle found and what failed, shown on its Airflow run.

Airflow 3.3's Task SDK cannot write a DAG run's note (the execution API has no
such call), so the alert task writes it through the public REST API
(``PATCH /api/v2/dags/{dag_id}/dagRuns/{run_id}``), as the account of the
Airflow connection ``zgwatch_airflow_api``: ``host`` the API server's address,
``login``/``password`` a user allowed to edit that DAG's runs. Without the
connection the note is left alone and one line says so; the same summary is
in the warehouse asset event's ``extra`` and on the zgwatch page either way.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

log = logging.getLogger("zgwatch.tasks")

CONNECTION = "zgwatch_airflow_api"
MAX_NOTE = 1000  # characters: the REST API refuses longer notes


def note_text(summary, incidents: list[Mapping], labels: Mapping[str, str],
              alerts=None, source=None) -> str:
    """The note (Markdown) for a cycle; the UI shows its first line on the run.

    First line: what went wrong, if anything (``⚠ failed fetches: …; list incomplete;
    deliveries failed: 2 to retry``), then the events by kind. Then requests, crawl time,
    the list, the batch; then the open incidents. ``summary`` is a
    ``warehouse.cycles.CycleSummary``; ``labels`` names incident kinds; ``alerts`` is the
    alert stage's ``AlertReport`` of this run: a delivery that failed in it is trouble
    now, not when its incident opens a day (or a few runs) later. ``source`` (a
    ``core.sources.Source``) is named on the second line: its id and name.
    """
    problems = []
    if alerts is not None and (alerts.retry_later or alerts.failed):
        given_up = f", {alerts.failed} given up" if alerts.failed else ""
        problems.append(f"deliveries failed: {alerts.retry_later} to retry{given_up}")
    if summary.failed:
        problems.append("failed fetches: " + summary.failed_line())
    if not summary.list_complete:
        problems.append(summary.list_line())
    if incidents:
        problems.append(f"{len(incidents)} open incident(s)")
    head = ("⚠ " + "; ".join(problems) + " · " if problems else "✓ ") + summary.counts_line()
    seconds = f" · crawl {summary.seconds:.1f} s" if summary.seconds is not None else ""
    lines = [head]
    if source is not None:
        lines.append(f"source `{source.id}` · {source.name}")
    lines.append(f"{summary.requests} requests{seconds} · {summary.list_line()} · batch "
                 f"`{summary.batch_id}`{' (baseline)' if summary.baseline else ''}")
    if incidents:
        open_now = ", ".join(sorted({labels.get(i["kind"], i["kind"]) for i in incidents}))
        lines.append(f"open incidents: {open_now}")
    text = "  \n".join(lines)  # two spaces: a line break in Markdown
    return text if len(text) <= MAX_NOTE else text[: MAX_NOTE - 1] + "…"


def _api_base(conn) -> str:
    host = (conn.host or "").rstrip("/")
    if "://" in host:
        return host
    port = f":{conn.port}" if conn.port else ""
    return f"{conn.schema or 'http'}://{host}{port}"


def _call(url: str, body: dict, *, method: str = "POST", token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers,
                                 method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def set_run_note(dag_id: str, run_id: str, text: str) -> bool:
    """Write ``text`` as the note of the run; True when written.

    Never fails the task: a missing connection or an API that refuses is one line
    in the log (the cycle's work is done and recorded by then).
    """
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = Connection.get(CONNECTION)
    except AirflowNotFoundException:
        conn = None
    if conn is None or not conn.host:
        log.info("run note not written: no Airflow connection %s (docs/operators.md)",
                 CONNECTION)
        return False
    base = _api_base(conn)
    path = (f"/api/v2/dags/{urllib.parse.quote(dag_id, safe='')}/dagRuns/"
            f"{urllib.parse.quote(run_id, safe='')}?update_mask=note")
    try:
        token = _call(f"{base}/auth/token", {"username": conn.login, "password": conn.password})
        _call(base + path, {"note": text}, method="PATCH", token=token["access_token"])
    except (OSError, ValueError, KeyError) as exc:
        why = f"HTTP {exc.code}" if isinstance(exc, urllib.error.HTTPError) else str(exc)
        log.warning("run note not written: %s answered %s", base, why)
        return False
    return True
