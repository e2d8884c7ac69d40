"""Site search: Pagefind's static index of the notice pages, in ``search/``.

Pagefind (the ``pagefind-bin-extended`` wheel: its extended build segments
Chinese into words) reads the written notice pages, the regions each marks
``data-pagefind-body`` (the title and the latest version's text), and writes a
bundle of small index files that the browser fetches as a reader types: no
server, no outside load.

Pagefind holds everything it indexes in memory (about 0.5 MB a notice page) and
has no incremental mode. So the notices are split into **buckets** in the order
of their ids, each its own bundle ``search/<bucket>/``, and a build reindexes
only the buckets holding a notice page it wrote, or whose members changed:
memory stays bounded by a bucket. The column numbers its notices in
publication order and the notices changing are mostly the recent ones: whole
blocks of ``PER_BUCKET`` old notices keep their members (and bundles) as the
column grows, and the last block, not yet whole, is cut into buckets of
``PER_RECENT``, so a cycle's new or edited notice reindexes 50 pages, not 400
(1.75 s → about 0.3 s on the 2-CPU machine); when the block is whole its small
buckets give way to one (400 pages indexed once per 400 notices). The pages
load the first bucket's ``pagefind.js`` and merge the other buckets' indexes
into it (Pagefind's ``mergeIndex``);
``search/buckets.json`` lists the buckets with a hash of their members. A
bucket's new bundle is written beside the old one and swapped in with two
renames, so readers never see half an index.

A site of several sources (``sitemap.source_folder``) has one ``search/`` at its
root over every source's notice pages; each source's notices fill buckets of their
own (``<id>.0``, ``<id>.1`` …), so one source's new notices leave the others' alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from core import sitemap
from core.errors import StageFailed
from history.files import write_atomic

GLOB = "**/*.html"  # the staged folder holds the bucket's notice pages and nothing else
ENTRY = "pagefind.js"  # what the pages import, from the first bucket
LISTING = "buckets.json"  # {"buckets": {"0": <hash of its notice ids>, "1": …}}
PER_BUCKET = 400  # notices a bucket holds: ~200 MB for Pagefind
PER_RECENT = 50  # notices a bucket of the last block holds: an edit there reindexes 50 pages
TIMEOUT = 1800.0  # seconds for one bucket: far above what 400 notices take
STALE = "stale"  # a bucket's hash in buckets.json when its bundle is due for a reindex
STAGE = ".search-src"  # the pages of each bucket, hard-linked, for Pagefind to read


def pagefind() -> Path:
    """The Pagefind binary of the installed wheel (``StageFailed`` when it is missing)."""
    try:
        import pagefind_bin_extended

        return pagefind_bin_extended.get_executable()
    except (ImportError, FileNotFoundError):
        raise StageFailed("site search: the pagefind-bin-extended package is not installed "
                          "(run scripts/bootstrap.sh)") from None


def buckets(notice_ids: Iterable[str], per_bucket: int = PER_BUCKET,
            per_recent: int = PER_RECENT) -> dict[str, list[str]]:
    """The notices in id order, by bucket name: whole blocks of ``per_bucket``
    (``"0"``, ``"1"`` …), then the last block, not yet whole, in buckets of
    ``per_recent`` (``"2-0"``, ``"2-1"`` …), so a new or edited recent notice
    reindexes a small bucket; the block's buckets give way to one when it is whole."""
    ordered = sorted(notice_ids, key=lambda i: (len(i), i))  # numeric order of digit strings
    whole = len(ordered) // per_bucket * per_bucket
    out = {str(k): ordered[at : at + per_bucket]
           for k, at in enumerate(range(0, whole, per_bucket))}  # fmt: skip
    block = whole // per_bucket
    out.update({f"{block}-{j}": ordered[at : at + per_recent]
                for j, at in enumerate(range(whole, len(ordered), per_recent))})  # fmt: skip
    return out


def members_hash(members: list[str]) -> str:
    """What a bucket holds, in 16 hex digits: another member means another bundle."""
    return hashlib.sha256(",".join(members).encode()).hexdigest()[:16]


def listing(site_dir: Path) -> dict:
    """``search/buckets.json`` (empty: no bundle yet)."""
    try:
        return json.loads((Path(site_dir) / sitemap.SEARCH_DIR / LISTING).read_text())
    except (OSError, ValueError):
        return {}


class SearchBuilt(NamedTuple):
    seconds: float
    left: int  # buckets due but left for the next build (its deadline came): marked stale


def wanting(site_dir: Path) -> bool:
    """Whether ``search/`` needs a build whatever pages were written: it has no bundle yet,
    or a bucket was left stale by a build past its deadline."""
    buckets = listing(site_dir).get("buckets")
    return not buckets or not isinstance(buckets, dict) or STALE in buckets.values()


def build_search(site_dir: Path, notice_ids: Iterable[str], changed: Iterable[str] | None,
                 *, per_bucket: int = PER_BUCKET, per_recent: int = PER_RECENT,
                 deadline: float | None = None) -> SearchBuilt:
    """Bring ``search/`` up to date for the notice pages of ``notice_ids``: reindex the
    buckets holding one of ``changed`` (None: all), or whose bundle is missing or marked
    stale, and drop buckets no longer used. No notice page, no bundle. Past ``deadline``
    (a ``time.monotonic()`` instant) no further bucket is reindexed: those due keep their
    old bundle and are marked stale in ``buckets.json``, which the next build reindexes."""
    return build_folders_search(site_dir, {"": notice_ids},
                                None if changed is None else {"": changed},
                                per_bucket=per_bucket, per_recent=per_recent,
                                deadline=deadline)


def _bucket_prefix(folder: str) -> str:
    """How the buckets of a folder's notices are named: ``0`` … at the root, ``<id>.0`` …
    for ``sources/<id>/``."""
    return folder.strip("/").rpartition("/")[2] + "." if folder else ""


def build_folders_search(site_dir: Path, folders: dict[str, Iterable[str]],
                         changed: dict[str, Iterable[str]] | None, *,
                         per_bucket: int = PER_BUCKET, per_recent: int = PER_RECENT,
                         deadline: float | None = None) -> SearchBuilt:
    """``build_search`` over the notice pages of several folders (``{folder: notice ids}``,
    ``""`` the root, ``sources/<id>/`` a source's), each in buckets of its own; ``changed``
    the ids whose pages were written, by folder (None: all)."""
    t0 = time.monotonic()
    site_dir = Path(site_dir)
    groups: dict[str, list[str]] = {}
    touched: set[str] = set()
    for folder, notice_ids in folders.items():
        ids = sorted(i for i in notice_ids
                     if (site_dir / folder / sitemap.notice_page(i)).is_file())
        again = set(ids if changed is None else changed.get(folder, ()))
        for name, members in buckets(ids, per_bucket, per_recent).items():
            groups[_bucket_prefix(folder) + name] = [folder + sitemap.notice_page(i)
                                                     for i in members]
            touched.update(folder + sitemap.notice_page(i) for i in again.intersection(members))
    search = site_dir / sitemap.SEARCH_DIR
    if not groups:
        shutil.rmtree(search, ignore_errors=True)
        return SearchBuilt(time.monotonic() - t0, 0)
    before = listing(site_dir).get("buckets")
    before = before if isinstance(before, dict) else {}
    hashes = {name: members_hash(members) for name, members in groups.items()}
    left = 0
    for name, members in groups.items():
        fresh = (search / name / "pagefind-entry.json").is_file()
        if before.get(name) != hashes[name] or touched.intersection(members) or not fresh:
            if fresh and deadline is not None and time.monotonic() > deadline:
                hashes[name], left = STALE, left + 1  # its old bundle serves until then
                continue
            _index_bucket(site_dir, name, members)
    names = list(groups)
    for old in search.iterdir():
        if old.is_dir() and old.name not in names:
            shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(site_dir / STAGE, ignore_errors=True)
    write_atomic(search / LISTING, json.dumps({"buckets": hashes}))
    return SearchBuilt(time.monotonic() - t0, left)


def _index_bucket(site_dir: Path, name: str, members: list[str]) -> None:
    """Run Pagefind over one bucket's pages (their paths in the site) into
    ``search/<name>/``, swapped in whole."""
    stage = site_dir / STAGE / name
    shutil.rmtree(stage, ignore_errors=True)
    for page in members:
        (stage / page).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site_dir / page, stage / page)
        except OSError:  # another file system: a copy will do
            shutil.copyfile(site_dir / page, stage / page)
    search = site_dir / sitemap.SEARCH_DIR
    search.mkdir(exist_ok=True)
    fresh, old = search / f".{name}.new", search / f".{name}.old"
    for leftover in (fresh, old):  # of a build that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    command = [str(pagefind()), "--site", str(stage), "--output-path", str(fresh),
               "--glob", GLOB, "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise StageFailed(f"site search: pagefind took over {TIMEOUT:.0f} s "
                          f"on {stage}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if done.returncode != 0 or not (fresh / "pagefind-entry.json").is_file():
        why = (done.stderr or done.stdout).strip().splitlines()
        raise StageFailed(f"site search: pagefind failed on {stage}: "
                          f"{why[-1] if why else f'exit {done.returncode}'}")
    target = search / name
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
