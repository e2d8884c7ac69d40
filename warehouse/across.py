"""The analysts' copy across sources: every source's relations in one read-only file.

With a registry each source has its own warehouse and its own analyst copy
(``warehouse/publish.py``). Analysts open one file,
``<data_dir>/zgwatch.analyst.duckdb``, that holds every source: after a
source's publish, ``merge_source`` brings that source's rows in from its own
copy, replacing only that source's rows (the other sources' rows are not
read), so its cost follows the source, not all of them. Like the per-source
copy, it is written to a temporary file beside the target and renamed over it
(readers keep their snapshot), and a lock file serialises two sources'
publishes, which may run at once in two processes.

In it every relation analysts read is a **table** with ``source_id`` and
``source_name`` first: each view of a source's copy (``notices``, ``changes``,
``change_hunks``, ``parse_gaps``, …, and ``sources``, one row per source) and
the tables analysts read (``batches``, ``search_index``). The macros work as in
a source's copy: ``diff_versions(notice_id, a, b, source_id := NULL)`` (on the
tables ``change_hunks`` and ``pair_hunks``), the vocabulary's macros, and
``search_notices(query, snippets := 20)``: each source's search index is kept
in a schema of its own (``"search_<id>"``, copied from its copy as it is), and
the macro asks each and merges the results, best first. Scores are BM25 within
each source's own notices (a word's rarity is counted per source).

Before the rename, with every source's rows in and inside the lock, the
inspection cycle's relations (``units``, ``inspection_rounds``,
``rectification_due``, …) are built on the merged documents
(``publish.judge_cycle``): analysts read each unit judged on every source.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb

from core.errors import StageFailed
from core.filelock import lock_within, open_lock_file
from core.sqlfiles import SqlFile, transaction
from warehouse import db as wdb
from warehouse.extensions import quoted
from warehouse.inspection import DEFAULT_RULES, CycleRules
from warehouse.publish import judge_cycle, remove_leftovers
from warehouse.search import SQL as SEARCH
from warehouse.search import create_macros

ACROSS_NAME = "zgwatch.analyst.duckdb"
TABLES = ("batches", "search_index")  # tables analysts read beside the views
SEARCH_TABLES = ("docs", "dict", "terms", "stats", "fields", "notice_docs")  # fts's, as copied
SQL = SqlFile(Path(__file__).parent / "sql" / "queries" / "across.sql")
SEARCH_GUARD = re.compile(r'^"search_notices: ')  # the view search_notices reads first


def across_path(data_dir: Path) -> Path:
    """Where analysts find the copy across sources: ``<data_dir>/zgwatch.analyst.duckdb``."""
    return Path(data_dir) / ACROSS_NAME


def merge_source(target: Path, copy: Path, *, source_id: str, source_name: str,
                 lock_wait: float = 120.0,
                 cycle: CycleRules = DEFAULT_RULES) -> Path:
    """Bring source ``source_id``'s rows in the copy across sources ``target`` up to date from
    its own analyst copy ``copy``; return ``target``. Only that source's rows are replaced.

    Two merges into one target wait for each other (a lock file beside it, up to
    ``lock_wait`` seconds, then ``StageFailed``); ``cycle``: the user's rules for the
    inspection cycle's relations. The new file replaces the old by
    a rename; a failure leaves the old one as it was and no temporary file.
    """
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with _locked(target.with_name(f".{target.name}.lock"), lock_wait):
        remove_leftovers(target)
        try:
            if target.exists():
                shutil.copyfile(target, tmp)
            with _session(tmp) as con:
                con.execute(f"ATTACH '{quoted(copy)}' AS src (READ_ONLY)")
                with transaction(con):
                    _merge(con, source_id, source_name)
                con.execute("DETACH src")
                judge_cycle(con, replace(cycle, across=None))  # every source's documents
                con.execute("CHECKPOINT")
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            Path(f"{target}.wal").unlink(missing_ok=True)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
    return target


@contextlib.contextmanager
def _session(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A plain connection to the temporary file, with the pipeline's session settings (no
    migrations: the copy across sources holds tables of analysts only)."""
    con = duckdb.connect(str(path))
    try:
        for name, value in wdb.SESSION.items():
            con.execute(f"SET {name} = {value}")
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def _locked(path: Path, wait: float) -> Iterator[None]:
    """Hold an ``flock`` on ``path`` (waiting up to ``wait`` seconds) inside the ``with``."""
    fd = open_lock_file(path)
    try:
        if not lock_within(fd, wait):
            raise StageFailed(f"copy across sources: {path} stayed locked by another "
                              f"publish for {wait:g}s")
        yield
    finally:
        os.close(fd)  # the lock goes with the descriptor


def _merge(con: duckdb.DuckDBPyConnection, source_id: str, source_name: str) -> None:
    """In the open copy across sources (``src`` attached): replace the source's rows of
    every relation, its search index, then (re)make the macros and the bookkeeping."""
    ids = {"source_id": source_id, "source_name": source_name}
    SQL.execute(con, "bookkeeping")
    relations = _relations(con)
    for name in relations:
        _replace_rows(con, name, ids)
    for (gone,) in SQL.execute(con, "relations_gone", names=relations, **ids).fetchall():
        con.execute(f'DELETE FROM "{gone}" WHERE source_id = $source_id', {"source_id": source_id})
    SQL.execute(con, "forget_relations", **ids)
    for name in relations:
        SQL.execute(con, "record_relation", name=name, **ids)
    create_macros(con)  # the tokeniser queries are cut with, and the guard search reads
    SEARCH.execute(con, "search_guard")
    _replace_search(con, source_id)
    SQL.execute(con, "record_source", **ids)
    con.execute(wdb.vocabulary_sql())
    for view in wdb.view_files():
        if view.name == "diff_versions":  # the table macro, on the tables of the same names
            con.execute(view.sql)
    _search_macro(con)


def _relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the source's copy gives analysts: its views (not the search guard) and
    ``TABLES``."""
    views = [n for (n,) in SQL.execute(con, "source_views").fetchall()
             if not SEARCH_GUARD.match(f'"{n}')]
    tables = [n for (n,) in SQL.execute(con, "source_tables", names=list(TABLES)).fetchall()]
    return sorted(views + tables)


def _columns(con: duckdb.DuckDBPyConnection, database: str, name: str) -> dict[str, str]:
    return dict(SQL.execute(con, "columns", database=database, name=name).fetchall())


def _replace_rows(con: duckdb.DuckDBPyConnection, name: str, ids: dict) -> None:
    """The source's rows of relation ``name``: deleted, then read from its copy, with its
    id and name first (added to a table of the copy that has no such columns)."""
    theirs = _columns(con, "src", name)
    if "source_id" in theirs:
        select = "* REPLACE ($source_id AS source_id, $source_name AS source_name)"
    else:
        select = "$source_id AS source_id, $source_name AS source_name, *"
    query = f'SELECT {select} FROM src."{name}"'
    ours = _columns(con, _this(con), name)
    if not ours:
        con.execute(f'CREATE TABLE "{name}" AS {query} LIMIT 0', ids)
    else:
        for column, kind in theirs.items():  # a column a newer release added
            if column not in ours:
                con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{column}" {kind}')
    con.execute(f'DELETE FROM "{name}" WHERE source_id = $source_id',
                {"source_id": ids["source_id"]})
    con.execute(f'INSERT INTO "{name}" BY NAME {query}', ids)


def _this(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_database()").fetchone()[0]


def _schema(source_id: str) -> str:
    """The schema holding source ``source_id``'s search index (ids are [a-z0-9-])."""
    return f'"search_{source_id}"'


def _replace_search(con: duckdb.DuckDBPyConnection, source_id: str) -> None:
    """The source's search index, copied as it is into its own schema, with what its
    ``search_notices`` reads: fts's tables, ``search_index`` and the latest texts."""
    schema = _schema(source_id)
    con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    has_index = SQL.execute(con, "source_has_index").fetchone()[0]
    if not has_index:
        return
    con.execute(f"CREATE SCHEMA {schema}")
    for table in SEARCH_TABLES:
        con.execute(f"CREATE TABLE {schema}.{table} AS "
                    f"SELECT * FROM src.fts_main_search_text.{table}")
    con.execute(f"CREATE TABLE {schema}.search_index AS SELECT * FROM src.search_index")
    con.execute(f"CREATE TABLE {schema}.notice_versions AS "
                f"{SQL.text('latest_texts')}")
    con.execute(_source_search_macro(schema))


def _source_search_macro(schema: str) -> str:
    """``search.sql``'s ``search_notices``, reading the index in ``schema``."""
    sql = SEARCH.text("search_macro")
    sql = sql.replace("MACRO search_notices(", f"MACRO {schema}.search_notices(", 1)
    sql = sql.replace("fts_main_search_text.", f"{schema}.")
    return re.sub(r"\b(FROM|JOIN)\s+(search_index|notice_versions)\b",
                  rf"\1 {schema}.\2", sql)


def _search_macro(con: duckdb.DuckDBPyConnection) -> None:
    """``search_notices(query, snippets := 20)`` over every source's index, best first."""
    parts = [f"SELECT $sid_{n} AS source_id, $sname_{n} AS source_name, * "
             f"FROM {_schema(sid)}.search_notices(query, snippets := snippets)"
             for n, (sid, _) in enumerate(_indexed(con))]
    params = {k: v for n, (sid, name) in enumerate(_indexed(con))
              for k, v in ((f"sid_{n}", sid), (f"sname_{n}", name))}
    body = " UNION ALL ".join(parts) or (
        "SELECT NULL::VARCHAR AS source_id, NULL::VARCHAR AS source_name, "
        "NULL::VARCHAR AS notice_id, NULL::VARCHAR AS title, NULL::VARCHAR AS issuer, "
        "NULL::DOUBLE AS score, NULL::VARCHAR AS snippet, NULL::DATE AS published_on, "
        "NULL::VARCHAR AS status, NULL::VARCHAR AS url WHERE false")
    for key, value in params.items():  # a macro takes no prepared parameters: literals
        body = body.replace(f"${key} ", f"'{value.replace(chr(39), chr(39) * 2)}' ")
    con.execute("CREATE OR REPLACE MACRO search_notices(query, snippets := 20) AS TABLE "
                f"SELECT * FROM ({body}) ORDER BY score DESC, source_id, notice_id")


def _indexed(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(source_id, source_name) of every source whose search index the copy holds."""
    return SQL.execute(con, "indexed_sources").fetchall()
