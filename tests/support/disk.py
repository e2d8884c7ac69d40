"""A real small disk for tests of a full file system: a tmpfs mounted for the test.

``with small_disk(tmp_path / "disk", size_kb=16384) as disk:`` mounts a tmpfs there
(root only; the test is skipped, saying why, when mounting is impossible), and
``disk.fill(leave_kb)`` takes all its space but ``leave_kb``, so the next writes
fail with ``ENOSPC`` exactly as on a full disk; ``disk.free()`` gives it back.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.prerequisites import unavailable

CHUNK = 64 * 1024


@dataclass
class Disk:
    path: Path

    @property
    def filler(self) -> Path:
        return self.path / ".filler"

    def fill(self, leave_kb: int = 0) -> None:
        """Take every free byte, then give ``leave_kb`` back."""
        with self.filler.open("ab") as fh:
            block = b"\0" * CHUNK
            while True:
                try:
                    fh.write(block)
                    fh.flush()
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
            size = fh.tell()
        if leave_kb:
            os.truncate(self.filler, max(0, size - leave_kb * 1024))

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def files(self) -> list[Path]:
        """Every file on the disk but the filler."""
        return sorted(p for p in self.path.rglob("*") if p.is_file() and p != self.filler)


@contextmanager
def small_disk(where: Path, size_kb: int) -> Iterator[Disk]:
    """A tmpfs of ``size_kb`` at ``where`` for the ``with`` block; skipped when it cannot
    be made, failed in CI (tests/support/prerequisites.py)."""
    if os.geteuid() != 0:
        unavailable("a full disk is tested on a tmpfs the test mounts, which needs root")
    where.mkdir(parents=True, exist_ok=True)
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755",
                            "tmpfs", str(where)], capture_output=True, text=True)
    if mount.returncode != 0:
        unavailable(f"cannot mount a tmpfs for a full disk: {mount.stderr.strip()}")
    try:
        yield Disk(where)
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
