"""Chinese full-text search for analysts: an index kept in the analyst copy only.

``build_search_index(con, previous=...)`` runs on the publish step's temporary
copy, before the rename (``warehouse/publish.py``), never on the pipeline's
warehouse. It loads DuckDB's fts extension by file path from the locked
``duckdb-extension-fts`` wheel (``INSTALL`` would need the network), has
``PRAGMA create_fts_index`` make fts's schema and macros, and fills fts's
tables itself, per notice: the index the database already holds (a spare
analyst copy brought up to date) or else the previous analyst copy's is kept
for every notice whose text did not change, and only new or changed notices
are tokenised into character bigrams, in SQL. It creates the table macro
``search_notices(query)``, which needs no extension to run. The SQL, and why
bigrams, is in ``sql/search.sql``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.sqlfiles import SqlFile, transaction
from warehouse.extensions import load_extension, quoted

SQL_PATH = Path(__file__).parent / "sql" / "search.sql"
SQL = SqlFile(SQL_PATH)
MACROS = ("fold_macro", "words_macro", "pairs_macro", "tokens_macro")
log = logging.getLogger(__name__)
SLICE_CHARS = 2_000_000  # characters tokenised per statement: bounds the token lists in memory
PARAGRAPH_CAP = 10_000  # characters of a paragraph indexed; the rest of it is not searchable
RESORT_SHARE = 0.1  # terms is sorted again when its unsorted tail passes this share of it
INDEX_TABLES = ("docs", "dict", "terms", "notice_docs")  # filled here (fts makes the rest)
TEMP_TABLES = ("search_text", "search_wanted", "search_stale", "search_pending",
               "search_df_change", "search_slice", "search_slice_tokens", "search_lengths")


@dataclass(frozen=True)
class SearchIndex:
    """What ``build_search_index`` indexed."""

    notices: int
    terms: int
    seconds: float
    reused: bool = False  # the previous analyst copy's index kept for unchanged notices
    changed: int = 0  # notices tokenised by this build
    unindexed: int = 0  # notices left for the next build: its deadline came first

    def __str__(self) -> str:
        how = (f"kept from the previous copy, {self.changed} notices tokenised" if self.reused
               else "built")  # fmt: skip
        left = f", {self.unindexed} notices left for the next publish" if self.unindexed else ""
        return (f"search index: {self.notices} notices, {self.terms} terms, {how}{left}, "
                f"{self.seconds:.1f}s")


def copy_only(name: str) -> bool:
    """Whether an object of the main schema named ``name`` is one this module adds to the
    analyst copy (its tables, views, macros and index): the warehouse holds none."""
    return name.startswith("search_") or name == "notice_versions_by_notice"


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension into ``con`` from the wheel's file (never INSTALL: no network)."""
    load_extension(con, "fts", "full-text search")


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The tokeniser macros (``search_fold``, ``search_words``, ``search_pairs``,
    ``search_tokens``)."""
    for name in MACROS:
        SQL.execute(con, name)


def build_search_index(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime | None = None,
    previous: Path | None = None,
    deadline: float | None = None,
) -> SearchIndex:
    """Bring the index and ``search_notices`` up to date in the database open on ``con``.

    The index kept is the one the database already holds (an older analyst
    copy brought up to date, ``warehouse/publish.py``), else that of
    ``previous``, the analyst copy this one replaces, copied in: when it was
    made by the same code (``fingerprint``), its rows are kept for every notice
    whose latest text is still the one it indexed, the other notices' rows are
    deleted, and only the new or changed notices are tokenised; anything wrong
    with it (missing, older, unreadable, a new notice with more paragraphs than
    its numbering leaves room for) means a build from nothing. Either way the
    index holds the same. ``deadline`` (a ``time.monotonic()`` instant) stops
    the tokenising between two slices once passed: the notices not reached are
    left out (``search_index.unindexed``) and the next build, which finds them
    missing, tokenises them. One transaction (two when the index kept turns out
    unusable half-way: the first rolled back): a failure leaves the database as it was.
    """
    t0 = time.monotonic()
    load_fts(con)
    fingerprint = _fingerprint()
    here = _own_index(con, fingerprint)
    prev = None
    if here is None and previous:
        prev = _attach_previous(con, Path(previous), fingerprint)
    # Only terms' order matters (sorted by term, then the tail): the statements that
    # write it keep their rows' order (_ordered); the rest may stream and spill.
    con.execute("SET preserve_insertion_order = false")

    def build(here, prev) -> tuple[dict, int, int]:
        with transaction(con):
            params = _fill(con, here, prev, deadline)
            params["seconds"] = time.monotonic() - t0
            params["built_at"] = (now or datetime.now(UTC)).isoformat()
            params["fingerprint"] = fingerprint
            SQL.execute(con, "info_table", **params)
            SQL.execute(con, "search_guard")
            SQL.execute(con, "search_macro")  # after search_index and the guard: it reads them
            return params, *SQL.execute(con, "counts").fetchone()

    try:
        try:
            params, notices, terms = build(here, prev)
        except _BuildAgain:  # rolled back: the build from nothing in a transaction of its own
            params, notices, terms = build(None, None)
    finally:
        if prev is not None:
            con.execute("DETACH prev")
    return SearchIndex(notices, terms, params["seconds"], params["reused"], params["changed"],
                       params["unindexed"])


def _fill(con: duckdb.DuckDBPyConnection, here: tuple[int, int] | None,
          prev: tuple[int, int] | None, deadline: float | None) -> dict:
    """Fill fts's tables: the index ``con`` holds (``here``) or ``prev``'s kept where the
    text is the same, tokenised otherwise; the parameters ``info_table`` records."""
    create_macros(con)
    SQL.execute(con, "wanted")
    params = {"cap": PARAGRAPH_CAP, "slice_chars": SLICE_CHARS, "reused": False,
              "unsorted": 0}
    kept = here is not None and _keep(con, params, *here)
    if kept or (prev is not None and _keep_previous(con, params, *prev)):
        params["reused"] = True
    elif here is not None or prev is not None:
        # DuckDB cannot commit a transaction that drops a table it wrote to (the index
        # just copied from prev): the build from nothing takes a transaction of its own
        raise _BuildAgain
    else:
        _fresh_schema(con)
        for table in INDEX_TABLES:
            con.execute(f"DROP TABLE IF EXISTS fts_main_search_text.{table}")
            SQL.execute(con, f"empty_{table}")
        SQL.execute(con, "no_change")
        SQL.execute(con, "pending", **params)
        (most,) = SQL.execute(con, "most_paragraphs").fetchone()
        # paragraphs are numbered nid * per_notice + n: per_notice, a power of two above
        # the most paragraphs any notice has, keeps the numbers apart
        params["per_notice"] = 1 << (most + 1).bit_length()
    _tokenise(con, params, deadline)
    for step in ("update_df", "drop_unused_terms", "notice_lengths", "new_notice_rows",
                 "kept_notice_rows", "clear_stats", "stats", "version_index"):
        SQL.execute(con, step, **params)
    if deadline is None or time.monotonic() <= deadline:  # else a later build sorts
        _sort_if_needed(con, params)
    for table in TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return params


class _BuildAgain(Exception):
    """The index kept cannot be: build it from nothing, in a transaction of its own."""


def _fresh_schema(con: duckdb.DuckDBPyConnection) -> None:
    """fts's schema, tables and macros made anew, less the tables filled here."""
    SQL.execute(con, "create_text")
    SQL.execute(con, "create_index")  # fts's schema, tables and macros, over no rows
    for table in ("docs", "dict", "terms"):
        con.execute(f"DROP TABLE fts_main_search_text.{table}")


OWN_TERMS, PREV_TERMS = "fts_main_search_text.terms", "prev.fts_main_search_text.terms"


def _keep_previous(con: duckdb.DuckDBPyConnection, params: dict, per_notice: int,
                   unsorted: int) -> bool:
    """Copy prev's index into ``con`` less the notices whose text is no longer wanted, then
    keep it as ``_keep`` does; False as ``_keep``."""
    _fresh_schema(con)
    params.update(per_notice=per_notice, unsorted=unsorted)
    _ordered(con, "copy_notice_docs")
    SQL.execute(con, "stale")
    SQL.execute(con, "stale_df", idents={"terms": PREV_TERMS}, **params)
    for step in ("copy_docs", "copy_terms", "copy_dict"):
        _ordered(con, step, **params)
    return _keep(con, params, per_notice, unsorted, copied=True)


def _keep(con: duckdb.DuckDBPyConnection, params: dict, per_notice: int,
          unsorted: int, *, copied: bool = False) -> bool:
    """Delete from the index ``con`` holds the notices whose text is no longer wanted
    (``copied``: prev's index was copied without their paragraphs, their notice rows are
    left), and list the notices to tokenise; False (nothing deleted) when one of those
    has more paragraphs than ``per_notice`` leaves room for."""
    params.update(per_notice=per_notice, unsorted=unsorted)
    if not copied:
        SQL.execute(con, "stale")
    SQL.execute(con, "pending", **params)
    (most,) = SQL.execute(con, "most_paragraphs").fetchone()
    if most >= per_notice:
        log.info("search index: a notice has %d paragraphs, more than the index numbers "
                 "(%d); building it again", most, per_notice)  # fmt: skip
        return False
    if not copied:
        _drop_stale_rows(con, params)
    SQL.execute(con, "delete_stale_notice_docs", **params)
    return True


def _drop_stale_rows(con: duckdb.DuckDBPyConnection, params: dict) -> None:
    """The stale notices' paragraphs and occurrences out of the index ``con`` holds, their
    terms' document counts lowered (``search_df_change``); the occurrences are written
    anew without them, not deleted (search.sql's ``keep_terms`` says why)."""
    if not SQL.execute(con, "stale_count").fetchone()[0]:
        SQL.execute(con, "no_change")
        return
    SQL.execute(con, "stale_df", idents={"terms": OWN_TERMS}, **params)
    _ordered(con, "keep_terms", **params)
    for step in ("drop_terms", "rename_sorted", "delete_stale_docs"):
        SQL.execute(con, step, **params)


def _tokenise(con: duckdb.DuckDBPyConnection, params: dict, deadline: float | None) -> None:
    """Tokenise the pending notices a slice at a time until done or past ``deadline``;
    record ``done`` (slices done), ``changed`` and ``unindexed`` (notices) in ``params``."""
    (slices,) = SQL.execute(con, "slices").fetchone()
    params["done"] = 0
    while params["done"] < slices:
        if deadline is not None and time.monotonic() > deadline:
            break
        first_row, last_row = SQL.execute(con, "slice_rows", slice=params["done"]).fetchone()
        for step in ("tokenise", "slice_docs", "slice_tokens", "add_terms", "new_df"):
            SQL.execute(con, step, **params, slice=params["done"], first_row=first_row,
                        last_row=last_row)
        _ordered(con, "add_occurrences")
        params["unsorted"] += SQL.execute(con, "slice_occurrences").fetchone()[0]
        params["done"] += 1
    params["changed"], params["unindexed"] = SQL.execute(con, "pending_counts",
                                                         **params).fetchone()


def _sort_if_needed(con: duckdb.DuckDBPyConnection, params: dict) -> None:
    """Sort terms by term again when its unsorted tail passed ``RESORT_SHARE`` of it."""
    (rows,) = SQL.execute(con, "occurrences").fetchone()
    if params["unsorted"] <= RESORT_SHARE * rows:
        return
    for step in ("sort_terms", "drop_terms", "rename_sorted"):
        SQL.execute(con, step)
    params["unsorted"] = 0


def _ordered(con: duckdb.DuckDBPyConnection, name: str, **params) -> None:
    """Run statement ``name`` keeping its rows in the order it reads or sorts them."""
    con.execute("SET preserve_insertion_order = true")
    try:
        SQL.execute(con, name, **params)
    finally:
        con.execute("SET preserve_insertion_order = false")


QUERY_SIDE = ("search_guard", "search_macro")  # read the index, made again every publish


def _fingerprint() -> str:
    """Which code made an index (this module and the statements of search.sql that write
    it; not ``QUERY_SIDE``): another means a build from nothing."""
    writing = [text for name, text in SQL.items() if name not in QUERY_SIDE]
    return hashlib.md5(Path(__file__).read_bytes() + "\n".join(writing).encode()).hexdigest()


def _own_index(con: duckdb.DuckDBPyConnection, fingerprint: str) -> tuple[int, int] | None:
    """(per_notice, unsorted) of the index ``con``'s database holds if this code made it;
    None when it holds none, or another one (a plain copy of the warehouse holds none)."""
    try:
        return SQL.execute(con, "own_index", fingerprint=fingerprint).fetchone()
    except duckdb.Error:  # no search_index, or one without these columns
        return None


def _attach_previous(con: duckdb.DuckDBPyConnection, previous: Path, fingerprint: str):
    """Attach ``previous`` as ``prev`` if its index was made by this code: its
    (per_notice, unsorted).

    None (nothing attached) when there is no such copy, it has no index, or another one.
    """
    if not previous.is_file():
        return None
    try:
        con.execute(f"ATTACH '{quoted(previous)}' AS prev (READ_ONLY)")
    except duckdb.Error as e:
        log.info("search index: previous copy %s not readable (%s); building", previous, e)
        return None
    try:
        row = SQL.execute(con, "previous_index", fingerprint=fingerprint).fetchone()
    except duckdb.Error:  # no search_index, or one without these columns: an older copy
        row = None
    if row is None:
        con.execute("DETACH prev")
        return None
    return row
