"""Nothing is given up in silence: operators hear before, hear when, and can re-send.

A delivery becomes ``failed`` after ``max_attempts`` failed runs. Operators must
hear of its failing destination no later than the run after which one more
failure would give it up (not only after ``DESTINATION_GRACE``), hear once when
deliveries are given up (with the command that re-sends them), and
``retry_failed`` sends them again, once each, recording the re-send.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from alerts.run import run_alerts
from tests.alerts.helpers import NO_PAUSE, T0, config
from zgwatch.sinks import WebhookSink

HINT = "zgwatch alert --retry-failed"
HOUR = timedelta(hours=1)


def run(con, s, hours, **kw):
    return run_alerts(con, s, now=T0 + hours * HOUR, retry_pauses=NO_PAUSE, **kw)


def ops_titles(ops: WebhookSink) -> list[str]:
    return [m["json"]["title"].split(" | ")[0] for m in ops.accepted]


def statuses(con) -> list[tuple[str, int]]:
    return con.execute("SELECT status, attempts FROM outbox WHERE audience = 'stakeholders'"
                       " ORDER BY delivery_id").fetchall()


def test_operators_hear_before_anything_is_given_up_then_when_it_is(wh, con):
    wh.notice("101", "通报")
    wh.event("101", "new")
    with WebhookSink(status=500) as chat, WebhookSink() as ops:
        s = replace(config(chat.url(), operators=(ops.url(),), max_attempts=4), resend_hint=HINT)
        for hour in range(2):  # two failed runs of four: too early to bother anyone
            run(con, s, hour)
        assert ops.accepted == []
        run(con, s, 2)  # third failed run: the next failure gives it up
        assert statuses(con) == [("pending", 3)]
        assert ops_titles(ops) == ["[zgwatch] 运行故障: 告警渠道持续发送失败"]
        warning = ops.accepted[0]["json"]["message"]
        assert "待重试 1 条" in warning and "再失败 1 次即放弃" in warning

        run(con, s, 3)  # given up (3 hours in, far from the 24 h grace)
        assert statuses(con) == [("failed", 4)]
        assert ops_titles(ops) == ["[zgwatch] 运行故障: 告警渠道持续发送失败",
                                   "[zgwatch] 运行故障: 告警已放弃发送"]
        told = ops.accepted[1]["json"]["message"]
        assert "1 条告警" in told and HINT in told
        for hour in range(4, 30):  # still failing, past the grace: one message per incident
            run(con, s, hour)
        assert len(ops.accepted) == 2
    kinds = con.execute("SELECT kind FROM incidents WHERE ended_at IS NULL ORDER BY kind")
    assert kinds.fetchall() == [("deliveries_given_up",), ("destination_failing",)]


def test_retry_failed_sends_each_given_up_delivery_once_and_records_it(wh, con):
    for n in ("101", "102"):
        wh.notice(n, f"通报{n}")
        wh.event(n, "new")
    up = {"ok": False}
    with WebhookSink(status=lambda n: 200 if up["ok"] else 500) as chat, \
            WebhookSink() as ops:
        s = replace(config(chat.url(), operators=(ops.url(),), max_attempts=2), resend_hint=HINT)
        run(con, s, 0)
        run(con, s, 1)
        assert [st for st, _ in statuses(con)] == ["failed", "failed"]
        up["ok"] = True
        run(con, s, 2)  # the destination works again: given-up deliveries stay given up
        assert chat.accepted == []
        assert [st for st, _ in statuses(con)] == ["failed", "failed"]

        report = run(con, s, 3, retry_failed=True)
        assert report.resent == 2 and "re-sending 2 failed" in str(report)
        assert len(chat.accepted) == 2
        assert statuses(con) == [("sent", 0), ("sent", 0)]
        resends = con.execute("SELECT attempts_before, last_error_before IS NOT NULL "
                              "FROM outbox_resends ORDER BY delivery_id").fetchall()
        assert resends == [(2, True), (2, True)]
        run(con, s, 4, retry_failed=True)  # nothing failed any more: nothing again
        run(con, s, 5)
        assert len(chat.accepted) == 2
        assert con.execute("SELECT count(*) FROM outbox_resends").fetchone() == (2,)
        # the incidents end, each told once
        assert ops_titles(ops) == [
            "[zgwatch] 运行故障: 告警渠道持续发送失败",
            "[zgwatch] 运行故障: 告警已放弃发送",
            "[zgwatch] 已恢复: 告警渠道持续发送失败",
            "[zgwatch] 已恢复: 告警已放弃发送",
        ]


def test_a_dry_run_of_retry_failed_changes_nothing(wh, con):
    wh.notice("101", "通报")
    wh.event("101", "new")
    with WebhookSink(status=500) as chat:
        s = config(chat.url(), max_attempts=1)
        run(con, s, 0)
        assert statuses(con) == [("failed", 1)]
        report = run(con, s, 1, retry_failed=True, dry_run=True)
        assert report.resent == 1 and len(report.planned) == 1
        assert statuses(con) == [("failed", 1)]
        assert con.execute("SELECT count(*) FROM outbox_resends").fetchone() == (0,)
        assert len(chat.messages) == 3  # the first run's three tries only
