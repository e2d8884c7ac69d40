"""Each service gets the format it renders, its text escaped for it, and no live mention.

Services Apprise can reach on loopback (Mattermost, ntfy, gotify) post to a
real webhook sink; the others are checked on what their channel composes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.channels import Channel
from alerts.destinations import Destination
from alerts.digest import digest_items, digest_message, items_of
from alerts.events import ChangeEvent, Contacts
from alerts.messages import baseline_message, defuse, notice_message
from alerts.run import run_alerts
from core.textdiff import compute_diff
from tests.alerts.helpers import CONTACTS, NO_PAUSE, config
from tests.alerts.test_render import CHAT_URLS
from tests.support.alerting import event_message
from zgwatch.sinks import WebhookSink

MENTIONS = "@all @everyone @here @channel <!channel> <!here> <@U024BE7LH> <#C1> <@&42>"
FEISHU_AT = '<at user_id="all">所有人</at>'
HOSTILE = (f"关于{MENTIONS} {FEISHU_AT} [点我](http://evil.example/x) "
           "![t](http://tracker.example/p.png) **粗**的通报")

OLD = "公开期限:2025年5月20日至12月8日。联系电话:0756-7263701。"
EVENT = ChangeEvent(
    change_id=9, notice_id="5001", kind="edited", batch_id="b",
    detected_at=datetime(2025, 6, 2, 2, 0, tzinfo=UTC), as_of=date(2025, 6, 2), baseline=False,
    summary="公开期限截止日 12月8日 → 12月18日", url="https://www.gdjct.gd.gov.cn/xunshizgls/content/post_5001.html",
    title="中共珠海市委关于巡视整改进展情况的通报", issuer="中共珠海市委",
    publicity_start=date(2025, 5, 20), publicity_end=date(2025, 12, 18),
    diff=tuple(compute_diff(OLD, OLD.replace("12月8日", "12月18日"))), version_no=2,
    contacts=Contacts(("0756-7263701",), ("jw@zhuhai.gov.cn",), "519000", "珠海市某路1号"),
)
LIVE_MENTION = re.compile(r"(?<![A-Za-z0-9._%+-])@(all|everyone|here|channel)|<[!@#]|<at\b")


def compose(scheme: str, event: ChangeEvent = EVENT):
    return Channel.open(Destination(url=CHAT_URLS[scheme])).compose(event_message(event))


@pytest.mark.parametrize("scheme", sorted(CHAT_URLS))
def test_no_mention_reaches_any_chat_service(scheme):
    out = compose(scheme, replace(EVENT, title=HOSTILE, issuer="@all 中共珠海市委",
                                  summary="<!here> 改了"))
    assert not LIVE_MENTION.search(out.title + "\n" + out.body), scheme
    assert "＠all" in out.body or "＠all" in out.title
    assert "jw@zhuhai.gov.cn" in out.body  # an e-mail address keeps its @


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@given(st.text(alphabet=st.sampled_from("@<!#at lhe.x中1-_")) | st.text())
def test_defuse_leaves_no_mention_and_changes_nothing_else(text):
    out = defuse(text)
    assert len(out) == len(text)
    pairs = zip(text, out, strict=True)
    assert all(a == b or (a, b) in {("@", "＠"), ("<", "＜")} for a, b in pairs)
    assert not re.search(r"<[!@#]|<at\b", out, re.IGNORECASE)
    in_emails = {i for m in EMAIL.finditer(out) for i in range(m.start(), m.end())}
    assert all(i in in_emails for i, c in enumerate(out) if c == "@")  # only e-mails keep @


def test_defuse_examples():
    assert defuse("@all 注意 <!channel> <@U1> 写信 jw@zhuhai.gov.cn") == (
        "＠all 注意 ＜!channel> ＜＠U1> 写信 jw@zhuhai.gov.cn")
    assert defuse("通报@everyone") == "通报＠everyone"


def test_diffs_are_marked_as_each_service_renders_them():
    discord = compose("feishu").body
    assert "~~12月8日~~ **12月18日**" in discord and "(~~删除~~ **新增**)" in discord
    slack = compose("slack").body
    assert "~12月8日~ **12月18日**" in slack  # Apprise turns ** into Slack's *
    dingtalk = compose("dingtalk").body  # no strikethrough: brackets, and the legend says so
    assert r"\[-12月8日-\] **12月18日**" in dingtalk and r"(\[-删除-\] **新增**)" in dingtalk
    wecom = compose("wecombot").body  # text only
    assert "[-12月8日-]{+12月18日+}" in wecom and "图例: [-删除-]{+新增+}" in wecom
    assert "**" not in wecom


def test_contacts_are_links_where_the_service_takes_them():
    assert "[0756-7263701](tel:07567263701)" in compose("dingtalk").body
    assert "[jw@zhuhai.gov.cn](mailto:jw@zhuhai.gov.cn)" in compose("feishu").body
    telegram = compose("tgram").body  # Telegram links only to web pages
    assert "0756-7263701" in telegram and "tel:" not in telegram
    wecom = compose("wecombot").body
    assert "电话: 0756-7263701" in wecom and "来信: 珠海市某路1号 (邮编 519000)" in wecom


def test_services_apprise_sends_as_text_get_only_what_they_render(wh, con):
    """Mattermost renders Markdown (escaped Markdown for it); ntfy and gotify show text
    (no Markdown of ours), unless their URL asks for Markdown."""
    wh.notice("5101", HOSTILE, contacts=CONTACTS)
    wh.event("5101", "new")
    with WebhookSink() as sink:
        urls = {
            "mmost": f"mmost://127.0.0.1:{sink.port}/abcdefghij1234567890abcd",
            "ntfy": f"ntfy://127.0.0.1:{sink.port}/zgwatch",
            "gotify": f"gotify://127.0.0.1:{sink.port}/AbCdEfGhIjKlMnO",
            "gotify-md": f"gotify://127.0.0.1:{sink.port}/AbCdEfGhIjKlM2?format=markdown",
        }
        assert run_alerts(con, config(*urls.values()), retry_pauses=NO_PAUSE).sent == 4
        posts = {p["path"]: p for p in sink.wait_for(4)}
    mattermost = posts["/hooks/abcdefghij1234567890abcd"]["json"]["text"]
    assert r"\[点我\](http://evil.example/x)" in mattermost  # text, not a link
    assert r"!\[t\](http://tracker.example/p.png)" in mattermost  # text, not an image
    assert "[0756-7263766](tel:07567263766)" in mattermost  # our Markdown is live
    assert not LIVE_MENTION.search(mattermost)
    ntfy = posts["/"]["json"]["message"]
    gotify = [p["json"] for p in posts.values() if p["path"] == "/message"]
    plain = [ntfy] + [g["message"] for g in gotify if "extras" not in g]
    rendered = [g for g in gotify if "extras" in g]
    for text in plain:
        assert "**【" not in text and "](tel:" not in text and "电话: 0756-7263766" in text
        assert not LIVE_MENTION.search(text)
    (md,) = rendered
    assert md["extras"]["client::display"]["contentType"] == "text/markdown"
    assert r"\[点我\]" in md["message"] and not LIVE_MENTION.search(md["message"])


def big_digest(n: int):
    events = [replace(EVENT, change_id=100 + i, notice_id=str(6000 + i),
                      title=f"{EVENT.title}（第{i:03d}号）") for i in range(n)]
    return digest_message("digest:1", digest_items(events))


@pytest.mark.parametrize("scheme", sorted(CHAT_URLS))
def test_a_digest_splits_within_each_service_limit_the_same_way_twice(scheme):
    channel = Channel.open(Destination(url=CHAT_URLS[scheme]))
    parts = channel.parts(big_digest(60))
    assert parts == channel.parts(big_digest(60))  # a retry sends the same parts
    assert [i for p in parts for i in p.change_ids] == list(range(100, 160))
    for i, part in enumerate(parts, 1):
        out = channel.compose(part)
        total = out.body if channel.plugin.title_maxlen > 0 else f"{out.title}\r\n{out.body}"
        assert len(total) <= channel.plugin.body_maxlen
        if channel.max_bytes:
            assert len(total.encode()) <= channel.max_bytes
        assert len(parts) == 1 or f"({i}/{len(parts)})" in out.title
        assert len(items_of(part)) == len(part.change_ids)


def test_the_email_digest_is_one_message_however_long():
    channel = Channel.open(Destination(url="mailto://127.0.0.1:25?from=a@x.org&to=b@x.org"))
    (whole,) = channel.parts(big_digest(300))
    assert len(whole.change_ids) == 300


def test_a_baseline_too_long_for_a_chat_drops_contacts_then_notices_and_says_so():
    rows = [{"notice_id": str(7000 + i), "url": f"https://x.org/post_{7000 + i}.html",
             "title": f"中共某某市委关于巡视整改进展情况的通报（{i}）", "issuer": "中共某某市委",
             "publicity_start": "2025-05-20", "publicity_end": "2025-06-10", "version_no": 1,
             "contacts": CONTACTS, "gaps": []} for i in range(60)]
    payload = {"notices": 300, "expired": 240, "expiring": 1, "as_of": "2025-06-02",
               "match": None, "open": rows, "unread": []}
    out = Channel.open(Destination(url=CHAT_URLS["wecombot"])).compose(
        baseline_message("b1", payload))
    assert len(out.body.encode()) <= 2048
    assert "另有" in out.body and "条未列出" in out.body and "60 条正在公开征求意见" in out.body


def test_a_merged_message_shortens_its_passages_to_fit():
    ops = [((0, f"第{i}段" + "。" * 90), (-1, f"旧{i}"), (1, f"新{i}")) for i in range(80)]
    many = replace(EVENT, diff=tuple(op for three in ops for op in three))
    msg = notice_message([many, replace(EVENT, change_id=10, kind="expiring", diff=None)])
    out = Channel.open(Destination(url=CHAT_URLS["tgram"])).compose(msg)
    assert len(out.body) <= 4096 and "处修改未列出" in out.body
    assert "**公开期限将至**" in out.body and out.body.index("公开期限将至") < out.body.index(
        "内容修改")
