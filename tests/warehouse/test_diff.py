"""Change events: one test per rule of docs/interfaces.md, driven through synthetic crawls."""

from __future__ import annotations

import json
from datetime import date

import pytest

from core.textdiff import parse_diff
from tests.support.alerting import diff_to_text
from warehouse.diff import detect_changes
from warehouse.load import load_pending

DAY = date(2024, 10, 1)
FAULTS = ["server_error", "timeout", "blocked", "truncated", "wrong_page", "error"]


def change(con, kind: str, notice_id: str) -> dict:
    cur = con.execute(
        "SELECT * EXCLUDE (detected_at) FROM changes WHERE kind = ? AND notice_id = ?",
        [kind, notice_id],
    )
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def test_the_first_cycle_is_the_baseline(cycle, events, column):
    column.add(1, published_on=date(2024, 9, 26))  # period ends 10-25: open
    column.add(2, published_on=date(2024, 8, 1))  # ended 8-30: expired
    column.add(3, published_on=date(2024, 9, 3))  # ends 10-2: expiring
    result = cycle(DAY)
    assert result.baseline
    assert sorted(events(baseline=True)) == [
        ("expired", "2"), ("expiring", "3"), ("new", "1"), ("new", "2"), ("new", "3"),
    ]  # fmt: skip
    column.add(4)
    result = cycle(DAY)
    assert not result.baseline
    assert events(baseline=False) == [("new", "4")]


def test_a_new_notice_makes_one_new_event(cycle, events, con, column):
    column.add(1)
    cycle(DAY)
    column.add(2, published_on=date(2024, 9, 30))
    assert cycle(DAY).counts["new"] == 1
    assert cycle(DAY).total == 0
    new = change(con, "new", "2")
    assert new["title"] == "中共测试市第3区委关于巡视整改进展情况的通报"
    assert new["url"].endswith("post_2.html") and new["issuer"] == "中共测试市第3区委"
    assert new["summary"] == "新通报,公开期限至 2024年10月29日"


def test_a_one_character_edit_carries_its_diff_and_section(cycle, con, column):
    column.add(1)
    cycle(DAY)
    column.edit(1, "第一时间召开", "第一时间召集")
    assert cycle(DAY).counts["edited"] == 1
    edit = change(con, "edited", "1")
    assert (edit["from_version"], edit["to_version"]) == (1, 2)
    diff = parse_diff(edit["diff"])
    assert "".join(t for op, t in diff if op <= 0).endswith(column.notices["1"].body.replace(
        "召集", "召开"))  # fmt: skip
    assert [(op, t) for op, t in diff if op] == [(-1, "开"), (1, "集")]
    assert edit["summary"] == (
        "(一)统一思想认识,强化整改政治担当:…,第一时间召[-开-]{+集+}常委会会议。"
    )
    assert diff_to_text(diff, context=8) == "…见后,第一时间召[-开-]{+集+}常委会会议。"


def test_semantic_cleanup_shows_whole_phrases(cycle, con, column):
    column.add(1)
    cycle(DAY)
    column.edit(1, "第一时间召开常委会会议", "及时组织召开常委会专题会议")
    cycle(DAY)
    diff = parse_diff(change(con, "edited", "1")["diff"])
    changed = [t for op, t in diff if op]
    assert all(len(t) > 1 for t in changed), changed  # no confetti of single characters
    assert diff_to_text(diff, 0).count("[-") <= 2


def test_a_publicity_period_change_says_old_and_new_end(cycle, con, column):
    column.add(1)  # 2024-09-26 to 10-25
    cycle(DAY)
    column.set_period_end(1, date(2024, 11, 24))
    cycle(DAY)
    edit = change(con, "edited", "1")
    assert edit["summary"] == "公开期限截止日 10月25日 → 11月24日"
    assert edit["publicity_end"] == date(2024, 11, 24)
    assert change(con, "new", "1")["publicity_end"] == date(2024, 10, 25)


def test_removal_is_confirmed_on_the_second_absence(cycle, events, con, column):
    column.add(1)
    column.add(2)
    cycle(DAY)
    column.remove(2)
    cycle(DAY)
    assert events("removed") == []
    cycle(DAY)
    assert events("removed") == [("removed", "2")]
    assert con.execute("SELECT status FROM notices WHERE notice_id = '2'").fetchone() == (
        "removed",
    )
    cycle(DAY)
    assert events("removed") == [("removed", "2")]


@pytest.mark.parametrize("gap", [{"list_fault": "server_error"}, {"faults": {"2": "timeout"}}])
def test_a_fault_between_two_absences_neither_confirms_nor_resets(cycle, events, column, gap):
    column.add(1)
    column.add(2)
    cycle(DAY)
    column.remove(2)
    cycle(DAY)
    cycle(DAY, **gap)
    assert events("removed") == []
    cycle(DAY)
    assert events("removed") == [("removed", "2")]


def test_a_removed_notice_that_comes_back_is_restored(cycle, events, con, column):
    column.add(1)
    cycle(DAY)
    column.remove(1)
    cycle(DAY)
    cycle(DAY)
    column.restore(1)
    assert cycle(DAY).counts["restored"] == 1
    assert cycle(DAY).total == 0
    assert con.execute("SELECT status FROM notices").fetchone() == ("active",)
    column.remove(1)
    cycle(DAY)
    cycle(DAY)
    column.restore(1)
    cycle(DAY)
    assert events("removed", "restored") == [
        ("removed", "1"), ("restored", "1"), ("removed", "1"), ("restored", "1"),
    ]  # fmt: skip
    keys = con.execute("SELECT event_key FROM change_events WHERE kind IN ('removed', 'restored')"
                       " ORDER BY change_id").fetchall()  # fmt: skip
    assert [k for (k,) in keys] == ["removed:1:1", "restored:1:1", "removed:1:2", "restored:1:2"]


def test_a_template_switch_is_not_an_edit(cycle, events, column):
    for i in (1, 2, 3):
        column.add(i)
    cycle(DAY)
    column.set_template("B")
    assert cycle(DAY).total == 0
    assert events("edited") == []


@pytest.mark.parametrize("fault", FAULTS)
def test_faults_make_no_events(cycle, events, column, fault):
    column.add(1)
    column.add(2)
    cycle(DAY)
    before = events()
    column.edit(1, "第一时间", "及时")
    column.add(3)  # a new notice whose page fails is not announced yet
    result = cycle(DAY, faults={"1": fault, "3": fault})
    assert result.total == 0 and events() == before
    assert cycle(DAY).counts == {**dict.fromkeys(result.counts, 0), "new": 1, "edited": 1}


def test_an_empty_list_page_makes_no_events(cycle, events, column):
    for i in range(1, 26):
        column.add(i, published_on=date(2024, 9, i))
    cycle(DAY)
    before = events()
    for _ in range(3):
        assert cycle(DAY, list_fault="empty_list").total == 0
    assert events() == before


def test_expiring_once_per_notice_and_end_date(cycle, events, con, column):
    column.add(1, published_on=date(2024, 9, 26))  # ends 10-25
    cycle(date(2024, 10, 1))
    assert events("expiring") == []
    cycle(date(2024, 10, 22))
    cycle(date(2024, 10, 23))
    cycle(date(2024, 10, 25))
    assert events("expiring") == [("expiring", "1")]
    assert change(con, "expiring", "1")["summary"] == "公开期限 10月25日 截止,还有 3 天"
    column.set_period_end(1, date(2024, 10, 27))  # extended: a new end date warns again
    cycle(date(2024, 10, 25))
    assert events("expiring") == [("expiring", "1"), ("expiring", "1")]


def test_warn_days_sets_how_early_expiring_fires(cycle, events, column):
    column.add(1, published_on=date(2024, 9, 26))  # ends 10-25
    cycle(date(2024, 10, 18), warn_days=3)
    assert events("expiring") == []
    cycle(date(2024, 10, 18), warn_days=7)
    assert events("expiring") == [("expiring", "1")]


def test_expired_on_the_first_cycle_after_the_end(cycle, events, con, column):
    column.add(1, published_on=date(2024, 9, 26))  # ends 10-25
    cycle(date(2024, 10, 25))
    assert events("expired") == []
    cycle(date(2024, 10, 26))
    cycle(date(2024, 10, 30))
    assert events("expired") == [("expired", "1")]
    assert change(con, "expired", "1")["summary"] == "公开期限已于 2024年10月25日 截止"


def test_rerunning_the_diff_adds_nothing(cycle, con, column):
    for i in range(1, 6):
        column.add(i, published_on=date(2024, 9, 20 + i))
    cycle(date(2024, 10, 20))
    column.edit(2, "第一时间", "及时")
    column.remove(3)
    cycle(date(2024, 10, 21))
    cycle(date(2024, 10, 21))
    before = con.execute("SELECT count(*), max(change_id) FROM change_events").fetchone()
    for _ in range(2):
        assert detect_changes(con, as_of=date(2024, 10, 21), warn_days=3).total == 0
        load_pending(con, column.batches_dir)
    assert con.execute("SELECT count(*), max(change_id) FROM change_events").fetchone() == before


def test_edits_between_two_diff_runs_each_get_an_event(con, column, events):
    column.add(1)
    column.crawl()
    column.edit(1, "第一时间", "及时")
    column.crawl()
    column.edit(1, "及时", "立即")
    column.crawl()
    load_pending(con, column.batches_dir)
    detect_changes(con, as_of=DAY, warn_days=3)
    rows = con.execute(
        "SELECT from_version, to_version, summary FROM changes WHERE kind = 'edited' ORDER BY 2"
    ).fetchall()
    assert rows == [
        (1, 2, "(一)统一思想认识,强化整改政治担当:…巡视意见后,[-第一时间-]{+及时+}召开常委会会…"),
        (2, 3, "(一)统一思想认识,强化整改政治担当:…巡视意见后,[-及时-]{+立即+}召开常委会会…"),
    ]


def test_edited_events_store_diffs_as_json_lists(cycle, con, column):
    column.add(1)
    cycle(DAY)
    column.edit(1, "制定实施方案", "制定并印发实施方案")
    cycle(DAY)
    raw = con.execute("SELECT diff::VARCHAR FROM change_events WHERE kind = 'edited'").fetchone()
    ops = json.loads(raw[0])
    assert all(op in (-1, 0, 1) and isinstance(t, str) for op, t in ops)
    assert [t for op, t in ops if op == 1] == ["并印发"]


def test_a_notice_never_read_is_never_announced_as_removed(cycle, events, con, column):
    """Listed, its page 404 from the start, then gone: nobody was told of it, so no 已撤下."""
    column.add(1)
    column.add(2)
    cycle(DAY, faults={"2": "not_found"})
    cycle(DAY, faults={"2": "not_found"})
    assert events() == [("new", "1")]  # 2 was never read: no version, no new event
    column.remove(2)
    cycle(DAY)
    cycle(DAY)
    cycle(DAY)
    assert events() == [("new", "1")]
    status = "SELECT status, latest_version FROM notice_state WHERE notice_id = '2'"
    assert con.execute(status).fetchone() == ("removed", 0)  # not active for ever

    column.restore(2)  # back on the list, still 404: active again, still nothing to tell
    cycle(DAY, faults={"2": "not_found"})
    assert con.execute(status).fetchone() == ("active", 0)
    assert events() == [("new", "1")]
    cycle(DAY)  # its page reads at last: announced as new, once
    assert events() == [("new", "1"), ("new", "2")]
    column.remove(2)
    cycle(DAY)
    cycle(DAY)
    assert events("removed") == [("removed", "2")]  # announced, so its removal is told
