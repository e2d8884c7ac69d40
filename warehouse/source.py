"""The source a warehouse holds (docs/sources.md): recorded by each cycle, another refused.

A warehouse holds one source's history; its id keys every row analysts read
(``source_id``, ``source_name`` on every view, through the view ``sources``).
Each cycle records its source from the settings before its first request
(``record``): the first records it, later ones refresh its name, URL and kind
(configuration may rename a source; its id is stable), and one asked to run as
another id is refused (``SourceMismatch``, exit 2) before anything is written,
as ``warehouse.column`` refuses another column. A warehouse made before sources
existed has no row: the first cycle of the new release records the source it
runs as, so its rows keep every value and gain their source (upgrade in place).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from core.errors import SourceMismatch
from core.sources import Source
from core.sqlfiles import SqlFile
from warehouse import column

SQL = SqlFile(Path(__file__).parent / "sql" / "stages" / "source.sql")


def recorded(con) -> str | None:
    """The id of the source the warehouse holds, or None before its first cycle."""
    row = SQL.execute(con, "recorded").fetchone()
    return row[0] if row else None


def record(con, source: Source, now: datetime | None = None) -> None:
    """Record that the warehouse holds ``source`` (its name, URL and kind as configured now);
    ``SourceMismatch`` when it holds a source of another id, nothing written."""
    held = recorded(con)
    if held is not None and held != source.id:
        raise SourceMismatch(column.where(con), held, source.id)
    SQL.execute(con, "record", source_id=source.id, name=source.name, url=source.url,
                kind=source.kind, now=now or datetime.now(UTC))
