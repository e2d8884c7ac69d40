"""Site search: Pagefind's static index of the notice pages, in ``search/``.

Pagefind (the ``pagefind-bin-extended`` wheel: its extended build segments
Chinese into words) reads the written notice pages, the regions each marks
``data-pagefind-body`` (the title and the latest version's text), and writes a
bundle of small index files that the browser fetches as a reader types: no
server, no outside load. It has no incremental mode, so the build reindexes
only when a notice page was written (or the bundle is missing), which is when
its input changed; the new bundle is written beside the old one and swapped in
with two renames, so readers never see half an index.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from core import sitemap
from core.errors import StageFailed

GLOB = f"{sitemap.NOTICES_DIR}/*.html"  # only the notice pages are searched
ENTRY = "pagefind.js"  # what the pages import
TIMEOUT = 1800.0  # seconds: far above the ~minute 20,000 notices take


def pagefind() -> Path:
    """The Pagefind binary of the installed wheel (``StageFailed`` when it is missing)."""
    try:
        import pagefind_bin_extended

        return pagefind_bin_extended.get_executable()
    except (ImportError, FileNotFoundError):
        raise StageFailed("site search: the pagefind-bin-extended package is not installed "
                          "(run scripts/bootstrap.sh)") from None


def is_built(site_dir: Path) -> bool:
    """Whether ``site_dir`` has a search bundle (or needs none: no notice page)."""
    site_dir = Path(site_dir)
    return (site_dir / sitemap.SEARCH_DIR / ENTRY).is_file() or not any(site_dir.glob(GLOB))


def build_search(site_dir: Path) -> float:
    """Index the notice pages of ``site_dir`` into ``search/``; return the seconds it took.

    A site without notice pages has nothing to search, and no bundle (Pagefind refuses
    to index nothing); its search box says search is not available.
    """
    t0 = time.monotonic()
    site_dir = Path(site_dir)
    if not any(site_dir.glob(GLOB)):
        shutil.rmtree(site_dir / sitemap.SEARCH_DIR, ignore_errors=True)
        return time.monotonic() - t0
    fresh, old = f".{sitemap.SEARCH_DIR}.new", site_dir / f".{sitemap.SEARCH_DIR}.old"
    for leftover in (site_dir / fresh, old):  # of a build that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    command = [str(pagefind()), "--site", str(site_dir), "--output-subdir", fresh,
               "--glob", GLOB, "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise StageFailed(f"site search: pagefind took over {TIMEOUT:.0f} s "
                          f"on {site_dir}") from None
    if done.returncode != 0 or not (site_dir / fresh / ENTRY).is_file():
        why = (done.stderr or done.stdout).strip().splitlines()
        raise StageFailed(f"site search: pagefind failed on {site_dir}: "
                          f"{why[-1] if why else f'exit {done.returncode}'}")
    target = site_dir / sitemap.SEARCH_DIR
    if target.exists():
        target.rename(old)
    (site_dir / fresh).rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return time.monotonic() - t0
