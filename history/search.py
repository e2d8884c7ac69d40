"""Site search: Pagefind's static index of the notice pages, in ``search/``.

Pagefind (the ``pagefind-bin-extended`` wheel: its extended build segments
Chinese into words) reads the written notice pages, the regions each marks
``data-pagefind-body`` (the title and the latest version's text), and writes a
bundle of small index files that the browser fetches as a reader types: no
server, no outside load.

Pagefind holds everything it indexes in memory (about 0.5 MB a notice page) and
has no incremental mode. So the notices are split into **buckets** of at most
``PER_BUCKET`` (by a hash of their id; the count of buckets a power of two, so a
growing column rarely reshuffles them), each its own bundle
``search/<bucket>/``, and a build reindexes only the buckets holding a notice
page it wrote: memory stays bounded by a bucket, and an hourly cycle touching
a few notices reindexes a few buckets. The pages load the first bucket's
``pagefind.js`` and merge the other buckets' indexes into it (Pagefind's
``mergeIndex``); ``search/buckets.json`` lists the buckets that hold notices.
A bucket's new bundle is written beside the old one and swapped in with two
renames, so readers never see half an index.
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

from core import sitemap
from core.errors import StageFailed
from history.files import write_atomic

GLOB = f"{sitemap.NOTICES_DIR}/*.html"  # only the notice pages are searched
ENTRY = "pagefind.js"  # what the pages import, from the first bucket
LISTING = "buckets.json"  # {"count": 4, "buckets": ["0", "1", "3"]}: those holding notices
PER_BUCKET = 400  # notices a bucket holds at most: ~200 MB for Pagefind
TIMEOUT = 1800.0  # seconds for one bucket: far above what 400 notices take
STAGE = ".search-src"  # the pages of each bucket, hard-linked, for Pagefind to read


def pagefind() -> Path:
    """The Pagefind binary of the installed wheel (``StageFailed`` when it is missing)."""
    try:
        import pagefind_bin_extended

        return pagefind_bin_extended.get_executable()
    except (ImportError, FileNotFoundError):
        raise StageFailed("site search: the pagefind-bin-extended package is not installed "
                          "(run scripts/bootstrap.sh)") from None


def bucket_count(notices: int, per_bucket: int = PER_BUCKET) -> int:
    """How many buckets ``notices`` need: the least power of two holding them."""
    n = 1
    while n * per_bucket < notices:
        n *= 2
    return n


def bucket_of(notice_id: str, buckets: int) -> int:
    """The bucket of a notice: a hash of its id, so buckets fill evenly."""
    return int(hashlib.sha256(notice_id.encode()).hexdigest()[:8], 16) % buckets


def listing(site_dir: Path) -> dict:
    """``search/buckets.json`` (empty: no bundle yet)."""
    try:
        return json.loads((Path(site_dir) / sitemap.SEARCH_DIR / LISTING).read_text())
    except (OSError, ValueError):
        return {}


def build_search(site_dir: Path, notice_ids: Iterable[str], changed: Iterable[str] | None,
                 *, per_bucket: int = PER_BUCKET) -> float:  # fmt: skip
    """Bring ``search/`` up to date for the notice pages of ``notice_ids``: reindex the
    buckets holding one of ``changed`` (None: all), or whose bundle is missing, and drop
    buckets no longer used; return the seconds it took. No notice page, no bundle."""
    t0 = time.monotonic()
    site_dir = Path(site_dir)
    ids = sorted(i for i in notice_ids if (site_dir / sitemap.notice_page(i)).is_file())
    search = site_dir / sitemap.SEARCH_DIR
    if not ids:
        shutil.rmtree(search, ignore_errors=True)
        return time.monotonic() - t0
    n = bucket_count(len(ids), per_bucket)
    reshuffled = listing(site_dir).get("count") != n
    groups: dict[int, list[str]] = {}
    for notice_id in ids:
        groups.setdefault(bucket_of(notice_id, n), []).append(notice_id)
    names = [str(b) for b in sorted(groups)]
    touched = ({bucket_of(i, n) for i in changed}
               if changed is not None and not reshuffled else set(groups))
    for b, members in groups.items():
        if b in touched or not (search / str(b) / "pagefind-entry.json").is_file():
            _index_bucket(site_dir, str(b), members)
    for old in search.iterdir():
        if old.is_dir() and old.name not in names:
            shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(site_dir / STAGE, ignore_errors=True)
    write_atomic(search / LISTING, json.dumps({"count": n, "buckets": names}))
    return time.monotonic() - t0


def _index_bucket(site_dir: Path, name: str, members: list[str]) -> None:
    """Run Pagefind over one bucket's pages into ``search/<name>/``, swapped in whole."""
    stage = site_dir / STAGE / name
    shutil.rmtree(stage, ignore_errors=True)
    (stage / sitemap.NOTICES_DIR).mkdir(parents=True)
    for notice_id in members:
        page = sitemap.notice_page(notice_id)
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
