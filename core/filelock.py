"""Waiting for an ``flock``, written once: the cycle and host locks (``zgwatch.lock``) and the
copy across sources' publish lock (``warehouse.across``) take their files' locks with it."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path


def open_lock_file(path: Path) -> int:
    """A descriptor of ``path`` (made, with its folder, if missing), for ``lock_within``;
    ``OSError`` as the system gives it."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def lock_within(fd: int, wait: float, *, waiting: Callable[[], None] | None = None) -> bool:
    """An exclusive ``flock`` on ``fd``, tried again with a back-off (50 ms doubling to 2 s)
    for up to ``wait`` seconds; whether it was taken. ``waiting()`` is called once, when
    the first try finds it held. The lock goes with the last descriptor of the open file."""
    deadline, pause = time.monotonic() + wait, 0.05
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            if waiting is not None:
                waiting()
                waiting = None
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 2.0)
