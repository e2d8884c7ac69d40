"""Chinese full-text search for analysts: an index built into the analyst copy only.

``build_search_index(con)`` runs on the publish step's temporary copy, before
the rename (``warehouse/publish.py``), never on the pipeline's warehouse. It
loads DuckDB's fts extension by file path from the locked
``duckdb-extension-fts`` wheel (``INSTALL`` would need the network), tokenises
each notice's latest title and body into character bigrams in SQL, lets
``PRAGMA create_fts_index`` build the index, and creates the table macro
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
MACROS = ("fold_macro", "words_macro", "tokens_macro")
log = logging.getLogger(__name__)
SLICE = 256  # notice_versions rows tokenised per statement: bounds the token lists in memory
# (fts itself tokenises 2,048 paragraphs at a time: see sql/search.sql)


@dataclass(frozen=True)
class SearchIndex:
    """What ``build_search_index`` indexed."""

    notices: int
    terms: int
    seconds: float
    reused: bool = False  # copied from the previous analyst copy, made of the same

    def __str__(self) -> str:
        how = "copied from the previous copy (no notice changed)" if self.reused else "built"
        return (f"search index: {self.notices} notices, {self.terms} terms, {how}, "
                f"{self.seconds:.1f}s")


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension into ``con`` from the wheel's file (never INSTALL: no network)."""
    load_extension(con, "fts", "full-text search")


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The tokeniser macros (``search_fold``, ``search_words``, ``search_tokens``)."""
    for name in MACROS:
        SQL.execute(con, name)


def build_search_index(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime | None = None,
    previous: Path | None = None,
) -> SearchIndex:
    """(Re)build the index and ``search_notices`` in the database open on ``con``.

    ``previous`` is the analyst copy this one replaces: when its index was
    made of the same (the same latest versions with the same status and URL,
    by the same code: ``fingerprint``), its tables are copied instead of
    tokenising every notice again, which is most hourly cycles. Anything
    wrong with it (missing, older, unreadable) means a build. One
    transaction: a failure leaves the database as it was.
    """
    t0 = time.monotonic()
    load_fts(con)
    params = {"fingerprint": _fingerprint(con), "reused": False}
    if previous is not None:
        params["per_notice"] = _attach_previous(con, Path(previous), params["fingerprint"])
        params["reused"] = params["per_notice"] is not None
    # fts writes a paragraph's tokens in order only if rows keep their order:
    # the positions (sql/search.sql, paragraph_starts) are read from that order.
    con.execute("SET preserve_insertion_order = true")
    try:
        with transaction(con):
            create_macros(con)
            SQL.execute(con, "create_text")
            if params["reused"]:
                _copy_previous(con)
            else:
                params["per_notice"] = _build(con)
            for step in ("drop_text", "version_index"):
                SQL.execute(con, step, **params)
            params["seconds"] = time.monotonic() - t0
            params["built_at"] = (now or datetime.now(UTC)).isoformat()
            SQL.execute(con, "info_table", **params)
            SQL.execute(con, "search_macro")  # after search_index: the macro reads it
            notices, terms = con.execute("SELECT notices, terms FROM search_index").fetchone()
    finally:
        if params["reused"]:
            con.execute("DETACH prev")
    return SearchIndex(notices, terms, params["seconds"], params["reused"])


def _build(con: duckdb.DuckDBPyConnection) -> int:
    """Tokenise every notice's latest version and index it; return ``per_notice``."""
    rows = con.execute("SELECT coalesce(max(rowid) + 1, 0) FROM notice_versions").fetchone()[0]
    for first in range(0, rows, SLICE):
        SQL.execute(con, "fill_text", first=first, count=SLICE)
    # paragraphs are numbered nid * per_notice + n: per_notice, a power of two above
    # the most paragraphs any notice has, keeps the numbers apart
    most = con.execute("SELECT coalesce(max(para), 0) FROM search_text").fetchone()[0]
    params = {"per_notice": 1 << (most + 1).bit_length()}
    SQL.execute(con, "create_index")
    con.execute("SET preserve_insertion_order = false")  # order is read; let the rest spill
    for step in ("paragraph_starts", "sort_terms", "swap_terms", "renumber_docs",
                 "notice_docs"):
        SQL.execute(con, step, **params)
    return params["per_notice"]


def _copy_previous(con: duckdb.DuckDBPyConnection) -> None:
    """The index's tables copied from ``prev``, in their order (terms sorted by term).

    fts's PRAGMA over the empty ``search_text`` makes the schema and its own
    macros (``match_bm25``); its empty tables are then replaced by prev's.
    """
    SQL.execute(con, "create_index")
    for (table,) in SQL.rows(con, "previous_tables"):
        name = f'fts_main_search_text."{table}"'
        con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute(f'CREATE TABLE {name} AS SELECT * FROM prev.fts_main_search_text."{table}"')


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the index would be made of, and by which code (this module and search.sql)."""
    (data,) = SQL.execute(con, "fingerprint").fetchone()
    code = hashlib.md5(Path(__file__).read_bytes() + SQL_PATH.read_bytes()).hexdigest()
    return f"{code}:{data}"


def _attach_previous(con: duckdb.DuckDBPyConnection, previous: Path, fingerprint: str):
    """Attach ``previous`` as ``prev`` if its index is made of the same: its ``per_notice``.

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
    except duckdb.Error:  # no search_index, or one without a fingerprint: an older copy
        row = None
    if row is None:
        con.execute("DETACH prev")
        return None
    return row[0]


