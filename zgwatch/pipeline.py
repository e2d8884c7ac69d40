"""One function per stage of a cycle; the CLI and the Airflow DAG both call these.

Each stage opens the warehouse only while it runs, so analysts are never
locked out for longer than a stage. Whoever calls these holds the data
directory's cycle lock (``zgwatch.lock``): the CLI for a whole run or one
stage command, Airflow for each task. Each logs one line saying what it did.
``tell_operators`` is how whoever runs a step (the CLI, an Airflow task)
reports that it failed or works again: an operators' incident, told once when
it opens and once when it closes, through the alerts' outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ColumnUnreadable, ConfigError
from core.testhook import pause_point
from crawler.leftovers import sweep
from crawler.runner import CrawlResult, new_batch_id, run_crawl
from zgwatch.config import Settings
from zgwatch.lock import held_fds

log = logging.getLogger("zgwatch")


def snapshot_known(settings: Settings) -> Path:
    """Start a batch: the warehouse's known notices in ``<batch>/known.jsonl``; the batch dir.

    The crawl's only read of the warehouse, kept short so the crawl holds no
    DuckDB lock. First, what killed crawls left behind is cleaned up
    (``crawler.leftovers``): the caller holds the cycle lock, so none is live.
    """
    from warehouse.known import export_known

    swept = sweep(settings.batches_dir, settings.raw_dir, settings.failed_dir)
    if swept:
        log.warning("left behind by an earlier run: %s", swept)
    batch_dir = settings.batches_dir / new_batch_id()
    batch_dir.mkdir(parents=True)
    export_known(settings.db, batch_dir / "known.jsonl", lock_wait=settings.lock_wait)
    return batch_dir


def crawl_batch(settings: Settings, batch_dir: Path, *, progress=None) -> CrawlResult:
    """Crawl the column into ``batch_dir`` (made by ``snapshot_known``); no warehouse access.

    ``progress(n)`` is called with the number of fetches so far, for a live display.
    """
    result = run_crawl(settings.crawl_options(), batch_dir, batch_dir / "known.jsonl",
                       progress=progress, inherit_fds=held_fds(settings.data_dir))
    log.info(result.line())
    return result


def crawl(settings: Settings, *, progress=None) -> CrawlResult:
    """Crawl the column into a new batch under ``data_dir/batches``."""
    return crawl_batch(settings, snapshot_known(settings), progress=progress)


def require_readable(result: CrawlResult, source: str) -> None:
    """Raise ``ColumnUnreadable`` (exit 1) when not even the first list page could be read."""
    if not result.column_readable:
        s = result.summary
        raise ColumnUnreadable(
            f"cannot read the column {source}: first list page {s.get('first_page_outcome')}"
            f" ({s.get('first_page_reason') or 'no reason given'}); batch {result.batch_dir}"
        )


def load(settings: Settings) -> list:
    """Load every complete batch not loaded yet, oldest first."""
    from warehouse.db import connect
    from warehouse.load import load_pending

    with connect(settings.db, lock_wait=settings.lock_wait) as con:
        results = load_pending(con, settings.batches_dir)
    for r in results:
        log.info("load %s", r)
    return results


def diff(settings: Settings):
    """Turn the warehouse's state into change events for ``settings.as_of``."""
    from warehouse.db import connect
    from warehouse.diff import detect_changes

    with connect(settings.db, lock_wait=settings.lock_wait) as con:
        result = detect_changes(con, as_of=settings.as_of, warn_days=settings.warn_days)
    log.info("%s", result)
    return result


def alert(settings: Settings, *, dry_run: bool = False):
    """Queue and send the alerts of new events; retry pending deliveries."""
    from alerts.run import run_alerts
    from warehouse.db import connect

    with connect(settings.db, lock_wait=settings.lock_wait) as con:
        report = run_alerts(con, settings.alert_config(), dry_run=dry_run)
    log.info("alert: %s", report.summary())
    return report


def publish(settings: Settings) -> Path:
    """Replace the analysts' read-only copy of the warehouse."""
    from warehouse.publish import publish_analyst_copy

    path = publish_analyst_copy(settings.db, lock_wait=settings.lock_wait)
    log.info("analyst copy published: %s", path)
    return path


def tell_operators(settings: Settings, step: str, error: BaseException | str | None) -> bool:
    """Report that ``step`` failed (``error``) or works (None); True when operators are told.

    A failure opens one ``step_failed`` incident for the step, however often it
    fails; the next success closes it. Each change is sent to the operators'
    destinations at once (the outbox keeps what cannot be sent yet).
    """
    from alerts.messages import utc_now
    from alerts.operators import STEP_FAILED, Trouble, close_incident, open_incident
    from alerts.run import send_to_operators
    from warehouse.db import connect

    with connect(settings.db, lock_wait=settings.lock_wait) as con:
        if error is None:
            changed = close_incident(con, STEP_FAILED, step, utc_now())
        else:
            detail = " ".join(str(error).split())[:500] or type(error).__name__
            changed = open_incident(con, Trouble(STEP_FAILED, step, step, detail), None, utc_now())
        if changed:
            send_to_operators(con, settings.alert_config())
    return changed


@dataclass
class CycleReport:
    crawl: CrawlResult
    loads: list = field(default_factory=list)
    diff: object = None
    alerts: object = None
    analyst_copy: Path | None = None


RUN_STEP = "zgwatch run"  # the step a failing ``zgwatch run`` is reported as


def run(settings: Settings) -> CycleReport:
    """One monitoring cycle: crawl, load, diff, alert, publish.

    A column that cannot be read still gets its failed fetches loaded and its
    date-driven events (publicity periods) raised, then ``ColumnUnreadable``
    (the alert stage's own incident tells operators). Any other failure of a
    stage is told to operators once, as is the first cycle that works again.
    """
    try:
        pause_point("before:crawl")
        report = CycleReport(crawl=crawl(settings))
        pause_point("before:load")
        report.loads = load(settings)
        pause_point("before:diff")
        report.diff = diff(settings)
        pause_point("before:alert")
        report.alerts = alert(settings)
        pause_point("before:publish")
        report.analyst_copy = publish(settings)
    except ConfigError:
        raise
    except Exception as exc:
        _tell_quietly(settings, exc)
        raise
    _tell_quietly(settings, None)
    require_readable(report.crawl, settings.source)
    return report


def _tell_quietly(settings: Settings, error: BaseException | None) -> None:
    """``tell_operators`` for the run; a warehouse that cannot be opened is logged, not raised."""
    try:
        tell_operators(settings, RUN_STEP, error)
    except Exception as exc:  # the warehouse itself may be what failed
        log.error("cannot tell operators that %s %s: %s", RUN_STEP,
                  "works again" if error is None else "failed", exc)
