"""One cycle at a time per data directory, one crawl at a time per host: ``flock``s.

**The cycle lock**, ``<data dir>/zgwatch.lock``:

``zgwatch run`` holds it for the whole cycle; the stage commands that write
(``crawl``, ``load``, ``diff``, ``alert``) and each Airflow task hold it while
they run, so a CLI run and an Airflow run never overlap. The file holds the
holder's pid, host, command and start time, for the one line a second run
prints. The kernel releases an ``flock`` when the last process holding it
ends, however it ends (``kill -9`` included), so a lock is never stale; a
file left behind is just taken by the next run. The crawl subprocess inherits
the lock (``fds``), so a run whose parent was killed keeps the lock until its
crawl has stopped too.

**The host lock**, ``<data root>/hosts/<host>.lock`` (``host_lock``): every crawl, and
anything else that requests a site, holds the lock of the site's host while it
requests it, so sources on one host never have two requests in flight, whatever
process runs them; the file also records when its last holder let go, so the next
one on the host starts no sooner than ``delay`` after that (docs/sources.md,
"Politeness: one host, one budget").
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.errors import CycleRunning, HostBusy, StageFailed, ZgwatchError
from core.filelock import lock_within, open_lock_file
from core.sources import host_key, host_slug
from core.vocabulary import shanghai_time

log = logging.getLogger("zgwatch")

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
    fd = _acquire(path, "cycle lock", wait, lambda holder: CycleRunning(
        f"another cycle is running on {path.parent}: {holder}; lock {path}"))
    try:
        _write_holder(fd, path)
    except BaseException:
        os.close(fd)
        raise
    _held[key] = fd
    try:
        yield path
    finally:
        del _held[key]
        os.close(fd)  # the kernel drops the lock with the last descriptor (a crawl's too)


HOSTS_FOLDER = "hosts"
# host lock file (resolved) -> its descriptor, per thread: re-entrant in one thread; two
# threads of one process (the triggerer's probes) take turns like two processes (flock
# locks an open file, and each thread opens its own)
_threads = threading.local()


def _held_hosts() -> dict[Path, int]:
    if not hasattr(_threads, "hosts"):
        _threads.hosts = {}
    return _threads.hosts


def host_lock_path(root: Path, url: str) -> Path:
    """``<root>/hosts/<host>.lock``: one file per host (``core.sources.host_slug``), shared
    by every source on it and every process whose data root is ``root``."""
    return Path(root) / HOSTS_FOLDER / f"{host_slug(host_key(url))}.lock"


@dataclass(frozen=True)
class HostTurn:
    """A turn on a host: the lock file, the descriptor a crawl subprocess inherits (none when
    the turn was already this process's), and the seconds spent waiting for it."""

    path: Path
    fds: tuple[int, ...]
    waited: float


@contextlib.contextmanager
def host_lock(where, url: str, wait: float | None = None, *,
              delay: float | None = None) -> Iterator[HostTurn]:
    """Hold the lock of ``url``'s host inside the ``with``: one crawl at a time per host.

    ``where`` is the settings (the lock lives under their data root, ``data_root`` or
    else ``data_dir``; ``wait`` defaults to ``host_wait``, ``delay`` to ``delay``) or the
    data root itself (``delay`` then defaults to 0). Waits up to ``wait`` seconds for the
    lock, then raises ``HostBusy`` naming the holder; once it has the lock, waits until
    ``delay`` seconds have passed since the previous holder let go (the time it let go is
    in the file; a holder that ended without saying, killed, costs a whole ``delay``).
    Re-entrant in one thread (another thread of the process takes its turn as another
    process would). The time it lets go is written when the ``with`` ends.
    """
    if isinstance(where, str | Path):
        root, wait, delay = Path(where), wait or 0.0, delay or 0.0
    else:
        root = where.data_root or where.data_dir
        wait = where.host_wait if wait is None else wait
        delay = where.delay if delay is None else delay
    path = host_lock_path(root, url)
    key = Path(os.path.abspath(path))
    held = _held_hosts()
    if key in held:
        yield HostTurn(path, (), 0.0)
        return
    started = time.monotonic()
    fd = _acquire(path, "host lock", wait, lambda holder: HostBusy(
        f"host {host_key(url)} is busy: another crawl held it for more than {wait:g} s "
        f"(host_wait): {holder}; lock {path}"), waiting=lambda holder: log.info(
        "waiting for host %s (up to %g s): %s", host_key(url), wait, holder))
    try:
        pause = _pause_after(_facts(fd), delay)
        if pause > 0:
            time.sleep(pause)  # the host's delay, across sources and processes
        _write_holder(fd, path, url=url)
    except BaseException:
        os.close(fd)
        raise
    held[key] = fd
    try:
        yield HostTurn(path, (fd,), time.monotonic() - started)
    finally:
        del held[key]
        _let_go(fd)


def _pause_after(previous: dict | None, delay: float) -> float:
    """Seconds still to wait for the host's ``delay`` after the holder before (``previous``,
    the lock file's facts: None for a file never written)."""
    if previous is None or delay <= 0:
        return 0.0
    last = previous.get("released_at")
    if not isinstance(last, int | float) or isinstance(last, bool):
        return delay  # it ended without saying when (killed): its last request may be now
    return max(0.0, min(delay, last + delay - time.time()))


def _let_go(fd: int) -> None:
    """Record the time this holder let go (its last request is over), then release."""
    try:
        facts = _facts(fd) or {}
        _write(fd, {**facts, "released_at": time.time()})
    except OSError:
        pass  # the next holder then waits a whole delay: polite all the same
    finally:
        os.close(fd)


def _acquire(path: Path, what: str, wait: float, busy: Callable[[str], ZgwatchError], *,
             waiting: Callable[[str], None] | None = None) -> int:
    """The descriptor of ``path`` locked for this process, after up to ``wait`` seconds;
    ``busy(holder)`` is raised past them, ``waiting(holder)`` is called once when it waits."""
    try:
        fd = open_lock_file(path)
    except OSError as exc:
        raise StageFailed(f"{what} {path}: cannot open it ({exc.strerror or exc})") from None
    if lock_within(fd, wait, waiting=waiting and (lambda: waiting(_holder(fd)))):
        return fd
    holder = _holder(fd)
    os.close(fd)
    raise busy(holder)


def _write_holder(fd: int, path: Path, **more: str) -> None:
    """Who holds the lock, for the next one's message (the file's old content is dropped);
    ``StageFailed`` naming ``path`` when the disk refuses it."""
    try:
        _write(fd, {"pid": os.getpid(), "host": socket.gethostname(),
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                    "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300],
                    **more})
    except OSError as exc:
        raise StageFailed(f"lock {path}: cannot write it ({exc.strerror or exc})") from None


def _write(fd: int, facts: dict) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(facts, ensure_ascii=False) + "\n").encode("utf-8"), 0)


def _facts(fd: int) -> dict | None:
    """The lock file's facts; None for an empty file, {} for one that cannot be read."""
    raw = os.pread(fd, 4096, 0)
    if not raw.strip():
        return None
    try:
        facts = json.loads(raw.decode("utf-8"))
    except ValueError:
        return {}
    return facts if isinstance(facts, dict) else {}


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
