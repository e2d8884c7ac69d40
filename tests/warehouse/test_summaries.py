"""One-line summaries of edits: section, change, publicity dates."""

from __future__ import annotations

from datetime import date

import pytest

from core.textdiff import compute_diff
from testkit.batches import sample_body
from warehouse.summaries import VersionFacts, cn_date, edit_summary, section_of

BODY = sample_body(1, date(2024, 9, 26), date(2024, 10, 25), "中共测试市委")
TITLE = "中共测试市委关于巡视整改进展情况的通报"


def summary(old: VersionFacts, new: VersionFacts) -> str:
    return edit_summary(old, new, compute_diff(old.text, new.text))


@pytest.mark.parametrize(
    ("needle", "section"),
    [
        ("关于巡视", "标题"),
        ("根据省委", "导语"),
        ("一、履行", "一、履行巡视整改主体责任情况"),
        ("第一时间", "(一)统一思想认识,强化整改政治担当"),
        ("主要负责同志", "(二)压实整改责任"),
        ("推动各项任务", "1.关于贯彻落实重大决策部署方面"),
        ("持续巩固", "三、下一步工作打算"),
        ("10月25日", "公开期限"),
        ("xszg1@", "联系方式"),
    ],
)  # fmt: skip
def test_section_is_the_nearest_heading(needle, section):
    text = f"{TITLE}\n{BODY}"
    assert section_of(text, text.index(needle)) == section


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (date(2024, 10, 25), date(2024, 11, 24), "公开期限截止日 10月25日 → 11月24日"),
        (date(2024, 12, 25), date(2025, 1, 5), "公开期限截止日 2024年12月25日 → 2025年1月5日"),
        (date(2024, 10, 25), None, "公开期限截止日 2024年10月25日 → 无"),
    ],
)
def test_a_moved_period_end_is_named_with_both_dates(before, after, expected):
    old = VersionFacts(TITLE, BODY, date(2024, 9, 26), before)
    end = f"{after.month}月{after.day}日" if after else "另行通知"
    new = VersionFacts(TITLE, BODY.replace("10月25日", end), date(2024, 9, 26), after)
    assert summary(old, new) == expected


def test_a_period_change_and_other_edits_name_both():
    old = VersionFacts(TITLE, BODY, date(2024, 9, 26), date(2024, 10, 25))
    body = BODY.replace("10月25日", "11月24日").replace("专项整治", "专项治理")
    new = VersionFacts(TITLE, body, date(2024, 9, 26), date(2024, 11, 24))
    assert summary(old, new) == "公开期限截止日 10月25日 → 11月24日;1 处修改:2.关于全面从严治党方面"


def test_several_edits_list_their_sections():
    old = VersionFacts(TITLE, BODY)
    body = BODY.replace("第一时间", "及时").replace("专项整治", "专项治理").replace("持续", "不断")
    new = VersionFacts(TITLE + "(更新)", body)
    assert summary(old, new) == (
        "4 处修改:标题;(一)统一思想认识,强化整改政治担当;2.关于全面从严治党方面;"
        "其余 1 处在另外 1 节"
    )


def test_every_change_is_counted_in_a_named_section():
    """"3 处修改" names where all three are: two in one section are counted, not lost."""
    old = VersionFacts(TITLE, BODY)
    body = BODY.replace("第一时间", "及时").replace("统一思想", "统一认识")
    body = body.replace("专项整治", "专项治理")
    assert summary(old, VersionFacts(TITLE, body)) == (
        "3 处修改:(一)统一认识认识,强化整改政治担当(2 处);2.关于全面从严治党方面"
    )


def test_a_changed_phone_beside_the_period_is_a_contact_change():
    closing = "欢迎监督。公开期限:2024年9月26日至10月25日。联系电话:0756-7263701;电子邮箱:a@x.cn。"
    text = f"{TITLE}\n{closing}"
    assert section_of(text, text.index("0756")) == "联系方式"
    assert section_of(text, text.index("a@x")) == "联系方式"
    assert section_of(text, text.index("10月25日")) == "公开期限"
    old = VersionFacts(TITLE, BODY, date(2024, 9, 26), date(2024, 10, 25))
    body = BODY.replace("10月25日", "11月24日").replace("0756-7263701", "0756-7263702")
    new = VersionFacts(TITLE, body, date(2024, 9, 26), date(2024, 11, 24))
    assert summary(old, new) == "公开期限截止日 10月25日 → 11月24日;1 处修改:联系方式"
    only_phone = VersionFacts(TITLE, BODY.replace("0756-7263701", "0756-7263702"))
    assert summary(VersionFacts(TITLE, BODY), only_phone) == (
        "联系方式:联系电话:[-0756-7263701-]{+0756-7263702+};电子邮箱:…"
    )


def test_one_deletion_and_one_insertion():
    old = VersionFacts(TITLE, BODY)
    assert summary(old, VersionFacts(TITLE, BODY.replace("坚持标准不降、力度不减,", ""))) == (
        "三、下一步工作打算:[-坚持标准不降、力度不减,-]持续巩固深化…"
    )


def test_cn_date():
    assert cn_date(date(2024, 10, 5), date(2024, 1, 1)) == "10月5日"
    assert cn_date(date(2024, 10, 5)) == "2024年10月5日"
    assert cn_date(None) == "无"
