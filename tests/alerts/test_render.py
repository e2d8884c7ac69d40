"""Rendering as pure functions: subjects, escaping, diffs, and each chat service's limits."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from apprise import NotifyFormat
from apprise.conversion import convert_between

from alerts.channels import Channel, ChatChannel, EmailChannel, JsonChannel
from alerts.destinations import Destination
from alerts.events import ChangeEvent
from alerts.messages import (
    PAYLOAD_VERSION,
    Origin,
    baseline_message,
    incident_message,
    notice_message,
)
from alerts.render import md_escape, render
from core.sources import Source
from core.textdiff import compute_diff
from core.vocabulary import KIND_LABELS
from tests.alerts.helpers import schema_validator
from tests.support.alerting import event_message
from warehouse.summaries import moved_period_summary

EVIL = '关于<script>alert("x")</script>&nbsp;[点我](javascript:alert(1)) **粗** 的通报'

EVENT = ChangeEvent(
    change_id=7,
    notice_id="1234",
    kind="edited",
    batch_id="20250602T000000Z-000001",
    detected_at=datetime(2025, 6, 1, 18, 30, tzinfo=UTC),  # 02:30 next day in Guangdong
    as_of=date(2025, 6, 2),
    baseline=False,
    summary="正文修改 1 处",
    url="https://www.gdjct.gd.gov.cn/xunshizgls/content/post_1234.html",
    title="中共珠海市委关于巡视整改进展情况的通报",
    issuer="中共珠海市委",
    publicity_start=date(2025, 5, 20),
    publicity_end=date(2025, 6, 4),
    diff=(
        (0, "根据省委统一部署，省委第五巡视组对珠海市进行了巡视。" * 3),
        (-1, "整改期限为三个月"),
        (1, "整改期限为六个月"),
        (0, "，现将整改进展情况予以公布。" * 5),
    ),
)

# Service URLs as their docs give them; nothing is sent in this module.
CHAT_URLS = {
    "wecombot": "wecombot://a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "dingtalk": "dingtalk://abcdefghijklmnopqrstuvwxyz0123456789abcdefghij/",
    "feishu": "feishu://abcdefghij1234567890abcdefghij12",
    "lark": "lark://abcdefghij1234567890abcdefghij12",
    "slack": "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
    "tgram": "tgram://123456789:abcdefghijklmnopqrstuvwxyz_ABCDEFG/12345",
}


def channel(url: str) -> Channel:
    return Channel.open(Destination(url=url))


MOVED = {"period_extended": "期限延长至6月4日", "period_shortened": "期限缩短至6月4日"}


@pytest.mark.parametrize("kind", sorted(KIND_LABELS))
def test_subject_names_the_kind_in_chinese_the_open_deadline_and_the_title(kind):
    """While the period is open the subject says when it ends; a moved one says its new end."""
    msg = event_message(replace(EVENT, kind=kind))
    head = MOVED.get(kind, f"{KIND_LABELS[kind]} · 6月4日截止")
    assert msg.subject == f"[zgwatch] {head} | {EVENT.title}"


@pytest.mark.parametrize("as_of", [date(2025, 6, 5), date(2026, 1, 1)])
def test_a_subject_names_no_deadline_once_the_period_is_over(as_of):
    msg = event_message(replace(EVENT, kind="new", as_of=as_of))
    assert msg.subject == f"[zgwatch] 新通报 | {EVENT.title}"


def test_a_subject_names_no_deadline_for_a_notice_without_one():
    msg = event_message(replace(EVENT, kind="new", publicity_start=None, publicity_end=None))
    assert msg.subject == f"[zgwatch] 新通报 | {EVENT.title}"


@pytest.mark.parametrize(("kind", "old", "new", "words"), [
    ("period_extended", date(2025, 5, 30), date(2025, 12, 20), "期限延长至12月20日"),
    ("period_shortened", date(2025, 6, 30), date(2025, 6, 4), "期限缩短至6月4日"),
])
def test_a_moved_deadline_has_its_new_date_in_the_subject_and_both_in_the_body(kind, old, new,
                                                                               words):
    moved = replace(EVENT, change_id=8, kind=kind, publicity_end=new, previous_end=old, diff=None,
                    summary=moved_period_summary(old, new))
    msg = notice_message([replace(EVENT, publicity_end=new), moved])
    assert msg.subject == f"[zgwatch] {words} · 内容修改 | {EVENT.title}"
    assert msg.facts["kind"] == kind and msg.facts["labels"][0] == KIND_LABELS[kind]
    assert msg.facts["events"][0]["period_moved"] == {"from": old.isoformat(),
                                                      "to": new.isoformat()}  # fmt: skip
    text = render(msg, "txt")
    assert f"{old.month}月{old.day}日 → {new.month}月{new.day}日" in text
    assert f"至 {new.isoformat()}" in text  # the period line gives the new end
    sent = Origin(Source(id="default", url=EVENT.url)).name(msg)  # as dispatch sends it
    envelope = {"version": "1.0", "title": sent.subject, "message": text, "type": "info",
                "zgwatch": {"version": PAYLOAD_VERSION, "message_key": sent.key, **sent.facts}}
    schema_validator().validate(envelope)  # the schema (version 2 on) knows the new kind


def test_an_edit_links_its_diff_on_the_site_and_the_baseline_each_notice_page():
    site = "https://zg.example.org/watch/"
    msg = event_message(replace(EVENT, from_version=2, version_no=3), site_url=site)
    anchor = site + "notices/1234.html#diff-2-3"
    assert msg.facts["events"][0]["diff_url"] == anchor
    for fmt in ("txt", "html", "md"):
        assert anchor in render(msg, fmt), fmt
    base = baseline_message("b1", {
        "as_of": "2025-06-02", "notices": 1, "expired": 0, "expiring": 0,
        "open": [{"notice_id": "1234", "url": EVENT.url, "title": EVENT.title,
                  "publicity_start": "2025-05-20", "publicity_end": "2025-06-04",
                  "version_no": 1, "contacts": None}]}, site_url=site)  # fmt: skip
    for fmt in ("txt", "html", "md"):
        assert site + "notices/1234.html" in render(base, fmt), fmt


def test_body_has_link_issuer_period_days_left_and_shanghai_time():
    text = render(event_message(EVENT), "txt")
    assert EVENT.url in text
    assert "发布单位: 中共珠海市委" in text
    assert "公开期限: 2025-05-20 至 2025-06-04 (截至 2025-06-02 剩 2 天)" in text
    assert "检测时间: 2025-06-02 02:30 (北京时间)" in text


def test_edit_shows_changes_with_context_in_text_and_html():
    msg = event_message(EVENT)
    text = render(msg, "txt")
    assert "[-整改期限为三个月-]{+整改期限为六个月+}" in text
    assert "…" in text  # the unchanged text around is shortened
    assert text.count("根据省委统一部署") <= 1
    html = render(msg, "html")
    assert "<del" in html and ">整改期限为三个月</del>" in html
    assert "<ins" in html and ">整改期限为六个月</ins>" in html
    assert "line-through" in html and "#b42318" in html  # red, struck through
    assert "#067647" in html  # green
    # Apprise derives the email's text/plain part from the HTML: the markers survive
    plain = convert_between(NotifyFormat.HTML, NotifyFormat.TEXT, html)
    assert "[-整改期限为三个月-]{+整改期限为六个月+}" in plain
    assert EVENT.url in plain


@pytest.mark.parametrize(
    "kind,end,expected",
    [
        ("expiring", date(2025, 6, 4), "剩 2 天"),
        ("expiring", date(2025, 6, 2), "今日截止"),
        ("expired", date(2025, 6, 1), "已过 1 天"),
    ],
)
def test_days_left(kind, end, expected):
    assert expected in render(event_message(replace(EVENT, kind=kind, publicity_end=end)), "txt")


def test_site_text_cannot_inject_markup_into_html():
    evil = replace(
        EVENT,
        title=EVIL,
        issuer="<b>某单位</b>",
        summary="<img src=x onerror=1>",
        diff=((0, "前"), (1, "<script>bad()</script>"), (0, "后")),
    )
    html = render(event_message(evil), "html")
    assert "<script" not in html and "<img" not in html and "<b>某单位" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_a_link_is_only_ever_http():
    html = render(event_message(replace(EVENT, url="javascript:alert(1)")), "html")
    assert "href=" not in html.split("修改之处")[0]
    md = render(event_message(replace(EVENT, url="javascript:alert(1)")), "md")
    assert "](javascript" not in md


def test_site_text_cannot_inject_markup_into_markdown():
    md = render(event_message(replace(EVENT, title=EVIL)), "md")
    link_text = md.split("](https://")[0].split("】[", 1)[1]
    assert not re.search(r"(?<!\\)[<>\[\]*]", link_text)  # every one escaped
    assert "[点我](javascript" not in md
    # a service that turns Markdown into HTML (as Apprise does for Telegram) shows text
    html = convert_between(NotifyFormat.MARKDOWN, NotifyFormat.HTML, md)
    assert "<script" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html
    assert "<strong>粗</strong>" not in html


@pytest.mark.parametrize(
    "raw,escaped",
    [
        ("a*b*c", r"a\*b\*c"),
        ("[x](y)", r"\[x\](y)"),
        ("<b>", r"\<b\>"),
        ("# 标题", r"\# 标题"),
        ("- 列表", r"\- 列表"),
        ("1. 第一", r"1\. 第一"),
        ("中文，（一）全角不变", "中文，（一）全角不变"),
        ("a_b`c~d|e&f", r"a\_b\`c\~d\|e\&f"),
    ],
)
def test_md_escape(raw, escaped):
    assert md_escape(raw) == escaped


def test_channel_is_chosen_by_scheme_and_registers_by_subclassing():
    assert isinstance(
        channel("mailto://127.0.0.1:2525?from=a@example.org&to=b@example.org"), EmailChannel
    )
    assert isinstance(channel("json://127.0.0.1:8080/hook"), JsonChannel)
    for url in CHAT_URLS.values():
        assert isinstance(channel(url), ChatChannel)
    assert type(channel("ntfy://127.0.0.1/topic")) is ChatChannel  # unclaimed schemes: chats

    class NtfyChannel(ChatChannel, schemes=("ntfy",)):
        """A test-only channel."""

    try:
        assert type(channel("ntfy://127.0.0.1/topic")) is NtfyChannel
    finally:
        Channel._by_scheme.pop("ntfy")


def big_edit(n: int) -> ChangeEvent:
    ops = []
    for i in range(n):
        ops += [(0, f"第{i}段原文" + "。" * 80), (-1, f"旧句{i}" * 5), (1, f"新句{i}" * 5)]
    return replace(EVENT, diff=tuple(ops))


@pytest.mark.parametrize("service", sorted(CHAT_URLS))
def test_chat_messages_stay_within_the_service_limit(service):
    ch = channel(CHAT_URLS[service])
    for event in (big_edit(300), replace(EVENT, title="长" * 6000), EVENT):
        out = ch.compose(event_message(event))
        total = out.body if ch.plugin.title_maxlen > 0 else f"{out.title}\r\n{out.body}"
        assert len(total) <= ch.plugin.body_maxlen, service
        if ch.max_bytes:
            assert len(total.encode()) <= ch.max_bytes, service
    small = ch.compose(event_message(EVENT)).body
    assert "整改期限为六个月" in small and EVENT.issuer in small
    shortened = ch.compose(event_message(big_edit(300))).body
    assert "处修改未列出" in shortened  # says what it left out


def test_chat_format_follows_what_the_service_takes():
    assert channel(CHAT_URLS["slack"]).compose(event_message(EVENT)).body_format == "markdown"
    assert channel(CHAT_URLS["dingtalk"]).compose(event_message(EVENT)).body_format == "markdown"
    assert channel(CHAT_URLS["feishu"]).compose(event_message(EVENT)).body_format == "markdown"
    assert channel(CHAT_URLS["tgram"]).compose(event_message(EVENT)).body_format == "markdown"
    # Apprise sends WeCom bots plain text: no Markdown escapes to show up as backslashes
    out = channel(CHAT_URLS["wecombot"]).compose(event_message(replace(EVENT, title=EVIL)))
    assert out.body_format == "text" and "\\" not in out.body


def test_summary_and_incident_messages():
    s = baseline_message(
        "20250602T000000Z-000001",
        {"notices": 120, "expired": 80, "expiring": 2, "as_of": "2025-06-02", "match": None},
    )
    assert "基线: 已记录 120 条通报, 其中 80 条公开期限已过" in render(s, "txt")
    inc = {
        "incident_id": 3,
        "kind": "column_unreadable",
        "subject": "https://x/xunshizgls/",
        "subject_key": "",
        "detail": "列表第1页: blocked",
        "started_at": "2025-06-02T02:00:00+00:00",
        "ended_at": "2025-06-02T05:00:00+00:00",
    }
    start, end = incident_message(inc, "start"), incident_message(inc, "end")
    assert start.subject.startswith("[zgwatch] 运行故障: 栏目无法读取")
    assert end.subject.startswith("[zgwatch] 已恢复: 栏目无法读取")
    assert "开始: 2025-06-02 10:00 (北京时间)" in render(end, "txt")
    assert "结束: 2025-06-02 13:00 (北京时间)" in render(end, "txt")
    for fmt in ("html", "md", "txt"):
        assert render(start, fmt) and render(s, fmt)


def test_the_html_summary_line_is_rendered_never_raw_markers():
    msg = event_message(replace(EVENT, summary="(一)统一思想认识:…巡[-视-]{+察+}组反馈…"))
    html = render(msg, "html")
    shown = re.sub(r'<span style="display:none;mso-hide:all">.*?</span>', "", html)
    assert "[-" not in shown and "{+" not in shown
    assert re.search(r"<del [^>]*>视</del>", html) and re.search(r"<ins [^>]*>察</ins>", html)
    md = render(msg, "md")
    assert "~~视~~ **察**" in md and "[-视-]" not in md


def test_a_one_digit_change_shows_the_whole_date_and_number():
    old = "请于12月8日前反映。联系电话:0756-7263701。"
    new = old.replace("12月8日", "12月18日").replace("7263701", "7263702")
    msg = event_message(replace(EVENT, diff=tuple(compute_diff(old, new))))
    assert "[-12月8日-]{+12月18日+}" in render(msg, "txt")
    assert "[-0756-7263701-]{+0756-7263702+}" in render(msg, "txt")
    html = render(msg, "html")
    assert ">12月8日</del>" in html and ">12月18日</ins>" in html
