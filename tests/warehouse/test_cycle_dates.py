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
    newest = con.execute("SELECT max(batch_id) FROM batches").fetchone()[0]
    assert con.execute("SELECT batch_id, warn_days FROM latest_cycle").fetchone() == (newest, 3)


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


def test_a_warehouse_from_before_migration_005_gets_its_passages_on_the_next_diff(
        db, column, cycle, con):
    column.add(1)
    cycle(as_of=date(2024, 10, 1))
    column.edit(1, "第一时间", "及时")
    cycle(as_of=date(2024, 10, 2))
    # undo 005 as a warehouse of the previous release would have it
    con.execute("DROP TABLE edit_hunks")
    con.execute("DELETE FROM schema_version WHERE version = 5")
    con.close()
    with connect(db, lock_wait=5) as c:
        assert c.execute("SELECT count(*) FROM change_hunks").fetchone() == (0,)
        detect_changes(c, as_of=date(2024, 10, 4), warn_days=3)
        assert c.execute("SELECT before, after FROM change_hunks").fetchall() == [
            ("第一时间", "及时")
        ]
        assert c.execute("SELECT as_of FROM latest_cycle").fetchone() == (date(2024, 10, 4),)


def test_runs_from_before_diff_runs_count_from_the_newest_events_date(column, cycle, con):
    """A warehouse upgraded to 006 has no run recorded until its next diff: the events say."""
    column.add(1)
    cycle(as_of=date(2024, 10, 1))
    column.edit(1, "第一时间", "及时")
    cycle(as_of=date(2024, 10, 2))
    cycle(as_of=date(2024, 10, 3))  # nothing happens: no event carries this date
    con.execute("DELETE FROM diff_runs")
    assert con.execute("SELECT as_of, warn_days FROM latest_cycle").fetchone() == (
        date(2024, 10, 2), None
    )  # fmt: skip
    assert period(con) == (date(2024, 10, 2), "open", 23)
