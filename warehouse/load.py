"""Load a crawl batch into the warehouse: one transaction, set-based SQL, idempotent.

The batch's JSON-lines files are read by DuckDB itself (``read_json``), staged
in temporary tables and folded into ``fetches``, ``listing_entries``,
``notice_versions`` and ``notice_state`` by a handful of INSERT/UPDATE
statements, so 20,000 notices cost no Python loop. A batch already in
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
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from zgwatch.errors import BatchError

# YYYYMMDDTHHMMSS[mmm]Z-xxxxxx (crawler.runner.new_batch_id): sorts in time order
BATCH_ID = re.compile(r"^(\d{8}T\d{6})(\d{3})?Z-[0-9a-f]{6}$")

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
}  # fmt: skip


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


def batch_started_at(batch_id: str) -> datetime:
    """The UTC instant a batch id names (``YYYYMMDDTHHMMSSmmmZ-xxxxxx``)."""
    m = BATCH_ID.match(batch_id)
    if not m:
        raise BatchError(f"{batch_id!r} is not a batch id (YYYYMMDDTHHMMSSmmmZ-xxxxxx)")
    at = datetime.strptime(m[1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return at + timedelta(milliseconds=int(m[2] or 0))


def load_pending(con: duckdb.DuckDBPyConnection, batches_dir: Path) -> list[LoadResult]:
    """Load every complete batch under ``batches_dir`` newer than the last loaded, oldest first.

    Batches still being written (no ``DONE``) are left for a later call.
    """
    batches_dir = Path(batches_dir)
    if not batches_dir.is_dir():
        return []
    newest = _newest_batch(con) or ""
    due = sorted(
        d for d in batches_dir.iterdir()
        if BATCH_ID.match(d.name) and d.name > newest and (d / "DONE").exists()
    )  # fmt: skip
    return [load_batch(con, d) for d in due]


def load_batch(con: duckdb.DuckDBPyConnection, batch_dir: Path) -> LoadResult:
    """Load one complete batch in one transaction; a batch already loaded changes nothing."""
    batch_dir = Path(batch_dir)
    batch_id = batch_dir.name
    started_at = batch_started_at(batch_id)
    if not (batch_dir / "DONE").exists():
        raise BatchError(f"batch {batch_dir} is incomplete (no DONE file); not loaded")
    summary = json.loads((batch_dir / "summary.json").read_text(encoding="utf-8"))
    t0 = time.monotonic()
    con.execute("BEGIN TRANSACTION")
    try:
        if con.execute("SELECT 1 FROM batches WHERE batch_id = ?", [batch_id]).fetchone():
            con.execute("ROLLBACK")
            return LoadResult(batch_id, loaded=False)
        newest = _newest_batch(con)
        if newest and batch_id < newest:
            raise BatchError(
                f"batch {batch_id} is older than the last loaded batch {newest}; not loaded"
            )
        counts = _load(con, batch_dir, batch_id, started_at, bool(summary.get("list_complete")))
        con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            [batch_id, started_at, summary.get("source"), bool(summary.get("list_complete")),
             counts["fetches"], counts["listings"], counts["notices"], counts["new_notices"],
             counts["new_versions"], json.dumps(summary, ensure_ascii=False)],
        )  # fmt: skip
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return LoadResult(batch_id, loaded=True, seconds=time.monotonic() - t0, **counts)


def _newest_batch(con: duckdb.DuckDBPyConnection) -> str | None:
    return con.execute("SELECT max(batch_id) FROM batches").fetchone()[0]


def _source(path: Path, columns: dict[str, str]) -> tuple[str, list]:
    """SQL reading a JSON-lines file with fixed column types; a missing file reads as empty."""
    spec = ", ".join(f"{name}: '{typ}'" for name, typ in columns.items())
    if path.exists():
        return f"read_json(?, format = 'newline_delimited', columns = {{{spec}}})", [str(path)]
    nulls = ", ".join(f"NULL::{typ} AS {name}" for name, typ in columns.items())
    return f"(SELECT {nulls} WHERE false)", []


def _load(con, batch_dir: Path, batch_id: str, at: datetime, list_complete: bool) -> dict:
    fetch_src, fetch_args = _source(batch_dir / "fetches.jsonl", FETCH_COLUMNS)
    list_src, list_args = _source(batch_dir / "listings.jsonl", LISTING_COLUMNS)
    notice_src, notice_args = _source(batch_dir / "notices.jsonl", NOTICE_COLUMNS)

    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE batch_fetches AS
        SELECT * REPLACE (fetched_at::TIMESTAMPTZ AS fetched_at) FROM {fetch_src}""",
        fetch_args,
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE batch_listings AS SELECT * FROM {list_src}",
                list_args)  # fmt: skip
    # One light row per notice (the last read wins): the texts stay in the file
    # until they are needed, so a batch of 20,000 notices never sits in memory.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE batch_notices AS
        SELECT *, count(*) OVER (PARTITION BY notice_id, fetched_at, text_sha256) AS copies
        FROM (
            SELECT notice_id, url, fetched_at::TIMESTAMPTZ AS fetched_at, etag, last_modified,
                   {_text_sha256()} AS text_sha256
            FROM {notice_src}
        )
        QUALIFY row_number() OVER (PARTITION BY notice_id ORDER BY fetched_at DESC) = 1""",
        notice_args,
    )
    con.execute("INSERT INTO fetches BY NAME SELECT ? AS batch_id, * FROM batch_fetches",
                [batch_id])  # fmt: skip
    con.execute("INSERT INTO listing_entries BY NAME SELECT ? AS batch_id, * FROM batch_listings",
                [batch_id])  # fmt: skip

    new_notices = _insert_new_notices(con, batch_id, at)
    new_versions = _insert_new_versions(con, batch_id, notice_src, notice_args)
    _update_state(con, batch_id, at, list_complete)
    return {
        "fetches": _count(con, "batch_fetches"),
        "listings": _count(con, "batch_listings"),
        "notices": _count(con, "batch_notices"),
        "new_notices": new_notices,
        "new_versions": new_versions,
    }


def _text_sha256(alias: str = "") -> str:
    """``NoticePage.text_sha256`` in SQL: the hash of title, line break, body."""
    return f"sha256({alias}title || chr(10) || {alias}body)"


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _changed(con) -> int:
    """Rows the last INSERT/UPDATE touched (DuckDB returns the count as its result)."""
    return con.fetchone()[0]


def _insert_new_notices(con, batch_id: str, at: datetime) -> int:
    con.execute(
        """INSERT INTO notice_state (notice_id, url, first_seen, first_seen_batch, last_seen)
        SELECT notice_id, arg_min(url, rank), ?, ?, ?
        FROM (SELECT notice_id, url, 0 AS rank FROM batch_listings
              UNION ALL SELECT notice_id, url, 1 FROM batch_notices)
        WHERE notice_id NOT IN (SELECT notice_id FROM notice_state)
        GROUP BY notice_id""",
        [at, batch_id, at],
    )
    return _changed(con)


def _insert_new_versions(con, batch_id: str, notice_src: str, notice_args: list) -> int:
    """A version for each notice read whose text hash differs from its latest version's.

    The (small) set of notices that need one is staged first; the file is then
    read a second time, streaming, and joined to it. The hash is computed
    here, from the text itself, so a version is exactly "the text changed".
    """
    con.execute(
        """CREATE OR REPLACE TEMP TABLE batch_new_versions AS
        SELECT b.notice_id, b.fetched_at, b.text_sha256, b.copies,
               s.latest_version + 1 AS version_no
        FROM batch_notices AS b
        JOIN notice_state AS s USING (notice_id)
        LEFT JOIN notice_versions AS v
               ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
        WHERE v.text_sha256 IS DISTINCT FROM b.text_sha256"""
    )
    insert = f"""INSERT INTO notice_versions BY NAME
        SELECT n.* EXCLUDE (fetched_at, etag, last_modified, publicity_end_derived),
               k.text_sha256,
               k.version_no,
               coalesce(n.publicity_end_derived, false)  AS publicity_end_derived,
               ?                                         AS first_seen_batch,
               k.fetched_at                              AS first_seen_at
        FROM {notice_src} AS n
        JOIN batch_new_versions AS k
          ON k.notice_id = n.notice_id AND k.fetched_at = n.fetched_at::TIMESTAMPTZ
         AND k.text_sha256 = {_text_sha256("n.")}"""
    # DuckDB cannot tell how many lines the file has (it guesses a few dozen) and
    # would build its hash table from the texts. Keeping the join as written
    # makes the staged keys the build side and streams the file past them.
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    try:
        con.execute(f"{insert} WHERE k.copies = 1", [batch_id, *notice_args])
        new_versions = _changed(con)
        # A line the crawler wrote twice: keep one (a window over a handful of rows).
        con.execute(
            f"{insert} WHERE k.copies > 1 QUALIFY row_number() OVER (PARTITION BY n.notice_id) = 1",
            [batch_id, *notice_args],
        )
        new_versions += _changed(con)
    finally:
        con.execute("RESET disabled_optimizers")
    con.execute(
        """UPDATE notice_state AS s SET latest_version = v.version_no
        FROM notice_versions AS v
        WHERE v.notice_id = s.notice_id AND v.first_seen_batch = ?""",
        [batch_id],
    )
    return new_versions


def _update_state(con, batch_id: str, at: datetime, list_complete: bool) -> None:
    """Fold this batch's sightings and fetches into ``notice_state`` (one UPDATE)."""
    con.execute(
        """UPDATE notice_state AS s SET
            url              = coalesce(b.listed_url, s.url),
            list_title       = CASE WHEN b.listed THEN b.list_title ELSE s.list_title END,
            listed_on        = CASE WHEN b.listed THEN b.listed_on ELSE s.listed_on END,
            list_position    = CASE WHEN b.listed THEN b.list_position ELSE s.list_position END,
            last_listed_batch = CASE WHEN b.listed THEN ? ELSE s.last_listed_batch END,
            last_seen        = CASE WHEN b.listed OR b.content THEN ? ELSE s.last_seen END,
            last_fetch_at    = coalesce(b.last_fetch_at, s.last_fetch_at),
            last_fetch_outcome = coalesce(b.last_fetch_outcome, s.last_fetch_outcome),
            last_checked_at  = coalesce(b.checked_at, s.last_checked_at),
            etag             = coalesce(b.etag, s.etag),
            last_modified    = coalesce(b.last_modified, s.last_modified),
            absent_streak    = CASE
                WHEN b.listed OR b.content THEN 0
                WHEN ? AND b.gone THEN s.absent_streak + 1
                ELSE s.absent_streak END
        FROM (
            SELECT s.notice_id,
                   l.notice_id IS NOT NULL              AS listed,
                   l.url AS listed_url, l.title AS list_title, l.listed_on,
                   l.position AS list_position,
                   coalesce(f.content, false)           AS content,
                   coalesce(f.gone, false)              AS gone,
                   f.last_fetch_at, f.last_fetch_outcome, f.checked_at,
                   coalesce(n.etag, f.etag)             AS etag,
                   coalesce(n.last_modified, f.last_modified) AS last_modified
            FROM notice_state AS s
            LEFT JOIN (
                SELECT * FROM batch_listings
                QUALIFY row_number() OVER (PARTITION BY notice_id ORDER BY position) = 1
            ) AS l
                   ON l.notice_id = s.notice_id
            LEFT JOIN (
                SELECT notice_id,
                       bool_or(outcome IN ('ok', 'not_modified'))           AS content,
                       bool_or(outcome = 'not_found')                       AS gone,
                       max(fetched_at)                                      AS last_fetch_at,
                       arg_max(outcome, fetched_at)                         AS last_fetch_outcome,
                       max(fetched_at) FILTER (outcome IN ('ok', 'not_modified')) AS checked_at,
                       arg_max(etag, fetched_at) FILTER (outcome IN ('ok', 'not_modified')) AS etag,
                       arg_max(last_modified, fetched_at)
                           FILTER (outcome IN ('ok', 'not_modified'))       AS last_modified
                FROM batch_fetches
                WHERE page_kind IN ('article', 'probe') AND notice_id IS NOT NULL
                GROUP BY notice_id
            ) AS f ON f.notice_id = s.notice_id
            LEFT JOIN batch_notices AS n ON n.notice_id = s.notice_id
            WHERE l.notice_id IS NOT NULL OR f.notice_id IS NOT NULL
        ) AS b
        WHERE b.notice_id = s.notice_id""",
        [batch_id, at, list_complete],
    )
