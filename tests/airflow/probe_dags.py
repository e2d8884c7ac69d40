"""Parse the DAG files as Airflow does and describe what it found, as JSON (``argv[1]``).

Run by ``test_dags.py`` in a subprocess: Airflow configures logging and
global state when imported, which the test process should not inherit.

1. Each DAG file is imported under an audit hook that records I/O (files
   other than Python modules, sockets, subprocesses, databases, writes) and
   which heavy modules the import pulled in.
2. The files are parsed again by a ``BundleDagBag`` told which pools the
   metadata database holds, and every DAG is described and round-tripped
   through serialization (what the DAG processor stores).
3. With a registry of sources (``argv[2]``, a zgwatch.toml), both again: the DAGs
   the DAG file builds for each source, and the pools the set-up would create.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

DAGS = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
HEAVY = ("scrapy", "twisted", "duckdb", "apprise", "pyarrow", "pandas", "crawler", "warehouse",
         "alerts", "replica")
WATCHED = ("socket.connect", "socket.getaddrinfo", "subprocess.Popen", "os.system", "os.exec",
           "os.fork", "os.posix_spawn", "sqlite3.connect", "urllib.Request", "os.mkdir",
           "os.remove", "os.rename", "shutil.copyfile", "shutil.rmtree")
CODE = (".py", ".pyc", ".so")


def _audited_import(path: Path) -> dict:
    """Import one DAG file; what it did besides defining things."""
    events: list[str] = []
    on = [True]

    def hook(event: str, args: tuple) -> None:
        if not on[0]:
            return
        if event == "open":
            name, mode = str(args[0]), args[1]
            writing = isinstance(mode, str) and any(c in mode for c in "wax+")
            if writing or not (name.endswith(CODE) or os.path.isdir(name)):
                events.append(f"open {name} {mode}")
        elif event in WATCHED:
            events.append(f"{event} {args[:2]!r}")

    before = set(sys.modules)
    spec = importlib.util.spec_from_file_location(f"probe_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.addaudithook(hook)  # hooks cannot be removed: ``on`` switches this one off
    start = time.perf_counter()
    try:
        spec.loader.exec_module(module)
    finally:
        seconds = time.perf_counter() - start
        on[0] = False
    new = set(sys.modules) - before
    heavy = sorted(m for m in new if m.split(".")[0] in HEAVY)
    return {"events": events, "heavy_modules": heavy, "seconds": seconds}


def _db_pools() -> dict[str, int]:
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session

    with create_session() as session:
        return {p.pool: p.slots for p in session.query(Pool)}


def _task(t) -> dict:
    def secs(td):
        return td.total_seconds() if td is not None else None

    return {
        "pool": t.pool,
        "retries": t.retries,
        "retry_delay": secs(t.retry_delay),
        "retry_exponential_backoff": t.retry_exponential_backoff,
        "max_retry_delay": secs(t.max_retry_delay),
        "execution_timeout": secs(t.execution_timeout),
        "upstream": sorted(t.upstream_task_ids),
        "outlets": [a.name for a in t.outlets],
        "on_failure_callback": len(t.on_failure_callback or []),
        "on_success_callback": len(t.on_success_callback or []),
        "retry_policy": type(t.retry_policy).__name__ if t.retry_policy else None,
        "doc": bool(t.doc_md),
        "start_date": t.start_date,
        "show_return_value_in_logs": getattr(t, "show_return_value_in_logs", None),
    }


def _dag(d) -> dict:
    from airflow.serialization.serialized_objects import DagSerialization

    DagSerialization.deserialize_dag(DagSerialization.serialize_dag(d))  # raises if it cannot
    tt = d.timetable
    return {
        "fileloc": d.fileloc,
        "timetable": type(tt).__name__,
        "timetable_repr": repr(tt),
        "assets": sorted(a.name for a in getattr(getattr(tt, "asset_condition", None),
                                                  "objects", [])),
        "catchup": d.catchup,
        "max_active_runs": d.max_active_runs,
        "dagrun_timeout": d.dagrun_timeout.total_seconds() if d.dagrun_timeout else None,
        "deadlines": [{"reference": type(a.reference).__name__,
                       "seconds": a.interval.total_seconds(), "callback": a.callback.path,
                       "kwargs": a.callback.kwargs} for a in (d.deadline or [])],
        "params": {k: d.params.get_param(k).schema for k in d.params},
        "param_defaults": {k: d.params[k] for k in d.params},
        "tags": sorted(d.tags),
        "start_date": d.start_date,
        "doc_md": d.doc_md,
        "tasks": {t.task_id: _task(t) for t in d.tasks},
    }


def _second_column() -> dict:
    """What ``column_dags`` builds for another column (docs/operators.md)."""
    from zgwatch.airflow.factory import column_dags

    column_settings = {"source": "http://127.0.0.1:9/other/", "db": "/srv/other.duckdb"}
    monitor, publish = column_dags("other", column_settings=column_settings, schedule="30 * * * *")
    return {
        "dag_ids": [monitor.dag_id, publish.dag_id],
        "monitor": _dag(monitor),
        "publish": _dag(publish),
        "op_args": {t.task_id: t.op_args for t in monitor.tasks},
    }


def _undeclared_pool() -> str:
    """The error a DAG naming a pool outside ``zgwatch.airflow.tasks.POOLS`` gets at import."""
    from zgwatch.airflow.factory import column_dags

    try:
        column_dags("typo", pool="zgwatch_duckbd")
    except ValueError as exc:
        return str(exc)
    return "no error"


def _retry_decisions() -> dict[str, str]:
    """What the DAGs' retry policy decides for each way a task can fail."""
    from core.errors import ColumnUnreadable
    from zgwatch.airflow.factory import RETRY_POLICY
    from zgwatch.airflow.tasks import FinalTaskFailed, TaskFailed

    failures = {"FinalTaskFailed": FinalTaskFailed("bad settings"),
                "TaskFailed": TaskFailed("warehouse locked"),
                "ColumnUnreadable": ColumnUnreadable("x"), "RuntimeError": RuntimeError("bug")}
    return {name: RETRY_POLICY.evaluate(exception=exc, try_number=1, max_tries=3).action.value
            for name, exc in failures.items()}


def _plugins() -> dict:
    """The plugins Airflow loads from AIRFLOW__CORE__PLUGINS_FOLDER, as ``airflow plugins`` does."""
    from airflow import plugins_manager

    plugins, errors = plugins_manager._get_plugins()
    return {"names": sorted(p.name for p in plugins), "errors": {str(k): str(v)
                                                                 for k, v in errors.items()},
            "external_views": [v for p in plugins for v in p.external_views],
            "fastapi_apps": [a["url_prefix"] for p in plugins for a in p.fastapi_apps]}


def _registry(config: Path) -> dict:
    """The DAG file parsed with ``ZGWATCH_CONFIG`` naming a registry of sources."""
    from airflow.dag_processing.dagbag import BundleDagBag

    from zgwatch.airflow.sources import pools_for, registry

    os.environ["ZGWATCH_CONFIG"] = str(config)
    try:
        parse = _audited_import(DAGS / "zgwatch_monitor.py")
        sources, only_default, *_ = registry()
        pools = pools_for(sources, only_default=only_default)
        bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS,
                           known_pools={*pools, "default_pool"})
    finally:
        del os.environ["ZGWATCH_CONFIG"]
    return {
        "parse": parse,
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "dag_warnings": sorted(w.message for w in bag.dag_warnings),
        "pools": {name: spec.slots for name, spec in pools.items()},
        "dags": {d.dag_id: {**_dag(d), "queues": sorted({t.queue for t in d.tasks}),
                            "op_args": {t.task_id: t.op_args for t in d.tasks},
                            "outlet_uris": sorted(a.uri for t in d.tasks for a in t.outlets)}
                 for d in bag.dags.values()},
    }


def main(out: Path, registry_config: Path | None = None) -> None:
    import airflow.sdk

    # The DAG processor has Airflow's own modules loaded before it parses any file (some of
    # them do I/O on import: croniter runs `file` on the interpreter): load them first.
    for name in airflow.sdk.__all__:
        getattr(airflow.sdk, name, None)

    sys.path.insert(0, str(DAGS))
    files = sorted(p for p in DAGS.glob("*.py"))
    parse = {p.name: _audited_import(p) for p in files}

    from airflow.dag_processing.dagbag import BundleDagBag

    pools = _db_pools()
    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, known_pools=set(pools))
    from zgwatch.airflow.factory import schedule_from

    report = {
        "files": [p.name for p in files],
        "parse": parse,
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "dag_warnings": sorted(w.message for w in bag.dag_warnings),
        "db_pools": pools,
        "dags": {d.dag_id: _dag(d) for d in bag.dags.values()},
        "schedules": {e: repr(schedule_from(e)) for e in ("none", "manual", "0 8 * * *")},
        "second_column": _second_column(),
        "undeclared_pool": _undeclared_pool(),
        "retry_decisions": _retry_decisions(),
        "plugins": _plugins(),
        "registry": _registry(registry_config) if registry_config else None,
    }
    out.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
