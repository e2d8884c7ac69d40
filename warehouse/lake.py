"""The lake: every source's analyst relations in one DuckLake, its catalog in PostgreSQL.

Past one machine each source keeps its own DuckDB warehouse (one writer per
file), written by whichever worker runs its cycle; analysts still read every
source in one session here. Each source's publish step inserts a snapshot of
its analyst copy (``notices``, ``changes``) tagged with its ``source_id``, and
the snapshot's row in ``snapshots``, in one transaction: it never updates or
deletes a row, so publishes of different sources commit side by side (DuckLake
turns concurrent inserts into successive snapshots; concurrent updates of the
same rows would conflict). The views ``notices`` and ``changes`` show each
source's latest snapshot. The catalog is a PostgreSQL database every writer and
reader reaches; the data files live under ``data_path`` (a folder all of them
share, or object storage). The SQL is in ``sql/lake.sql``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.errors import StageFailed
from core.sqlfiles import SqlFile, transaction
from warehouse.db import reason
from warehouse.extensions import load_extension, quoted

SQL = SqlFile(Path(__file__).parent / "sql" / "lake.sql")
SCHEMA = ("create_snapshots", "create_notice_rows", "create_change_rows", "create_latest",
          "create_notices", "create_changes")
INSERTS = ("insert_notices", "insert_changes", "insert_snapshot")
PURPOSE = "the lake"
CREATE_TRIES = 5  # two first publishes at once may race to create the tables: try again


@dataclass(frozen=True)
class LakeReport:
    """One source's snapshot in the lake."""

    source_id: str
    snapshot_id: str
    notices: int
    changes: int

    def __str__(self) -> str:
        return (f"lake: source {self.source_id} snapshot {self.snapshot_id}: "
                f"{self.notices} notices, {self.changes} changes")


def masked(catalog: str) -> str:
    """The catalog's URL or connection string without its password (for messages)."""
    catalog = re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", catalog)
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", catalog)


def attach(con: duckdb.DuckDBPyConnection, catalog: str, data_path: str | Path, *,
           read_only: bool = False) -> None:
    """Attach the lake to ``con`` as ``lake`` (extensions loaded from their wheels).

    ``catalog`` is a PostgreSQL URL or libpq connection string; a catalog that
    cannot be reached is a ``StageFailed`` in one line, the password masked.
    """
    load_extension(con, "postgres_scanner", PURPOSE)
    load_extension(con, "ducklake", PURPOSE)
    options = f"DATA_PATH '{quoted(data_path)}'" + (", READ_ONLY" if read_only else "")
    try:
        con.execute(f"ATTACH 'ducklake:postgres:{quoted(catalog)}' AS lake ({options})")
    except duckdb.Error as exc:
        raise StageFailed(f"lake catalog {masked(catalog)}: cannot attach it: {_why(exc)}"
                          ) from None


def snapshot_id(at: datetime) -> str:
    """The id of a snapshot published at ``at`` (UTC; ids sort in time)."""
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def publish_to_lake(copy: Path, *, catalog: str, data_path: str | Path, source_id: str,
                    at: datetime | None = None) -> LakeReport:
    """Insert the analyst copy ``copy`` of source ``source_id`` into the lake as one snapshot.

    All of it or nothing: the rows and the snapshot's row commit together, and a
    failure (the catalog gone mid-way, the data path refusing a file) rolls back
    and is a ``StageFailed`` naming the catalog.
    """
    at = at or datetime.now(UTC)
    params = {"source_id": source_id, "snapshot_id": snapshot_id(at), "published_at": at}
    con = _open(copy, catalog, data_path)
    try:
        with transaction(con):
            for name in INSERTS:
                SQL.execute(con, name, **params)
            counts = SQL.rows(con, "snapshot_counts", **params)[0]
    except duckdb.Error as exc:
        raise StageFailed(f"lake catalog {masked(catalog)}: source {source_id} not "
                          f"published, nothing written: {_why(exc)}") from None
    finally:
        con.close()
    return LakeReport(source_id, params["snapshot_id"], *counts)


# Two first publishes at once race to create the catalog's tables, then the lake's: the
# loser's error names one of these; it tries again on a fresh connection.
RACES = ("conflict", "duplicate key", "already exists")


def _open(copy: Path, catalog: str, data_path: str | Path) -> duckdb.DuckDBPyConnection:
    """A connection with ``copy`` attached read-only and the lake with its tables."""
    for attempt in range(1, CREATE_TRIES + 1):
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # nothing on a task's stdout
        try:
            con.execute(f"ATTACH '{quoted(copy)}' AS copy (READ_ONLY)")
            attach(con, catalog, data_path)
            for name in SCHEMA:
                SQL.execute(con, name)
            return con
        except (duckdb.Error, StageFailed) as exc:
            con.close()
            raced = any(word in str(exc).lower() for word in RACES)
            if attempt == CREATE_TRIES or not raced:
                if isinstance(exc, StageFailed):
                    raise
                raise StageFailed(f"lake catalog {masked(catalog)}: cannot create the lake's "
                                  f"tables: {_why(exc)}") from None
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def _why(exc: duckdb.Error) -> str:
    """DuckDB's reason in one line, any password in it masked."""
    return masked(" ".join(reason(exc).split()))
