"""The analysts' copy of the warehouse: a whole, read-only snapshot replaced atomically.

DuckDB's write lock also shuts out readers in other processes, so analysts do
not open the pipeline's file. After each cycle the pipeline checkpoints the
warehouse and copies it to ``<db stem>.analyst.duckdb`` beside it: written to a
temporary file in the same folder, flushed, then renamed over the old copy.
A rename is atomic, so an analyst opening the copy gets the old one or the new
one, never half of either; an analyst who holds the old copy open keeps
reading it (the old file lives on until they close it), and nothing an
analyst does can hold up the next cycle.

The copy also gets what only analysts need: the full-text index and
``search_notices`` (``warehouse/search.py``), and the inspection cycle's
relations of this source (``warehouse/inspection.py``, as of the latest cycle),
built on the temporary file after the warehouse's lock is released and before
the rename, so the pipeline's warehouse never holds them and analysts never see a copy without them.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from core.errors import StageFailed
from core.sqlfiles import SqlFile
from core.testhook import pause_point
from core.vocabulary import today_in_shanghai
from warehouse.db import connect
from warehouse.inspection import DEFAULT_RULES, CycleRules, build_inspection
from warehouse.search import build_search_index

log = logging.getLogger(__name__)
QUERIES = SqlFile(Path(__file__).parent / "sql" / "queries" / "publish.sql")


def analyst_copy_path(db_path: Path) -> Path:
    """Where analysts find the copy: ``data/zgwatch.duckdb`` → ``data/zgwatch.analyst.duckdb``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.analyst.duckdb")


def publish_analyst_copy(db_path: Path, *, lock_wait: float = 120.0,
                         deadline: float | None = None,
                         cycle: CycleRules = DEFAULT_RULES) -> Path:
    """Replace the analysts' copy of ``db_path`` with its current state; return the copy's path.

    ``deadline`` (a ``time.monotonic()`` instant) bounds the search index's
    tokenising: notices not reached by then are indexed by the next publish
    (``search_index.unindexed`` says how many). ``cycle``: the rules the inspection
    cycle's relations are built by. The temporary copy never
    outlives this call, whatever fails; one left by a publisher that died (a
    crash, ``kill -9``) is removed here.
    """
    db_path = Path(db_path)
    target = analyst_copy_path(db_path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # Holding the write connection keeps other writers out while the bytes are
    # copied; CHECKPOINT first folds the write-ahead log into the file.
    with connect(db_path, lock_wait=lock_wait) as con:
        remove_leftovers(target)
        con.execute("CHECKPOINT")
        wal = Path(f"{db_path}.wal")
        if wal.exists() and wal.stat().st_size:  # the file alone would miss what the log holds
            raise StageFailed(f"cannot publish {target}: {wal} was not checkpointed "
                              "(a transaction is still open in this process)")  # fmt: skip
        try:
            shutil.copyfile(db_path, tmp)
        except BaseException:
            _remove(tmp)
            raise
    # The warehouse's lock is released: the index is built on the copy alone.
    try:
        _add_search(tmp, previous=target, deadline=deadline, cycle=cycle)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        # A log left by someone who wrote to the old copy must not be replayed into the new one.
        Path(f"{target}.wal").unlink(missing_ok=True)
        pause_point("publish:copied")
        os.replace(tmp, target)
    finally:
        _remove(tmp)
    _fsync_dir(target.parent)
    return target


def left_over(copy: Path, incident_kind: str) -> tuple[int, bool]:
    """What the published ``copy`` says: (notices its search index left for the next
    publish, whether an incident of ``incident_kind`` was open when it was taken)."""
    with connect(copy, read_only=True, lock_wait=0) as con:
        return QUERIES.execute(con, "left_over", kind=incident_kind).fetchone()


def _add_search(copy: Path, *, previous: Path, deadline: float | None,
                cycle: CycleRules) -> None:
    """Bring the full-text index and the inspection cycle's relations into ``copy`` and fold
    them into the file (no log left); ``previous``, the copy it replaces, lends its index
    for the notices that did not change."""
    with connect(copy, lock_wait=0) as con:
        index = build_search_index(con, previous=previous, deadline=deadline)
        judge_cycle(con, cycle)
        con.execute("CHECKPOINT")
    log.info("%s", index)


def judge_cycle(con, cycle: CycleRules = DEFAULT_RULES) -> None:
    """The inspection cycle's relations (``build_inspection``) in the copy open on ``con``,
    as of its latest cycle's date (today in Shanghai before the first): a source's copy,
    or the copy across sources (``warehouse.across``, its rule's ``across`` None)."""
    as_of = QUERIES.execute(con, "cycle_as_of").fetchone()[0] or today_in_shanghai()
    build_inspection(con, as_of=as_of, expected_months=cycle.expected_months,
                     aliases=cycle.aliases, across=cycle.across)


_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp(?:\.wal)?$")


def _remove(tmp: Path) -> None:
    """The temporary copy and the log its index build may have left."""
    tmp.unlink(missing_ok=True)
    Path(f"{tmp}.wal").unlink(missing_ok=True)


def remove_leftovers(target: Path) -> list[Path]:
    """Remove temporary copies of ``target`` whose writer is dead; return them.

    Called with the warehouse's write lock held, so no other publisher of this
    warehouse is copying; one still building its index (after the lock) is
    alive, and a pid still alive (that publisher, one reused by some other
    program, or a publisher of a same-named copy elsewhere) is left alone.
    """
    removed = []
    for path in target.parent.glob(f".{target.name}.*.tmp*"):
        m = _TMP.match(path.name)
        if m and m["name"] == target.name and not _alive(int(m["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier publish of this very process that did not clean up
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
