"""Every change rule, driven by real crawls of the served replica through the change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.textdiff import parse_diff
from warehouse.db import connect
from warehouse.summaries import cn_date

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]  # end to end: several cycles


def test_the_baseline_then_a_new_notice(watch, replica):
    first = watch.cycle()
    assert first.baseline and first.counts["new"] == 45
    assert all(kind != "edited" for kind, _, _ in watch.events())
    new_id = replica.site.add_notice()  # on top of page 1; everything moves down a place
    result = watch.cycle()
    assert not result.baseline
    assert watch.events("new")[-1][:2] == ("new", new_id)
    assert result.counts["new"] == 1 and result.counts["edited"] == result.counts["removed"] == 0


def test_a_one_character_edit(watch, replica):
    watch.cycle()
    target = replica.site.notice_ids()[7]
    before = replica.site.notice(target).text
    after = replica.site.edit(target).text
    result = watch.cycle()
    assert result.counts["edited"] == 1
    ((_, notice_id, summary),) = watch.events("edited")
    assert notice_id == target and "[-" in summary and "{+" in summary
    with connect(watch.settings.db) as con:
        (diff,) = con.execute("SELECT diff FROM changes WHERE kind = 'edited'").fetchone()
    ops = parse_diff(diff)
    assert [(op, len(t)) for op, t in ops if op] == [(-1, 1), (1, 1)]
    old_body = "".join(t for op, t in ops if op <= 0)
    new_body = "".join(t for op, t in ops if op >= 0)
    assert old_body.split("\n", 1)[1][:50] in before and new_body[-20:] in after
    assert watch.cycle().total == 0


def test_a_publicity_period_change(watch, replica):
    watch.cycle()
    target = replica.site.notice_ids()[3]
    today = replica.site.today
    old_end = replica.site.notice(target).period.end
    replica.site.set_period(target, today - timedelta(days=20), today + timedelta(days=2))
    result = watch.cycle()
    assert result.counts["edited"] == 1 and result.counts["expiring"] == 1
    ((_, _, summary),) = watch.events("edited")
    new_end = today + timedelta(days=2)
    assert f"公开期限截止日 {cn_date(old_end, new_end)} → {cn_date(new_end, old_end)}" in summary


def test_a_removal_is_confirmed_on_the_second_cycle_and_a_return_restores(watch, replica):
    watch.cycle()
    target = replica.site.notice_ids()[21]  # page 2
    replica.site.remove(target)
    assert watch.cycle().total == 0
    second = watch.cycle()
    assert second.counts["removed"] == 1 and watch.events("removed")[0][1] == target
    assert watch.cycle().total == 0
    replica.site.restore(target)
    assert watch.cycle().counts["restored"] == 1
    assert watch.cycle().total == 0
    assert [k for k, n, _ in watch.events("removed", "restored") if n == target] == [
        "removed", "restored",
    ]  # fmt: skip


def test_a_template_switch_is_not_an_edit(watch, replica):
    watch.cycle()
    replica.site.set_template("B")
    assert watch.cycle().total == 0
    replica.site.set_template("mixed")
    assert watch.cycle().total == 0
    assert watch.events("edited") == []


def test_faults_make_no_events(watch, replica):
    watch.cycle()
    site = replica.site
    ids = site.notice_ids()
    faults = ["500", "502", "503", "hang", "blocked", "blocked200", "truncated"]
    for notice_id, kind in zip(ids[1:], faults, strict=False):
        site.set_fault(site.article_path(notice_id), kind, seconds=3)
    site.set_fault(site.list_path(2), "empty")  # maintenance on page 2: those look absent
    site.set_fault(site.list_path(3), "503")
    site.set_fault(site.article_path(ids[10]), "gbk")  # not a fault: same text
    for _ in range(2):  # twice, so a fault mistaken for an absence would be confirmed
        assert watch.cycle().total == 0
    site.clear_faults()
    assert watch.cycle().total == 0
    assert watch.events("edited", "removed", "restored") == []
