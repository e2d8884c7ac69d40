"""Benchmark ``build_inspection``: units, rounds and who is overdue from N documents.

    .venv/bin/python bench/inspection.py                    # about 20,000 documents
    .venv/bin/python bench/inspection.py --copies 50        # about 100,000

The replica's rounds (``replica.rounds.plan``: some 650 rounds of 100 units
over twenty years) are written as ``inspection_documents`` rows, one
stationing, one feedback and one progress notice a round, ``--copies`` times
over (each copy's units renamed, so each is its own set of units): a table in
a DuckDB file under a temporary folder, as the copy across sources holds
them. Prints the documents, the rounds built, the wall and CPU seconds of
``build_inspection`` (best of ``--runs``) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402

from replica.rounds import plan  # noqa: E402
from warehouse.inspection import build_inspection  # noqa: E402

AS_OF = date(2026, 11, 26)


def documents(copies: int) -> pa.Table:
    """Three documents a round of the replica's plan, ``copies`` times over."""
    rows = []
    for copy in range(copies):
        for n, r in enumerate(plan(1).rounds):
            unit = f"{r.unit_key}{copy}" if copy else r.unit_key
            base = {"unit": unit, "unit_key": unit, "region": None, "unit_short": None,
                    "group_name": r.group_name, "contacts": None, "status": "active",
                    "seq": 1, "version_no": 1}
            for k, (kind, day) in enumerate((
                    ("inspection_announcement", r.stationed_from - timedelta(days=2)),
                    ("feedback_announcement", r.feedback_on),
                    ("rectification", r.feedback_on + timedelta(days=200)))):
                rows.append({**base, "notice_id": f"{copy}{n:05d}{k}",
                             "url": f"http://x/{copy}/{n}/{k}", "title": kind,
                             "published_on": day, "document_kind": kind,
                             "stationed_from": r.stationed_from if k != 1 else None,
                             "stationed_to": r.stationed_to if k != 1 else None,
                             "letters_until": r.letters_until if k == 0 else None,
                             "feedback_on": r.feedback_on if k else None})
    return pa.Table.from_pylist(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    table = documents(args.copies)
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "across.duckdb"))
        con.register("rows", table)
        con.execute("CREATE TABLE inspection_documents AS FROM rows")
        con.unregister("rows")
        best = None
        for _ in range(args.runs):
            wall, cpu = time.perf_counter(), time.process_time()
            build_inspection(con, as_of=AS_OF)
            took = (time.perf_counter() - wall, time.process_time() - cpu)
            best = took if best is None or took[0] < best[0] else best
        rounds, overdue = con.execute(
            "SELECT count(*), count(*) FILTER (status = 'overdue') FROM inspection_rounds"
        ).fetchone()
        con.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{table.num_rows} documents, {rounds} rounds ({overdue} overdue): build_inspection "
          f"{best[0]:.2f} s wall, {best[1]:.2f} CPU-s (best of {args.runs}); "
          f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
