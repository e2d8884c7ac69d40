"""Writing the site: every file atomically, and a manifest of what the last build wrote.

A file is written to a temporary name in its own folder and renamed over the
old one (``os.replace``), so a reader (a web server, a browser) gets the old
page or the new one, never half of either. Only the manifest, written last,
is also flushed to disk: after a crash, a page it names may be older than it
says, and the next build's fingerprint check cannot see that; a full build
(``build_site(full=True)``, ``zgwatch site DIR --full``) rewrites everything.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ConfigError

MANIFEST = ".zgwatch-site.json"  # in the site's root; its presence marks a folder as a site
LOCK = ".zgwatch-site.lock"  # in the site's root: one build at a time (``site_lock``)
FORMAT = 1


def write_atomic(path: Path, data: str | bytes, *, durable: bool = False) -> int:
    """Write ``data`` to ``path`` through a temporary file and a rename; return its size.

    ``durable`` also flushes the file to disk before the rename. A file that already
    holds ``data`` is left as it is (a quiet cycle's feeds and unit pages: no rename,
    and its Last-Modified stays that of its content).
    """
    _folder(path.parent)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _holds(path, raw):
        return len(raw)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename is None:  # a failed write() names no file: the line must name it
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(raw)


def _holds(path: Path, raw: bytes) -> bool:
    try:
        return path.stat().st_size == len(raw) and path.read_bytes() == raw
    except OSError:
        return False


_made: set[Path] = set()  # folders known to exist: a build writes thousands of files


def _folder(folder: Path) -> None:
    if folder not in _made or not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        _made.add(folder)


@dataclass
class Manifest:
    """What the previous build wrote: the build's key and each notice page's fingerprint."""

    key: dict = field(default_factory=dict)  # code, column and base URL the pages were built for
    notices: dict[str, str] = field(default_factory=dict)  # notice_id -> fingerprint
    as_of: str | None = None
    built_at: str | None = None

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "key": self.key, "as_of": self.as_of,
                           "built_at": self.built_at, "notices": self.notices},
                          ensure_ascii=False, separators=(",", ":"))  # fmt: skip


def read_manifest(site_dir: Path) -> Manifest | None:
    """The manifest of the site in ``site_dir``; None for a new site (empty or missing folder).

    A folder that holds other files and no manifest is refused (``ConfigError``):
    the site never writes over files it did not make. A manifest that cannot
    be read counts as none, so the next build is a full one.
    """
    site_dir = Path(site_dir)
    path = site_dir / MANIFEST
    if not path.exists():
        if site_dir.exists() and not site_dir.is_dir():
            raise ConfigError(f"site folder {site_dir}: not a folder")
        if site_dir.is_dir() and any(p.name != LOCK for p in site_dir.iterdir()):
            raise ConfigError(f"site folder {site_dir}: not empty and not a zgwatch site "
                              f"(no {MANIFEST}); choose an empty or new folder")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return Manifest()
        return Manifest(key=dict(data.get("key") or {}), notices=dict(data.get("notices") or {}),
                        as_of=data.get("as_of"), built_at=data.get("built_at"))
    except (OSError, ValueError, AttributeError, TypeError):
        return Manifest()


@contextmanager
def site_lock(site_dir: Path) -> Iterator[None]:
    """Hold the site's lock while the block runs: two builds of one site (two sources'
    cycles publishing at once) take turns instead of writing the same files together."""
    _folder(Path(site_dir))
    with open(Path(site_dir) / LOCK, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_manifest(site_dir: Path, manifest: Manifest) -> None:
    write_atomic(Path(site_dir) / MANIFEST, manifest.to_json(), durable=True)
