"""Diffs for people: phrases not characters, short context, escaped HTML."""

from __future__ import annotations

import re

import pytest

from alerts.render import html_hunk
from core.textdiff import compute_diff, diff_to_json, hunks, parse_diff
from tests.support.alerting import diff_to_text

OLD = "一、总体情况\n开展专项整治,查处一批违纪违法问题。\n二、下一步打算\n坚持标准不降、力度不减。"


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        ("开展专项整治,查处", "开展专项治理,查处", [(-1, "整治"), (1, "治理")]),
        ("召开常委会会议", "组织召开常委会专题会议", [(1, "组织"), (1, "专题")]),
        ("第一时间召开会议", "及时召开会议", [(-1, "第一时间"), (1, "及时")]),
        ("公开期限:2024年9月26日至10月25日。", "公开期限:2024年9月26日至11月24日。",
         [(-1, "0月25"), (1, "1月24")]),
    ],
)  # fmt: skip
def test_changes_are_whole_phrases(old, new, changed):
    diff = compute_diff(old, new)
    assert [(op, t) for op, t in diff if op] == changed
    assert "".join(t for op, t in diff if op <= 0) == old
    assert "".join(t for op, t in diff if op >= 0) == new


def test_stored_form_round_trips():
    diff = compute_diff(OLD, OLD.replace("专项整治", "专项治理"))
    assert parse_diff(diff_to_json(diff)) == diff
    assert "专项" in diff_to_json(diff)  # Chinese kept readable
    assert parse_diff(None) is None


def test_context_stops_at_paragraph_breaks_and_marks_cuts():
    diff = compute_diff(OLD, OLD.replace("查处一批", "严肃查处一批"))
    assert diff_to_text(diff, context=4) == "…项整治,{+严肃+}查处一批…"
    assert diff_to_text(diff, context=40) == "开展专项整治,{+严肃+}查处一批违纪违法问题。"


def test_far_apart_changes_are_separate_hunks():
    new = OLD.replace("专项整治", "专项治理").replace("力度不减", "力度不松")
    diff = compute_diff(OLD, new)
    assert len(hunks(diff, context=4)) == 2
    assert len(hunks(diff, context=40)) == 1
    assert diff_to_text(diff, context=4).split("\n") == [
        "开展专项[-整治-]{+治理+},查处一…", "…", "…、力度不[-减-]{+松+}。"
    ]  # fmt: skip
    assert hunks(compute_diff(OLD, OLD)) == []


def test_html_is_escaped():
    diff = compute_diff("通报<b>甲</b>", "通报<script>x</script>")
    rendered = "".join(html_hunk(h) for h in hunks(diff))
    assert "<script" not in rendered and "<b>" not in rendered
    assert re.search(r"<ins [^>]*>script&gt;x&lt;/script</ins>", rendered)
    assert "<del " in rendered and "<ins " in rendered


def test_huge_runs_are_clipped():
    diff = compute_diff("甲", "甲" + "新" * 5000)
    (hunk,) = hunks(diff)
    assert len(hunk[-1][1]) < 1600 and "省略" in hunk[-1][1]
