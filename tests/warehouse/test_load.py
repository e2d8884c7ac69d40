"""Loading crawl batches: versions only for new text, absence tracking, idempotency."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import BatchError
from warehouse.load import load_batch, load_pending

FAULTS = ["server_error", "timeout", "blocked", "truncated", "wrong_page", "error"]


def state(con) -> list[tuple]:
    """Everything the load writes, as comparable rows (instants as text)."""
    tables = {"batches": "EXCLUDE (loaded_at)", "fetches": "", "listing_entries": "",
              "notice_versions": "", "notice_state": ""}  # fmt: skip
    return [
        con.execute(f"SELECT COLUMNS(* {x})::VARCHAR FROM {t} ORDER BY ALL").fetchall()
        for t, x in tables.items()
    ]


def versions(con, notice_id: str) -> list[int]:
    return [v for (v,) in con.execute(
        "SELECT version_no FROM notice_versions WHERE notice_id = ? ORDER BY 1", [notice_id]
    ).fetchall()]  # fmt: skip


def notice_state(con, notice_id: str) -> dict:
    cur = con.execute(
        "SELECT COLUMNS(*)::VARCHAR FROM notice_state WHERE notice_id = ?", [notice_id]
    )
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))


def test_a_batch_without_done_is_refused(con, column):
    column.add(1)
    batch = column.crawl(done=False)
    with pytest.raises(BatchError, match="incomplete"):
        load_batch(con, batch)
    assert load_pending(con, column.batches_dir) == []
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 0


def test_loading_the_same_batch_twice_changes_nothing(con, column):
    for i in range(1, 30):
        column.add(i)
    batch = column.crawl()
    first = load_batch(con, batch)
    assert first.loaded and first.new_notices == 29 and first.new_versions == 29
    before = state(con)
    again = load_batch(con, batch)
    assert not again.loaded
    assert load_pending(con, column.batches_dir) == []
    assert state(con) == before


def test_pending_batches_load_oldest_first_and_older_ones_are_refused(con, column):
    column.add(1)
    old = column.crawl()
    column.edit(1, "第一时间", "及时")
    new = column.crawl()
    column.crawl(done=False)  # still being written
    results = load_pending(con, column.batches_dir)
    assert [r.batch_id for r in results] == [old.name, new.name]
    assert versions(con, "1") == [1, 2]
    column.edit(1, "及时", "立即")
    late = column.crawl()
    late.rename(late.with_name("20200101T000000Z-abcdef"))  # named before the newest loaded
    with pytest.raises(BatchError, match="older than"):
        load_batch(con, late.with_name("20200101T000000Z-abcdef"))


def test_a_new_version_only_when_the_text_changes(con, column):
    column.add(1)
    column.crawl()
    column.set_template("B")  # markup only
    column.crawl()
    column.crawl()  # identical
    load_pending(con, column.batches_dir)
    assert versions(con, "1") == [1]
    column.edit(1, "召开", "组织召开")  # one phrase
    column.crawl()
    column.crawl()
    load_pending(con, column.batches_dir)
    assert versions(con, "1") == [1, 2]
    row = con.execute(
        "SELECT body, issuer, publicity_end, contacts->>'$.postcode', inspection->>'$.group'"
        " FROM notice_versions WHERE notice_id = '1' AND version_no = 2"
    ).fetchone()
    assert "组织召开" in row[0]
    assert row[1:] == ("中共测试市第2区委", date(2024, 10, 25), "519090", "省委第十一巡视组")


def test_not_modified_moves_last_checked_only(con, column):
    column.add(1)
    column.crawl()
    load_pending(con, column.batches_dir)
    before = notice_state(con, "1")
    column.crawl(unchanged={"1"})
    load_pending(con, column.batches_dir)
    after = notice_state(con, "1")
    assert versions(con, "1") == [1]
    assert after["last_checked_at"] > before["last_checked_at"]
    assert after["etag"] == before["etag"]
    assert after["absent_streak"] == "0"


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failed_fetch_changes_no_text_and_no_status(con, column, fault):
    column.add(1)
    column.crawl()
    load_pending(con, column.batches_dir)
    before = notice_state(con, "1")
    column.edit(1, "第一时间", "及时")  # the change is there, but the page fails
    column.remove(1)  # and it is gone from the list; the probe fails as well
    column.crawl(faults={"1": fault})
    load_pending(con, column.batches_dir)
    after = notice_state(con, "1")
    assert versions(con, "1") == [1]
    assert after["last_fetch_outcome"] == fault
    assert after["absent_streak"] == before["absent_streak"] == "0"
    assert after["last_checked_at"] == before["last_checked_at"]
    assert con.execute("SELECT count(*) FROM fetches WHERE outcome = ?", [fault]).fetchone() == (1,)


def test_absence_counts_only_confirmed_404s_on_complete_lists(con, column):
    for i in (1, 2, 3, 4, 5):
        column.add(i)
    column.crawl()
    column.remove(3)
    column.crawl()  # absent + 404 → 1
    column.crawl(list_fault="server_error")  # incomplete list: unchanged
    column.crawl(faults={"3": "timeout"})  # probe failed: unchanged
    load_pending(con, column.batches_dir)
    assert notice_state(con, "3")["absent_streak"] == "1"
    column.crawl()  # absent + 404 → 2
    load_pending(con, column.batches_dir)
    assert notice_state(con, "3")["absent_streak"] == "2"
    assert notice_state(con, "3")["status"] == "active"  # only the diff stage decides
    column.restore(3)
    column.crawl()
    load_pending(con, column.batches_dir)
    assert notice_state(con, "3")["absent_streak"] == "0"


def test_a_notice_on_an_incomplete_list_page_keeps_its_state(con, column):
    for i in range(1, 26):  # two list pages; the second fails
        column.add(i, published_on=date(2024, 9, i))
    column.crawl()
    load_pending(con, column.batches_dir)
    column.crawl(list_fault="server_error", faults={"1": "server_error"})
    load_pending(con, column.batches_dir)
    # notice 1 is on page 2 (oldest): not listed, not read, list incomplete
    assert notice_state(con, "1")["absent_streak"] == "0"
    first, latest = (notice_state(con, n)["last_listed_batch"] for n in ("1", "25"))
    assert first < latest


def test_a_notice_listed_but_never_read_is_known_without_versions(con, column):
    column.add(1)
    column.crawl(faults={"1": "server_error"})
    load_pending(con, column.batches_dir)
    row = con.execute("SELECT title, versions, last_checked_at FROM notices").fetchone()
    assert row == ("中共测试市第2区委关于巡视整改进展情况的通报", 0, None)


def test_a_notice_line_written_twice_makes_one_version(con, column):
    column.add(1)
    column.add(2)
    batch = column.crawl()
    notices = batch / "notices.jsonl"
    lines = notices.read_text(encoding="utf-8").splitlines(keepends=True)
    notices.write_text("".join(lines + lines[:1]), encoding="utf-8")
    result = load_batch(con, batch)
    assert (result.notices, result.new_versions) == (2, 2)
    assert versions(con, "1") == versions(con, "2") == [1]


def test_missing_files_read_as_empty(con, column):
    column.add(1)
    batch = column.crawl(faults={"1": "timeout"})
    (batch / "notices.jsonl").unlink()
    result = load_batch(con, batch)
    assert (result.notices, result.listings, result.new_versions) == (0, 1, 0)
