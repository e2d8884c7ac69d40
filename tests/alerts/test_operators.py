"""Operators hear of pipeline trouble once when it starts and once when it ends."""

from __future__ import annotations

from datetime import timedelta

from alerts.run import run_alerts
from tests.alerts.helpers import NO_PAUSE, T0, config
from zgwatch.sinks import WebhookSink


def run(con, s, now=T0):
    return run_alerts(con, s, now=now, retry_pauses=NO_PAUSE)


def titles(sink: WebhookSink) -> list[str]:
    return [m["json"]["title"] for m in sink.accepted]


def test_unreadable_column_start_once_end_once(wh, con, hook):
    with WebhookSink() as ops:
        s = config(hook.url(), operators=(ops.url(),))
        wh.batch("20250602T000000Z-000001", list_outcome="blocked", articles=(), http_status=412)
        report = run(con, s)
        assert report.incidents_opened == 1
        for i in range(3):  # the next cycles fail the same way: no repeat
            wh.batch(
                f"20250602T0{i + 1}0000Z-00000{i + 2}",
                list_outcome="server_error",
                articles=(),
                http_status=503,
            )
            assert run(con, s, T0 + timedelta(hours=i + 1)).sent == 0
        assert titles(ops) == ["[zgwatch] 运行故障: 栏目无法读取 | " + s.source]
        detail = ops.accepted[0]["json"]["message"]
        assert "blocked (HTTP 412)" in detail

        wh.batch("20250602T050000Z-000009")  # read fine again
        report = run(con, s, T0 + timedelta(hours=5))
        assert report.incidents_closed == 1
        run(con, s, T0 + timedelta(hours=6))
        assert titles(ops) == [
            "[zgwatch] 运行故障: 栏目无法读取 | " + s.source,
            "[zgwatch] 已恢复: 栏目无法读取 | " + s.source,
        ]
        assert "结束: 2025-06-02 15:00 (北京时间)" in ops.accepted[1]["json"]["message"]
    assert hook.messages == []  # stakeholders never hear of pipeline trouble
    assert con.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 0


def test_every_article_blocked(wh, con):
    with WebhookSink() as ops:
        s = config(operators=(ops.url(),))
        wh.batch("20250602T000000Z-000001", articles=("blocked",) * 5)
        run(con, s)
        wh.batch("20250602T010000Z-000002", articles=("blocked",) * 4)
        run(con, s, T0 + timedelta(hours=1))
        wh.batch("20250602T020000Z-000003", articles=("blocked", "ok"))
        run(con, s, T0 + timedelta(hours=2))
        assert [t.split(" | ")[0] for t in titles(ops)] == [
            "[zgwatch] 运行故障: 文章全部被拦截",
            "[zgwatch] 已恢复: 文章全部被拦截",
        ]


def test_a_destination_failing_for_a_day(wh, con):
    wh.notice("101", "通报")
    wh.event("101", "new")
    up = {"ok": False}
    with WebhookSink(status=lambda n: 200 if up["ok"] else 500) as chat, WebhookSink() as ops:
        s = config(chat.url(), operators=(ops.url(),), max_attempts=50)
        for hours in (0, 1, 12, 23):  # failing, but not yet for a day
            run(con, s, T0 + timedelta(hours=hours))
        assert ops.messages == []
        for hours in (24, 25, 30):
            run(con, s, T0 + timedelta(hours=hours))
        assert len(ops.accepted) == 1
        start = ops.accepted[0]["json"]
        assert start["title"].startswith("[zgwatch] 运行故障: 告警渠道持续发送失败 | json://")
        assert "待重试 1 条" in start["message"]
        up["ok"] = True
        run(con, s, T0 + timedelta(hours=31))
        run(con, s, T0 + timedelta(hours=32))
        assert [t.split(" | ")[0] for t in titles(ops)] == [
            "[zgwatch] 运行故障: 告警渠道持续发送失败",
            "[zgwatch] 已恢复: 告警渠道持续发送失败",
        ]
        assert len(chat.accepted) == 1  # the alert itself arrived once
    rows = con.execute("SELECT kind, ended_at IS NOT NULL FROM incidents").fetchall()
    assert rows == [("destination_failing", True)]


def test_operators_destination_down_hears_later_and_once(wh, con):
    up = {"ok": False}
    with WebhookSink(status=lambda n: 200 if up["ok"] else 500) as ops:
        s = config(operators=(ops.url(),))
        wh.batch("20250602T000000Z-000001", list_outcome="timeout", articles=())
        run(con, s)
        assert ops.accepted == []
        up["ok"] = True
        run(con, s, T0 + timedelta(hours=1))
        run(con, s, T0 + timedelta(hours=2))
        assert len(ops.accepted) == 1


def test_trouble_without_operators_is_recorded_not_sent(wh, con, hook):
    wh.batch("20250602T000000Z-000001", list_outcome="blocked", articles=())
    run(con, config(hook.url()))
    assert hook.messages == []
    assert con.execute("SELECT kind FROM incidents WHERE ended_at IS NULL").fetchall() == [
        ("column_unreadable",)
    ]


def test_the_first_page_fault_is_said_once(wh, con):
    """Not "server_error (HTTP 503): HTTP 503 service unavailable": the status once."""
    wh.batch("20250602T000000Z-000001", list_outcome="server_error", articles=(),
             http_status=503, reason="HTTP 503 service unavailable")
    run(con, config())
    (detail,) = con.execute("SELECT detail FROM incidents").fetchone()
    assert detail.endswith("(第一页: server_error (HTTP 503 service unavailable))")
    assert detail.count("503") == 1
