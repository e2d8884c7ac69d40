"""What the warehouse hands out: Parquet for analysts, known.jsonl for the crawler."""

from __future__ import annotations

import json
from datetime import date

import pyarrow.parquet as pq

from crawler.revisit import read_known
from warehouse.export import export_parquet
from warehouse.known import export_known
from warehouse.publish import publish_analyst_copy

KNOWN_FIELDS = ["notice_id", "url", "status", "published_on", "publicity_start", "publicity_end",
                "first_seen", "last_checked_at", "etag", "last_modified"]  # fmt: skip


def test_parquet_export_writes_every_analyst_relation(db, column, cycle, con, tmp_path):
    column.add(1)
    column.add(2)
    cycle()
    column.edit(1, "第一时间", "及时")
    cycle()
    con.close()
    files = export_parquet(db, tmp_path / "out")
    names = {f.stem for f in files}
    assert {"notices", "changes", "deliveries", "version_history", "publicity_periods"} <= names
    changes = pq.read_table(tmp_path / "out" / "changes.parquet")
    assert changes.num_rows == 3  # 2 new, 1 edited
    notices = pq.read_table(tmp_path / "out" / "notices.parquet").to_pylist()
    assert sorted((n["notice_id"], n["versions"]) for n in notices) == [("1", 2), ("2", 1)]
    assert str(changes.schema.field("detected_at").type) == "timestamp[us, tz=UTC]"
    assert not list((tmp_path / "out").glob(".*"))


def test_parquet_export_reads_the_analyst_copy_too(db, column, cycle, con, tmp_path):
    column.add(1)
    cycle()
    con.close()
    copy = publish_analyst_copy(db)
    export_parquet(copy, tmp_path / "out")
    assert pq.read_table(tmp_path / "out" / "notices.parquet").num_rows == 1


def test_known_lists_every_notice_for_the_revisit_policy(db, column, cycle, con, tmp_path):
    column.add(1)
    column.add(2)
    cycle(faults={"2": "server_error"})  # 2 is listed, never read
    column.remove(1)
    cycle(faults={"2": "server_error"})
    cycle(faults={"2": "server_error"})
    con.close()
    out = tmp_path / "batch" / "known.jsonl"
    assert export_known(db, out, lock_wait=5) == 2
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


def test_known_without_a_warehouse_is_empty(tmp_path):
    out = tmp_path / "known.jsonl"
    assert export_known(tmp_path / "none.duckdb", out, lock_wait=0) == 0
    assert out.read_text() == ""
    assert not (tmp_path / "none.duckdb").exists()
