"""What the warehouse hands out: Parquet for analysts, known.jsonl for the crawler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime

import pyarrow.parquet as pq
import pytest

from core.errors import WarehouseMissing
from crawler.revisit import read_known
from tests.warehouse.conftest import REPO
from warehouse.export import export_parquet
from warehouse.known import write_known
from warehouse.publish import publish_analyst_copy

# Holds the warehouse open for writing until its stdin closes (a cycle's stage).
HOLD_WRITER = """
import sys
from warehouse.db import connect
con = connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.read()
"""
KNOWN_FIELDS = ["notice_id", "url", "status", "published_on", "publicity_start", "publicity_end",
                "first_seen", "last_checked_at", "etag", "last_modified"]  # fmt: skip


def test_parquet_export_writes_every_analyst_relation(db, column, cycle, con, tmp_path):
    column.add(1)
    column.add(2)
    cycle()
    column.edit(1, "第一时间", "及时")
    cycle()
    con.close()
    copy = publish_analyst_copy(db)
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    files = export_parquet(copy, tmp_path / "out", now=now)
    names = {f.stem for f in files}
    assert {"notices", "changes", "deliveries", "version_history", "publicity_periods",
            "change_hunks", "rectification_timeline", "parse_gaps", "latest_cycle",
            "batches"} <= names  # fmt: skip
    changes = pq.read_table(tmp_path / "out" / "changes.parquet")
    assert changes.num_rows == 3  # 2 new, 1 edited
    notices = pq.read_table(tmp_path / "out" / "notices.parquet").to_pylist()
    assert sorted((n["notice_id"], n["versions"]) for n in notices) == [("1", 2), ("2", 1)]
    assert str(changes.schema.field("detected_at").type) == "timestamp[us, tz=UTC]"
    assert pq.read_table(tmp_path / "out" / "batches.parquet").num_rows == 2
    hunks = pq.read_table(tmp_path / "out" / "change_hunks.parquet").to_pylist()
    assert [(h["before"], h["after"]) for h in hunks] == [("第一时间", "及时")]
    assert not list((tmp_path / "out").glob(".*"))


def test_each_file_records_the_cycles_date_and_when_it_was_exported(db, column, cycle, con,
                                                                    tmp_path):  # fmt: skip
    column.add(1)
    cycle(as_of=date(2024, 10, 3))
    con.close()
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    for path in export_parquet(publish_analyst_copy(db), tmp_path / "out", now=now):
        meta = pq.read_metadata(path).metadata
        assert meta[b"as_of"] == b"2024-10-03", path
        assert meta[b"exported_at"] == b"2026-11-26T08:00:00+00:00", path
    days_left = pq.read_table(tmp_path / "out" / "publicity_periods.parquet").to_pylist()
    assert [(r["as_of"], r["days_left"]) for r in days_left] == [(date(2024, 10, 3), 22)]


def test_no_analyst_copy_is_one_clear_error(tmp_path):
    missing = tmp_path / "zgwatch.analyst.duckdb"
    with pytest.raises(WarehouseMissing) as exc:
        export_parquet(missing, tmp_path / "out")
    assert str(exc.value) == (
        f"analyst copy {missing} does not exist (no cycle has published it yet)"
    )
    assert exc.value.exit_code == 1
    assert not (tmp_path / "out").exists()


def test_export_never_waits_for_a_running_cycle(db, column, cycle, con, tmp_path):
    """The pipeline's warehouse locked by another process: the copy exports at once."""
    column.add(1)
    cycle()
    con.close()
    copy = publish_analyst_copy(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(db)], cwd=REPO, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        files = export_parquet(copy, tmp_path / "out", lock_wait=0)
        assert pq.read_table(tmp_path / "out" / "notices.parquet").num_rows == 1
        assert files
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_known_lists_every_notice_for_the_revisit_policy(db, column, cycle, con, tmp_path):
    column.add(1)
    column.add(2)
    cycle(faults={"2": "server_error"})  # 2 is listed, never read
    column.remove(1)
    cycle(faults={"2": "server_error"})
    cycle(faults={"2": "server_error"})
    out = tmp_path / "known.jsonl"
    assert write_known(con, out) == 2
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [list(r) for r in rows] == [KNOWN_FIELDS, KNOWN_FIELDS]
    one, two = rows
    assert (one["status"], one["publicity_end"], one["published_on"]) == (
        "removed", "2024-10-25", "2024-09-26",
    )  # fmt: skip
    assert one["etag"] and one["last_checked_at"].endswith("+00:00")
    assert (two["status"], two["last_checked_at"], two["etag"]) == ("active", None, None)
    known = read_known(out)  # the crawler's reader accepts it
    assert known["1"].publicity_end == date(2024, 10, 25)
    assert known["2"].last_checked_at is None

