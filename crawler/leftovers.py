"""What a crawl killed half-way leaves behind, cleaned at the start of the next one.

A batch without ``DONE`` is never loaded (``warehouse.load``), so a killed
crawl's folder would sit in ``batches/`` for ever. ``sweep`` runs before a new
batch is started, while the caller holds the cycle lock (so no crawl is live):

- an incomplete batch (no ``DONE``) whose crawl started is moved to
  ``failed/<batch_id>/``, whole (its ``crawl.log`` and ``crawl.stderr`` say
  what happened); the newest ``FAILED_KEPT`` are kept, older ones deleted;
- an empty batch folder is removed; one holding only ``known.jsonl`` (a
  snapshot whose crawl has not started: the DAG's ``crawl`` task runs after
  ``snapshot_known``) is left alone for ``SNAPSHOT_MAX_AGE``, then moved too;
- half-written raw pages (``<sha>.html.tmp<pid>``) and write probes
  (``.probe-*``) in the raw-page folder are deleted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.batch import Batch

FAILED_KEPT = 20  # incomplete batches kept in failed/ for a look, newest first
SNAPSHOT_MAX_AGE = 24 * 3600.0  # seconds a batch with only known.jsonl may wait for its crawl


@dataclass
class Swept:
    """What ``sweep`` did."""

    moved: list[str] = field(default_factory=list)  # batch ids moved to failed/
    removed: int = 0  # empty batch folders removed
    temp_files: int = 0  # half-written raw pages and probes deleted
    pruned: int = 0  # old failed batches deleted

    def __bool__(self) -> bool:
        return bool(self.moved or self.removed or self.temp_files or self.pruned)

    def __str__(self) -> str:
        parts = []
        if self.moved:
            parts.append(f"{len(self.moved)} incomplete batch(es) moved to failed/ "
                         f"({', '.join(self.moved)})")
        if self.removed:
            parts.append(f"{self.removed} empty batch folder(s) removed")
        if self.temp_files:
            parts.append(f"{self.temp_files} half-written raw page(s) deleted")
        if self.pruned:
            parts.append(f"{self.pruned} old failed batch(es) deleted")
        return "; ".join(parts) or "nothing left behind"


def sweep(batches_dir: Path, raw_dir: Path, failed_dir: Path, *,
          now: float | None = None) -> Swept:
    """Clean what killed crawls left (see the module docstring); never touches a complete batch."""
    now = time.time() if now is None else now
    swept = Swept()
    if Path(batches_dir).is_dir():
        for batch in sorted(Path(batches_dir).iterdir()):
            if batch.is_dir() and not Batch(batch).is_done():
                _sweep_batch(batch, Path(failed_dir), now, swept)
    swept.pruned = _prune(Path(failed_dir))
    swept.temp_files = _delete_temp_files(Path(raw_dir))
    return swept


def _sweep_batch(batch: Path, failed_dir: Path, now: float, swept: Swept) -> None:
    if not any(batch.iterdir()):
        batch.rmdir()
        swept.removed += 1
        return
    if Batch(batch).is_snapshot_only() and now - batch.stat().st_mtime < SNAPSHOT_MAX_AGE:
        return  # a snapshot waiting for its crawl
    failed_dir.mkdir(parents=True, exist_ok=True)
    target = failed_dir / batch.name
    if target.exists():  # moved before and written again: keep the later one
        shutil.rmtree(target)
    os.replace(batch, target)
    swept.moved.append(batch.name)


def _prune(failed_dir: Path) -> int:
    if not failed_dir.is_dir():
        return 0
    old = sorted((p for p in failed_dir.iterdir() if p.is_dir()), reverse=True)[FAILED_KEPT:]
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    return len(old)


def _delete_temp_files(raw_dir: Path) -> int:
    if not raw_dir.is_dir():
        return 0
    deleted = 0
    for path in (*raw_dir.glob("*/*.tmp*"), *raw_dir.glob(".probe-*")):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            deleted += 1
    return deleted
