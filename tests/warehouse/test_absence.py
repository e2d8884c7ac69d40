"""A removal is confirmed by absences on distinct cycles (issue 29, item 7).

A rerun of a cycle minutes later (after a killed run, or simply twice) used to count
a second absence and announce a removal one cycle early. An absence now counts only
when ``ABSENCE_INTERVAL`` has passed since the last one counted.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from core.vocabulary import ABSENCE_INTERVAL
from warehouse.diff import detect_changes
from warehouse.load import load_pending

DAY = date(2024, 10, 1)


def rerun_after(column, minutes: float) -> None:
    """The next fake crawl starts ``minutes`` after the last one (it adds an hour itself)."""
    column.clock += timedelta(minutes=minutes) - timedelta(hours=1)


def test_a_rerun_minutes_later_confirms_no_removal(cycle, events, column):
    column.add(1)
    column.add(2)
    cycle(DAY)
    column.remove(2)
    cycle(DAY)  # first absence
    for _ in range(3):  # reruns, each a few minutes after the last
        rerun_after(column, 5)
        cycle(DAY)
        assert events("removed") == []
    cycle(DAY)  # an hour later: a cycle of its own
    assert events("removed") == [("removed", "2")]


def test_reruns_do_not_push_the_next_cycle_back(cycle, events, column):
    """The interval runs from the absence counted, not from the latest rerun."""
    column.add(1)
    cycle(DAY)
    column.remove(1)
    cycle(DAY)
    rerun_after(column, ABSENCE_INTERVAL.total_seconds() / 60 - 1)
    cycle(DAY)
    rerun_after(column, 2)  # past the interval since the first absence, 2 min after the rerun
    cycle(DAY)
    assert events("removed") == [("removed", "1")]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 120), min_size=1, max_size=6))
def test_a_removal_needs_two_absences_an_interval_apart(tmp_path_factory, gaps):
    from testkit.batches import FakeColumn
    from warehouse.db import connect

    root = tmp_path_factory.mktemp("absence")
    column = FakeColumn(root / "batches")
    column.add(1)
    column.add(2)
    with connect(root / "w.duckdb", lock_wait=5) as con:
        def run():
            load_pending(con, column.batches_dir)
            detect_changes(con, as_of=DAY, warn_days=3)

        column.crawl()
        run()
        column.remove(2)
        run_at = [column.clock + timedelta(hours=1)]
        column.crawl()
        run()
        for gap in gaps:
            rerun_after(column, gap)
            run_at.append(column.clock + timedelta(hours=1))
            column.crawl()
            run()
        removed = con.execute("SELECT count(*) FROM change_events WHERE kind = 'removed'"
                              ).fetchone()[0]
    counted, last = 1, run_at[0]
    for at in run_at[1:]:
        if at - last >= ABSENCE_INTERVAL:
            counted, last = counted + 1, at
    assert removed == (1 if counted >= 2 else 0)


def test_two_runs_of_the_command_seconds_apart_announce_no_removal(replica, tmp_path):
    from zgwatch import pipeline
    from zgwatch.config import Settings

    settings = Settings(source=replica.url, db=tmp_path / "w.duckdb", data_dir=tmp_path / "d",
                        delay=0, timeout=5, recent_days=100_000)
    pipeline.run(settings)
    gone = replica.site.notice_ids()[3]
    replica.site.remove(gone)
    pipeline.run(settings)
    pipeline.run(settings)  # run again at once, as after a killed run
    with duckdb.connect(str(settings.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM change_events WHERE kind = 'removed'"
                           ).fetchone() == (0,)
        assert con.execute("SELECT status, absent_streak FROM notice_state WHERE notice_id = ?",
                           [gone]).fetchone() == ("active", 1)
