"""The ``zgwatch`` command: a cycle, its stages, and the tools around them.

Exit status (docs/interfaces.md): 0 the command completed (also with some pages
unavailable); 1 the column could not be read at all, a stage could not
complete, or another cycle holds the data directory; 2 bad usage or
configuration; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM): the crawl
is stopped with the command (docs/reliability.md). Errors are one line, no
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from core.errors import ConfigError, StageFailed, ZgwatchError
from zgwatch.airflow.tasks import SETTINGS_VARIABLE
from zgwatch.config import Settings, load_settings
from zgwatch.stopping import STOPPING


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``finally`` blocks run (the crawl stops,
    the cycle lock is released). Not an ``Exception``: it is no stage failure to report."""


def _on_sigterm(signum, frame):
    STOPPING.set()  # a stage failing now is the signal, not the site (zgwatch.stopping)
    raise Terminated


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2."""

    def error(self, message: str):
        raise ConfigError(f"{self.prog}: {message} (see {self.prog} --help)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value}")
    return value


def _cycle_options(*, airflow: bool = False) -> argparse.ArgumentParser:
    """The options of a cycle; ``airflow``: as ``zgwatch airflow`` hands them to its DAGs
    (no ``--as-of``: each run's date is its logical date; ``--operators-notify`` too)."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("cycle options (also from ZGWATCH_* variables or a TOML file)")
    g.add_argument("--config", type=Path, help="TOML settings file (default ./zgwatch.toml)")
    g.add_argument("--source", metavar="URL", help="the column's index URL")
    g.add_argument("--db", type=Path, metavar="PATH", help="DuckDB warehouse file")
    g.add_argument("--data-dir", type=Path, metavar="DIR", help="raw snapshots and batches")
    g.add_argument("--notify", action="append", metavar="URL",
                   help="alert destination as an Apprise URL (repeatable)")
    if airflow:
        g.add_argument("--operators-notify", action="append", metavar="URL",
                       help="operators' destination (pipeline trouble) as an Apprise URL "
                            "(repeatable)")
    else:
        g.add_argument("--as-of", metavar="YYYY-MM-DD", help="the cycle's date")
    g.add_argument("--warn-days", metavar="N", help="warn this many days before a period ends")
    g.add_argument("--delay", metavar="SECONDS", help="pause between two requests to the site")
    g.add_argument("--timeout", metavar="SECONDS", help="how long one request may take")
    return p


def _only_option() -> argparse.ArgumentParser:
    """``--only ID``: one source of the registry (docs/sources.md)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--only", metavar="ID",
                   help="one source of the [[sources]] registry (run: all by default)")
    return p


def _copy_options() -> argparse.ArgumentParser:
    """Where the analyst copy is (beside the warehouse): all ``export`` needs."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("where the copy is (also from ZGWATCH_DB or a TOML file)")
    g.add_argument("--config", type=Path, help="TOML settings file (default ./zgwatch.toml)")
    g.add_argument("--db", type=Path, metavar="PATH",
                   help="DuckDB warehouse file; its analyst copy <stem>.analyst.duckdb is read")
    return p


def _store_options() -> argparse.ArgumentParser:
    """The options of commands that only read what is stored: where it is."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("where the data is (also from ZGWATCH_* variables or a TOML file)")
    g.add_argument("--config", type=Path, help="TOML settings file (default ./zgwatch.toml)")
    g.add_argument("--db", type=Path, metavar="PATH", help="DuckDB warehouse file")
    g.add_argument("--data-dir", type=Path, metavar="DIR", help="raw snapshots and batches")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zgwatch", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    opts, only = _cycle_options(), _only_option()
    sub.add_parser("run", parents=[opts, only],
                   help="one monitoring cycle of every source: crawl, load, diff, alert")
    sub.add_parser("crawl", parents=[opts, only], help="crawl the column into a new batch")
    sub.add_parser("load", parents=[opts, only], help="load complete batches into the warehouse")
    sub.add_parser("diff", parents=[opts, only], help="detect changes and record events")
    a = sub.add_parser("alert", parents=[opts, only], help="send the alerts of recorded events")
    a.add_argument("--dry-run", action="store_true", help="show what would be sent, to whom")
    a.add_argument("--retry-failed", action="store_true",
                   help="send again the deliveries given up (status failed) to the configured "
                        "destinations, then run the stage")
    wa = sub.add_parser(
        "watch", parents=[opts, only],
        help="the watchers in the foreground: a cycle within minutes of a change, the full "
             "cycle on schedule",
        description="Probe each source's first list page every --poll seconds (one "
                    "conditional request); on a change run its cycle at once, reading only "
                    "what changed; run the full cycle every --every seconds. Stops cleanly "
                    "on SIGTERM or Ctrl-C (exit 0).")
    wa.add_argument("--poll", metavar="SECONDS",
                    help="seconds between two probes of a source (ZGWATCH_POLL, default 300)")
    wa.add_argument("--every", metavar="SECONDS",
                    help="seconds between two full cycles (ZGWATCH_EVERY, default 3600)")
    m = sub.add_parser("move-column", parents=[opts, only],
                       help="record that the warehouse's column moved to a new address")
    m.add_argument("new_source", metavar="URL", help="the column's new index URL")
    e = sub.add_parser(
        "export", parents=[_copy_options(), only],
        help="write the analyst relations to files",
        description="Write every relation of the analyst copy (views and batches) as "
                    "DIR/<relation>.parquet. Reads the copy the last cycle published, "
                    "never the warehouse a cycle writes: with a registry, the copy across "
                    "sources (--only ID: that source's own copy). Exit 1 when no copy exists "
                    "yet.",
    )  # fmt: skip
    e.add_argument("--format", choices=["parquet"], default="parquet")
    e.add_argument("out_dir", type=Path, metavar="DIR")
    store = _store_options()
    st = sub.add_parser("site", parents=[store, only],
                        help="write the history site (every notice, version, diff, feed) to DIR")
    st.add_argument("site_dir", type=Path, metavar="DIR")
    st.add_argument("--full", action="store_true",
                    help="rewrite every page, not only those of notices that changed")
    sv = sub.add_parser("serve", parents=[store], help="show the history site on 127.0.0.1")
    sv.add_argument("site_dir", type=Path, metavar="DIR", nargs="?",
                    help="the site folder (default: where the publish step writes it)")
    sv.add_argument("--port", type=_port, default=8001)
    r = sub.add_parser("replica", help="serve the replica of the column on 127.0.0.1")
    r.add_argument("--port", type=_port, default=8000)
    r.add_argument("--site-port", type=_port, default=0, metavar="PORT",
                   help="the port of the second site's own host (default: a free one; "
                        "the line it prints says which)")
    r.add_argument("--notices", type=_positive_int, default=300)
    r.add_argument("--seed", type=_positive_int, default=1)
    r.add_argument("--latency-ms", type=_positive_int, default=0, metavar="MS",
                   help="added to every answer, as a real network and server would (benchmarks)")
    _sources_parser(sub, store)
    d = sub.add_parser("demo", help="the whole story offline: replica, cycles, alerts")
    d.add_argument("--data-dir", type=Path, default=Path("data/demo"), metavar="DIR")
    af = sub.add_parser("airflow", parents=[_cycle_options(airflow=True)],
                        help="run Airflow locally with zgwatch's DAGs until stopped")
    af.add_argument("--port", type=_port, default=8080, help="the UI/API port on 127.0.0.1")
    af.add_argument("--executor", choices=("local", "celery"), default="local",
                    help="celery: a broker, a database and Celery workers (docs/operators.md)")
    af.add_argument("--workers", type=_positive_int, default=2,
                    help="Celery workers to start on this machine (--executor celery)")
    af.add_argument("--broker-url", metavar="URL",
                    help="a running Valkey/Redis (redis://…) instead of the embedded one")
    af.add_argument("--database-url", metavar="URL",
                    help="a running PostgreSQL (postgresql://…) instead of the embedded one")
    w = sub.add_parser("worker", help="one Celery worker of `zgwatch airflow --executor celery`"
                                      ", on this machine (settings from its worker.env)")
    w.add_argument("--queue", help="the queue it serves: the machine's (default "
                                   "$ZGWATCH_QUEUE, else default)")
    w.add_argument("--name", help="shown as <host>-NAME on the tasks it runs")
    w.add_argument("--concurrency", type=_positive_int, default=1,
                   help="tasks it runs at once")
    w.add_argument("--log-port", type=_port, metavar="PORT",
                   help="serve its task logs on PORT, every interface (a worker on another "
                        "machine than the API server); default: no log server")
    return parser


def _sources_parser(sub, store: argparse.ArgumentParser) -> None:
    """``zgwatch sources [--json]`` (the list) and ``zgwatch sources check URL``."""
    so = sub.add_parser(
        "sources", parents=[store], help="the sources zgwatch watches: last cycle, health",
        description="List every source (the [[sources]] registry, else the default source): "
                    "id, name, kind, host, URL, profile, its last cycle and its health, read "
                    "from each source's analyst copy (never waits for a running cycle). "
                    "`sources check URL` tries a list page.")
    so.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    verbs = so.add_subparsers(dest="verb", required=False, metavar="VERB", parser_class=_Parser)
    ck = verbs.add_parser(
        "check", help="one request to a list page: what zgwatch reads on it",
        description="Fetch URL once and print what zgwatch reads on it: the list's entries, "
                    "the pager's kind and page count, a sample entry, the profile. Exit 2 "
                    "when the page has no usable list, 1 when it could not be fetched.")
    ck.add_argument("url", metavar="URL", help="a list page (a column's index)")
    ck.add_argument("--profile", default="auto",
                    help="a built-in site profile's name, or auto (default)")
    ck.add_argument("--timeout", type=float, default=None, metavar="SECONDS")


def _list_sources(settings: Settings, *, as_json: bool) -> int:
    """``zgwatch sources``: each source, its last cycle and health (``zgwatch.status``)."""
    import json

    from zgwatch.status import source_statuses

    statuses = source_statuses(settings)
    if as_json:
        print(json.dumps([s.as_json() for s in statuses], ensure_ascii=False, indent=1))
    else:
        print("\n".join(line for s in statuses for line in s.lines()))
    return 0


def _check_source(args: argparse.Namespace) -> int:
    """Print what one list page gives (exit 0), or say in one line why it gives nothing."""
    from http.client import HTTPException

    from core import vocabulary as v
    from crawler.check import check_source
    from crawler.profiles import profile_named

    try:
        url, profile = v.column_url(args.url), profile_named(args.profile)
    except ValueError as exc:
        raise ConfigError(f"sources check: {exc}") from None
    try:
        found = check_source(url, profile, timeout=args.timeout or v.TIMEOUT)
    except (OSError, HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise StageFailed(f"sources check: cannot fetch {url}: {reason}") from None
    if not found.usable:
        raise ConfigError(f"sources check: no list of notices at {found.url} "
                          f"({found.outcome}: {found.reason})")
    print("\n".join(found.lines()))
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    flags = {
        name: getattr(args, name, None)
        for name in ("source", "db", "data_dir", "notify", "operators_notify", "as_of",
                     "warn_days", "delay", "timeout", "poll", "every")
    }
    layers = []
    if args.command != "airflow" and (os.environ.get("AIRFLOW_HOME")
                                      or os.environ.get(AIRFLOW_VARIABLE_ENV)):
        # The operator's shell of an Airflow deployment (its env.sh sourced): the settings
        # are the workers', Variable included, so a remedy reaches the same destinations.
        from zgwatch.airflow.tasks import stored_variable, variable_layer

        layers.append(variable_layer(stored_variable()))
        _logging(args.command)
    return load_settings(flags, config_file=getattr(args, "config", None), layers=layers)


AIRFLOW_VARIABLE_ENV = f"AIRFLOW_VAR_{SETTINGS_VARIABLE.upper()}"  # Airflow's env form of it


WRITING = {"run", "crawl", "load", "diff", "alert", "airflow", "move-column", "watch"}
# Commands that change the data directory or the warehouse: one at a time per data directory.
# (``run`` takes each source's own lock, in ``pipeline.run_all``.)
LOCKED = {"crawl", "load", "diff", "alert", "move-column"}
# Commands on one source's warehouse: ``--only ID`` with a registry (docs/sources.md).
PER_SOURCE = {"crawl", "load", "diff", "alert", "move-column", "site"}


def _new_column(text: str) -> str:
    """The URL given to ``move-column``, checked as ``--source`` is (exit 2 when bad)."""
    from core.vocabulary import column_url

    try:
        return column_url(text)
    except ValueError as exc:
        raise ConfigError(f"move-column URL: {exc}") from None


def _serve(settings: Settings, site_dir: Path | None, port: int) -> int:
    from history.serve import serve

    folder = site_dir or settings.site_folder
    try:
        serve(folder, port, announce=lambda line: print(line, flush=True))
    except OSError as exc:
        raise ConfigError(f"--port {port}: cannot listen on 127.0.0.1 "
                          f"({exc.strerror or exc})") from None
    return 0


def _check_writable(settings: Settings, command: str) -> list[Path]:
    """The data directory, the warehouse's folder and (for ``run``, which publishes it) the
    site folder must exist or be creatable (exit 2); the folders this made, outermost first."""
    made: list[Path] = []
    folders = [("--data-dir", settings.data_dir), ("--db", settings.db.parent)]
    if command == "run":
        folders.append(("site_dir" if settings.site_dir else "site folder", settings.site_folder))
    try:
        for what, folder in folders:
            made += _missing(folder)
            _writable_folder(what, folder)
    except ConfigError:
        _remove_made(made)
        raise
    return made


def _missing(folder: Path) -> list[Path]:
    """The folders ``mkdir(parents=True)`` would make for ``folder``, outermost first."""
    missing = []
    for f in (folder.absolute(), *folder.absolute().parents):
        if f.exists():
            break
        missing.append(f)
    return missing[::-1]


def _remove_made(made: list[Path]) -> None:
    """Undo the folders a refused command made: they go if they hold nothing but the
    cycle's lock file (a refusal before any work leaves no ``data/`` behind)."""
    from zgwatch.lock import LOCK_NAME

    for folder in reversed(made):
        with contextlib.suppress(OSError):
            (folder / LOCK_NAME).unlink(missing_ok=True)
            folder.rmdir()  # only when empty: never what someone else put there


def _site_dir(folder: Path) -> Path:
    """DIR of ``zgwatch site``: creatable and writable (exit 2 otherwise)."""
    return _writable_folder("site folder", folder)


def _writable_folder(what: str, folder: Path) -> Path:
    """``folder``, created if needed; ConfigError naming ``what`` if it cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{what} {folder}: cannot create it ({exc.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{what} {folder}: not writable")
    return folder


def _dispatch(args: argparse.Namespace) -> int:

    command = args.command
    if command == "replica":
        from replica import serve

        try:
            serve(port=args.port, notices=args.notices, seed=args.seed,
                  latency=args.latency_ms / 1000, site_port=args.site_port)
        except OSError as exc:
            ports = f"--port {args.port}" + (f" or --site-port {args.site_port}"
                                              if args.site_port else "")
            raise ConfigError(f"{ports}: cannot listen on 127.0.0.1 "
                              f"({exc.strerror or exc})") from None
        return 0
    if command == "sources" and args.verb == "check":
        return _check_source(args)
    if command == "demo":
        from zgwatch.demo import main as demo

        return demo(args.data_dir)
    if command == "worker":
        from zgwatch.airflow import celery_stack

        return celery_stack.worker(name=args.name, queue=args.queue,
                                   concurrency=args.concurrency, log_port=args.log_port)
    settings = _settings(args)
    if command in PER_SOURCE:
        settings = _one_source(settings, command, getattr(args, "only", None))
    elif command in ("run", "export"):
        settings.select(getattr(args, "only", None))  # an unknown id: exit 2 before any work
    if command == "move-column":
        args.new_source = _new_column(args.new_source)  # before anything is made
    made = _check_writable(settings, command) if command in WRITING else []
    if command == "airflow" and args.executor == "celery":
        from zgwatch.airflow import celery_stack

        return celery_stack.run(settings, vars(args), port=args.port, workers=args.workers,
                                broker_url=args.broker_url, database_url=args.database_url)
    if command == "airflow":
        from zgwatch.airflow import launcher

        return launcher.run(settings, vars(args), port=args.port)
    if command == "serve":
        return _serve(settings, args.site_dir, args.port)
    if command == "sources":
        return _list_sources(settings, as_json=args.json)
    if command == "watch":
        return _watch(settings, args.only)
    locked = command in LOCKED and not getattr(args, "dry_run", False)
    try:
        with _cycle_lock(settings) if locked else contextlib.nullcontext():
            if command == "run":
                return _run(settings, getattr(args, "only", None))
            _stage(command, args, settings)
    except ConfigError:
        _remove_made(made)
        raise
    return 0


def _one_source(settings: Settings, command: str, only: str | None) -> Settings:
    """The settings of the one source a stage command works on: ``--only ID``'s, or the
    default source's; with a registry and no ``--only``, one line naming the ids (exit 2)."""
    if only is None and settings.has_registry:
        known = ", ".join(s.id for s in settings.source_list)
        raise ConfigError(f"{command}: the registry lists {len(settings.sources)} sources; "
                          f"name one with --only ID (one of: {known})")
    (source,) = settings.select(only)
    return settings.for_source(source)


def _run(settings: Settings, only: str | None) -> int:
    """``zgwatch run``: a cycle of each source (``pipeline.run_all``). One source (no
    registry, or ``--only``): its error ends the command as it always did. Several: every
    source runs; each that failed is one line on stderr and the exit status is 1."""
    from zgwatch import pipeline

    lives = []

    def live_for(one: Settings):
        """The crawl's live line on a terminal (``progress.LiveCrawl``), one per source."""
        if not sys.stdout.isatty():
            return None
        from zgwatch.progress import LiveCrawl, StageLines

        live = LiveCrawl(one.batches_dir)
        for handler in logging.getLogger().handlers:
            if isinstance(handler, StageLines):
                handler.before = live.stop
        lives.append(live)
        return live

    try:  # each stage's line is printed once, when it is done (_logging)
        outcomes = pipeline.run_all(settings, only, progress=live_for)
    finally:
        for live in lives:
            live.stop()
    failed = [o for o in outcomes if not o.ok]
    if len(outcomes) == 1 and failed:
        raise failed[0].error
    for outcome in failed:
        print(f"zgwatch: {outcome.line()}", file=sys.stderr)
    return 1 if failed else 0


def _watch(settings: Settings, only: str | None) -> int:
    """The watchers until SIGTERM or Ctrl-C, which stop them cleanly (exit 0): a cycle under
    way is stopped with its crawl and its lock released, as ``zgwatch run``'s would be.

    The signal also sets ``zgwatch.stopping.STOPPING``, the watch's ``stop``: DuckDB turns
    an exception raised inside a query into its own ("Query interrupted"), which the cycle
    lets through untold (no incident: the signal is no failure of the site); the watch
    then ends at its next look at ``stop`` instead of going on."""
    from zgwatch.watch import Watch

    watch = Watch(settings, settings.select(only))
    stop = STOPPING

    def on_signal(signum, frame):
        stop.set()
        raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        watch.run(stop)
    except (KeyboardInterrupt, Terminated):
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("zgwatch: watch stopped", file=sys.stderr)
    return 0


def _cycle_lock(settings: Settings):
    from zgwatch.lock import cycle_lock

    return cycle_lock(settings.data_dir)


def _stage(command: str, args: argparse.Namespace, settings: Settings) -> None:
    from zgwatch import pipeline

    if command == "crawl":
        result = pipeline.crawl(settings)
        print(result.line())
        print(f"batch: {result.batch_dir}")
        pipeline.require_readable(result, settings.source)
    elif command == "load":
        for r in pipeline.load(settings) or ["nothing to load"]:
            print(f"load: {r}")
    elif command == "diff":
        print(f"diff: {pipeline.diff(settings)}")
    elif command == "alert":
        report = pipeline.alert(settings, dry_run=args.dry_run, retry_failed=args.retry_failed)
        print(f"alert: {report}")
        if args.retry_failed and report.failed_elsewhere:
            raise StageFailed(_not_resent(report.failed_elsewhere))
    elif command == "move-column":
        print(pipeline.move_column(settings, args.new_source))
    elif command == "site":
        report = pipeline.build_site(settings, _site_dir(args.site_dir), full=args.full)
        print(report)
        print(f"open {report.site_dir / 'index.html'}, or: zgwatch serve {report.site_dir}")
    elif command == "export":
        only = args.only
        one = settings.for_source(settings.select(only)[0]) if only else settings
        for path in pipeline.export(one, args.out_dir):
            print(path)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level(text: str) -> str:
    """``ZGWATCH_LOG_LEVEL`` as a level name (any case); ``ConfigError`` (exit 2) otherwise."""
    level = text.strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"ZGWATCH_LOG_LEVEL: not a log level (got {text!r}); "
                          f"one of {', '.join(LOG_LEVELS)}")
    return level


def _logging(command: str) -> None:
    """The command's logging: INFO lines on stderr (``ZGWATCH_LOG_LEVEL``); set again, over
    whatever importing Airflow configured, after the Variable has been read."""
    quiet = "WARNING" if command == "demo" else "INFO"  # the demo tells its own story
    logging.basicConfig(level=log_level(os.environ.get("ZGWATCH_LOG_LEVEL") or quiet),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    if command == "run":
        # The stages' lines are the command's output: on stdout, once, whatever the level;
        # the log on stderr keeps everything else.
        from zgwatch.progress import STAGE_LOGGER, StageLines, not_stage_line

        root = logging.getLogger()
        for handler in root.handlers:
            handler.setLevel(root.level)
            handler.addFilter(not_stage_line)
        root.addHandler(StageLines())
        logging.getLogger(STAGE_LOGGER).setLevel(logging.INFO)


def _not_resent(failed_elsewhere: list[tuple[str, int]]) -> str:
    """Why ``--retry-failed`` left deliveries given up: their destinations are not configured."""
    total = sum(n for _, n in failed_elsewhere)
    names = ", ".join(channel for channel, _ in failed_elsewhere[:3])
    return (f"{total} {'delivery' if total == 1 else 'deliveries'} given up to {names} not "
            "re-sent: not configured here, so their incidents stay open (give the workers' "
            "destinations: ZGWATCH_NOTIFY, --notify, the config file, or the Airflow Variable "
            f"{SETTINGS_VARIABLE} with the deployment's AIRFLOW_HOME set)")


def main(argv: list[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        args = build_parser().parse_args(argv)
        _logging(args.command)
        return _dispatch(args)
    except ZgwatchError as exc:
        print(f"zgwatch: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a file system refusing us mid-stage: say which file, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"zgwatch: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("zgwatch: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("zgwatch: terminated", file=sys.stderr)
        return 143
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
