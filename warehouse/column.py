"""The column a warehouse watches: recorded by its first cycle, another one refused.

A warehouse holds one column's history. Pointed at another column, a cycle would
merge two sites: a notice id both share would get a false ``edited``, and the first
site's notices would stay ``active`` for ever. So the first cycle whose crawl read
the column records it (``record_first``, called by the load), every cycle checks
the column it is asked to watch before its first request (``check``), and a move
to a new address is a deliberate step (``move``). URLs that name the same column
(``core.vocabulary.column_key``: trailing slash, ``index.html``, case of scheme and
host) are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.errors import ColumnMismatch
from core.sqlfiles import SqlFile
from core.vocabulary import column_key, column_url

SQL = SqlFile(Path(__file__).parent / "sql" / "stages" / "column.sql")


@dataclass(frozen=True)
class Column:
    source: str  # the address, as crawled
    key: str  # column_key(source)


def _record(con, source: str, how: str, moved_from: str | None = None,
            now: datetime | None = None) -> Column:
    source = column_url(source)
    SQL.execute(con, "record", source=source, column_key=column_key(source), how=how,
             moved_from=moved_from, now=now or datetime.now(UTC))
    return Column(source, column_key(source))


def current(con) -> Column | None:
    """The column the warehouse watches, or None before its first readable crawl.

    A warehouse made before the column was recorded adopts the column of its
    first batch whose first list page was read.
    """
    row = SQL.execute(con, "current").fetchone()
    if row is not None:
        return Column(row[0], row[1])
    first = SQL.execute(con, "first_readable_batch").fetchone()
    if first is None:
        return None
    try:
        return _record(con, first[1], f"adopted from batch {first[0]}")
    except ValueError:  # an address we would refuse today (a password in it): adopt nothing
        return None


def where(con) -> str:
    """The warehouse's file, for messages."""
    return SQL.execute(con, "file").fetchone()[0]


def check(con, source: str) -> None:
    """Raise ``ColumnMismatch`` (exit 2) when the warehouse watches another column than
    ``source``; nothing is recorded for a warehouse that has none yet."""
    watched = current(con)
    if watched is not None and watched.key != column_key(source):
        raise ColumnMismatch(where(con), watched.source, column_url(source))


def record_first(con, source: str | None, batch_id: str, readable: bool) -> None:
    """At the load of a batch crawled from ``source``: refuse a batch of another column;
    record the column when this is the first batch that could read it."""
    if not source:
        return  # a batch that does not say (older crawler): nothing to compare
    watched = current(con)
    if watched is None:
        if readable:
            _record(con, source, "first cycle")
    elif watched.key != column_key(source):
        raise ColumnMismatch(where(con), watched.source, column_url(source), batch=batch_id)


def move(con, new_source: str, now: datetime | None = None) -> tuple[Column | None, Column]:
    """Record that the column now lives at ``new_source``: (old, new); old is None for a
    warehouse that had no column yet, and equal to new when nothing moved."""
    old = current(con)
    if old is not None and old.key == column_key(new_source):
        return old, old
    new = _record(con, new_source, "moved" if old else "set by a move",
                  old.source if old else None, now)
    return old, new
