"""Delivery through Apprise to a real SMTP server and a real HTTP webhook on loopback."""

from __future__ import annotations

import logging

import pytest

from alerts.channels import JsonChannel
from alerts.destinations import Destination
from alerts.run import run_alerts
from tests.alerts.helpers import NO_PAUSE, T0, config, valid, zg
from zgwatch.sinks import MailSink, WebhookSink

EDIT = [
    [0, "根据省委统一部署，省委第五巡视组对珠海市进行了巡视。" * 2],
    [-1, "三个月"],
    [1, "六个月"],
    [0, "内完成整改。"],
]


def run(con, s, **kw):
    kw.setdefault("retry_pauses", NO_PAUSE)
    return run_alerts(con, s, **kw)


def test_email_and_webhook_carry_each_event(wh, con, mail, hook):
    wh.notice("101", "中共珠海市委关于巡视整改进展情况的通报", "中共珠海市委")
    wh.notice("111", "中共珠海市委关于巡视整改进展情况的通报（二）", "中共珠海市委")
    new = wh.event("101", "new")
    edit = wh.event("111", "edited", diff=EDIT)
    report = run(con, config(mail.url(to="a@example.org", sender="zg@example.org"), hook.url()))
    assert (report.queued, report.sent, report.messages, report.pending) == (4, 4, 4, 0)

    first, second = mail.wait_for(2, timeout=10)
    assert first["Subject"] == ("[zgwatch] 新通报 · 6月4日截止 | "
                                "中共珠海市委关于巡视整改进展情况的通报")
    assert second["Subject"].startswith("[zgwatch] 内容修改 · 6月4日截止 | ")
    assert first["From"] == "zg@example.org" and first["To"] == "a@example.org"
    assert second.get_content_type() == "multipart/alternative"
    text = second.get_body(("plain",)).get_content()
    html = second.get_body(("html",)).get_content()
    assert "[-三个月-]{+六个月+}" in text
    assert ">三个月</del>" in html and ">六个月</ins>" in html
    assert "post_111.html" in text and "中共珠海市委" in text

    posts = hook.wait_for(2, timeout=10)
    payload = posts[1]["json"]
    assert payload["title"].startswith("[zgwatch] 内容修改")
    assert "[-三个月-]{+六个月+}" in payload["message"]
    facts = valid(posts)[1]
    assert (facts["kind"], facts["change_ids"], facts["notice"]["notice_id"]) == (
        "edited", [edit], "111")
    notice, (event,) = facts["notice"], facts["events"]
    assert notice["publicity_end"] == "2025-06-04" and notice["issuer"] == "中共珠海市委"
    assert [0, "六个月"] not in event["hunks"][0] and [1, "六个月"] in event["hunks"][0]

    rows = wh.deliveries()
    assert [(r[0], r[2], r[3], r[5]) for r in rows] == [
        (new, "sent", 0, True),
        (edit, "sent", 0, True),
        (new, "sent", 0, True),
        (edit, "sent", 0, True),
    ]


def test_reruns_send_nothing_twice(wh, con, mail, hook):
    wh.notice("102", "通报甲")
    wh.event("102", "new")
    s = config(mail.url(), hook.url())
    run(con, s)
    mail.wait_for(1), hook.wait_for(1)
    for _ in range(3):
        assert run(con, s).sent == 0
    wh.notice("103", "通报乙")
    wh.event("103", "new", batch="20250602T010000Z-000002")
    assert run(con, s).sent == 2
    assert run(con, s).sent == 0
    assert len(mail.wait_for(2)) == 2 and len(hook.wait_for(2)) == 2
    assert [zg(m)["notice"]["notice_id"] for m in hook.messages] == ["102", "103"]
    assert len(wh.deliveries()) == 4


def test_a_retry_within_the_run_absorbs_a_hiccup(wh, con):
    wh.notice("104", "通报")
    wh.event("104", "new")
    with WebhookSink(status=lambda n: 500 if n == 1 else 200) as flaky:
        report = run(con, config(flaky.url()))
        assert report.sent == 1 and report.pending == 0
        assert [m["status"] for m in flaky.messages] == [500, 200]
    assert wh.deliveries()[0][2:4] == ("sent", 0)


def test_destination_down_then_up_loses_nothing_and_doubles_nothing(wh, con):
    for nid in ("201", "202", "203"):
        wh.notice(nid, f"通报{nid}")
        wh.event(nid, "new")
    up = {"ok": False}
    with WebhookSink(status=lambda n: 200 if up["ok"] else 500) as sink:
        s = config(sink.url())
        report = run(con, s)
        assert report.sent == 0 and report.pending == 3
        # two deliveries tried (3 times each) and failed: the destination is down for this run
        assert report.retry_later == 2 and report.waiting == 1
        rows = wh.deliveries()
        assert [r[2:4] for r in rows] == [("pending", 1), ("pending", 1), ("pending", 0)]
        assert "500" in rows[0][4]

        run(con, s)
        assert [r[3] for r in wh.deliveries()] == [2, 2, 0]

        up["ok"] = True
        report = run(con, s)
        assert report.sent == 3 and report.pending == 0
        assert run(con, s).sent == 0
        accepted = [zg(m)["notice"]["notice_id"] for m in sink.accepted]
    assert accepted == ["201", "202", "203"]
    assert all(r[2] == "sent" and r[4] is None for r in wh.deliveries())


def test_smtp_server_down_then_up(wh, con):
    wh.notice("205", "通报")
    wh.event("205", "new")
    sink = MailSink().start()
    port = sink.port
    sink.stop()  # nobody listens: connection refused
    s = config(f"mailto://127.0.0.1:{port}?from=zg@example.org&to=a@example.org")
    assert run(con, s).pending == 1
    with MailSink(port=port) as back:
        assert run(con, s).sent == 1
        assert run(con, s).sent == 0
        assert len(back.wait_for(1)) == 1
    assert wh.deliveries()[0][2:4] == ("sent", 1)


def test_after_max_attempts_a_delivery_is_failed_and_no_longer_tried(wh, con):
    wh.notice("301", "通报")
    wh.event("301", "new")
    with WebhookSink(status=500) as dead:
        s = config(dead.url(), max_attempts=2)
        assert run(con, s).retry_later == 1
        assert run(con, s).failed == 1
        tried = len(dead.messages)
        assert run(con, s).sent == 0
        assert len(dead.messages) == tried  # failed rows are not retried
    _, _, status, attempts, error, sent = wh.deliveries()[0]
    assert (status, attempts, sent) == ("failed", 2, False) and "500" in error


def test_secrets_are_masked_in_the_warehouse_and_in_logs(wh, con, caplog):
    wh.notice("401", "通报")
    wh.event("401", "new")
    secret = "Zq7SecretPassw0rd"
    caplog.set_level(logging.DEBUG)
    with WebhookSink(status=500) as sink:
        url = f"json://alerts:{secret}@127.0.0.1:{sink.port}/hook"
        run(con, config(url, operators=(url,)), now=T0)
        run(con, config(url, operators=(url,)), now=T0.replace(day=4))  # a day of failures
        assert sink.messages[0]["headers"]["Authorization"]  # the secret was used…
    dump = []
    for table in ("outbox", "alert_destinations", "incidents"):
        rows = con.execute(f"SELECT COLUMNS(*)::VARCHAR FROM {table}").fetchall()
        assert rows, table
        dump += [str(v) for row in rows for v in row]
    assert "****" in wh.deliveries()[0][1]
    assert not [v for v in dump if secret in v]  # …and stored nowhere
    assert caplog.records and secret not in caplog.text
    assert "apprise" in {r.name for r in caplog.records}


def test_routing_by_kind_and_keyword(wh, con):
    wh.notice("501", "中共珠海市委关于巡视整改进展情况的通报", "中共珠海市委")
    wh.notice("502", "中共汕头市委关于巡视整改进展情况的通报", "中共汕头市委")
    wh.notice("503", "关于整改情况的通报", "珠海市人民政府")
    events = {nid: wh.event(nid, "new") for nid in ("501", "502", "503")}
    edit = wh.event("502", "edited", diff=EDIT)
    with WebhookSink() as zhuhai, WebhookSink() as edits, WebhookSink() as everything:
        s = config(
            everything.url(),
            destinations=(
                Destination(url=zhuhai.url(), match=("珠海",)),
                Destination(url=edits.url(), kinds=("edited",)),
            ),
        )
        report = run(con, s)
        assert report.sent == 4 + 2 + 1
        assert report.messages == 3 + 2 + 1  # 502's new and edited go out as one message

        def got(sink):
            return sorted(i for m in sink.accepted for i in zg(m)["change_ids"])

        assert got(everything) == sorted([*events.values(), edit])
        assert got(zhuhai) == [events["501"], events["503"]]  # title or issuer
        assert got(edits) == [edit]


def test_expired_is_recorded_not_alerted_unless_a_destination_asks(wh, con):
    wh.notice("601", "通报")
    wh.event("601", "expired")
    with WebhookSink() as plain, WebhookSink() as wants:
        s = config(
            plain.url(), destinations=(Destination(url=wants.url(), kinds=("expiring", "expired")),)
        )
        assert run(con, s).sent == 1
        assert plain.messages == [] and len(wants.accepted) == 1
        assert wants.accepted[0]["json"]["title"].startswith("[zgwatch] 公开期限已过")


def test_baseline_is_one_summary_plus_expiring_alerts_once(wh, con, mail, hook):
    for i in range(40):
        nid = str(700 + i)
        wh.notice(nid, f"通报{nid}", "中共珠海市委" if i < 10 else "中共汕头市委")
        wh.event(nid, "new", baseline=True)
        if i < 15:
            wh.event(nid, "expired", baseline=True)
    expiring = wh.event("700", "expiring", baseline=True)
    with WebhookSink() as zhuhai:
        s = config(
            mail.url(), hook.url(), destinations=(Destination(url=zhuhai.url(), match=("珠海",)),)
        )
        report = run(con, s)
        assert report.sent == 3 * 2
        for _ in range(2):
            assert run(con, s).sent == 0
        summary = zg(zhuhai.accepted[0])
        assert summary["notices"] == 10
    subjects = [m["Subject"] for m in mail.wait_for(2)]
    assert subjects[0].startswith("[zgwatch] 基线: 已记录 40 条通报")  # the summary comes first
    assert subjects[1].startswith("[zgwatch] 公开期限将至")
    assert len(mail.messages) == 2
    text = mail.messages[0].get_body(("plain",)).get_content()
    assert "已记录 40 条通报" in text and "15 条公开期限已过" in text
    assert [zg(m)["message"] for m in hook.wait_for(2)] == ["baseline", "notice"]
    assert zg(hook.messages[1])["change_ids"] == [expiring]
    assert [r[0] for r in wh.deliveries()] == [expiring] * 3  # deliveries: one row per event


def test_a_destination_added_later_gets_no_backlog(wh, con):
    wh.notice("801", "旧通报")
    wh.event("801", "new", batch="20250601T000000Z-000001")
    wh.notice("802", "本轮通报")
    wh.event("802", "new", batch="20250602T000000Z-000002")
    with WebhookSink() as late:
        run(con, config(late.url()))
        assert [zg(m)["notice"]["notice_id"] for m in late.accepted] == ["802"]


def test_dry_run_shows_what_would_be_sent_and_records_nothing(wh, con, mail, hook):
    wh.notice("901", "通报<甲>")
    wh.event("901", "new")
    s = config(mail.url(), hook.url())
    report = run(con, s, dry_run=True)
    assert report.dry_run and len(report.planned) == 2
    lines = report.plan_lines()
    assert lines[0].startswith("mailto://127.0.0.1:")
    assert lines[0].endswith("新通报 · 6月4日截止 | 通报<甲>")
    assert lines[1].startswith("json://127.0.0.1:")
    assert con.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM alert_destinations").fetchone()[0] == 0
    assert mail.messages == [] and hook.messages == []
    assert run(con, s).sent == 2  # the real run afterwards still sends everything


def test_no_destination_records_events_and_sends_nothing(wh, con):
    wh.notice("902", "通报")
    wh.event("902", "new")
    report = run(con, config())
    assert (report.queued, report.sent) == (0, 0)
    assert wh.deliveries() == []


def test_a_crash_mid_run_resends_nothing_already_sent(wh, con, hook, monkeypatch):
    for nid in ("951", "952", "953"):
        wh.notice(nid, f"通报{nid}")
        wh.event(nid, "new")
    s = config(hook.url())
    real_send = JsonChannel.send
    calls = {"n": 0}

    def dies_on_the_second(self, message):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("killed")  # the process dies: nothing after this runs
        return real_send(self, message)

    monkeypatch.setattr(JsonChannel, "send", dies_on_the_second)
    with pytest.raises(SystemExit):
        run(con, s)
    monkeypatch.setattr(JsonChannel, "send", real_send)
    assert [r[2] for r in wh.deliveries()] == ["sent", "pending", "pending"]
    assert run(con, s).sent == 2
    assert [zg(m)["notice"]["notice_id"] for m in hook.wait_for(3)] == ["951", "952", "953"]


def test_mail_goes_out_over_one_session_per_destination_per_run(wh, con, mail):
    for nid in ("301", "302", "303", "304"):
        wh.notice(nid, f"通报{nid}")
        wh.event(nid, "new")
    s = config(mail.url(to="a@example.org"), mail.url(to="b@example.org"))
    report = run(con, s)
    assert (report.sent, report.messages) == (8, 8)
    assert len(mail.wait_for(8)) == 8
    assert mail.sessions == 2  # one per destination, not one per message
    assert sorted(m["To"] for m in mail.messages) == ["a@example.org"] * 4 + ["b@example.org"] * 4
    wh.notice("305", "通报305")
    wh.event("305", "new", batch="20250602T010000Z-000002")
    assert run(con, s).sent == 2
    assert mail.sessions == 4  # the next run opens its own
    assert run(con, s).sent == 0 and mail.sessions == 4  # nothing to send: no session


def test_a_refused_mail_fails_alone_and_the_session_is_opened_again(wh, con):
    for nid in ("311", "312", "313"):
        wh.notice(nid, f"通报{nid}")
        wh.event(nid, "new")
    refusing = {"on": True}
    with MailSink(refuse=lambda m: refusing["on"] and "通报312" in m["Subject"]) as sink:
        s = config(sink.url())
        report = run(con, s)
        assert (report.sent, report.pending) == (2, 1)  # each message its own outcome
        assert [r[2:4] for r in wh.deliveries()] == [("sent", 0), ("pending", 1), ("sent", 0)]
        assert "通报312" not in " ".join(m["Subject"] for m in sink.messages)
        # a refusal ends the session (Apprise does not say whether it still stands): the
        # first one, one for each of the two retries of 312, and one for 313
        assert sink.sessions == 4
        assert "failed" in wh.deliveries()[1][4]
        refusing["on"] = False
        assert run(con, s).sent == 1
        assert run(con, s).sent == 0  # nothing twice
        assert sorted(m["Subject"][-5:] for m in sink.wait_for(3)) == ["通报311", "通报312",
                                                                      "通报313"]
