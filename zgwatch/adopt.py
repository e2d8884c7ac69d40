"""A warehouse made before the registry, adopted by the source that watches its column.

Before ``[[sources]]``, the one column lived in the default layout: the warehouse
``data/zgwatch.duckdb`` and the folders beside it (``raw/``, ``batches/``, ``failed/``,
``site/``). A registry gives each source its own folder ``data/sources/<id>/``; the
source whose URL names the column that old warehouse remembers
(``core.vocabulary.column_key``) takes it over: the first ``zgwatch run`` with the
registry moves the warehouse and those folders into the source's folder (renames in
one file system: nothing copied, nothing lost), and that source's next cycle records
its id in it (``warehouse.source``), which every row analysts read then carries. Only
what the source does not have yet moves; a source that names its own ``db`` adopts
nothing. Without a match the old warehouse stays where it is (the default source's).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from core.vocabulary import column_key
from zgwatch.config import Settings
from zgwatch.lock import cycle_lock

log = logging.getLogger("zgwatch")


def adopt_previous(settings: Settings) -> str | None:
    """Move the default layout's warehouse (``settings.db``, made before the registry) and
    its folders into the folder of the registry source watching its column; one line saying
    what moved, or None when nothing did (no registry, no such warehouse, no source of its
    column, or that source has a warehouse already)."""
    if not settings.has_registry or not settings.db.exists():
        return None
    column = _column(settings)
    if column is None:
        return None
    match = [s for s in settings.source_list if column_key(s.url) == column_key(column)]
    if not match or match[0].db is not None:
        return None
    one = settings.for_source(match[0])
    if one.db.exists():
        return None
    with cycle_lock(settings.data_dir), cycle_lock(one.data_dir):
        moved = [_move(Path(f"{settings.db}{end}"), Path(f"{one.db}{end}"))
                 for end in ("", ".wal")]
        folders = [(settings.raw_dir, one.raw_dir), (settings.batches_dir, one.batches_dir),
                   (settings.failed_dir, one.failed_dir)]
        if settings.site_dir is None:
            folders.append((settings.site_folder, one.site_folder))
        moved += [_move(old, new) for old, new in folders]
    names = ", ".join(p.name for p in moved if p is not None)
    line = (f"warehouse {settings.db} (made before the registry) watches {column}: moved "
            f"to source {one.source_id}'s folder {one.data_dir} ({names})")
    log.info("%s", line)
    return line


def _column(settings: Settings) -> str | None:
    """The column the old warehouse remembers (``warehouse.column.current``), or None."""
    from warehouse import column
    from warehouse.db import connect

    with connect(settings.db, lock_wait=settings.lock_wait) as con:
        watched = column.current(con)
    return watched.source if watched else None


def _move(old: Path, new: Path) -> Path | None:
    """Rename ``old`` to ``new`` when ``old`` exists and ``new`` does not; what moved."""
    if not old.exists() or new.exists():
        return None
    new.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.rename(old, new)
        return old
    return None
