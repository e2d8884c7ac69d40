"""Open the DuckDB warehouse: wait for the file lock, then bring the schema up to date.

DuckDB lets one process write a file, and a writer also shuts out read-only
openers in other processes. Stages therefore open the warehouse only while they
run; a second run that finds the file locked waits with backoff, then gives up
with one clear line (``WarehouseBusy``).

Schema changes are ``warehouse/sql/NNN_name.sql`` files, each applied once, in
number order and in its own transaction, and recorded in ``schema_version``.
Analyst views are ``warehouse/sql/views/<view>.sql`` files, one per view (or
per table macro analysts call, like ``diff_versions``); a
``-- depends: a, b`` line names views it selects from. When any view file
changes, every view is recreated in dependency order (recorded in
``schema_views``), so a view never outlives a change to one it reads.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core import periods, sources
from core.errors import ConfigError, StageFailed, WarehouseBusy, WarehouseMissing
from core.sqlfiles import transaction
from core.vocabulary import CONTENT_OUTCOMES, KINDS_WITH_WINDOW

SQL_DIR = Path(__file__).parent / "sql"
VIEWS_DIR = SQL_DIR / "views"
MIGRATION_NAME = re.compile(r"^(\d{3})_(\w+)\.sql$")
DEPENDS = re.compile(r"^-- depends:(.*)$", re.MULTILINE)
LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")
FIRST_DELAY, MAX_DELAY = 0.05, 2.0  # seconds between lock attempts: doubling, capped
# A stage stays well under 500 MB whatever the batch size: DuckDB spills to
# <db>.tmp beyond this limit, needs no row order while loading, and one thread
# streams a 300 MB batch file faster (and leaner) than two fighting for 128 MB.
SESSION = {
    "TimeZone": "'UTC'",
    "enable_progress_bar": "false",
    "memory_limit": "'128MB'",
    "threads": "1",
    "preserve_insertion_order": "false",
}


@dataclass(frozen=True)
class SchemaFile:
    """A migration (``version`` > 0) or a view definition (``version`` 0)."""

    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def depends(self) -> list[str]:
        names = ",".join(DEPENDS.findall(self.sql)).split(",")
        return [n.strip() for n in names if n.strip()]


def migrations() -> list[SchemaFile]:
    """The schema steps shipped with the code, in the order they apply."""
    steps = []
    for path in SQL_DIR.glob("*.sql"):
        if m := MIGRATION_NAME.match(path.name):
            steps.append(SchemaFile(int(m[1]), m[2], path))
    return sorted(steps, key=lambda s: s.version)


def view_files() -> list[SchemaFile]:
    """The analyst views shipped with the code, each after the views it depends on."""
    views = {p.stem: SchemaFile(0, p.stem, p) for p in sorted(VIEWS_DIR.glob("*.sql"))}
    ordered: dict[str, SchemaFile] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise StageFailed(f"warehouse views depend on each other in a cycle: {path}")
        if name not in ordered:
            for dep in views[name].depends:
                visit(dep, (*path, name))
            ordered[name] = views[name]

    for name in views:
        visit(name, ())
    return list(ordered.values())


def connect(
    db_path: Path, *, read_only: bool = False, lock_wait: float = 120.0
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``db_path``; use as ``with connect(...) as con:``.

    A writable open creates the file (and its folder) if needed and applies
    pending migrations and changed views. A locked file is retried with
    exponential backoff for up to ``lock_wait`` seconds, then ``WarehouseBusy``.
    The session time zone is UTC, so instants read and print in UTC.
    """
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise WarehouseMissing(f"warehouse {db_path} does not exist (nothing loaded yet?)")
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    con = _open_waiting(db_path, read_only, lock_wait)
    try:
        for name, value in SESSION.items():
            con.execute(f"SET {name} = {value}")
        if not read_only:
            migrate(con)
    except BaseException:
        con.close()
        raise
    return con


def _open_waiting(db_path: Path, read_only: bool, lock_wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_wait
    delay = FIRST_DELAY
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):
                # not a DuckDB file, a newer format, a directory…: the path is wrong
                detail = str(exc).removeprefix("IO Error: ").splitlines()[0]
                raise ConfigError(f"warehouse {db_path}: cannot open it ({detail})") from None
            left = deadline - time.monotonic()
            if left <= 0:
                holder = LOCK_HOLDER.search(str(exc))
                pid = f"pid {holder[1]}" if holder else "pid unknown"
                raise WarehouseBusy(
                    f"warehouse {db_path} is locked by another process ({pid}) "
                    f"after waiting {lock_wait:g}s"
                ) from None
            time.sleep(min(delay, left))
            delay = min(delay * 2, MAX_DELAY)


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet recorded, one transaction each; return their versions.

    Versions are applied by set difference, not "above the highest", so a step
    numbered into a gap (another area's migration) still runs once.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {v for (v,) in con.execute("SELECT version FROM schema_version").fetchall()}
    applied = []
    for step in migrations():
        if step.version in done:
            continue
        _in_transaction(
            con,
            f"migration {step.path.name}",
            [
                (step.sql, None),
                ("INSERT INTO schema_version VALUES (?, ?, now())", [step.version, step.name]),
            ],
        )
        applied.append(step.version)
    _apply_views(con)
    return applied


def vocabulary_sql() -> str:
    """Macros that give SQL the words and rules of ``core`` (written there, once).

    ``is_content(outcome)``: the fetch brought content (ok, 304), not a fault;
    ``states_window(document_kind)``: a notice of this kind states a window for
    the public (one without it is a parse gap);
    ``period_phase``, ``days_left``, ``days_label``: a publicity period on a
    day, as ``core.periods.period_facts`` gives it; ``default_source_id()``,
    ``default_source_name()``, ``default_source_kind()``: the default source
    (``core.sources``), which a warehouse holds until a cycle records its own.
    """
    outcomes = ", ".join(f"'{o}'" for o in sorted(CONTENT_OUTCOMES))
    window_kinds = ", ".join(f"'{k}'" for k in sorted(KINDS_WITH_WINDOW))
    macros = [f"CREATE OR REPLACE MACRO is_content(outcome) AS outcome IN ({outcomes})",
              "CREATE OR REPLACE MACRO states_window(document_kind) AS "
              f"coalesce(document_kind, 'other') IN ({window_kinds})",
              *periods.sql_macros(),
              *(f"CREATE OR REPLACE MACRO default_source_{name}() AS '{value}'"
                for name, value in (("id", sources.DEFAULT_SOURCE_ID),
                                    ("name", sources.DEFAULT_NAME),
                                    ("kind", sources.DEFAULT_KIND)))]
    return ";\n".join(macros)


def _apply_views(con: duckdb.DuckDBPyConnection) -> None:
    """Recreate the vocabulary macros and every view when any of them changed."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_views ("
        " name VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    recorded = dict(con.execute("SELECT name, sha256 FROM schema_views").fetchall())
    vocabulary = vocabulary_sql()
    wanted = {"_vocabulary": hashlib.sha256(vocabulary.encode()).hexdigest()}
    views = view_files()
    wanted.update({v.name: v.sha256 for v in views})
    if recorded == wanted:
        return
    record = "INSERT OR REPLACE INTO schema_views VALUES (?, ?, now())"
    statements = [(vocabulary, None), (record, ["_vocabulary", wanted["_vocabulary"]])]
    statements += [s for v in views for s in ((v.sql, None), (record, [v.name, v.sha256]))]
    for gone in recorded.keys() - wanted.keys():  # a view file was deleted
        statements += [
            (f'DROP VIEW IF EXISTS "{gone}"', None),
            ("DELETE FROM schema_views WHERE name = ?", [gone]),
        ]
    _in_transaction(con, "views", statements)


def _in_transaction(
    con: duckdb.DuckDBPyConnection, what: str, statements: list[tuple[str, list | None]]
) -> None:
    try:
        with transaction(con):
            for sql, params in statements:
                con.execute(sql, params)
    except duckdb.Error as exc:
        raise StageFailed(f"warehouse schema: {what} failed: {reason(exc)}") from exc


_PREFIX = re.compile(r"^(?:\w+ Error: |Failed to commit: )+")


def reason(exc: duckdb.Error) -> str:
    """DuckDB's message in one line, without its class prefixes ("IO Error: ", …): the
    file and the cause, e.g. ``Could not write file "x.wal": No space left on device``."""
    text = " ".join(str(exc).split("\n", 1)[0].split())
    return _PREFIX.sub("", text) or type(exc).__name__


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to the open warehouse (0 for none)."""
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
