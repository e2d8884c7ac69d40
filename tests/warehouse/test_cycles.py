"""A cycle read back from the warehouse: the summary operators see on the run and the page."""

from __future__ import annotations

from datetime import date

from warehouse.cycles import EVENT_KINDS, cycle_summary, failed_fetches, recent_cycles


def _batch_ids(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT batch_id FROM batches ORDER BY batch_id").fetchall()]


def test_a_cycle_summary_counts_its_events_requests_and_failures(con, column, cycle):
    for i in range(1, 46):  # three list pages
        column.add(1000 + i, published_on=date(2024, 9, 1 + i % 28))
    cycle()
    column.add(2000, published_on=date(2024, 9, 30))
    column.edit(1001, "开展专项整治", "开展两轮专项整治")
    cycle(faults={1002: "blocked", 1003: "truncated"}, list_fault="server_error")
    first, second = _batch_ids(con)

    s = cycle_summary(con, second)
    assert s.events == {"new": 1, "edited": 1} and not s.baseline
    assert s.failed == {"blocked": 1, "server_error": 1, "truncated": 1}
    assert s.requests == con.execute("SELECT count(*) FROM fetches WHERE batch_id = ?",
                                     [second]).fetchone()[0]
    assert s.list_complete is False
    assert s.counts_line() == ("new 1, edited 1, removed 0, restored 0, expiring 0, expired 0, "
                              "period_extended 0, period_shortened 0, stationed 0, "
                              "letters_expiring 0, progress_overdue 0")
    assert s.failed_line() == "blocked 1, server_error 1, truncated 1"
    extra = s.as_json()
    assert list(extra["events"]) == list(EVENT_KINDS)  # every kind, zeros included
    assert extra["failed"] == s.failed and extra["requests"] == s.requests

    base = cycle_summary(con, first)
    assert base.baseline and base.events["new"] == 45 and base.failed == {}
    assert [c.batch_id for c in recent_cycles(con, 10)] == [second, first]  # newest first
    assert cycle_summary(con, "20990101T000000Z-ffffff") is None


def test_failed_fetches_name_each_url_with_its_outcome_list_pages_first(con, column, cycle):
    for i in range(1, 30):
        column.add(1000 + i)
    cycle(faults={1005: "blocked"}, list_fault="server_error")
    (batch,) = _batch_ids(con)
    failed = failed_fetches(con, batch)
    assert [(f.page_kind, f.outcome) for f in failed] == [("list", "server_error"),
                                                          ("article", "blocked")]
    assert failed[0].url.endswith("index_2.html")
    assert failed[1].notice_id == "1005" and failed[1].http_status == 412
