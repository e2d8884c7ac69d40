"""Load a crawl batch into the warehouse: one transaction, set-based SQL, idempotent.

The batch's JSON-lines files are read by DuckDB itself (``read_json``), staged
in temporary tables and folded into ``fetches``, ``listing_entries``,
``notice_versions`` and ``notice_state`` by a handful of INSERT/UPDATE
statements (``sql/stages/load.sql``), so 20,000 notices cost no Python loop. A batch already in
``batches`` is skipped; a process killed half-way leaves nothing behind,
because nothing is committed until the last statement.

Rules (docs/warehouse.md, "Load"):

- a notice read ``ok`` gets a new version only when the sha256 of its
  normalised text (title + "\\n" + body) differs from its latest version's;
- ``not_modified`` moves ``last_checked_at`` and nothing else;
- a known notice missing from a *complete* list whose page answered
  404/410 (``not_found``) in this batch has ``absent_streak`` + 1; one listed,
  or read ok/304, has it reset to 0; anything else (faults, an incomplete
  list) leaves it as it was. Status itself changes only in the diff stage.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from core.batch import Batch, batch_started_at, is_batch_id
from core.errors import BatchError
from core.sqlfiles import SqlFile, transaction
from core.testhook import pause_point
from core.vocabulary import ABSENCE_INTERVAL, NOTICE_ID, Outcome
from warehouse import column

SQL = SqlFile(Path(__file__).parent / "sql" / "stages" / "load.sql")
log = logging.getLogger("warehouse")

# The columns read from each file, with their types (crawler/items.py).
FETCH_COLUMNS = {
    "url": "VARCHAR", "page_kind": "VARCHAR", "outcome": "VARCHAR", "fetched_at": "VARCHAR",
    "notice_id": "VARCHAR", "http_status": "INTEGER", "reason": "VARCHAR", "etag": "VARCHAR",
    "last_modified": "VARCHAR", "content_sha256": "VARCHAR", "bytes": "BIGINT",
    "elapsed_ms": "INTEGER", "encoding": "VARCHAR", "page_no": "INTEGER",
}  # fmt: skip
LISTING_COLUMNS = {
    "notice_id": "VARCHAR", "url": "VARCHAR", "title": "VARCHAR", "listed_on": "DATE",
    "page_no": "INTEGER", "position": "INTEGER",
}  # fmt: skip
NOTICE_COLUMNS = {
    "notice_id": "VARCHAR", "url": "VARCHAR", "title": "VARCHAR", "body": "VARCHAR",
    "fetched_at": "VARCHAR", "raw_sha256": "VARCHAR", "published_on": "DATE",
    "published_at": "TIMESTAMP", "source": "VARCHAR", "issuer": "VARCHAR", "signed_on": "DATE",
    "publicity_start": "DATE", "publicity_end": "DATE", "publicity_end_derived": "BOOLEAN",
    "publicity_days": "INTEGER", "publicity_raw": "VARCHAR", "contacts": "JSON",
    "inspection": "JSON", "attachments": "JSON", "etag": "VARCHAR", "last_modified": "VARCHAR",
    "document_kind": "VARCHAR", "readings": "JSON", "cycle": "JSON",
}  # fmt: skip


CYCLE_SCHEMA = pa.schema([("notice_id", pa.string()), ("version_no", pa.int32()),
                          ("cycle", pa.string())])


@dataclass(frozen=True)
class LoadResult:
    """What loading one batch did (``loaded`` is False when it was already in)."""

    batch_id: str
    loaded: bool
    fetches: int = 0
    listings: int = 0
    notices: int = 0
    new_notices: int = 0
    new_versions: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        if not self.loaded:
            return f"batch {self.batch_id}: already loaded"
        return (
            f"batch {self.batch_id}: {self.fetches} fetches, {self.listings} listed, "
            f"{self.notices} read, {self.new_notices} new notices, "
            f"{self.new_versions} new versions; {self.seconds:.1f} s"
        )


def load_pending(con: duckdb.DuckDBPyConnection, batches_dir: Path, *,
                 absence_interval: timedelta = ABSENCE_INTERVAL) -> list[LoadResult]:
    """Load every complete batch under ``batches_dir`` newer than the last loaded, oldest first.

    Batches still being written (no ``DONE``) are left for a later call.
    ``absence_interval`` as in ``load_batch``.
    """
    batches_dir = Path(batches_dir)
    if not batches_dir.is_dir():
        return []
    newest = _newest_batch(con) or ""
    due = sorted(
        d for d in batches_dir.iterdir()
        if is_batch_id(d.name) and d.name > newest and Batch(d).is_done()
    )  # fmt: skip
    return [load_batch(con, d, absence_interval=absence_interval) for d in due]


def load_batch(con: duckdb.DuckDBPyConnection, batch_dir: Path, *,
               absence_interval: timedelta = ABSENCE_INTERVAL) -> LoadResult:
    """Load one complete batch in one transaction; a batch already loaded changes nothing.

    A notice's absence (off a complete list, its page 404/410) counts towards its removal
    only ``absence_interval`` or more after the last one counted (a rerun is no new cycle).
    """
    batch = Batch(batch_dir)
    batch_id = batch.id
    started_at = batch_started_at(batch_id)
    if not batch.is_done():
        raise BatchError(f"batch {batch.dir} is incomplete (no DONE file); not loaded")
    summary = batch.read_summary()
    t0 = time.monotonic()
    with transaction(con):
        if con.execute("SELECT 1 FROM batches WHERE batch_id = ?", [batch_id]).fetchone():
            return LoadResult(batch_id, loaded=False)  # nothing written: the commit keeps nothing
        newest = _newest_batch(con)
        if newest and batch_id < newest:
            raise BatchError(
                f"batch {batch_id} is older than the last loaded batch {newest}; not loaded"
            )
        # A batch of another column is refused before anything of it is written.
        column.record_first(con, summary.get("source"), batch_id,
                            summary.get("first_page_outcome") == Outcome.OK)
        complete = bool(summary.get("list_complete"))
        counts = _load(con, batch_dir, batch_id, started_at, complete, absence_interval)
        SQL.execute(con, "insert_batch", batch_id=batch_id, at=started_at,
                    source=summary.get("source"), list_complete=complete,
                    summary=json.dumps(summary, ensure_ascii=False), **counts)
        pause_point("load:commit")
    return LoadResult(batch_id, loaded=True, seconds=time.monotonic() - t0, **counts)


def fill_cycle_facts(con: duckdb.DuckDBPyConnection, read_facts: Callable[[dict], list],
                     *, chunk: int = 500) -> int:
    """Give the versions of the cycle's kinds read before migration 023 (``cycle`` NULL) the
    facts ``read_facts`` finds in their stored text (``crawler.parsing.cycle.stored_facts``,
    passed in by the application: a stage never imports another), ``chunk`` at a time, each
    chunk one transaction; return how many. A text re-read unchanged makes no new version,
    so without this an old stationing or progress notice would never have its facts."""
    filled = 0
    while rows := SQL.execute(con, "versions_without_cycle", limit=chunk).fetchall():
        names = ("notice_id", "version_no", "document_kind", "title", "body", "inspection",
                 "issuer", "published_on")
        facts = [{"notice_id": r[0], "version_no": r[1],
                  "cycle": json.dumps(read_facts(dict(zip(names, r, strict=True))),
                                      ensure_ascii=False)} for r in rows]
        con.register("cycle_rows", pa.Table.from_pylist(facts, schema=CYCLE_SCHEMA))
        try:
            with transaction(con):
                SQL.execute(con, "set_cycle")
        finally:
            con.unregister("cycle_rows")
        filled += len(rows)
    return filled


def _newest_batch(con: duckdb.DuckDBPyConnection) -> str | None:
    return con.execute("SELECT max(batch_id) FROM batches").fetchone()[0]


def _file_view(con, name: str, path: Path, columns: dict[str, str]) -> None:
    """A temporary view reading a JSON-lines file with fixed column types (empty if missing)."""
    spec = ", ".join(f"{col}: '{typ}'" for col, typ in columns.items())
    if path.exists():
        quoted = str(path).replace("'", "''")
        source = f"read_json('{quoted}', format = 'newline_delimited', columns = {{{spec}}})"
    else:
        nulls = ", ".join(f"NULL::{typ} AS {col}" for col, typ in columns.items())
        source = f"(SELECT {nulls} WHERE false)"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {source}")


def _load(con, batch_dir: Path, batch_id: str, at: datetime, list_complete: bool,
          absence_interval: timedelta) -> dict:
    batch = Batch(batch_dir)
    _file_view(con, "batch_fetch_file", batch.fetches, FETCH_COLUMNS)
    _file_view(con, "batch_listing_file", batch.listings, LISTING_COLUMNS)
    _file_view(con, "batch_notice_file", batch.notices, NOTICE_COLUMNS)
    # $notice_id: the notice id grammar; an id outside it is never loaded (defence in depth)
    refused, some = SQL.execute(con, "refused_ids", notice_id=NOTICE_ID.pattern).fetchone()
    if refused:
        log.warning("batch %s: %d id(s) that are no notice id not loaded (%s)", batch_id,
                    refused, ", ".join(repr(i) for i in some))
    for name in ("stage_fetches", "stage_listings", "stage_notices", "insert_fetches",
                 "insert_listings"):
        SQL.execute(con, name, batch_id=batch_id, notice_id=NOTICE_ID.pattern)
    new_notices = SQL.changed(con, "insert_new_notices", batch_id=batch_id, at=at)
    new_versions = _insert_new_versions(con, batch_id)
    SQL.execute(con, "update_state", batch_id=batch_id, at=at, list_complete=list_complete,
                absence_interval=absence_interval)
    return {
        "fetches": _count(con, "batch_fetches"),
        "listings": _count(con, "batch_listings"),
        "notices": _count(con, "batch_notices"),
        "new_notices": new_notices,
        "new_versions": new_versions,
    }


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _insert_new_versions(con, batch_id: str) -> int:
    """A version for each notice read whose text hash differs from its latest version's.

    The (small) set of notices that need one is staged first; the file is then
    read a second time, streaming, and joined to it. The hash is computed
    from the text itself, so a version is exactly "the text changed".
    """
    SQL.execute(con, "stage_new_versions")
    SQL.execute(con, "version_rows")
    # DuckDB cannot tell how many lines the file has (it guesses a few dozen) and
    # would build its hash table from the texts. Keeping the join as written
    # makes the staged keys the build side and streams the file past them.
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    try:
        added = SQL.changed(con, "insert_versions", batch_id=batch_id)
        added += SQL.changed(con, "insert_versions_written_twice", batch_id=batch_id)
    finally:
        con.execute("RESET disabled_optimizers")
    SQL.execute(con, "set_latest_version", batch_id=batch_id)
    return added
