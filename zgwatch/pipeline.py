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
import shutil
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from core.batch import Batch, new_batch_id
from core.errors import (
    ColumnMismatch,
    ColumnUnreadable,
    ConfigError,
    StageFailed,
    ZgwatchError,
    os_error_text,
)
from core.testhook import pause_point
from crawler.leftovers import sweep
from crawler.runner import CrawlResult, failure_line, run_crawl
from zgwatch.config import Settings
from zgwatch.lock import cycle_lock, held_fds, host_lock
from zgwatch.steps import step_names
from zgwatch.stopping import STOPPING

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.sources import Source
    from history import SiteReport
    from warehouse.lake import LakeReport

log = logging.getLogger("zgwatch")


@contextmanager
def one_line(stage: str, settings: Settings):
    """Turn what the file system or DuckDB raises in ``stage`` into ``StageFailed`` (exit 1):
    one line naming the stage, the path and the cause ("No space left on device"), no trace.
    Anything else a stage raises (a bug, data it did not expect) is one line too, naming
    the stage and the error; its traceback goes to the log at DEBUG only.

    The stages leave nothing half-written: DuckDB rolls back the transaction a failed write
    was in, and temporary files are removed where they are made.
    """
    try:
        yield
    except ZgwatchError:
        raise
    except OSError as exc:
        raise StageFailed(f"{stage}: {os_error_text(exc)}") from exc
    except Exception as exc:
        duckdb = sys.modules.get("duckdb")  # loaded by any stage that could raise its errors
        if duckdb is not None and isinstance(exc, duckdb.Error):
            from warehouse.db import reason

            raise StageFailed(f"{stage}: warehouse {settings.db}: {reason(exc)}") from exc
        log.debug("%s failed", stage, exc_info=True)
        said = " ".join(str(exc).split())[:300]
        raise StageFailed(f"{stage}: {type(exc).__name__}" + (f": {said}" if said else "")
                          + f" (where: {DEBUG_HINT})") from exc


def snapshot_known(settings: Settings) -> Path:
    """Start a batch: the warehouse's known notices in ``<batch>/known.jsonl``; the batch dir.

    The crawl's only read of the warehouse, kept short so the crawl holds no DuckDB lock.
    It comes before any request to the site, so it is also where a cycle is refused that
    could not finish: a warehouse that cannot be opened or created (exit 2), one that
    watches another column than ``settings.source`` (exit 2, ``ColumnMismatch``), or one
    that holds another source (exit 2, ``SourceMismatch``); else the source is recorded
    (``warehouse.source``). First,
    what killed crawls left behind is cleaned up (``crawler.leftovers``): the caller
    holds the cycle lock, so none is live.
    """
    from warehouse import column, source
    from warehouse.db import connect
    from warehouse.known import write_known

    swept = sweep(settings.batches_dir, settings.raw_dir, settings.failed_dir)
    if swept:
        log.warning("left behind by an earlier run: %s", swept)
    with one_line("known", settings), connect(settings.db, lock_wait=settings.lock_wait) as con:
        try:
            column.check(con, settings.source)
        except ColumnMismatch as exc:
            raise ColumnMismatch(exc.warehouse, exc.watched, exc.asked,
                                 advice=f"to move it there on purpose: {MOVE_COMMAND} "
                                        f"{exc.asked}") from None
        source.record(con, settings.current_source)
        batch_dir = settings.batches_dir / new_batch_id()
        batch_dir.mkdir(parents=True)
        try:
            write_known(con, Batch(batch_dir).known)
        except BaseException:
            shutil.rmtree(batch_dir, ignore_errors=True)  # no batch folder without its input
            raise
    return batch_dir


MOVE_COMMAND = "zgwatch move-column"  # named in the refusal of another column
DEBUG_HINT = "ZGWATCH_LOG_LEVEL=DEBUG logs the traceback"  # in an unexpected error's line


def move_column(settings: Settings, new_source: str) -> str:
    """Record that the warehouse's column now lives at ``new_source``; one line saying so."""
    from warehouse import column
    from warehouse.db import connect

    with one_line("move-column", settings), \
            connect(settings.db, lock_wait=settings.lock_wait) as con:
        old, new = column.move(con, new_source)
    if old is None:
        return f"warehouse {settings.db} watches {new.source}"
    if old == new:
        return f"warehouse {settings.db} already watches {new.source}; nothing moved"
    return f"warehouse {settings.db} now watches {new.source} (moved from {old.source})"


def crawl_batch(settings: Settings, batch_dir: Path, *, progress=None,
                quick: bool = False) -> CrawlResult:
    """Crawl the column into ``batch_dir`` (made by ``snapshot_known``); no warehouse access.

    ``progress(n)`` is called with the number of fetches so far, for a live display;
    ``quick``: the watcher's crawl, the list up to the first known notice (docs/operators.md).
    The crawl holds its host's lock (``zgwatch.lock.host_lock``): another source's crawl on
    the same host, in any process, waits for it (up to ``host_wait``), and starts no sooner
    than ``delay`` after its last request. The crawl subprocess inherits both locks.
    """
    with one_line("crawl", settings), host_lock(settings, settings.source) as turn:
        if turn.waited >= 1:
            log.info("waited %.0f s for host %s (another source's crawl)", turn.waited,
                     settings.current_source.host)
        result = run_crawl(settings.crawl_options(quick=quick), batch_dir,
                           Batch(batch_dir).known, progress=progress,
                           inherit_fds=held_fds(settings.data_dir) + turn.fds)
    log.info(result.line())
    for fetch in result.failures():  # each one named where operators look: the crawl's log
        log.warning(failure_line(fetch))
    return result


def crawl(settings: Settings, *, progress=None, quick: bool = False) -> CrawlResult:
    """Crawl the column into a new batch under ``data_dir/batches`` (``quick``: the
    watcher's crawl, ``crawl_batch``)."""
    return crawl_batch(settings, snapshot_known(settings), progress=progress, quick=quick)


def require_readable(result: CrawlResult, source: str) -> None:
    """Raise ``ColumnUnreadable`` (exit 1) when not even the first list page could be read."""
    if not result.column_readable:
        s = result.summary
        raise ColumnUnreadable(
            f"cannot read the column {source}: first list page {s.get('first_page_outcome')}"
            f" ({s.get('first_page_reason') or 'no reason given'}); batch {result.batch_dir.name}"
        )


def load(settings: Settings) -> list:
    """Load every complete batch not loaded yet, oldest first."""
    from crawler.parsing.cycle import stored_facts
    from warehouse.db import connect
    from warehouse.load import fill_cycle_facts, load_pending

    with one_line("load", settings), connect(settings.db, lock_wait=settings.lock_wait) as con:
        results = load_pending(con, settings.batches_dir,
                               absence_interval=timedelta(seconds=settings.absence_interval))
        if filled := fill_cycle_facts(con, stored_facts):
            log.info("load: the inspection cycle's facts of %d versions read before them", filled)
    for r in results:
        log.info("load %s", r)
    return results


def diff(settings: Settings):
    """Turn the warehouse's state into change events for ``settings.as_of``."""
    from warehouse.db import connect
    from warehouse.diff import detect_changes

    with one_line("diff", settings), connect(settings.db, lock_wait=settings.lock_wait) as con:
        result = detect_changes(con, as_of=settings.as_of, warn_days=settings.warn_days,
                                cycle=settings.cycle_rules())
    log.info("%s", result)
    return result


def alert(settings: Settings, *, dry_run: bool = False, retry_failed: bool = False):
    """Queue and send the alerts of new events; retry pending deliveries.

    ``retry_failed`` first puts the failed deliveries of the configured destinations
    back to pending (recorded in ``outbox_resends``), so they are sent in this run.
    """
    from alerts.run import run_alerts
    from warehouse.db import connect

    with one_line("alert", settings), connect(settings.db, lock_wait=settings.lock_wait) as con:
        report = run_alerts(con, settings.alert_config(), dry_run=dry_run,
                            retry_failed=retry_failed)
    log.info("alert: %s", report.summary())
    return report


def cycle_summary(settings: Settings, batch_id: str):
    """(what the cycle of ``batch_id`` found and failed, the operators' incidents open now).

    The summary is None when that batch is not in the warehouse (not loaded).
    """
    from alerts.operators import open_incidents
    from warehouse.cycles import cycle_summary as summarise
    from warehouse.db import connect

    with connect(settings.db, lock_wait=settings.lock_wait) as con:
        return summarise(con, batch_id), open_incidents(con)


@dataclass
class Published:
    """What the publish step wrote: the analysts' copy and the history site."""

    analyst_copy: Path
    site: SiteReport
    unindexed: int = 0  # notices the search index leaves for the next publish
    lake: LakeReport | None = None

    @property
    def unfinished(self) -> str | None:
        """What the step left for the next cycle, in words; None when it did everything."""
        left = [f"{n} {what}" for n, what in ((self.unindexed, "notices not in the search "
                "index"), (self.site.unwritten, "notice pages of the site not written"),
                (self.site.unsearched, "buckets of the site's search not reindexed")) if n]
        return " and ".join(left) or None


PUBLISH_STEP = "publish"  # the subject of the incident of a publish past its budget


def publish(settings: Settings) -> Published:
    """Replace the analysts' read-only copy of the warehouse, then bring the site up to date,
    then (with ``lake`` set) add the copy to the lake as this source's latest snapshot.

    The site and the lake are read from the fresh copy, so neither holds a lock
    on the pipeline's warehouse. The step has ``settings.publish_budget`` seconds: past
    them, the index's tokenising and the site's notice pages stop between two
    pieces of work (what is published stays whole: the copy, search over the
    notices indexed, the pages written), the step says so in one line and in an
    operators' incident (``publish_unfinished``), and the next publish, which
    finds the rest missing, does it; the incident closes with the first publish
    that finishes.
    """
    from alerts.operators import PUBLISH_UNFINISHED
    from warehouse.publish import left_over, publish_analyst_copy
    from zgwatch import metrics

    started = time.monotonic()
    deadline = started + settings.publish_budget
    with one_line("publish", settings):
        path = publish_analyst_copy(settings.db, lock_wait=settings.lock_wait,
                                    deadline=deadline, cycle=(rules := settings.cycle_rules()))
        unindexed, unfinished_before = left_over(path, PUBLISH_UNFINISHED)
        across = merge_across(settings, path, rules)
    log.info("analyst copy published: %s", path)
    if across is not None:
        log.info("copy across sources brought up to date: %s", across)
    published = Published(path, build_site(settings, db=path, deadline=deadline), unindexed,
                          publish_lake(settings, path))
    left = published.unfinished
    if left:
        log.warning("publish: stopped at its budget of %g s; %s; the next cycle does them",
                    settings.publish_budget, left)
    if left or unfinished_before:  # most cycles: nothing to open, nothing to close
        _tell_quietly(settings, left and f"stopped at its budget of "
                      f"{settings.publish_budget:g} s; {left}", step=PUBLISH_STEP,
                      kind=PUBLISH_UNFINISHED)  # fmt: skip
    metrics.send(settings.statsd, metrics.publish_lines(settings.statsd_prefix,
                                                        time.monotonic() - started))
    return published


def merge_across(settings: Settings, copy: Path, rules) -> Path | None:
    """A registry source's publish → the analysts' copy across sources
    (``<data_dir>/zgwatch.analyst.duckdb``, ``warehouse.across``): this source's rows
    replaced from its fresh ``copy``, the cycle's relations judged by ``rules`` (the
    publish's ``Settings.cycle_rules()``). Nothing without a registry: the default source's own
    copy is then the analysts' copy. The path of the copy across sources, or None."""
    if settings.data_root is None:
        return None
    from warehouse.across import across_path, merge_source

    source = settings.current_source
    return merge_source(across_path(settings.data_root), copy, source_id=source.id,
                        source_name=source.name, lock_wait=settings.lock_wait,
                        cycle=rules)


def analyst_copy(settings: Settings) -> Path:
    """The copy analysts read for these settings: with a registry (and no source picked),
    the copy across sources; else the warehouse's own ``<stem>.analyst.duckdb``."""
    from warehouse.across import across_path
    from warehouse.publish import analyst_copy_path

    if settings.has_registry and settings.data_root is None:
        return across_path(settings.data_dir)
    return analyst_copy_path(settings.db)


def send_cycle_metrics(settings: Settings, cycle: dict, alerts) -> None:
    """The cycle's counts (``CycleSummary.as_json()``) and the alert stage's deliveries, to
    the StatsD collector ``settings.statsd`` if there is one (zgwatch/metrics.py)."""
    from zgwatch import metrics

    prefix = settings.statsd_prefix
    metrics.send(settings.statsd, [*metrics.cycle_lines(prefix, cycle),
                                   *metrics.alert_lines(prefix, alerts)])


def publish_lake(settings: Settings, copy: Path) -> LakeReport | None:
    """A source's publish → the lake: insert the analyst copy ``copy`` as the latest snapshot
    of ``settings.source_id`` (nothing without ``settings.lake``)."""
    if not settings.lake:
        return None
    from warehouse.lake import publish_to_lake

    report = publish_to_lake(copy, catalog=settings.lake, data_path=settings.lake_data,
                             source_id=settings.source_id)
    log.info("%s", report)
    return report


def build_site(settings: Settings, site_dir: Path | None = None, *, db: Path | None = None,
               full: bool = False, deadline: float | None = None) -> SiteReport:
    """Write the history site into ``site_dir`` (default ``settings.site_folder``).

    Reads ``db`` (default the warehouse ``settings.db``) read-only and the raw
    pages under the data dir; only what changed since the last build is
    rewritten unless ``full``; ``deadline`` as in ``history.build_site``. With a
    registry of sources the site is every source's (``history.front``): each read
    from its analyst copy (``db`` for the source of these settings), a source with
    no warehouse yet left out until its first cycle.
    """
    if settings.has_registry:
        return _build_sources_site(settings, site_dir, db=db, full=full, deadline=deadline)
    from history import build_site as build
    from warehouse.db import connect

    with one_line("site", settings), \
            connect(db or settings.db, read_only=True, lock_wait=settings.lock_wait) as con:
        report = build(con, settings.raw_dir, site_dir or settings.site_folder,
                       site_url=settings.site_url, full=full, as_of=settings.as_of,
                       deadline=deadline, source=settings.current_source)
    log.info("%s", report)
    return report


def _build_sources_site(settings: Settings, site_dir: Path | None, *, db: Path | None,
                        full: bool, deadline: float | None) -> SiteReport:
    """``build_site`` of a registry: every source's analyst copy (else its warehouse)."""
    from history.front import SourceSite, build_sources_site
    from warehouse.db import connect
    from warehouse.publish import analyst_copy_path

    with one_line("site", settings), ExitStack() as stack:
        parts = []
        for source in settings.source_list:
            own = settings.for_source(source)
            mine = db if db is not None and settings.data_root and source.id == settings.source_id \
                else None  # fmt: skip
            path = mine or next((p for p in (analyst_copy_path(own.db), own.db) if p.exists()),
                                None)
            if path is not None:
                con = stack.enter_context(connect(path, read_only=True,
                                                  lock_wait=settings.lock_wait))
                parts.append(SourceSite(source, con, own.raw_dir))
        across = settings.across_copy
        across_con = stack.enter_context(connect(across, read_only=True,
                                                 lock_wait=settings.lock_wait)) \
            if across is not None and across.exists() else None  # fmt: skip
        report = build_sources_site(parts, site_dir or settings.site_folder,
                                    site_url=settings.site_url, full=full,
                                    as_of=settings.as_of, deadline=deadline, across=across_con)
    log.info("%s", report)
    return report


def export(settings: Settings, out_dir: Path) -> list[Path]:
    """Write every relation of the analyst copy to ``out_dir/<name>.parquet``; the files.

    It reads the copy the last cycle published (``analyst_copy``: with a registry the copy
    across sources, every row with its ``source_id``), never the warehouse a cycle writes:
    no lock to wait for, none held.
    """
    from warehouse.export import export_parquet

    with one_line("export", settings):
        return export_parquet(analyst_copy(settings), out_dir)


def tell_operators(settings: Settings, step: str, error: BaseException | str | None,
                   *, kind: str | None = None) -> bool:
    """Report that ``step`` failed (``error``) or works (None); True when operators are told.

    A failure opens one incident of ``kind`` (default ``step_failed``) for the
    step, however often it fails; the next success closes it. Each change is
    sent to the operators' destinations at once (the outbox keeps what cannot
    be sent yet), and the analysts' copy is refreshed: the zgwatch page reads it,
    and while a cycle keeps failing before its publish step nothing else would
    bring the incident there.
    """
    from alerts.messages import utc_now
    from alerts.operators import STEP_FAILED, Trouble, close_incident, open_incident
    from alerts.run import send_to_operators
    from warehouse.db import connect

    kind = kind or STEP_FAILED
    with one_line("tell operators", settings), \
            connect(settings.db, lock_wait=settings.lock_wait) as con:
        if error is None:
            changed = close_incident(con, kind, step, utc_now())
        else:
            detail = " ".join(str(error).split())[:500] or type(error).__name__
            changed = open_incident(con, Trouble(kind, step, step, detail), None, utc_now())
        if changed:
            send_to_operators(con, settings.alert_config())
    if changed:
        _refresh_copy(settings)
    return changed


def _refresh_copy(settings: Settings) -> None:
    """Publish the analysts' copy (not the site) so it shows the incidents as they are now;
    a failure is a warning (the incident is recorded and told; the next publish catches up).

    It tokenises nothing (its deadline is now): the search index keeps what the last
    publish indexed, so telling operators never spends a publish's budget twice.
    """
    from warehouse.publish import publish_analyst_copy

    try:
        with one_line("publish", settings):
            publish_analyst_copy(settings.db, lock_wait=settings.lock_wait,
                                 deadline=time.monotonic(), cycle=settings.cycle_rules())
    except Exception as exc:
        log.warning("the analysts' copy was not refreshed: %s", exc)


@dataclass
class CycleReport:
    crawl: CrawlResult | None = None
    loads: list = field(default_factory=list)
    diff: object = None
    alerts: object = None
    analyst_copy: Path | None = None
    site: SiteReport | None = None
    publish_left: str | None = None  # what the publish step left for the next cycle
    quick: bool = False  # the watcher's cycle: its crawl reads what changed (``crawl``)


def _published(settings: Settings, report: CycleReport, progress=None) -> None:
    published = publish(settings)
    report.analyst_copy, report.site = published.analyst_copy, published.site
    report.publish_left = published.unfinished


def _alerted(settings: Settings, report: CycleReport, progress=None) -> None:
    """The alert stage, then the cycle's counts to the StatsD collector, if there is one."""
    report.alerts = alert(settings)
    if settings.statsd and report.crawl is not None:
        summary, _ = cycle_summary(settings, report.crawl.batch_dir.name)
        if summary is not None:
            send_cycle_metrics(settings, summary.as_json(), report.alerts)


# What each step of the cycle does in ``run``, and where its result goes in the report;
# ``progress`` is the crawl's live display (``crawl``).
_STEPS = {
    "crawl": lambda settings, report, progress: setattr(
        report, "crawl", crawl(settings, progress=progress, quick=report.quick)),
    "load": lambda settings, report, progress: setattr(report, "loads", load(settings)),
    "diff": lambda settings, report, progress: setattr(report, "diff", diff(settings)),
    "alert": _alerted,
    "publish": _published,
}

RUN_STEP = "zgwatch run"  # the step a failing ``zgwatch run`` is reported as


def run(settings: Settings, *, progress=None, quick: bool = False) -> CycleReport:
    """One monitoring cycle: crawl, load, diff, alert, publish (analysts' copy and site).

    ``progress`` is the crawl's (``crawl``); ``quick`` makes it the watcher's cycle,
    whose crawl reads only what changed (the list up to the first known notice). A column
    that cannot be read still gets its failed fetches loaded and its date-driven events
    (publicity periods) raised, then ``ColumnUnreadable``
    (the alert stage's own incident tells operators). Any other failure of a
    stage is told to operators once, as is the first cycle that works again.
    """
    report = CycleReport(quick=quick)
    try:
        for step in step_names():  # crawl, load, diff, alert, publish (zgwatch.steps)
            pause_point(f"before:{step}")
            _STEPS[step](settings, report, progress)
    except ConfigError:
        raise
    except Exception as exc:
        if not STOPPING.is_set():  # a signal inside a query is no failure to tell
            _tell_quietly(settings, exc)
        raise
    _tell_quietly(settings, None)
    require_readable(report.crawl, settings.source)
    return report


@dataclass
class SourceOutcome:
    """How one source's cycle of ``run_all`` ended: its report, or the error that ended it."""

    source: Source
    report: CycleReport | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def exit_code(self) -> int:
        """0, or the documented status of its error (1 could not do the work, 2 config)."""
        if self.error is None:
            return 0
        return self.error.exit_code if isinstance(self.error, ZgwatchError) else 1

    def line(self) -> str:
        """One line: ``source gd-zgls: ok`` or ``source gd-zgls failed: <why>``."""
        if self.error is None:
            return f"source {self.source.id}: ok"
        said = " ".join(str(self.error).split()) or type(self.error).__name__
        return f"source {self.source.id} failed: {said}"


def run_all(settings: Settings, only: str | None = None, *,
            progress: Callable[[Settings], object] | None = None) -> list[SourceOutcome]:
    """One cycle of each selected source (every source, or the one of id ``only``), one after
    the other, each on ``settings.for_source(source)``: its own folder, cycle lock and
    warehouse. A source that fails (its column unreadable, its warehouse refused or locked,
    another cycle holding its folder, a bug) is logged and recorded in its outcome, and the
    next source runs: one source never stops the others. ``only`` naming no source is
    ``ConfigError`` (exit 2) naming the known ids, before anything runs. ``progress(settings)``
    gives each source's crawl display (``run``'s ``progress``), or None.

    Without a registry this is ``run`` of the default source under its cycle lock. With
    one, a warehouse made before the registry first moves to the source watching its column
    (``zgwatch.adopt``).
    """
    from zgwatch.adopt import adopt_previous

    try:
        adopt_previous(settings)
    except ZgwatchError as exc:  # the old warehouse locked or unreadable: the sources run
        log.warning("a warehouse made before the registry was not adopted: %s", exc)
    outcomes = []
    for source in settings.select(only):
        one = settings.for_source(source)
        if settings.has_registry:
            log.info("source %s (%s): %s", source.id, source.name, source.url)
        outcome = SourceOutcome(source)
        try:
            with cycle_lock(one.data_dir):
                outcome.report = run(one, progress=progress(one) if progress else None)
        except Exception as exc:  # one source's failure is its outcome, never the next's
            if STOPPING.is_set():  # told to stop: no next source
                raise
            outcome.error = exc  # the caller says it (one line per source that failed)
        outcomes.append(outcome)
    return outcomes


def _tell_quietly(settings: Settings, error: BaseException | str | None, *,
                  step: str = RUN_STEP, kind: str | None = None) -> None:
    """``tell_operators``; a warehouse that cannot be opened is logged, not raised."""
    try:
        tell_operators(settings, step, error or None, kind=kind)
    except Exception as exc:  # the warehouse itself may be what failed (a full disk)
        # A warning: the error that made the run fail is the command's one line.
        log.warning("cannot tell operators that %s %s: %s", step,
                    "works again" if not error else "failed", exc)
