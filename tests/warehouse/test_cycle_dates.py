"""Views as of the cycle: days left and phases count from the latest completed cycle's as_of."""

from __future__ import annotations

from datetime import date

from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_pending


def period(con, notice_id: str = "1") -> tuple:
    return con.execute(
        "SELECT as_of, phase, days_left FROM publicity_periods WHERE notice_id = ?", [notice_id]
    ).fetchone()


def test_days_left_count_from_the_cycles_date_not_from_today(column, cycle, con):
    column.add(1)  # published 2024-09-26, period to 2024-10-25
    cycle(as_of=date(2024, 10, 1))
    # today (the machine's date) is years later: the copy still says what the cycle saw
    assert period(con) == (date(2024, 10, 1), "open", 24)
    assert con.execute("SELECT as_of FROM latest_cycle").fetchone() == (date(2024, 10, 1),)
    cycle(as_of=date(2024, 10, 30))
    assert period(con) == (date(2024, 10, 30), "closed", -5)
    assert con.execute("SELECT as_of FROM batches ORDER BY batch_id").fetchall() == [
        (date(2024, 10, 1),), (date(2024, 10, 30),)
    ]  # fmt: skip


def test_a_rerun_of_the_diff_for_another_date_moves_the_cycles_date(column, cycle, con):
    column.add(1)
    cycle(as_of=date(2024, 9, 20))
    assert period(con) == (date(2024, 9, 20), "upcoming", 35)
    detect_changes(con, as_of=date(2024, 10, 24), warn_days=3)
    assert period(con) == (date(2024, 10, 24), "open", 1)


def test_before_any_diff_there_is_no_date_to_count_from(column, con):
    column.add(1)
    column.crawl()
    load_pending(con, column.batches_dir)  # loaded, not diffed: no cycle has completed
    assert con.execute("SELECT count(*) FROM latest_cycle").fetchone() == (0,)
    assert period(con) == (None, None, None)


def test_a_warehouse_from_before_migration_005_is_brought_up_to_date(db, column, cycle, con):
    """batches.as_of is filled from the events; edit_hunks on the next diff."""
    column.add(1)
    cycle(as_of=date(2024, 10, 1))
    column.edit(1, "第一时间", "及时")
    cycle(as_of=date(2024, 10, 2))
    cycle(as_of=date(2024, 10, 3))  # nothing happens: no event says this batch's date
    # undo 005 as a warehouse of the previous release would have it
    con.execute("DROP TABLE edit_hunks")
    con.execute("ALTER TABLE batches DROP COLUMN as_of")
    con.execute("ALTER TABLE batches DROP COLUMN diffed_at")
    con.execute("DELETE FROM schema_version WHERE version = 5")
    con.close()
    with connect(db, lock_wait=5) as c:
        assert c.execute("SELECT as_of FROM batches ORDER BY batch_id").fetchall() == [
            (date(2024, 10, 1),), (date(2024, 10, 2),), (None,)
        ]  # fmt: skip
        assert c.execute("SELECT as_of FROM latest_cycle").fetchone() == (date(2024, 10, 2),)
        assert c.execute("SELECT count(*) FROM change_hunks").fetchone() == (0,)
        detect_changes(c, as_of=date(2024, 10, 4), warn_days=3)
        assert c.execute("SELECT before, after FROM change_hunks").fetchall() == [
            ("第一时间", "及时")
        ]
        assert c.execute("SELECT as_of FROM latest_cycle").fetchone() == (date(2024, 10, 4),)
