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

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.errors import StageFailed
from core.sqlfiles import statements, used_params

SQL = statements(Path(__file__).parent / "sql" / "search.sql")
MACROS = ("fold_macro", "words_macro", "tokens_macro")
SLICE = 256  # notice_versions rows tokenised per statement: bounds the token lists in memory
# (fts itself tokenises 2,048 paragraphs at a time: see sql/search.sql)


@dataclass(frozen=True)
class SearchIndex:
    """What ``build_search_index`` indexed."""

    notices: int
    terms: int
    seconds: float

    def __str__(self) -> str:
        return f"search index: {self.notices} notices, {self.terms} terms, {self.seconds:.1f}s"


def fts_extension_path() -> Path:
    """The fts extension of the installed DuckDB, from the duckdb-extension-fts wheel."""
    try:
        import duckdb_extension_fts
    except ImportError:
        raise StageFailed(
            "full-text search: the duckdb-extension-fts package is not installed "
            "(run scripts/bootstrap.sh)"
        ) from None
    path = (
        Path(duckdb_extension_fts.__file__).parent
        / "extensions" / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    )  # fmt: skip
    if not path.is_file():
        raise StageFailed(
            f"full-text search: no fts extension for DuckDB {duckdb.__version__} at {path} "
            "(duckdb and duckdb-extension-fts must be the same version)"
        )
    return path


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension into ``con`` from the wheel's file (never INSTALL: no network)."""
    path = str(fts_extension_path()).replace("'", "''")
    con.execute(f"LOAD '{path}'")


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The tokeniser macros (``search_fold``, ``search_words``, ``search_tokens``)."""
    for name in MACROS:
        con.execute(SQL[name])


def build_search_index(
    con: duckdb.DuckDBPyConnection, *, now: datetime | None = None
) -> SearchIndex:
    """(Re)build the index and ``search_notices`` in the database open on ``con``.

    One transaction: a failure leaves the database as it was.
    """
    t0 = time.monotonic()
    load_fts(con)
    # fts writes a paragraph's tokens in order only if rows keep their order:
    # the positions (sql/search.sql, paragraph_starts) are read from that order.
    con.execute("SET preserve_insertion_order = true")
    con.execute("BEGIN TRANSACTION")
    try:
        create_macros(con)
        con.execute(SQL["create_text"])
        rows = con.execute("SELECT coalesce(max(rowid) + 1, 0) FROM notice_versions").fetchone()[0]
        for first in range(0, rows, SLICE):
            _execute(con, "fill_text", {"first": first, "count": SLICE})
        # paragraphs are numbered nid * per_notice + n: per_notice, a power of two above
        # the most paragraphs any notice has, keeps the numbers apart
        most = con.execute("SELECT coalesce(max(para), 0) FROM search_text").fetchone()[0]
        params = {"per_notice": 1 << (most + 1).bit_length()}
        con.execute(SQL["create_index"])
        con.execute("SET preserve_insertion_order = false")  # order is read; let the rest spill
        for step in ("paragraph_starts", "sort_terms", "swap_terms", "renumber_docs",
                     "notice_docs", "drop_text", "version_index"):
            _execute(con, step, params)
        params["seconds"] = time.monotonic() - t0
        params["built_at"] = (now or datetime.now(UTC)).isoformat()
        _execute(con, "info_table", params)
        con.execute(SQL["search_macro"])  # after search_index: the macro reads it
        notices, terms = con.execute("SELECT notices, terms FROM search_index").fetchone()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return SearchIndex(notices, terms, params["seconds"])


def _execute(con: duckdb.DuckDBPyConnection, name: str, params: dict):
    sql = SQL[name]
    return con.execute(sql, used_params(sql, params))
