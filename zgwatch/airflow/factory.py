"""How zgwatch's DAGs are built; the DAG file in ``dags/`` builds one pair per source.

Configuration only: each task is one call into ``zgwatch.airflow.tasks`` (which calls
the stages). Nothing here opens a connection or imports Scrapy, DuckDB or Apprise:
the DAG processor runs this at every parse. The one file it may read is the
registry's, ``zgwatch.toml`` (``ZGWATCH_CONFIG``), when there is one (``registry``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from airflow.sdk import (
    Asset,
    AsyncCallback,
    BaseNotifier,
    CronTriggerTimetable,
    DeadlineAlert,
    DeadlineReference,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    dag,
    task,
)

from core import sources as src
from core.sources import Source, host_pool
from zgwatch import steps
from zgwatch.airflow import runbook, tasks
from zgwatch.airflow.placement import source_queue
from zgwatch.airflow.sources import declared_pool, registry, warehouse_pool
from zgwatch.airflow.watcher import watched_asset, with_watcher

TIMEZONE = "Asia/Shanghai"
DEFAULT_SCHEDULE = "@hourly"

# How long each task may take before Airflow stops it (and retries it).
TIMEOUTS = {
    "snapshot_known": timedelta(minutes=10),  # the warehouse lock wait is 2 minutes
    "crawl": timedelta(minutes=60),  # the real column, 1 s between requests: minutes
    "load": timedelta(minutes=20),
    "diff": timedelta(minutes=15),
    "alert": timedelta(minutes=30),  # SMTP/webhook retries happen inside the stage
    "verify_column": timedelta(minutes=5),
    "cycle_health": timedelta(minutes=5),
    "publish": timedelta(minutes=15),
}

# A retry cannot mend bad settings or a column that answers nothing (the next
# cycle tries again); anything else (a crashed crawl, a busy warehouse) is retried.
# Tasks report these as FinalTaskFailed (one line, no traceback: tasks.known_failures).
RETRY_POLICY = ExceptionRetryPolicy(rules=[
    RetryRule(exception=["core.errors.ConfigError", "core.errors.ColumnUnreadable",
                         "zgwatch.airflow.tasks.FinalTaskFailed"],
              action=RetryAction.FAIL, reason="bad settings or unreadable column"),
])


DEFAULT_ARGS: dict[str, Any] = {
    "owner": "zgwatch",
    "queue": source_queue(),
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,  # 1, 2, 4 minutes
    "max_retry_delay": timedelta(minutes=15),
    "retry_policy": RETRY_POLICY,
}

WARN_DAYS_PARAM = {
    "warn_days": Param(None, type=["null", "integer"], minimum=0, maximum=366,
                       title="Warn days",
                       description="Warn this many days before a publicity period ends"
                                   " (default: ZGWATCH_WARN_DAYS or 3)."),
}
# A registry source's DAG takes no other URL: its source is its configuration.
PARAMS = {
    "source": Param(None, type=["null", "string"], title="Column URL",
                    description="The column's index URL for this run (default: ZGWATCH_SOURCE,"
                                " the Variable zgwatch_settings, else the real column)."),
    **WARN_DAYS_PARAM,
}


class OperatorsNotifier(BaseNotifier):
    """Tells operators once when a task fails for good, and once when it works again."""

    def __init__(self, *, failed: bool, column_settings: Mapping[str, Any] | None = None,
                 step: str | None = None):
        super().__init__()
        self.failed = failed
        self.column_settings = dict(column_settings or {})
        self.step = step  # a format of the dag_id (tasks.LATE_STEP); default: the task

    def notify(self, context):
        tasks.notify_operators(context, failed=self.failed, column_settings=self.column_settings,
                               step=self.step)


DEADLINE_ENV = "ZGWATCH_DEADLINE"  # minutes a cycle may take, from being queued, before
DEFAULT_DEADLINE = timedelta(hours=3)  # operators hear that it is late (parse-time setting)


def deadline_from(minutes: str | None, column_settings: Mapping[str, Any]
                  ) -> DeadlineAlert | None:
    """Operators are told (``tasks.cycle_late``, in the triggerer) when a run has not finished
    ``minutes`` after it was queued; ``none`` for no deadline.

    None, too, inside ``airflow dags test``: Airflow 3.3's ``dag.test()`` keeps the
    deadline unsaved, and marking the finished run then fails (``DeadlineAlertModel.get_by_id``
    of a dict): the run would end red after every task worked. A test run has no queue time,
    so it would get no deadline anyway.

    Counted from the queueing, never from the logical date: a run for an old day
    (``airflow dags test … 2024-10-20``, a backfill) is not late for being old. It
    replaces ``dagrun_timeout``, which Airflow counts from the run's start, and
    ``dags test`` starts a run at its logical date: every task was skipped, green.
    Each task's own timeout still stops a stuck step.
    """
    interval = DEFAULT_DEADLINE
    if (minutes or "").strip().lower() == "none" or sys.argv[1:3] == ["dags", "test"]:
        return None
    if minutes and minutes.strip():
        try:
            interval = timedelta(minutes=float(minutes))
        except ValueError:
            interval = timedelta(0)
        if interval <= timedelta(0):  # fail the import, loudly: the UI shows the error
            raise ValueError(f"{DEADLINE_ENV}: minutes > 0, got {minutes!r}")
    return DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=interval,
                         callback=AsyncCallback(tasks.cycle_late,
                                                kwargs={"column_settings": dict(column_settings)}))


def schedule_from(expr: str | None):
    """A cron expression or preset in Shanghai time; ``none`` for manual runs only."""
    expr = (expr or DEFAULT_SCHEDULE).strip()
    if expr.lower() in ("none", "manual"):
        return None
    return CronTriggerTimetable(expr, timezone=TIMEZONE)


def _callbacks(column_settings: Mapping[str, Any]) -> dict[str, Any]:
    return {"on_failure_callback": OperatorsNotifier(failed=True, column_settings=column_settings),
            "on_success_callback": OperatorsNotifier(failed=False, column_settings=column_settings)}


def _step(fn, *, pool: str | None = None, **kwargs):
    """A TaskFlow task calling ``fn`` (of ``zgwatch.airflow.tasks``), with its timeout and pool."""
    name = fn.__name__
    if pool is not None:
        if not declared_pool(pool):  # fail the import, loudly, rather than wait for ever
            raise ValueError(f"pool {pool!r} is not in zgwatch.airflow.tasks.POOLS: "
                             "no set-up creates it")
        kwargs["pool"] = pool
    # The return value is XCom for the next task; each task logs what it did in its own words.
    return task(fn, task_id=name, execution_timeout=TIMEOUTS[name], doc_md=fn.__doc__,
                show_return_value_in_logs=False, **kwargs)


def monitor_dag(dag_id: str, *, warehouse: Asset, column_settings: Mapping[str, Any] | None = None,
                schedule=None, pool: str = tasks.DUCKDB_POOL, queue: str | None = None,
                site_pool: str | None = None, params: Mapping[str, Param] = PARAMS,
                source: Source | None = None, publish_id: str = "zgwatch_publish"):
    """One monitoring cycle: snapshot_known → crawl → load → diff → alert → verify_column.

    ``pool`` is the warehouse's, ``site_pool`` the crawl's: its host's (``host_pool``),
    else ``zgwatch_site`` (DAG files of ``column_dags`` from before the registry);
    ``source`` names the DAG's source in its docs and tags.
    """
    column_settings = dict(column_settings or {})
    site_pool = site_pool or tasks.SITE_POOL
    default_args = {**DEFAULT_ARGS, **_callbacks(column_settings), "queue": source_queue(queue)}

    # No start_date: Airflow creates no task for a logical date before it, and such a run
    # went green having done nothing. Without one, any logical date runs the cycle as of
    # that date; catchup is off, so the schedule still starts at the latest interval.
    @dag(dag_id=dag_id, schedule=schedule, catchup=False, max_active_runs=1,
         deadline=deadline_from(os.environ.get(DEADLINE_ENV), column_settings),
         default_args=default_args,
         params=dict(params), tags=_tags(source),
         doc_md=monitor_doc(dag_id, source, warehouse=warehouse.name,
                            publish=publish_id, params=params))
    def monitor():
        made = {}  # task id -> its output (XCom), for the tasks that read another's
        make = {
            "snapshot_known": lambda: _step(tasks.snapshot_known, pool=pool)(column_settings),
            "crawl": lambda: _step(tasks.crawl, pool=site_pool)(
                made["snapshot_known"], column_settings),
            "load": lambda: _step(tasks.load, pool=pool)(column_settings),
            "diff": lambda: _step(tasks.diff, pool=pool)(column_settings),
            "alert": lambda: _step(tasks.alert, pool=pool, outlets=[warehouse])(
                made["crawl"], column_settings),
            # An unreadable column already reached operators through the alert stage's
            # incidents (once, not every hour): no failure callback here, and no retry. Its
            # success ends the cycle: a "late" incident (the deadline) is over.
            "verify_column": lambda: _step(
                tasks.verify_column, retries=0, on_failure_callback=None,
                on_success_callback=OperatorsNotifier(failed=False,
                                                      column_settings=column_settings,
                                                      step=tasks.LATE_STEP))(
                made["crawl"], column_settings),
            # A partial failure (fetches failed, the list read in part) is a pink square in
            # the grid: skipped, so the run stays green (tasks.cycle_health says why).
            "cycle_health": lambda: _step(tasks.cycle_health, retries=0,
                                          on_failure_callback=None, on_success_callback=None)(
                made["crawl"]),
        }  # fmt: skip
        previous = None
        for task_id in steps.task_ids(steps.MONITOR):  # the cycle's order, written once
            made[task_id] = make[task_id]()
            if previous is not None:
                previous >> made[task_id]
            previous = made[task_id]

    return monitor()


def publish_dag(dag_id: str, *, warehouse: Asset, analyst_copy: Asset,
                column_settings: Mapping[str, Any] | None = None, pool: str = tasks.DUCKDB_POOL,
                queue: str | None = None, source: Source | None = None,
                monitor_id: str = src.SINGLE_DAG_ID):
    """Refresh the analysts' read-only copy (and the lake) whenever a cycle has updated the
    warehouse."""
    column_settings = dict(column_settings or {})
    default_args = {**DEFAULT_ARGS, **_callbacks(column_settings), "queue": source_queue(queue)}

    @dag(dag_id=dag_id, schedule=[warehouse], catchup=False,
         max_active_runs=1, default_args=default_args, tags=_tags(source),
         doc_md=PUBLISH_DOC.format(monitor=monitor_id, warehouse=warehouse.name,
                                   analyst_copy=analyst_copy.name)
         + f"\n[Runbook]({runbook.url()})\n")
    def publish():
        (task_id,) = steps.task_ids(steps.PUBLISH)
        _step(getattr(tasks, task_id), pool=pool, outlets=[analyst_copy])(column_settings)

    return publish()


def column_dags(column: str = "", *, column_settings: Mapping[str, Any] | None = None,
                schedule: str | None = None, pool: str = tasks.DUCKDB_POOL,
                queue: str | None = None, site_pool: str | None = None,
                source: Source | None = None, watch: Mapping[str, Any] | None = None):
    """The monitor and publish DAGs of one column, with their assets.

    ``column`` '' gives ``zgwatch_monitor``/``zgwatch_publish`` and the assets
    ``zgwatch_warehouse``/``zgwatch_analyst_copy``; another name ``x`` gives
    ``zgwatch_monitor__x`` and so on. ``column_settings`` holds the column's own
    settings (at least ``source``, ``db`` and ``data_dir``: one warehouse per column).
    ``schedule`` defaults to ``$ZGWATCH_SCHEDULE``, else hourly. ``pool`` must be one
    of ``zgwatch.airflow.tasks.POOLS`` (one per warehouse file lets columns load in parallel).
    ``queue`` is the Celery queue of the machine holding the column's warehouse
    (``source_queue``; ignored by the LocalExecutor); ``site_pool`` the crawl's pool
    (``monitor_dag``). The registry of sources (``registry_dags``) is the
    way to watch several columns; this stays for the DAG files written before it.
    """
    suffix = f"__{column}" if column else ""
    return _pair(f"zgwatch_monitor{suffix}", f"zgwatch_publish{suffix}",
                 f"zgwatch_source{suffix}",
                 Asset(f"zgwatch_warehouse{suffix}", group="zgwatch"),
                 Asset(f"zgwatch_analyst_copy{suffix}", group="zgwatch"),
                 column_settings=column_settings, schedule=schedule, pool=pool, queue=queue,
                 site_pool=site_pool, source=source, watch=watch)


def source_dags(source: Source, *, only_default: bool, schedule: str | None = None,
                watch: Mapping[str, Any] | None = None):
    """The monitor and publish DAGs of one source of the registry, with their assets and pools.

    The default source alone keeps every name it had (``column_dags()``:
    ``zgwatch_monitor``, ``zgwatch_publish``, the assets ``zgwatch_warehouse`` and
    ``zgwatch_analyst_copy``, the pool ``zgwatch_duckdb``, the manual ``source`` param).
    A registry source ``x`` gets ``zgwatch_x`` (``Source.dag_id``) and ``zgwatch_x_publish``,
    the assets ``zgwatch_warehouse_x``/``zgwatch_analyst_copy_x`` whose URIs carry its id
    (``zgwatch://x/warehouse``), its warehouse's pool ``zgwatch_duckdb_x``, and the DAG
    setting ``source_id``: its tasks run on ``Settings.for_source(x)``. Every crawl takes
    its host's one-slot pool (``host_pool``); every task goes to the source's Celery queue.
    ``watch``: the watcher's own settings (``data_dir``: the root of the host locks its
    probes take, ``delay``), ``watched_asset``'s.
    """
    site_pool = host_pool(source.url)
    if only_default:
        return column_dags(schedule=schedule, site_pool=site_pool,
                           queue=source_queue(source.queue), watch=watch)
    monitor = source.dag_id(only_default=False)
    return _pair(monitor, f"{monitor}_publish", f"zgwatch_source_{source.id}",
                 Asset(f"zgwatch_warehouse_{source.id}", uri=f"zgwatch://{source.id}/warehouse",
                       group="zgwatch"),
                 Asset(f"zgwatch_analyst_copy_{source.id}",
                       uri=f"zgwatch://{source.id}/analyst_copy", group="zgwatch"),
                 column_settings={"source_id": source.id}, schedule=schedule,
                 pool=warehouse_pool(source.id), queue=source_queue(source.queue),
                 site_pool=site_pool, source=source, params=WARN_DAYS_PARAM, watch=watch)


def registry_dags(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every source's DAGs by id, for the DAG file's globals (``registry`` says which)."""
    found = registry(env)
    watch = {k: v for k, v in (("data_dir", found.lock_root), ("delay", found.delay))
             if v is not None}  # the watchers' probes take the crawls' host locks
    dags: dict[str, Any] = {}
    for source in found.sources:
        for built in source_dags(source, only_default=found.only_default, watch=watch):
            dags[built.dag_id] = built
    return dags


def _pair(monitor_id: str, publish_id: str, watch_name: str, warehouse: Asset,
          analyst_copy: Asset, *,
          column_settings: Mapping[str, Any] | None, schedule: str | None, pool: str,
          queue: str | None, site_pool: str | None, source: Source | None,
          params: Mapping[str, Param] = PARAMS, watch: Mapping[str, Any] | None = None):
    when = schedule_from(schedule or os.environ.get("ZGWATCH_SCHEDULE"))
    # the watcher (issue 24): an asset event when the first list page changes runs it too
    when = with_watcher(when, watched_asset(
        watch_name, {**(watch or {}), **(column_settings or {})}, source=source))
    monitor = monitor_dag(monitor_id, warehouse=warehouse, column_settings=column_settings,
                          schedule=when, pool=pool, queue=queue, site_pool=site_pool,
                          params=params, source=source, publish_id=publish_id)
    publish = publish_dag(publish_id, warehouse=warehouse, analyst_copy=analyst_copy,
                          column_settings=column_settings, pool=pool, queue=queue,
                          source=source, monitor_id=monitor_id)
    return monitor, publish


def _tags(source: Source | None) -> list[str]:
    return ["zgwatch"] if source is None else ["zgwatch", f"source:{source.id}"]


MONITOR_DOC = """\
### zgwatch: one monitoring cycle of {what}

`snapshot_known` → `crawl` → `load` → `diff` → `alert` → `verify_column`, and
`cycle_health`, **skipped (pink)** when fetches failed or the list was read in part.
The run's logical date (Asia/Shanghai) is the cycle's `as_of`; manual runs take
{params}. Each run's **note** sums it up: events by kind,
requests, failed fetches by outcome, whether the list was read in full, open
incidents; the `crawl` log names every failed fetch. `alert` updates the asset
`{warehouse}` (the same summary in its `extra`), which triggers
`{publish}`.

**Something failed?** [The runbook]({runbook}): what each failure means and what
to do. **The last cycles at a glance:** [the zgwatch page]({page}).
"""


def monitor_doc(dag_id: str = "zgwatch_monitor", source: Source | None = None, *,
                warehouse: str = "zgwatch_warehouse", publish: str = "zgwatch_publish",
                params: Mapping[str, Param] = PARAMS) -> str:
    """The monitor's docs, with real links to the runbook and the zgwatch page."""
    base = runbook.base_url()
    what = (f"source `{source.id}`, {source.name} ({source.url})" if source is not None
            and dag_id != src.SINGLE_DAG_ID else "the 整改落实 column")
    return MONITOR_DOC.format(what=what, warehouse=warehouse, publish=publish,
                              params=" and ".join(f"`{p}`" for p in params),
                              runbook=runbook.url(), page=f"{base}/zgwatch/")


PUBLISH_DOC = """\
### zgwatch: refresh the analysts' copy

Runs when `{monitor}` has updated the warehouse (asset `{warehouse}`);
replaces the read-only copy analysts open, brings the history site up to date
from it (docs/site.md), and updates the asset `{analyst_copy}`, which
analysts' own DAGs can follow.
"""
