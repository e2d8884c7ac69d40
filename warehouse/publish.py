"""The analysts' copy of the warehouse: a whole, read-only snapshot replaced atomically.

DuckDB's write lock also shuts out readers in other processes, so analysts do
not open the pipeline's file. After each cycle the pipeline checkpoints the
warehouse and copies it to ``<db stem>.analyst.duckdb`` beside it: written to a
temporary file in the same folder, flushed, then renamed over the old copy.
A rename is atomic, so an analyst opening the copy gets the old one or the new
one, never half of either; an analyst who holds the old copy open keeps
reading it (the old file lives on until they close it), and nothing an
analyst does can hold up the next cycle.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from core.errors import StageFailed
from core.testhook import pause_point
from warehouse.db import connect


def analyst_copy_path(db_path: Path) -> Path:
    """Where analysts find the copy: ``data/zgwatch.duckdb`` → ``data/zgwatch.analyst.duckdb``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.analyst.duckdb")


def publish_analyst_copy(db_path: Path, *, lock_wait: float = 120.0) -> Path:
    """Replace the analysts' copy of ``db_path`` with its current state; return the copy's path.

    The temporary copy never outlives this call, whatever fails; one left by a
    publisher that died (a crash, ``kill -9``) is removed here.
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
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            # A log left by someone who wrote to the old copy must not be replayed into the
            # new one.
            Path(f"{target}.wal").unlink(missing_ok=True)
            pause_point("publish:copied")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    _fsync_dir(target.parent)
    return target


_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")


def remove_leftovers(target: Path) -> list[Path]:
    """Remove temporary copies of ``target`` whose writer is dead; return them.

    Called with the warehouse's write lock held, so no other publisher of this
    warehouse is running; a pid still alive (reused by some other program, or a
    publisher of a same-named copy elsewhere) is left alone all the same.
    """
    removed = []
    for path in target.parent.glob(f".{target.name}.*.tmp"):
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
