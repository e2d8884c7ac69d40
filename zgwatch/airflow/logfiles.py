"""Logs that do not fill the disk: the components' logs rotated by size, old task logs pruned.

``zgwatch airflow`` pipes each component's output through ``RotatingLog``
(``<AIRFLOW_HOME>/logs/components/<name>.log``, then ``.1`` … ``.N``), and
prunes task logs older than ``ZGWATCH_TASK_LOG_DAYS`` days once an hour
(``prune_task_logs``). docs/operators.md, "Logs", has the defaults and what a
deployment without the launcher does instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import BinaryIO

MAX_BYTES = 10 * 1024 * 1024  # a component's log rotates at 10 MiB ...
BACKUPS = 5  # ... keeping 5 older files: at most 60 MiB per component
TASK_LOG_DAYS = 30  # task logs (logs/dag_id=…) older than this are deleted
PRUNE_EVERY = 3600.0  # seconds between two prunings
TASK_LOG_DAYS_ENV = "ZGWATCH_TASK_LOG_DAYS"
LOG_MAX_MB_ENV = "ZGWATCH_LOG_MAX_MB"


class RotatingLog:
    """A file that, before a write would take it past ``max_bytes``, becomes ``<name>.1``
    (``.1`` becomes ``.2`` …, the oldest past ``backups`` is deleted) and starts again.

    Whole lines are written at once, so a line is never split across two files.
    """

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, backups: int = BACKUPS):
        self.path, self.max_bytes, self.backups = Path(path), max_bytes, backups
        self._file: BinaryIO = self.path.open("ab")
        self._size = self._file.tell()
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._size and self._size + len(data) > self.max_bytes:
                self._rotate()
            self._file.write(data)
            self._file.flush()
            self._size += len(data)

    def _rotate(self) -> None:
        self._file.close()
        for n in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{n + 1}"))
        if self.backups:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink(missing_ok=True)
        self._file = self.path.open("ab")
        self._size = 0

    def close(self) -> None:
        with self._lock:
            self._file.close()


def pump(stream: BinaryIO, log: RotatingLog) -> threading.Thread:
    """Copy ``stream`` (a component's stdout) into ``log`` line by line, in a thread, until
    it ends; then close the log."""
    def copy() -> None:
        try:
            for line in iter(stream.readline, b""):
                log.write(line)
        finally:
            with contextlib.suppress(OSError):
                stream.close()
            log.close()

    thread = threading.Thread(target=copy, daemon=True, name=f"log {log.path.name}")
    thread.start()
    return thread


def prune_task_logs(logs: Path, days: float, now: float | None = None) -> int:
    """Delete task log files (under ``logs/dag_id=…``) not written for ``days`` days, and the
    folders left empty; how many files went. The components' own logs are left alone."""
    cutoff = (time.time() if now is None else now) - days * 86400
    removed = 0
    for dag_folder in logs.glob("dag_id=*"):
        for path in sorted(dag_folder.rglob("*"), reverse=True):  # files before their folders
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
    return removed
