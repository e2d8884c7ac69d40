"""One cycle at a time per data directory: an ``flock`` on ``<data dir>/zgwatch.lock``.

``zgwatch run`` holds it for the whole cycle; the stage commands that write
(``crawl``, ``load``, ``diff``, ``alert``) and each Airflow task hold it while
they run, so a CLI run and an Airflow run never overlap. The file holds the
holder's pid, host, command and start time, for the one line a second run
prints. The kernel releases an ``flock`` when the last process holding it
ends, however it ends (``kill -9`` included), so a lock is never stale; a
file left behind is just taken by the next run. The crawl subprocess inherits
the lock (``fds``), so a run whose parent was killed keeps the lock until its
crawl has stopped too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from core.errors import CycleRunning, StageFailed
from core.vocabulary import shanghai_time

LOCK_NAME = "zgwatch.lock"
_held: dict[Path, int] = {}  # data dir (resolved) -> the lock file's descriptor, in this process


def lock_path(data_dir: Path) -> Path:
    return Path(data_dir) / LOCK_NAME


def held_fds(data_dir: Path) -> tuple[int, ...]:
    """The descriptor of the lock this process holds on ``data_dir`` (for a child to inherit)."""
    fd = _held.get(Path(data_dir).resolve())
    return () if fd is None else (fd,)


@contextlib.contextmanager
def cycle_lock(data_dir: Path, *, wait: float = 0.0) -> Iterator[Path]:
    """Hold the cycle lock of ``data_dir`` inside the ``with``; re-entrant in one process.

    Raises ``CycleRunning`` naming the holder when another process holds it
    (after waiting up to ``wait`` seconds).
    """
    key = Path(data_dir).resolve()
    if key in _held:  # a stage command inside a run: already ours
        yield lock_path(data_dir)
        return
    path = lock_path(data_dir)
    fd = _acquire(path, wait)
    _held[key] = fd
    try:
        yield path
    finally:
        del _held[key]
        os.close(fd)  # the kernel drops the lock with the last descriptor (a crawl's too)


def _acquire(path: Path, wait: float) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise StageFailed(f"cycle lock {path}: cannot open it ({exc.strerror or exc})") from None
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _holder(fd)
                os.close(fd)
                raise CycleRunning(f"another cycle is running on {path.parent}: {holder}; "
                                   f"lock {path}") from None
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 2.0)
    _write_holder(fd)
    return fd


def _write_holder(fd: int) -> None:
    """Who holds the lock, for the next one's message (the file's old content is dropped)."""
    facts = {"pid": os.getpid(), "host": socket.gethostname(),
             "since": datetime.now(UTC).isoformat(timespec="seconds"),
             "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300]}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(facts, ensure_ascii=False) + "\n").encode("utf-8"), 0)


def _holder(fd: int) -> str:
    """The holder as one phrase: ``pid 123 on host since 2026-… (zgwatch run)``."""
    try:
        facts = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        since = shanghai_time(datetime.fromisoformat(facts["since"]))
        phrase = (f"pid {facts['pid']} on {facts['host']} since {since} 北京时间 "
                  f"({facts['command']})")
    except (ValueError, KeyError, TypeError, OSError):
        return "held by a process that has not said who it is yet"
    if facts.get("host") == socket.gethostname() and not _alive(int(facts["pid"])):
        phrase += ", which has ended; its crawl is still stopping"
    return phrase


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
