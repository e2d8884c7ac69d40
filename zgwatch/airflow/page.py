"""The zgwatch page in the Airflow UI: the last cycles, open incidents, the last failures.

Pure rendering of plain data, so it is tested without Airflow: the Airflow runs
of the monitor (``RunRow``, read by ``zgwatch.airflow.plugin`` from Airflow's
metadata database) beside what the analysts' copy of the warehouse says about
each run's cycle. The copy is opened read-only and never the pipeline's file:
the page can never hold up a cycle.

Links are relative to the page (``/zgwatch/`` under the API server), so they
work behind a path prefix; links to Airflow's own pages open in the whole
window (the page sits in an iframe of the UI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from alerts.messages import INCIDENT_ACTIONS, INCIDENT_LABELS, INCIDENT_SECTIONS
from core import sitemap
from core.vocabulary import KIND_LABELS, shanghai_time
from warehouse.cycles import EVENT_KINDS, Change, CycleSummary, FailedFetch

TEMPLATES = Path(__file__).parent / "templates"
AIRFLOW_ROOT = "../"  # the page is <root>/zgwatch/: Airflow's pages are one level up
SITE = "site/"  # the notice history site, served by the plugin from Settings.site_folder


def notice_href(notice_id: str) -> str:
    """Where a notice's history page is, relative to this page: ``site/`` (the plugin serves
    ``Settings.site_folder`` there) plus the site's own path for it (``core.sitemap``)."""
    return SITE + sitemap.notice_page(notice_id)


def run_href(dag_id: str, run_id: str, task_id: str | None = None) -> str:
    """Airflow's page of a run (or of one of its tasks: its logs), relative to this page."""
    href = f"{AIRFLOW_ROOT}dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"
    return href + (f"/tasks/{quote(task_id, safe='')}" if task_id else "")


@dataclass(frozen=True)
class RunRow:
    """One Airflow run of a source's monitor, as the metadata database has it; ``dag_id`` is
    the monitor's, ``source_id`` and ``source_name`` name its source (docs/sources.md)."""

    run_id: str
    state: str
    run_after: datetime
    logical_date: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    batch_id: str | None = None  # the crawl's batch (its XCom), once crawled
    failed_tasks: tuple[str, ...] = ()
    dag_id: str = "zgwatch_monitor"
    source_id: str | None = None
    source_name: str | None = None

    @property
    def duration(self) -> float | None:
        if self.start_date and self.end_date:
            return (self.end_date - self.start_date).total_seconds()
        return None


@dataclass
class PageData:
    """Everything the page shows; ``problem`` says why a part is missing (no copy yet…).

    With several sources, ``read_copy`` is called once per source's copy: cycles,
    incidents, changes and the last cycle's failures add up; ``dag_id`` names the DAGs."""

    dag_id: str
    runs: list[RunRow] = field(default_factory=list)
    cycles: dict[str, CycleSummary] = field(default_factory=dict)  # by batch id
    last_batch: str | None = None  # the newest cycle in the copy
    failures: list[FailedFetch] = field(default_factory=list)  # of last_batch
    incidents: list[dict] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    copy_path: Path | None = None
    copy_time: datetime | None = None
    problem: str | None = None
    site: bool = False  # the history site is there to link to


def read_copy(data: PageData, copy_path: Path, *, limit: int = 10) -> PageData:
    """Add to ``data`` what the analysts' copy at ``copy_path`` (opened read-only) holds: its
    recent cycles, incidents and changes, and the failed fetches of its last cycle."""
    from alerts.operators import recent_incidents
    from core.errors import ZgwatchError
    from warehouse.cycles import failed_fetches, latest_changes, recent_cycles
    from warehouse.db import connect

    data.copy_path = copy_path
    try:
        con = connect(copy_path, read_only=True, lock_wait=5)
    except ZgwatchError as exc:
        problem = f"{exc} (zgwatch_publish writes it after each cycle)"
        data.problem = f"{data.problem}; {problem}" if data.problem else problem
        return data
    with con:
        wanted = {r.batch_id for r in data.runs if r.batch_id}
        cycles = recent_cycles(con, max(limit, len(wanted)) + 5)
        data.cycles.update({c.batch_id: c for c in cycles})
        last = cycles[0].batch_id if cycles else None
        data.failures += failed_fetches(con, last) if last else []
        if last and (data.last_batch is None or last > data.last_batch):
            data.last_batch = last  # batch ids sort in time order
        data.incidents += recent_incidents(con, 20)
        data.changes = sorted([*data.changes, *latest_changes(con, 20)],
                              key=lambda c: c.detected_at, reverse=True)[:20]
    data.copy_time = datetime.fromtimestamp(copy_path.stat().st_mtime).astimezone()
    return data


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def _when(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return shanghai_time(value)


def render(data: PageData) -> str:
    """The page as HTML."""
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=_when, seconds=_seconds)
    env.globals.update(notice_href=notice_href, run_href=run_href)
    return env.get_template("page.html.j2").render(
        d=data, kinds=EVENT_KINDS,
        kind_labels={k.value: label for k, label in KIND_LABELS.items()},
        incident_labels=INCIDENT_LABELS, incident_actions=INCIDENT_ACTIONS,
        incident_sections=INCIDENT_SECTIONS,
        open_incidents=[i for i in data.incidents if not i["ended_at"]],
        closed_incidents=[i for i in data.incidents if i["ended_at"]][:5])
