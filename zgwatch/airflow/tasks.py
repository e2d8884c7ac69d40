"""What the Airflow tasks call: one stage each, returning a small JSON-able dict for XCom.

The DAG files (``dags/``) stay configuration; the work is here and in the
stages. The DAG processor imports this module at every parse, so it imports
nothing heavy at module level: Airflow's Task SDK, Scrapy, DuckDB and Apprise
are imported inside the functions that run in a task.

Settings of a task, highest first: the run's params (manual runs: ``source``,
``warn_days``), the DAG's column settings (one DAG per column), the Airflow
Variable ``zgwatch_settings`` (JSON object, optional), the ``ZGWATCH_*``
environment, ``ZGWATCH_CONFIG``/``zgwatch.toml``, the defaults. ``as_of`` is
always the run's logical date (or, for a run without one, its ``run_after``)
as a date in Asia/Shanghai.

A task that fails for a reason zgwatch knows (bad settings, an unreadable
column, a locked warehouse…) logs one ERROR line, the reason and the runbook
section to read, and ends with ``TaskFailed`` instead of a traceback: a
``SystemExit``, which Airflow logs as one line and still hands to the retry
policy (``Final`` failures are not retried) and to the failure callback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from core.batch import Batch, fresh_batch
from core.vocabulary import shanghai_date

log = logging.getLogger("zgwatch.tasks")

SETTINGS_VARIABLE = "zgwatch_settings"
PARAM_OPTIONS = ("source", "warn_days")


class PoolSpec(NamedTuple):
    slots: int
    description: str


DUCKDB_POOL = "zgwatch_duckdb"
SITE_POOL = "zgwatch_site"
# Every pool a zgwatch task may name: these, and the pools of the registry's sources
# (``zgwatch.airflow.sources.pools_for``); the set-up (zgwatch.airflow.launcher) creates those.
# DuckDB allows one writing process, and a writer locks readers out: one slot per warehouse.
POOLS: dict[str, PoolSpec] = {
    DUCKDB_POOL: PoolSpec(1, "zgwatch: one task at a time opens the DuckDB warehouse"),
    # The crawls of DAG files written with ``column_dags`` before the registry: one at a
    # time to the site, whatever the column. The registry's DAGs take their host's pool.
    SITE_POOL: PoolSpec(1, "zgwatch: one crawl at a time to the site"),
}
as_of_for = shanghai_date  # the cycle's date of a run at an instant: its day in Asia/Shanghai


class TaskFailed(SystemExit):
    """A task failing for a known reason, already logged in one line (retried by Airflow)."""

    def __init__(self, reason: str):
        super().__init__(1)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class FinalTaskFailed(TaskFailed):
    """A known failure a retry cannot mend (bad settings, an unreadable column): not retried."""


# Failures a retry cannot mend: the next cycle tries again (factory.RETRY_POLICY).
FINAL = ("ConfigError", "ColumnUnreadable")


@contextlib.contextmanager
def known_failures() -> Iterator[None]:
    """Turn zgwatch's own errors into one ERROR line (reason, runbook section) and a TaskFailed.

    Anything else (a bug, an unexpected library error) keeps Airflow's traceback.
    """
    from core.errors import ZgwatchError, os_error_text
    from zgwatch.airflow import runbook

    try:
        yield
    except ZgwatchError as exc:
        reason = " ".join(str(exc).split())
        log.error("%s (what to do: %s)", reason, runbook.url(runbook.section_for(exc)))
        final = any(k.__name__ in FINAL for k in type(exc).__mro__)
        raise (FinalTaskFailed if final else TaskFailed)(reason) from None
    except OSError as exc:  # a disk full, a folder not writable: which file, and why
        if exc.filename is None:
            raise
        reason = os_error_text(exc)
        log.error("%s (what to do: %s)", reason, runbook.url(runbook.section_for(exc)))
        raise TaskFailed(reason) from None


def _known(values: Mapping[str, Any] | None, where: str) -> dict[str, Any]:
    """``values`` as a settings layer; a key that is no setting is an error naming ``where``."""
    from core.errors import ConfigError
    from zgwatch.config import Settings

    values = dict(values or {})
    allowed = set(Settings.model_fields) - {"as_of"}  # as_of is always the run's
    if unknown := sorted(set(values) - allowed):
        raise ConfigError(f"{where}: unknown setting {unknown[0]!r}")
    return values


def cycle_settings(*, as_of: date, params: Mapping[str, Any] | None = None,
                   column_settings: Mapping[str, Any] | None = None,
                   variable: Mapping[str, Any] | None = None,
                   env: Mapping[str, str] | None = None):
    """Build the ``Settings`` of one task (precedence in the module docstring): with a
    registry, those of the DAG's source (``dag_source``); ``column_settings`` None (not a
    DAG's: the zgwatch page) gives the settings of every source, unchosen.

    A bad value is a ``ConfigError`` naming where it came from: the Trigger
    form's field, the Variable's key, the DAG's setting, a ``ZGWATCH_*`` variable.
    """
    from zgwatch.config import load_settings

    layers = [
        variable_layer(variable),
        ("DAG setting {}", _known(column_settings, "DAG setting")),
        ("Trigger form field {}", {k: v for k, v in (params or {}).items() if k in PARAM_OPTIONS}),
        ("the run's logical date ({})", {"as_of": as_of.isoformat()}),
    ]
    settings = load_settings(env=None if env is None else dict(env), layers=layers)
    if column_settings is None:  # not a DAG's (the zgwatch page): every source's settings
        return settings
    if "source" in column_settings:  # a column_dags DAG: its settings name its column
        return settings
    return dag_source(settings, column_settings.get("source_id"))


def dag_source(settings, source_id: str | None):
    """``settings`` for the source a registry's DAG was generated for (``source_id``, its DAG
    setting: ``Settings.for_source``); unchanged without a registry. A registry without the DAG's
    source (removed since the DAG file was read), one the DAG file did not see, or none
    where the DAG file saw one (a worker without ``ZGWATCH_CONFIG``) is a ``ConfigError``
    naming what to do."""
    from core.errors import ConfigError

    if not settings.has_registry:
        if source_id is not None:  # a worker without the file: never the default column
            raise ConfigError(f"DAG setting source_id {source_id!r}: this worker's settings "
                              "list no [[sources]]: give it the DAG file's ZGWATCH_CONFIG")
        return settings
    known = {s.id: s for s in settings.source_list}
    if source_id is None:
        raise ConfigError(f"the settings list sources ({', '.join(known)}) that the DAG file "
                          "did not see: put [[sources]] in the zgwatch.toml of ZGWATCH_CONFIG "
                          "(the DAG file reads no Variable from the database)")
    if source_id not in known:
        raise ConfigError(f"DAG setting source_id: no source {source_id!r} in the registry "
                          f"(the sources are: {', '.join(known)})")
    return settings.for_source(known[source_id])


def variable_layer(variable: Any) -> tuple[str, dict[str, Any]]:
    """The Variable ``zgwatch_settings`` (its JSON value, or None) as a settings layer."""
    from core.errors import ConfigError

    if variable is not None and not isinstance(variable, Mapping):
        raise ConfigError(f"Airflow Variable {SETTINGS_VARIABLE}: must be a JSON object")
    return (f"Airflow Variable {SETTINGS_VARIABLE} key {{}}",
            _known(variable, f"Airflow Variable {SETTINGS_VARIABLE}"))


def stored_variable() -> Any:
    """The Variable ``zgwatch_settings`` read outside a task (the CLI, the zgwatch page), from
    where the tasks read it: the secrets backends, ``AIRFLOW_VAR_ZGWATCH_SETTINGS``, then
    the metadata database of ``AIRFLOW_HOME``; None when it is nowhere.

    A backend that cannot be read (a database not set up, a vault refusing) is a
    ``ConfigError`` naming it, rather than settings silently missing the destinations.
    """
    from airflow.configuration import ensure_secrets_loaded

    from core.errors import ConfigError

    for backend in ensure_secrets_loaded():
        try:
            value = backend.get_variable(key=SETTINGS_VARIABLE)
        except Exception as exc:
            reason = " ".join(str(exc).split("\n")[0].split())[:200]
            raise ConfigError(f"Airflow Variable {SETTINGS_VARIABLE}: cannot read it from "
                              f"{type(backend).__name__}: {reason}") from None
        if value is not None:
            try:
                return json.loads(value)
            except ValueError:
                raise ConfigError(f"Airflow Variable {SETTINGS_VARIABLE}: not JSON") from None
    return None


def _mask_destinations(settings) -> None:
    """Tell Airflow's log masker the secret parts of every destination URL.

    Only the secrets: masking whole URLs turned every log line naming a webhook
    into ``***?method=POST…``, and operators could not tell which got what.
    """
    from airflow.sdk.log import mask_secret

    for destination in settings.all_destinations:
        for secret in destination.secrets:
            mask_secret(secret)


def current_settings(column_settings: Mapping[str, Any] | None = None,
                     context: Mapping[str, Any] | None = None, *, announce: bool = True):
    """The settings of the running task (or of a callback's ``context``); see the module doc.

    ``announce`` logs them in one line (the task does; its callbacks do not repeat it).
    """
    from airflow.sdk import Variable, get_current_context

    context = context if context is not None else get_current_context()
    run = context["dag_run"]
    variable = Variable.get(SETTINGS_VARIABLE, default=None, deserialize_json=True)
    if variable is not None:
        from airflow.sdk.log import mask_secret

        mask_secret(json.dumps(variable))
    settings = cycle_settings(as_of=as_of_for(run.logical_date or run.run_after),
                              params=context.get("params"),
                              column_settings=column_settings or {}, variable=variable)
    _mask_destinations(settings)
    if announce:
        log.info("as_of %s, source %s %s, warehouse %s, %d destination(s)", settings.as_of,
                 settings.source_id, settings.source, settings.db,
                 len(settings.all_destinations))
    return settings


def jsonable(obj: Any) -> Any:
    """A small JSON-able view of a stage's result (dataclasses become dicts)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)


# ---- the tasks -----------------------------------------------------------------------------
#
# Each task that writes holds the data directory's cycle lock while it runs (zgwatch.lock):
# the DAG's own runs take turns already (max_active_runs=1, the pools), and the lock keeps a
# `zgwatch run` from the command line out of the way too. A task finding it held waits up to
# `lock_wait` seconds, then fails naming the holder (and Airflow retries it).


def _locked(settings):
    from zgwatch.lock import cycle_lock

    return cycle_lock(settings.data_dir, wait=settings.lock_wait)


def snapshot_known(column_settings: Mapping[str, Any] | None = None) -> dict:
    """Start a batch: write the warehouse's known notices to ``<batch>/known.jsonl``.

    Split from the crawl so that only this short read holds the DuckDB pool,
    not the whole crawl.
    """
    from zgwatch import pipeline

    with known_failures():
        settings = current_settings(column_settings)
        with _locked(settings):
            batch_dir = pipeline.snapshot_known(settings)
    log.info("known notices written to %s", Batch(batch_dir).known)
    return {"batch_dir": str(batch_dir)}


def crawl(snapshot: Mapping[str, Any], column_settings: Mapping[str, Any] | None = None) -> dict:
    """Crawl the column into the batch (Scrapy in a subprocess); no warehouse access.

    The log has one line for the crawl and a WARNING line per failed fetch. A run the
    watcher started (its asset event, ``zgwatch.airflow.watcher``) crawls quick: the list up
    to the first known notice and what is due there; the scheduled runs crawl in full.
    """
    from zgwatch import pipeline

    with known_failures():
        settings = current_settings(column_settings)
        quick = watcher_run()
        with _locked(settings):
            batch_dir = fresh_batch(Path(snapshot["batch_dir"]), settings.failed_dir)
            if batch_dir != Path(snapshot["batch_dir"]):
                log.info("an earlier try used %s; crawling into %s",
                         Path(snapshot["batch_dir"]).name, batch_dir.name)
            if quick:
                log.info("started by the watcher (the first list page changed): a quick crawl")
            result = pipeline.crawl_batch(settings, batch_dir, quick=quick)
    s = result.summary
    return {
        "batch_dir": str(result.batch_dir),
        "batch_id": result.batch_dir.name,
        "column_readable": result.column_readable,
        "list_complete": s.get("list_complete"),
        "outcomes": jsonable(s.get("outcomes", {})),
    }


def watcher_run(context=None) -> bool:
    """Whether this DAG run was started by an asset event (the watcher's: the monitor DAGs
    follow no other asset), not by its schedule or by hand."""
    from airflow.sdk import get_current_context

    run = (context if context is not None else get_current_context())["dag_run"]
    return getattr(run, "run_type", None) == "asset_triggered"


def load(column_settings: Mapping[str, Any] | None = None) -> dict:
    """Load every complete batch not loaded yet, oldest first."""
    from zgwatch import pipeline

    with known_failures():
        settings = current_settings(column_settings)
        with _locked(settings):
            results = pipeline.load(settings)
    return {"batches": [r.batch_id for r in results if r.loaded]}


def diff(column_settings: Mapping[str, Any] | None = None) -> dict:
    """Record the change events of the logical date (idempotent: reruns add nothing)."""
    from zgwatch import pipeline

    with known_failures():
        settings = current_settings(column_settings)
        with _locked(settings):
            result = pipeline.diff(settings)
    return {"counts": dict(result.counts), "baseline": result.baseline}


def alert(crawled: Mapping[str, Any], column_settings: Mapping[str, Any] | None = None) -> dict:
    """Send the alerts of new events and retry pending deliveries (each sent once); then put
    the cycle's summary on the run (its note) and on the warehouse asset event (its extra)."""
    from zgwatch import pipeline

    with known_failures():
        settings = current_settings(column_settings)
        with _locked(settings):
            report = pipeline.alert(settings)
            batch_id = Path(crawled["batch_dir"]).name  # (runs from before batch_id was in XCom)
            summary, incidents = pipeline.cycle_summary(settings, batch_id)
    cycle = summary.as_json() if summary is not None else {"batch_id": batch_id}
    if summary is not None:
        pipeline.send_cycle_metrics(settings, cycle, report)
    cycle["incidents_open"] = len(incidents)
    cycle["source"] = settings.current_source.as_payload()
    _publish_summary(cycle, summary, incidents, report, settings.current_source)
    return {"queued": report.queued, "sent": report.sent, "pending": report.pending,
            "failed": report.failed, "cycle": cycle}


def _publish_summary(cycle: dict, summary, incidents: list, alerts=None, source=None) -> None:
    """The summary as the extra of this task's asset events, and as the run's note."""
    from airflow.sdk import get_current_context

    from alerts.messages import INCIDENT_LABELS
    from zgwatch.airflow import notes

    context = get_current_context()
    for asset in context["task"].outlets:
        context["outlet_events"][asset].extra.update(cycle)
    if summary is None:  # the crawl's batch was not loaded: nothing to sum up on the run
        log.warning("batch %s is not in the warehouse: no run note", cycle["batch_id"])
        return
    run = context["dag_run"]
    notes.set_run_note(run.dag_id, run.run_id, notes.note_text(summary, incidents,
                                                               INCIDENT_LABELS, alerts, source))


def publish(column_settings: Mapping[str, Any] | None = None) -> dict:
    """Replace the analysts' read-only copy of the warehouse; bring the history site up to date;
    with a lake set (``ZGWATCH_LAKE``), add the copy to it as this source's latest snapshot."""
    from zgwatch import pipeline

    with known_failures():
        settings = current_settings(column_settings)
        with _locked(settings):
            published = pipeline.publish(settings)
    site = published.site
    return {"analyst_copy": str(published.analyst_copy), "site": str(site.site_dir),
            "site_pages": site.pages_written, "site_full": site.full, "site_line": str(site),
            "lake": str(published.lake) if published.lake else None}


def verify_column(crawled: Mapping[str, Any],
                  column_settings: Mapping[str, Any] | None = None) -> dict:
    """Fail the run (exit-1 case of the CLI) when not even the first list page was read."""
    from crawler.runner import CrawlResult
    from zgwatch import pipeline

    with known_failures():
        settings = current_settings(column_settings)
        batch_dir = Path(crawled["batch_dir"])
        summary = Batch(batch_dir).read_summary()
        pipeline.require_readable(CrawlResult(batch_dir, summary), settings.source)
    return {"column_readable": True}


def partial_failure(crawled: Mapping[str, Any]) -> str | None:
    """What the crawl (its XCom) did not get, in one line; None when it read everything.

    Failed fetches are those that brought no content, by outcome (as the run's note
    counts them); an incomplete list is one whose announced pages were not all read.
    """
    from core.vocabulary import CONTENT_OUTCOMES

    failed = {k: n for k, n in sorted((crawled.get("outcomes") or {}).items())
              if k not in CONTENT_OUTCOMES and n}
    parts = []
    if failed:
        parts.append("failed fetches: " + ", ".join(f"{k} {n}" for k, n in failed.items()))
    if crawled.get("list_complete") is False:
        parts.append("list INCOMPLETE")
    return "; ".join(parts) or None


def cycle_health(crawled: Mapping[str, Any]) -> dict:
    """Mark a partial failure in the grid: **skipped** (pink) when fetches failed or the list was
    read only in part, with one line saying what; success when the crawl got everything.

    Skipped, not failed: the cycle did its work (failures are recorded and retried next
    cycle, exit 0 for the CLI), so the run stays green and retries and failure messages
    stay for real failures; the pink square is what an operator scanning the grid sees.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    if trouble := partial_failure(crawled):
        log.warning("partial: %s (the run's note and the crawl's log name each one)", trouble)
        raise AirflowSkipException(f"partial: {trouble}")
    log.info("the crawl read every page it asked for")
    return {"partial": None}


# ---- operators' messages -------------------------------------------------------------------


def notify_operators(context: Mapping[str, Any], *, failed: bool,
                     column_settings: Mapping[str, Any] | None = None,
                     step: str | None = None) -> None:
    """Tell operators once when a task starts failing (retries exhausted) and once when it recovers.

    Through the one incident system (``zgwatch.pipeline.tell_operators``): a
    task failing every hour opens one ``step_failed`` incident, not one
    message per run, and its next success closes it.
    """
    from zgwatch import pipeline

    ti = context["ti"]
    step = step.format(dag_id=ti.dag_id) if step else f"{ti.dag_id}.{ti.task_id}"
    try:
        settings = current_settings(column_settings, context, announce=False)
    except Exception:  # the run's settings may be what is broken (the task said why)
        log.warning("the run's settings are unusable: telling operators with the workers' "
                    "ZGWATCH_* environment")
        if (settings := _fallback_settings(step, column_settings or {})) is None:
            return
    error = None
    if failed:
        reason = " ".join(str(context.get("exception") or "unknown error").split())[:300]
        error = (f"重试 {max(ti.try_number - 1, 0)} 次后失败; 运行 {ti.run_id}; 错误: {reason}; "
                 f"日志: {ti.log_url}")
    if not settings.operators_notify and failed:
        log.warning("no operators' destination (ZGWATCH_OPERATORS_NOTIFY): %s failed", step)
    try:
        pipeline.tell_operators(settings, step, error)
    except Exception as exc:  # the warehouse itself may be what is broken
        log.error("cannot record the incident of %s: %s", step, exc)


def _fallback_settings(step: str, column_settings: Mapping[str, Any] | None = None):
    """The workers' ``ZGWATCH_*`` settings (and the DAG's column), to tell operators about
    ``step`` when the run's own cannot be had; None (logged) when even those are bad."""
    try:
        return cycle_settings(as_of=as_of_for(datetime.now(UTC)), column_settings=column_settings)
    except Exception as exc:
        log.error("cannot tell operators about %s: %s", step, exc)
        return None


LATE_STEP = "{dag_id} 周期超时"  # the step a late cycle is told as; its verify_column ends it


async def cycle_late(context: Mapping[str, Any] | None = None, *,
                     column_settings: Mapping[str, Any] | None = None, **_: Any) -> None:
    """The DAG's ``DeadlineAlert``: a run has not finished in time (run in the triggerer).

    Opens one incident (``step_failed``, step ``<dag_id> 周期超时``) for operators, whatever
    number of runs are late; the next run that gets to its end (``verify_column``) closes it.
    """
    import asyncio

    from zgwatch import pipeline

    run = (context or {}).get("dag_run") or {}
    deadline = (context or {}).get("deadline") or {}
    step = LATE_STEP.format(dag_id=run.get("dag_id", "zgwatch_monitor"))
    try:  # the triggerer may read the Variable as the API server does
        settings = cycle_settings(as_of=as_of_for(datetime.now(UTC)), variable=stored_variable(),
                                  column_settings=column_settings or {})
    except Exception as exc:
        log.warning("the Variable %s could not be read (%s): the workers' ZGWATCH_* settings",
                    SETTINGS_VARIABLE, exc)
        if (settings := _fallback_settings(step, column_settings or {})) is None:
            return
    detail = (f"运行 {run.get('run_id')} 在期限 {deadline.get('deadline_time')} 前未完成"
              f" (排队于 {run.get('queued_at')}); 状态 {run.get('state')}")
    await asyncio.to_thread(pipeline.tell_operators, settings, step, detail)
