"""What a stakeholder reads, delivered through the real SMTP and webhook sinks on loopback.

Every notice alert says how to act (deadline, days left, contacts as links);
one notice's events of a run are one message; a digest lists a run's events in
numbered parts; the baseline comes first and lists the notices open for
opinions. Every webhook payload is checked against docs/webhook.schema.json.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

import alerts.dispatch
from alerts.destinations import OPERATORS, Destination
from alerts.run import run_alerts
from tests.alerts.helpers import CONTACTS, NO_PAUSE, T0, config, valid, zg
from zgwatch.sinks import WebhookSink

SITE = "https://zg.example.org/site/"
TITLE = "中共珠海市委关于巡视整改进展情况的通报"
EDIT = [
    [0, "欢迎广大干部群众对巡视整改落实情况进行监督。公开期限:2025年5月20日至6月"],
    [1, "1"],
    [0, "4日。联系电话:0756-7263766。"],
]
KINDS = ("new", "edited", "removed", "restored", "expiring", "expired")


def run(con, s, **kw):
    kw.setdefault("retry_pauses", NO_PAUSE)
    return run_alerts(con, s, **kw)


def mmost(sink: WebhookSink) -> str:
    """Mattermost's Apprise URL pointed at a webhook sink (it posts {"text": …} there)."""
    return f"mmost://127.0.0.1:{sink.port}/abcdefghij1234567890abcd"


def visible(html: str) -> str:
    """The HTML without the markers hidden for the text part."""
    return re.sub(r'<span style="display:none;mso-hide:all">.*?</span>', "", html)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_through_smtp_and_webhook_says_how_to_act(wh, con, mail, hook, kind):
    end = date(2025, 6, 1) if kind == "expired" else date(2025, 6, 4)
    wh.notice("4101", TITLE, "中共珠海市委", contacts=CONTACTS, end=end)
    diff = EDIT if kind == "edited" else None
    summary = "已从栏目撤下，原网页已无法访问" if kind == "removed" else None
    change = wh.event("4101", kind, diff=diff, end=end, summary=summary)
    wanted = (Destination(url=mail.url(), kinds=KINDS), Destination(url=hook.url(), kinds=KINDS))
    assert run(con, config(destinations=wanted, site_url=SITE)).sent == 2

    (email,) = mail.wait_for(1)
    due = "" if kind == "expired" else " · 6月4日截止"  # the deadline while the period is open
    assert email["Subject"].startswith(f"[zgwatch] {KINDS_LABEL[kind]}{due} | {TITLE}")
    html = email.get_body(("html",)).get_content()
    text = email.get_body(("plain",)).get_content()
    (facts,) = valid(hook.wait_for(1))
    assert facts["change_ids"] == [change] and facts["kind"] == kind
    assert facts["detected_at"] == "2025-06-02T10:00:00+08:00"  # T0, with its offset
    assert facts["events"][0]["detected_at"] == "2025-06-02T10:00:00+08:00"
    assert facts["notice"]["page_url"] == f"{SITE}notices/4101.html"
    if kind == "expired":  # the period is over: no contacts to offer
        assert "已过 1 天" in text and "tel:" not in html and "0756-7263766" not in text
        assert not facts["notice"]["show_contacts"]
        return
    assert "截至 2025-06-02 剩 2 天" in text
    assert 'href="tel:07567263766"' in html and "0756-7263766" in text
    assert 'href="mailto:jwxszgb@zhuhai.gov.cn"' in html
    assert "珠海市金湾区行政办公中心8号楼108室" in text and "519090" in text
    assert facts["notice"]["show_contacts"] and facts["notice"]["contacts"]["postcode"] == "519090"
    if kind == "removed":
        assert "已从栏目撤下，原网页已无法访问" in text and "404" not in text
        archive = f"{SITE}archive/4101/v1.html"
        assert f'href="{archive}"' in html and facts["notice"]["archive_url"] == archive
        assert 'href="https://www.gdjct.gd.gov.cn' not in html  # the page that is gone
    if kind == "edited":  # a one-digit change reads as the whole date
        assert ">6月4日</del>" in html and ">6月14日</ins>" in html
        assert "[-6月4日-]{+6月14日+}" in text


KINDS_LABEL = {"new": "新通报", "edited": "内容修改", "removed": "已撤下", "restored": "恢复发布",
               "expiring": "公开期限将至", "expired": "公开期限已过"}


def test_a_notice_edited_and_due_in_one_cycle_sends_one_message_per_destination(
        wh, con, mail, hook):
    wh.notice("4201", TITLE, contacts=CONTACTS)
    edit = wh.event("4201", "edited", diff=EDIT)
    due = wh.event("4201", "expiring")
    with WebhookSink() as chat:
        s = config(mail.url(), hook.url(), mmost(chat))
        report = run(con, s)
        assert (report.sent, report.messages) == (6, 3)
        assert run(con, s).sent == 0
        (post,) = chat.wait_for(1)
    (email,) = mail.wait_for(1)
    # most urgent first, then the deadline
    assert email["Subject"] == f"[zgwatch] 公开期限将至 · 内容修改 · 6月4日截止 | {TITLE}"
    text = email.get_body(("plain",)).get_content()
    assert text.index("【公开期限将至】") < text.index("【内容修改】")
    (facts,) = valid(hook.wait_for(1))
    assert facts["kinds"] == ["expiring", "edited"] and facts["change_ids"] == [due, edit]
    chat_text = post["json"]["text"]
    assert "公开期限将至 · 内容修改" in chat_text and "[0756-7263766](tel:07567263766)" in chat_text
    assert len(mail.messages) == len(hook.messages) == 1
    rows = con.execute("SELECT change_id, status, message, sent_at FROM deliveries"
                       " ORDER BY delivery_id").fetchall()
    assert sorted(r[0] for r in rows) == sorted([edit, due] * 3)  # one row per event, each
    for url_hash in {r[0] for r in con.execute("SELECT url_hash FROM outbox").fetchall()}:
        mine = con.execute("SELECT status, message, sent_at FROM deliveries WHERE url_hash = ?",
                           [url_hash]).fetchall()
        assert len(mine) == 2 and len(set(mine)) == 1 and mine[0][0] == "sent"  # together
        assert re.fullmatch(r"notice:4201:\d+", mine[0][1])


def test_a_crash_after_a_send_repeats_at_most_the_message_in_flight(wh, con, hook, monkeypatch):
    for nid in ("4301", "4302", "4303"):
        wh.notice(nid, f"通报{nid}")
        wh.event(nid, "new")
        wh.event(nid, "expiring")
    real = alerts.dispatch.mark_sent
    calls = {"n": 0}

    def dies_before_recording_the_second(con, deliveries, now):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("killed")  # sent, not yet recorded: the process dies here
        return real(con, deliveries, now)

    monkeypatch.setattr(alerts.dispatch, "mark_sent", dies_before_recording_the_second)
    with pytest.raises(SystemExit):
        run(con, config(hook.url()))
    monkeypatch.setattr(alerts.dispatch, "mark_sent", real)
    statuses = con.execute("SELECT status, count(*) FROM deliveries GROUP BY ALL"
                           " ORDER BY ALL").fetchall()
    assert statuses == [("pending", 4), ("sent", 2)]  # whole messages, never half of one
    assert run(con, config(hook.url())).sent == 4
    got = [zg(m)["notice"]["notice_id"] for m in hook.wait_for(4)]
    assert got == ["4301", "4302", "4302", "4303"]  # only the message in flight twice


def test_a_digest_lists_every_event_of_the_run_by_kind(wh, con, mail, hook):
    events = {}
    for nid, kind in (("4401", "new"), ("4402", "edited"), ("4403", "expiring"),
                      ("4404", "removed"), ("4405", "new")):
        wh.notice(nid, f"{TITLE}（{nid}）", contacts=CONTACTS)
        events[wh.event(nid, kind, diff=EDIT if kind == "edited" else None)] = kind
    with WebhookSink() as each:
        s = config(each.url(), destinations=(Destination(url=hook.url(), digest=True),
                                             Destination(url=mail.url(), digest=True)))
        report = run(con, s)
        assert report.sent == 3 * 5 and report.messages == 5 + 1 + 1
        assert run(con, s).sent == 0
        assert len(each.wait_for(5)) == 5
    (digest,) = valid(hook.wait_for(1))
    assert [g["kind"] for g in digest["groups"]] == ["expiring", "removed", "edited", "new"]
    assert sorted(digest["change_ids"]) == sorted(events) and digest["parts"] == 1
    assert [c["count"] for c in digest["counts"]] == [1, 1, 1, 2]
    (email,) = mail.wait_for(1)
    assert email["Subject"] == (
        "[zgwatch] 本轮汇总: 公开期限将至 1 · 已撤下 1 · 内容修改 1 · 新通报 2")
    text = email.get_body(("plain",)).get_content()
    assert all(f"（{nid}）" in text for nid in ("4401", "4402", "4403", "4404", "4405"))
    html = email.get_body(("html",)).get_content()
    assert html.count('href="tel:07567263766"') == 5  # every event's notice: all periods open
    rows = con.execute("SELECT status, count(*), count(DISTINCT change_id) FROM deliveries"
                       " WHERE message LIKE 'digest:%' GROUP BY status").fetchall()
    assert rows == [("sent", 10, 5)]  # one row per event and destination, all sent


def test_a_digest_too_big_for_the_service_goes_in_numbered_parts_each_event_once(
        wh, con, monkeypatch):
    n = 40
    for i in range(n):
        nid = str(4500 + i)
        wh.notice(nid, f"{TITLE}（第{i:02d}号）", contacts=CONTACTS)
        wh.event(nid, "edited", diff=EDIT)
    real = alerts.dispatch.mark_sent
    calls = {"n": 0}

    def dies_after_the_first_part(con, deliveries, now):
        real(con, deliveries, now)
        calls["n"] += 1
        if calls["n"] == 1:
            raise SystemExit("killed")

    with WebhookSink() as chat:
        s = config(destinations=(Destination(url=mmost(chat), digest=True),))
        monkeypatch.setattr(alerts.dispatch, "mark_sent", dies_after_the_first_part)
        with pytest.raises(SystemExit):
            run(con, s)
        monkeypatch.setattr(alerts.dispatch, "mark_sent", real)
        first = chat.wait_for(1)[0]["json"]["text"]
        report = run(con, s)
        posts = [p["json"]["text"] for p in chat.wait_for(1 + report.messages)]
    parts = len(posts)
    assert parts > 2 and report.sent == n - first.count("（第")
    assert all(len(p) <= 4000 for p in posts)  # Mattermost's limit (title included)
    assert [re.search(r"本轮汇总 \((\d+)/(\d+)\)", p).groups() for p in posts] == [
        (str(i), str(parts)) for i in range(1, parts + 1)]  # numbered the same after the crash
    titles = re.findall(r"第(\d\d)号", "".join(posts))
    assert sorted(titles) == [f"{i:02d}" for i in range(n)]  # every event once
    assert con.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'").fetchone()[0] == n


def test_the_baseline_comes_first_and_lists_every_notice_open_for_opinions(wh, con, mail, hook):
    ends = {"4601": date(2025, 6, 20), "4602": date(2025, 6, 3), "4603": date(2025, 5, 30),
            "4604": date(2025, 6, 9)}
    for nid, end in ends.items():
        wh.notice(nid, f"{TITLE}（{nid}）", f"中共{nid}委", contacts=CONTACTS, end=end)
        wh.event(nid, "new", baseline=True, end=end)
    wh.event("4603", "expired", baseline=True, end=ends["4603"])
    expiring = wh.event("4602", "expiring", baseline=True, end=ends["4602"])
    wh.notice("4605", f"{TITLE}（4605）", contacts=CONTACTS, start=None, end=None)
    wh.event("4605", "new", baseline=True, end=None)
    wh.gap("4605", "publicity_period")
    assert run(con, config(mail.url(), hook.url())).sent == 2 * 2

    posts = hook.wait_for(2)
    baseline, due = valid(posts)
    assert baseline["message"] == "baseline" and due["change_ids"] == [expiring]  # summary first
    assert [n["notice_id"] for n in baseline["open"]] == ["4602", "4604", "4601"]  # by deadline
    soonest = baseline["open"][0]
    assert (soonest["issuer"], soonest["publicity_end"], soonest["days_left"]) == (
        "中共4602委", "2025-06-03", 1)
    assert [n["notice_id"] for n in baseline["unread"]] == ["4605"]
    first, second = mail.wait_for(2)
    assert first["Subject"] == "[zgwatch] 基线: 已记录 5 条通报, 3 条正在公开征求意见"
    assert second["Subject"].startswith("[zgwatch] 公开期限将至")
    text = posts[0]["json"]["message"]
    lines = [ln for ln in text.splitlines() if "截止 (" in ln]
    assert lines == ["1. 2025-06-03 截止 (剩 1 天) · 中共4602委",
                     "2. 2025-06-09 截止 (剩 7 天) · 中共4604委",
                     "3. 2025-06-20 截止 (剩 18 天) · 中共4601委"]
    assert "公开期限未能识别" in text and "（4605）" in text
    html = first.get_body(("html",)).get_content()
    assert html.count('href="tel:07567263766"') == 3
    seen = visible(html)
    assert seen.index("（4602）") < seen.index("（4604）") < seen.index("（4601）")
    plain = first.get_body(("plain",)).get_content()
    assert "中共4602委" in plain and "2025-06-03" in plain and "0756-7263766" in plain


def test_unread_and_doubtful_fields_are_said_so_a_person_looks(wh, con, mail, hook):
    wh.notice("4701", TITLE, contacts={}, start=None, end=None)
    wh.gap("4701", "publicity_period", "missing")
    wh.gap("4701", "contacts", "missing")
    wh.event("4701", "new", end=None)
    wh.notice("4702", TITLE, contacts=CONTACTS)
    wh.gap("4702", "publicity_end", "estimated")
    wh.event("4702", "new")
    run(con, config(mail.url(), hook.url()))
    unread, doubtful = mail.wait_for(2)
    text = unread.get_body(("plain",)).get_content()
    assert "公开期限未能识别" in text and "联系方式未能识别" in text
    assert "公开期限截止日可能有误" in doubtful.get_body(("plain",)).get_content()
    facts = valid(hook.wait_for(2))
    gaps = [g["text"] for g in facts[0]["notice"]["gaps"]]
    assert gaps == ["联系方式未能识别", "公开期限未能识别"]
    assert facts[0]["notice"]["period"] == "unknown"


def test_the_timelines_unread_dates_are_for_analysts_not_for_alerts(wh, con, hook):
    """parse_gaps also lists a notice's unread feedback date: readers hear only of the
    fields alerts speak of (the period here). Operators: tests/alerts/test_gaps.py."""
    wh.notice("4801", TITLE, contacts=CONTACTS)
    wh.gap("4801", "feedback_on")
    wh.gap("4801", "inspection_group")
    wh.gap("4801", "publicity_end", "estimated")
    wh.event("4801", "new")
    run(con, config(hook.url()))
    (facts,) = valid(hook.wait_for(1))
    assert [g["text"] for g in facts["notice"]["gaps"]] == ["公开期限截止日可能有误"]


def test_operators_incidents_follow_the_schema(wh, con, hook):
    wh.batch("20250602T000000Z-000009", list_outcome="blocked", http_status=412)
    s = config(destinations=(Destination(url=hook.url(), audience=OPERATORS),))
    assert run(con, s, now=T0).incidents_opened == 1
    wh.batch("20250602T010000Z-000010")
    assert run(con, s, now=T0).incidents_closed == 1
    start, end = valid(hook.wait_for(2))
    assert (start["phase"], end["phase"]) == ("start", "end")
    assert start["started_at"] == "2025-06-02T10:00:00+08:00" and start["ended_at"] is None
    assert end["ended_at"] == "2025-06-02T10:00:00+08:00"
