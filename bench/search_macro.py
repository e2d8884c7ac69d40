"""This checkout's ``search_notices`` against the one an analyst copy holds, on that copy.

    .venv/bin/python bench/search_macro.py data/zgwatch.analyst.duckdb --reps 5

The copy's own macro is the one the code that published it made (``before``);
this checkout's (``warehouse/sql/search.sql``) is created beside it as a
temporary macro (``after``), over the same index. Every query of
``bench/search_queries.txt`` runs through both, all rows, ``--reps`` times
each, interleaved (after, before, after, …) after one warm-up, in one
read-only connection with DuckDB's default threads; the rows fetched into
Python as an analyst's script would. Prints whether both return the same rows
(notice, score, snippet), the slowest queries, and the median and p95 over the
queries of each one's median wall time. A copy of 20,000 replica notices:
``bench/search.py`` or ``bench/publish.py`` build one (or
``bench.search_eval.build_warehouse`` and ``warehouse.publish``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from bench.search import p95  # noqa: E402
from bench.search_eval import read_queries  # noqa: E402
from core.sqlfiles import statements  # noqa: E402
from warehouse.search import SQL_PATH  # noqa: E402

ROWS = "SELECT notice_id, round(score, 9), snippet FROM {}(?)"
ALL = "SELECT * FROM {}(?)"


def timed(con: duckdb.DuckDBPyConnection, sql: str, query: str) -> float:
    t0 = time.perf_counter()
    con.execute(sql, [query]).fetchall()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("copy", type=Path)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    if not args.copy.is_file():
        parser.error(f"{args.copy}: no such analyst copy")
    con = duckdb.connect(str(args.copy), read_only=True)
    con.execute("SET enable_progress_bar = false")
    con.execute(statements(SQL_PATH)["search_macro"].replace(
        "MACRO search_notices(", "TEMP MACRO search_notices_here("))
    funcs = {"after": "search_notices_here", "before": "search_notices"}
    medians: dict[str, list[float]] = {"after": [], "before": []}
    differ, slow = [], []
    for _, query in read_queries():
        rows = {k: con.execute(ROWS.format(f), [query]).fetchall() for k, f in funcs.items()}
        if rows["after"] != rows["before"]:
            differ.append(query)
        walls: dict[str, list[float]] = {"after": [], "before": []}
        for _ in range(args.reps):
            for key, func in funcs.items():
                walls[key].append(timed(con, ALL.format(func), query))
        for key in funcs:
            medians[key].append(statistics.median(walls[key]))
        slow.append((medians["after"][-1], medians["before"][-1], query, len(rows["after"])))
    con.close()
    print(f"same rows for every query: {not differ}" + (f" (differ: {differ})" if differ else ""))
    for after, before, query, hits in sorted(slow, reverse=True)[:6]:
        print(f"  {query}: {after * 1000:.0f} ms (before {before * 1000:.0f} ms), {hits} rows")
    for key in ("before", "after"):
        values = medians[key]
        print(f"{key}: median {statistics.median(values) * 1000:.1f} ms, "
              f"p95 {p95(values) * 1000:.1f} ms "
              f"over {len(values)} queries")


if __name__ == "__main__":
    main()
