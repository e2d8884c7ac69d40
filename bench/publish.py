"""Benchmark the publish step where a cycle changed a few notices, and the tokeniser's growth.

    .venv/bin/python bench/publish.py                          # 20,000 notices, 20 edited
    .venv/bin/python bench/publish.py --notices 2000 --changed 20
    .venv/bin/python bench/publish.py --notices 0 --long 10000 20000 40000 1000000

Builds a warehouse of N replica notices (one synthetic crawl batch, loaded and
diffed, ``bench/search_eval.build_warehouse``), publishes it once (the first
publish: the analyst copy, the search index, the history site from the
copy), runs a quiet cycle and publishes (the copy replaced is kept as a
spare from then on), then edits ``--changed`` notices, runs a cycle (crawl,
load, diff) and publishes again: that third publish, which brings the first
copy up to date, is the row "publish at 20,000 notices, 20 notices changed".
Each publish runs in this process, as ``zgwatch run`` does; the site is
built from the fresh copy (``history.build_site``) with an empty raw folder
(the archived pages are not what is measured).

``--long`` times ``search_tokens`` on one paragraph of that many Chinese
characters, then the index of one notice of that length (a first publish of
a warehouse holding it alone): the tokeniser must grow linearly.
``--search-reps`` runs the queries of ``bench/search_queries.txt`` through
``search_notices`` (all rows) on the second copy and prints the p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from bench.search import p95  # noqa: E402
from bench.search_eval import AS_OF, read_queries  # noqa: E402
from history import build_site  # noqa: E402
from replica.state import Replica  # noqa: E402
from testkit.batches import FakeColumn  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.diff import detect_changes  # noqa: E402
from warehouse.load import load_pending  # noqa: E402
from warehouse.publish import publish_analyst_copy  # noqa: E402
from warehouse.search import create_macros  # noqa: E402


def column_of(root: Path, notices: int, seed: int) -> FakeColumn:
    """A fake column holding the replica's ``notices`` notices, as the replica words them."""
    replica = Replica(notices=notices, seed=seed, today=AS_OF)
    column = FakeColumn(root / "batches")
    for nid in replica.notice_ids():
        spec = replica.notice(nid)
        column.add(nid, published_on=spec.published_on, issuer=spec.issuer, title=spec.title,
                   body="\n".join(spec.body_paragraphs))  # fmt: skip
    return column


def cycle(column: FakeColumn, db: Path) -> None:
    column.crawl()
    with connect(db) as con:
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=AS_OF, warn_days=3)
        con.execute("CHECKPOINT")


def publish(db: Path, root: Path) -> dict:
    """One publish as ``pipeline.publish`` does it: the copy (with its index), then the site."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    copy = publish_analyst_copy(db)
    t1 = time.perf_counter()
    with duckdb.connect(str(copy), read_only=True) as con:
        site = build_site(con, root / "raw", root / "site")
    t2 = time.perf_counter()
    return {"copy": t1 - t0, "site": t2 - t1, "wall": t2 - t0, "cpu": time.process_time() - c0,
            "path": copy, "site_report": site}  # fmt: skip


def describe(label: str, out: dict, inodes: list[int]) -> None:
    """Print one publish; ``inodes``, the copies' so far, tells a spare brought up to date
    (the copy of two publishes ago) from a whole copy."""
    inodes.append(out["path"].stat().st_ino)
    how = "spare brought up to date" if inodes[-3:-2] == inodes[-1:] else "whole copy"
    with duckdb.connect(str(out["path"]), read_only=True) as con:
        cur = con.execute("SELECT * FROM search_index")
        info = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
    extra = {k: info[k] for k in ("notices", "terms", "build_seconds", "reused", "changed")
             if k in info}  # fmt: skip
    print(f"{label} ({how}): {out['wall']:.2f} s wall ({out['cpu']:.2f} CPU-s): analyst copy and "
          f"index {out['copy']:.2f} s, site {out['site']:.2f} s; index {extra}; "
          f"site {out['site_report'].pages_written} notice pages written")


def search_latency(copy: Path, reps: int) -> None:
    con = duckdb.connect(str(copy), read_only=True)
    con.execute("SET enable_progress_bar = false")
    walls = []
    for _, query in read_queries():
        sql = "SELECT * FROM search_notices(?)"
        con.execute(sql, [query]).fetchall()
        for _ in range(reps):
            t0 = time.perf_counter()
            con.execute(sql, [query]).fetchall()
            walls.append(time.perf_counter() - t0)
    con.close()
    print(f"search_notices, all rows ({len(walls)} runs): median "
          f"{statistics.median(walls) * 1000:.0f} ms, p95 {p95(walls) * 1000:.0f} ms, "
          f"max {max(walls) * 1000:.0f} ms")


def long_notice(chars: int) -> None:
    """Tokenise, then index, one notice of ``chars`` Chinese characters in one paragraph."""
    text = ("巡视整改落实情况通报违规吃喝公车私用" * (chars // 18 + 1))[:chars]
    con = duckdb.connect()
    create_macros(con)
    t0, c0 = time.perf_counter(), time.process_time()
    (n,) = con.execute("SELECT len(search_tokens(?))", [text]).fetchone()
    tokenise, tokenise_cpu = time.perf_counter() - t0, time.process_time() - c0
    con.close()
    with tempfile.TemporaryDirectory(prefix="zgwatch-bench-long-") as tmp:
        column = FakeColumn(Path(tmp) / "batches")
        column.add(1, body=text)
        db = Path(tmp) / "zgwatch.duckdb"
        cycle(column, db)
        t0, c0 = time.perf_counter(), time.process_time()
        publish_analyst_copy(db)
        index, index_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{chars:,} characters: search_tokens {tokenise:.2f} s ({tokenise_cpu:.2f} CPU-s, "
          f"{n:,} tokens); publish with its index {index:.2f} s ({index_cpu:.2f} CPU-s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=20_000)
    parser.add_argument("--changed", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search-reps", type=int, default=0)
    parser.add_argument("--long", type=int, nargs="*", default=[])
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    for chars in args.long:
        long_notice(chars)
    if args.notices:
        with tempfile.TemporaryDirectory(prefix="zgwatch-bench-publish-") as tmp:
            root = Path(tmp)
            column = column_of(root, args.notices, args.seed)
            db = root / "zgwatch.duckdb"
            t0 = time.perf_counter()
            cycle(column, db)
            print(f"{args.notices} notices: warehouse built in {time.perf_counter() - t0:.1f} s")
            inodes = []
            first = publish(db, root)
            describe("first publish", first, inodes)
            cycle(column, db)
            describe("publish after a quiet cycle (no spare yet)", publish(db, root), inodes)
            step = max(1, args.notices // max(1, args.changed))
            for notice_id in list(column.notices)[::step][: args.changed]:
                notice = column.notices[notice_id]
                column.edit(notice_id, notice.body[:4], notice.body[:4] + "（更正）")
            cycle(column, db)
            again = publish(db, root)
            describe(f"publish after {args.changed} notices edited", again, inodes)
            cycle(column, db)
            describe("publish after a quiet cycle", publish(db, root), inodes)
            if args.search_reps:
                search_latency(again["path"], args.search_reps)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
