"""Operators hear of each new parse gap once (of the fields alerts speak of); stakeholders
never do."""

from __future__ import annotations

from datetime import timedelta

from alerts.messages import gap_message
from alerts.render import render
from alerts.run import run_alerts
from tests.alerts.helpers import NO_PAUSE, T0, config, valid
from zgwatch.sinks import WebhookSink

EVIL = '关于<script>alert("x")</script>[点我](javascript:alert(1))的通报'


def run(con, s, now=T0):
    return run_alerts(con, s, now=now, retry_pauses=NO_PAUSE)


def without_period(con, notice_id: str) -> None:
    """The notice's latest version is a rectification notice whose window was not read."""
    con.execute(
        "UPDATE notice_versions SET publicity_start = NULL, publicity_end = NULL,"
        " document_kind = 'rectification', contacts = '{\"phones\": [\"020-83345565\"]}'"
        " WHERE notice_id = ?",
        [notice_id],
    )


def test_each_gap_is_told_once_to_operators_only(wh, con, hook):
    wh.notice("1", "中共广州市委关于巡视整改进展情况的通报")
    without_period(con, "1")
    wh.notice("2", "中共深圳市委关于巡视整改进展情况的通报", issuer=None)
    wh.notice("3", "中共珠海市委关于巡视整改进展情况的通报")  # read well: no gap
    # the view also lists the rectification timeline's unread dates (no 反馈, no 日期 here):
    # those are for analysts, and operators hear nothing of them
    timeline = con.execute("SELECT DISTINCT field FROM parse_gaps WHERE field IN "
                           "('feedback_on', 'inspection_group', 'published_on')").fetchall()
    assert len(timeline) == 3
    with WebhookSink() as ops:
        s = config(hook.url(), operators=(ops.url(),))
        report = run(con, s)
        assert report.queued == 2
        assert sorted(m["json"]["title"] for m in ops.accepted) == [
            "[zgwatch] 解析缺口: 公开期限未能读出 | 中共广州市委关于巡视整改进展情况的通报",
            "[zgwatch] 解析缺口: 发布单位未能读出 | 中共深圳市委关于巡视整改进展情况的通报",
        ]
        facts = valid(ops.accepted)  # the payload follows docs/webhook.schema.json
        assert {(f["message"], f["field"]) for f in facts} == {
            ("gap", "publicity_period"), ("gap", "issuer")}
        keys = con.execute(
            "SELECT message_key, audience FROM outbox ORDER BY message_key"
        ).fetchall()
        assert keys == [("gap:1:1:publicity_period", "operators"), ("gap:2:1:issuer", "operators")]
        assert run(con, s, T0 + timedelta(hours=1)).queued == 0  # the next cycles: nothing again
        assert len(ops.accepted) == 2

        wh.notice("1", "中共广州市委关于巡视整改进展情况的通报")  # edited, still no window
        without_period(con, "1")
        run(con, s, T0 + timedelta(hours=2))
        assert [m["json"]["title"].split(" | ")[0] for m in ops.accepted[2:]] == [
            "[zgwatch] 解析缺口: 公开期限未能读出"
        ]
    assert hook.messages == []  # stakeholders hear of notices, not of the parser's troubles


def test_a_destination_added_later_hears_only_of_later_versions(wh, con):
    wh.notice("1", "中共广州市委关于巡视整改进展情况的通报", issuer=None)
    wh.event("1", "new")  # the batch the first cycle recorded
    with WebhookSink() as first:
        run(con, config(operators=(first.url(),)))
        assert len(first.accepted) == 1
    with WebhookSink() as later:
        con.execute("UPDATE change_events SET batch_id = '20250603T000000Z-000002'")
        run(con, config(operators=(later.url(),)), T0 + timedelta(days=1))
        assert later.accepted == []


def test_a_gap_message_in_every_format_escapes_the_site():
    gap = {
        "notice_id": "9", "version_no": 2, "field": "publicity_period",
        "reasons": ["doubtful", "end_before_start"],
        "details": ["the end (2024-09-01) is before the start (2024-09-26)"],
        "title": EVIL, "url": "javascript:alert(1)", "document_kind": "rectification",
        "published_on": "2024-09-26", "raw": "公开期限:<b>2024年9月26日至9月1日</b>",
        "runbook": "http://af:8080/zgwatch/runbook",
    }  # fmt: skip
    msg = gap_message(gap)
    assert msg.key == "gap:9:2:publicity_period"
    assert msg.subject.startswith("[zgwatch] 解析缺口: 公开期限依据不足、截止日早于开始日 | ")
    html, md, txt = (render(msg, fmt) for fmt in ("html", "md", "txt"))
    assert "<script>" not in html and "&lt;b&gt;" in html and 'href="javascript' not in html
    assert "[点我](javascript" not in md and "\\<script\\>" in md
    assert "第 2 版" in txt and "原文: 公开期限:<b>2024年9月26日至9月1日</b>" in txt
    # Chinese for operators (the analysts' English detail stays in parse_gaps), and where
    # to read what to do
    for body in (html, md, txt):
        assert "the end (2024-09-01)" not in body and "parse_gaps" not in body
        assert "http://af:8080/zgwatch/runbook#parse-gaps" in body
