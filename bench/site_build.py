"""The history site at 20,000 notices: a full build, an incremental cycle with 20 changes, its size.

    .venv/bin/python bench/site_build.py                  # 20,000 notices (~6 min)
    .venv/bin/python bench/site_build.py --notices 2000   # quick

The warehouse is built the real way: the replica (its own process) is
crawled by ``zgwatch crawl``, then ``zgwatch load`` and ``zgwatch diff``.
Each site build is ``zgwatch site DIR`` under ``/usr/bin/time -v`` (wall, CPU,
peak RSS of the whole command), reading the warehouse read-only:

- **full**: the first build into an empty folder (every notice page, every
  archived copy, index, changes, health, feed);
- **incremental**: after ``--edits`` one-character edits of the newest notices
  and ``--new`` new notices (20 changes by default) and a second crawl, load
  and diff: only the pages of the notices that changed are rewritten;
- **nothing new**: the same build once more.

Then the site's size on disk, and (with Chromium) how long index.html takes
to load and to re-sort in a headless browser.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import ZGWATCH, ReplicaProcess, Timed, have_time, print_machine, timed

FULL_GOAL, INCREMENTAL_GOAL = 120.0, 10.0  # seconds


def stage(name: str, options: list[str]) -> Timed:
    result = timed([ZGWATCH, name, *options], env={"ZGWATCH_LOG_LEVEL": "WARNING"})
    if result.returncode:
        raise SystemExit(f"zgwatch {name} failed ({result.returncode}):\n{result.stderr}")
    first = (result.stdout.strip().splitlines() or [""])[0]
    print(f"  {name:5s} {result.wall:7.1f} s | {first[:100]}", flush=True)
    return result


def cycle(options: list[str]) -> None:
    for name in ("crawl", "load", "diff"):
        stage(name, options)


def build(site: Path, options: list[str], label: str) -> Timed:
    result = timed([ZGWATCH, "site", str(site), *options],
                   env={"ZGWATCH_LOG_LEVEL": "WARNING"})  # fmt: skip
    if result.returncode:
        raise SystemExit(f"zgwatch site failed ({result.returncode}):\n{result.stderr}")
    line = result.stdout.strip().splitlines()[0]
    print(f"{label}: {result.wall:.1f} s wall, {result.cpu:.1f} CPU-s, peak RSS "
          f"{result.max_rss_mb:.0f} MB | {line}", flush=True)  # fmt: skip
    return result


def size(site: Path) -> dict[str, tuple[int, int, int]]:
    """Per part of the site: (files, bytes, bytes on disk)."""
    parts: dict[str, list[int]] = {}
    for path in site.rglob("*"):
        if path.is_file():
            top = path.relative_to(site).parts[0]
            key = top if path.parent != site else "root pages"
            st = path.stat()
            entry = parts.setdefault(key, [0, 0, 0])
            entry[0] += 1
            entry[1] += st.st_size
            entry[2] += st.st_blocks * 512
    return {k: tuple(v) for k, v in sorted(parts.items())}


def browser_timing(site: Path) -> None:
    """Load index.html (served by history.serve) in headless Chromium; re-sort it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser: playwright not installed, skipped")
        return
    if not Path("/usr/bin/chromium").exists():
        print("browser: no /usr/bin/chromium, skipped")
        return
    from history.serve import serving

    with serving(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])  # fmt: skip
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(url + "index.html", wait_until="load")
        page.wait_for_selector("#filters:not([hidden])")
        loaded = time.perf_counter() - t0
        t0 = time.perf_counter()
        page.select_option("#f-sort", "deadline")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        resorted = time.perf_counter() - t0
        rows = page.evaluate("document.querySelectorAll('#notices tbody tr').length")
        browser.close()
    print(f"browser: index.html with {rows} rows loaded and ready in {loaded:.1f} s; "
          f"re-sorted by deadline in {resorted:.2f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=20_000)
    parser.add_argument("--edits", type=int, default=15, help="notices edited before cycle 2")
    parser.add_argument("--new", type=int, default=5, help="notices added before cycle 2")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    if not have_time():
        raise SystemExit("/usr/bin/time is missing: apt-get install -y time")
    print_machine()
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    with (tempfile.TemporaryDirectory(prefix="zgwatch-bench-site-") as tmp,
          ReplicaProcess(args.notices) as rep):  # fmt: skip
        data, site = Path(tmp) / "data", Path(tmp) / "site"
        options = ["--source", rep.url, "--db", str(data / "zgwatch.duckdb"),
                   "--data-dir", str(data), "--delay", "0", "--as-of", rep.today().isoformat()]
        store = options[2:6]  # --db, --data-dir: all `zgwatch site` takes
        print(f"cycle 1 ({args.notices} notices at {rep.url}):", flush=True)
        cycle(options)
        full = build(site, store, "full build")
        ids = rep.state()["notice_ids"]
        for nid in ids[: args.edits]:  # the newest: re-read every cycle
            rep.admin("edit", notice_id=nid)
        for _ in range(args.new):
            rep.admin("add_notice")
        print(f"cycle 2 ({args.edits} edits, {args.new} new notices):", flush=True)
        cycle(options)
        incremental = build(site, store, "incremental build")
        again = build(site, store, "nothing new")
        parts = size(site)
        files = sum(v[0] for v in parts.values())
        total, disk = sum(v[1] for v in parts.values()), sum(v[2] for v in parts.values())
        print(f"site size: {files} files, {total / 2**20:.0f} MB ({disk / 2**20:.0f} MB on disk)")
        for part, (n, b, d) in parts.items():
            print(f"  {part:11s} {n:6d} files {b / 2**20:8.1f} MB ({d / 2**20:.1f} MB on disk)")
        index = site / "index.html"
        print(f"  index.html {index.stat().st_size / 2**20:.1f} MB")
        pages = int(re.search(r"(\d+) notice pages", incremental.stdout)[1])
        if not args.no_browser:
            browser_timing(site)
    print(f"\nfull build {full.wall:.1f} s (goal <= {FULL_GOAL:.0f} s: "
          f"{'met' if full.wall <= FULL_GOAL else 'NOT met'}); incremental with "
          f"{args.edits + args.new} changes {incremental.wall:.1f} s, {pages} notice pages "
          f"(goal <= {INCREMENTAL_GOAL:.0f} s: "
          f"{'met' if incremental.wall <= INCREMENTAL_GOAL else 'NOT met'}); nothing new "
          f"{again.wall:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
