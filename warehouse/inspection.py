"""The inspection cycle as relations: units, rounds, deadlines, who is overdue.

``build_inspection(con, as_of=…)`` (re)creates, on a connection where the view
``inspection_documents`` is visible, the tables ``units``, ``inspection_rounds``,
``rectification_due``, ``round_documents`` (each document's round) and
``unit_aliases`` (the hand-added aliases it applied), from the SQL of
``sql/inspection.sql``. ``inspection_documents`` may be one source's (each
source's analyst copy, at publish) or the union of every source's (the copy
across sources): the three kinds of document of a round come from three
columns, so rounds are linked across them. Rules (docs/inspection.md):

- a document's facts belong to its unit (``core.units`` keys; hand-added
  aliases map a key onto a canonical unit) and to the round its day places
  it in: a unit's facts in order of day, a new round after a gap of more than
  ``ROUND_GAP_MONTHS``;
- ``report_due`` = feedback + ``REPORT_DUE_MONTHS`` (article 27);
  ``progress_expected_by`` = feedback + ``expected_months`` (the user's rule,
  ``progress_expected_months``); ``days_overdue`` as of ``as_of``.

``cycle_tables`` makes the same relations as TEMP tables only (the diff reads
them for ``progress_overdue``). On one source's warehouse or copy, the other
sources' documents are read from the copy across sources when it is given
(``CycleRules.across``), so a source's rounds see the progress notices another
source holds; its ``round_documents.own`` says which documents are its own.
"""

from __future__ import annotations

import contextlib
import csv
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from core.errors import ConfigError
from core.sqlfiles import SqlFile
from core.units import Aliases, unit_name
from core.vocabulary import PROGRESS_EXPECTED_MONTHS, REPORT_DUE_MONTHS, ROUND_GAP_MONTHS

SQL = SqlFile(Path(__file__).parent / "sql" / "inspection.sql")
log = logging.getLogger("warehouse")
ALIAS_SCHEMA = pa.schema([("alias", pa.string()), ("canonical", pa.string()),
                          ("alias_key", pa.string()), ("unit_key", pa.string())])
ALIAS_HEADER = ("alias", "canonical")
# the tables build_inspection keeps in an analyst copy (statement "keep"): the warehouse
# holds none of them
RELATIONS = frozenset({"units", "inspection_rounds", "rectification_due", "round_documents",
                       "unit_aliases"})


@dataclass(frozen=True)
class CycleRules:
    """The user's rules for the cycle: the span after feedback in which a progress notice is
    expected (``progress_expected_months``), the hand-added aliases (alias, canonical), and
    the copy across sources whose other sources' documents a source's rounds are linked
    with (None without a registry: a source's documents are all there is)."""

    expected_months: int = PROGRESS_EXPECTED_MONTHS
    aliases: tuple[tuple[str, str], ...] = ()
    across: Path | None = None
    # the registry's other sources: a judgment that needs every source's documents
    # (progress_overdue) waits until each of them is in the copy across sources
    others: tuple[str, ...] = ()


DEFAULT_RULES = CycleRules()


def build_inspection(con: duckdb.DuckDBPyConnection, *, as_of: date,
                     expected_months: int = PROGRESS_EXPECTED_MONTHS,
                     aliases: Iterable[tuple[str, str]] = (),
                     across: Path | None = None) -> bool:
    """(Re)create ``units``, ``inspection_rounds``, ``rectification_due``, ``round_documents``
    and ``unit_aliases`` from ``inspection_documents`` as of ``as_of`` (with the other
    sources' documents of the copy ``across``, see ``cycle_tables``); whether they were."""
    judged = cycle_tables(con, as_of=as_of, expected_months=expected_months, aliases=aliases,
                          across=across)
    SQL.execute(con, "keep")
    return judged


def cycle_tables(con: duckdb.DuckDBPyConnection, *, as_of: date, expected_months: int,
                 aliases: Iterable[tuple[str, str]] = (), across: Path | None = None,
                 others: Iterable[str] = ()) -> bool:
    """The relations as TEMP tables (``cycle_units``, ``cycle_rounds``, ``cycle_due``,
    ``cycle_linked``) from ``inspection_documents`` (column ``own`` true) and, when ``across``
    (the copy across sources) exists and can be read, the other sources' documents in it.

    Returns whether every source's documents were seen: true without ``across`` (the
    documents of ``con`` are all there is), false when ``across`` was named but not read
    (no copy yet, or one being replaced) or lacks one of ``others`` (the registry's other
    sources, not published into it yet): then a round's progress notice may be unseen.
    """
    pairs = list(aliases)
    book = Aliases(pairs)  # an alias of an alias reaches the canonical unit
    rows = [{"alias": a, "canonical": c, "alias_key": unit_name(a).key,
             "unit_key": book.resolve(unit_name(a).key)} for a, c in pairs]
    con.register("alias_rows", pa.Table.from_pylist(rows, schema=ALIAS_SCHEMA))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE cycle_aliases AS FROM alias_rows")
    finally:
        con.unregister("alias_rows")
    params = {"as_of": as_of, "expected_months": expected_months,
              "report_months": REPORT_DUE_MONTHS, "gap_months": ROUND_GAP_MONTHS}
    with _attached(con, across) as read:
        SQL.execute(con, "all_documents" if read else "own_documents")
        for name in ("facts", "linked", "rounds", "due", "units"):
            SQL.execute(con, name, **params)
        # every other source has published into the copy (a source not there yet may
        # hold the progress notice a round is waiting for)
        whole = read and SQL.rows(con, "sources_present", ids=list(others))[0][0] == len(
            set(others))
    return across is None or whole


@contextlib.contextmanager
def _attached(con: duckdb.DuckDBPyConnection, across: Path | None) -> Iterator[bool]:
    """Attach the copy across sources read-only as ``across`` for the block; yield whether
    it is there with its documents (a failure to read it is a warning, never an error)."""
    if across is None or not Path(across).exists():
        yield False
        return
    quoted = str(across).replace("'", "''")  # ATTACH takes no parameter
    try:
        con.execute(f"ATTACH '{quoted}' AS across (READ_ONLY)")
    except duckdb.Error as exc:
        log.warning("the copy across sources %s is not read now: %s", across,
                    str(exc).splitlines()[0])
        yield False
        return
    try:
        yield bool(SQL.execute(con, "has_documents").fetchone()[0])
    finally:
        con.execute("DETACH across")


def read_aliases(path: Path) -> list[tuple[str, str]]:
    """The hand-added aliases of ``path`` (CSV, header ``alias,canonical``: one pair a line,
    the alias naming the unit the canonical name names); none when the file is absent.
    ``ConfigError`` (one line naming the file and the line) when it is not such a file."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"unit aliases {path}: cannot read it ({exc})") from None
    if not rows or tuple(c.strip() for c in rows[0]) != ALIAS_HEADER:
        raise ConfigError(f"unit aliases {path}: the first line must be 'alias,canonical'")
    pairs = []
    for n, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len(cells) != 2 or not all(cells):
            raise ConfigError(f"unit aliases {path}, line {n}: expected two names, "
                              "an alias and its unit")
        pairs.append((cells[0], cells[1]))
    return pairs
