"""Operators hear of pipeline trouble once when it starts and once when it ends."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from alerts.destinations import Destination
from alerts.operators import ALL_BLOCKED_MIN_ARTICLES, LIST_INCOMPLETE_CYCLES
from alerts.run import run_alerts
from tests.alerts.helpers import NO_PAUSE, RUNBOOK, T0, config
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
        assert titles(ops) == ["[zgwatch] 运行故障: 栏目无法读取 | " + s.source.url]
        detail = ops.accepted[0]["json"]["message"]
        assert "blocked (HTTP 412)" in detail

        wh.batch("20250602T050000Z-000009")  # read fine again
        report = run(con, s, T0 + timedelta(hours=5))
        assert report.incidents_closed == 1
        run(con, s, T0 + timedelta(hours=6))
        assert titles(ops) == [
            "[zgwatch] 运行故障: 栏目无法读取 | " + s.source.url,
            "[zgwatch] 已恢复: 栏目无法读取 | " + s.source.url,
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


@pytest.mark.parametrize("blocked", [1, ALL_BLOCKED_MIN_ARTICLES - 1])
def test_a_few_shielded_articles_are_not_the_whole_column_blocked(wh, con, blocked):
    """One shielded page is not "every article blocked": no start and end two minutes apart
    for one page (its own trouble is article_failing, after a day)."""
    with WebhookSink() as ops:
        s = config(operators=(ops.url(),))
        wh.batch("20250602T000000Z-000001", articles=("blocked",) * blocked)
        run(con, s)
        wh.batch("20250602T000200Z-000002", articles=("ok",))
        run(con, s, T0 + timedelta(minutes=2))
        assert titles(ops) == []
    assert con.execute("SELECT count(*) FROM incidents").fetchone() == (0,)


def test_a_destination_failing_for_a_day(wh, con):
    wh.notice("101", "通报")
    wh.event("101", "new")
    up = {"ok": False}
    with WebhookSink(status=lambda n: 200 if up["ok"] else 500) as chat, WebhookSink() as ops:
        secret_url = chat.url().replace("json://", "json://zg:pw-4711@")
        s = config(secret_url, operators=(ops.url(),), max_attempts=50)
        for hours in (0, 1, 12, 23):  # failing, but not yet for a day
            run(con, s, T0 + timedelta(hours=hours))
        assert ops.messages == []
        for hours in (24, 25, 30):
            run(con, s, T0 + timedelta(hours=hours))
        assert len(ops.accepted) == 1
        start = ops.accepted[0]["json"]
        # named as the alert log names it (scheme, host, hash of the secret), no secret
        label = Destination(url=secret_url).label
        assert start["title"] == f"[zgwatch] 运行故障: 告警渠道持续发送失败 | {label}"
        assert "#" in label and "pw-4711" not in json.dumps(start)
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


def test_a_list_incomplete_for_three_cycles_opens_once_and_closes_once(wh, con):
    with WebhookSink() as ops:
        s = config(operators=(ops.url(),))
        for i in range(LIST_INCOMPLETE_CYCLES + 2):  # page 2 answers 503 cycle after cycle
            wh.batch(f"20250602T0{i}0000Z-00000{i}", more_lists=("server_error", "ok"))
            report = run(con, s, T0 + timedelta(hours=i))
            assert report.incidents_opened == (1 if i == LIST_INCOMPLETE_CYCLES - 1 else 0)
        # the column goes unreadable meanwhile: still incomplete, so no "recovered"
        wh.batch("20250602T080000Z-000008", list_outcome="timeout", articles=())
        assert run(con, s, T0 + timedelta(hours=8)).incidents_closed == 0
        wh.batch("20250602T090000Z-000009", more_lists=("ok", "ok"))  # read in full again
        report = run(con, s, T0 + timedelta(hours=9))
        run(con, s, T0 + timedelta(hours=10))
        assert report.incidents_closed == 2  # the list, and the unreadable column
        listed = [t for t in titles(ops) if "栏目列表持续不完整" in t]
        assert listed == ["[zgwatch] 运行故障: 栏目列表持续不完整 | " + s.source.url,
                          "[zgwatch] 已恢复: 栏目列表持续不完整 | " + s.source.url]
        start = next(m["json"]["message"] for m in ops.accepted
                     if "运行故障: 栏目列表持续不完整" in m["json"]["title"])
        assert f"连续 {LIST_INCOMPLETE_CYCLES} 个周期" in start
        assert "列表页读到 2/3" in start and "index_2.html server_error (HTTP 503)" in start
        assert "处理: " in start  # what to do, and where to read it: a link to its section
        assert f"运维手册: {RUNBOOK}#list-incomplete" in start


def test_two_incomplete_cycles_are_not_an_incident(wh, con):
    for i in range(LIST_INCOMPLETE_CYCLES - 1):
        wh.batch(f"20250602T0{i}0000Z-00000{i}", more_lists=("server_error",))
        run(con, config(), T0 + timedelta(hours=i))
    wh.batch("20250602T050000Z-000005")
    run(con, config(), T0 + timedelta(hours=5))
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0


def _article_fetch(con, batch_id: str, notice_id: str, outcome: str, at, status=None) -> None:
    """An article fetch of ``notice_id`` in a batch of its own, folded into notice_state."""
    url = f"https://www.gdjct.gd.gov.cn/xunshizgls/content/post_{notice_id}.html"
    if not con.execute("SELECT count(*) FROM batches WHERE batch_id = ?", [batch_id]).fetchone()[0]:
        con.execute("INSERT INTO batches VALUES (?, ?, 'x', true, 2, 1, 0, 0, 0, NULL, ?)",
                    [batch_id, at, at])
        con.execute("INSERT INTO fetches (batch_id, url, page_kind, outcome, fetched_at, page_no)"
                    " VALUES (?, 'http://x/index.html', 'list', 'ok', ?, 1)", [batch_id, at])
    con.execute("INSERT INTO fetches (batch_id, url, page_kind, outcome, fetched_at, notice_id,"
                " http_status, reason) VALUES (?, ?, 'article', ?, ?, ?, ?, ?)",
                [batch_id, url, outcome, at, notice_id, status, f"{outcome} page"])
    checked = at if outcome == "ok" else None
    con.execute(
        "INSERT INTO notice_state (notice_id, url, first_seen, first_seen_batch, last_seen,"
        " last_fetch_at, last_fetch_outcome, last_checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (notice_id) DO UPDATE SET last_fetch_at = excluded.last_fetch_at,"
        " last_fetch_outcome = excluded.last_fetch_outcome,"
        " last_checked_at = coalesce(excluded.last_checked_at, notice_state.last_checked_at)",
        [notice_id, url, at, batch_id, at, at, outcome, checked])


def test_an_article_failing_for_a_day_opens_one_incident_and_closes_it_once(con):
    with WebhookSink() as ops:
        s = config(operators=(ops.url(),))
        _article_fetch(con, "20250601T000000Z-000000", "7", "ok", T0 - timedelta(days=1))
        _article_fetch(con, "20250602T000000Z-000001", "8", "ok", T0)  # a healthy neighbour
        hours = (0, 6, 12, 23, 24, 25, 30)
        for i, h in enumerate(hours):  # notice 7 answers the shield page, hour after hour
            at = T0 + timedelta(hours=h)
            batch = f"20250602T{i + 1:02d}0000Z-00000{i + 2}"
            _article_fetch(con, batch, "7", "blocked", at, 412)
            _article_fetch(con, batch, "8", "ok", at)  # not every article: no all_blocked
            report = run(con, s, at)
            assert report.incidents_opened == (1 if h == 24 else 0), h
        _article_fetch(con, "20250603T200000Z-000020", "7", "ok", T0 + timedelta(hours=31))
        assert run(con, s, T0 + timedelta(hours=31)).incidents_closed == 1
        run(con, s, T0 + timedelta(hours=32))
        assert [t.split(" | ")[0] for t in titles(ops)] == [
            "[zgwatch] 运行故障: 文章持续读取失败", "[zgwatch] 已恢复: 文章持续读取失败"]
        assert titles(ops)[0].endswith("/content/post_7.html")
        start = ops.accepted[0]["json"]["message"]
        assert "自 2025-06-02 10:00 起读取失败 5 次" in start
        assert "blocked (HTTP 412): blocked page" in start


def test_the_first_page_fault_is_said_once(wh, con):
    """Not "server_error (HTTP 503): HTTP 503 service unavailable": the status once."""
    wh.batch("20250602T000000Z-000001", list_outcome="server_error", articles=(),
             http_status=503, reason="HTTP 503 service unavailable")
    run(con, config())
    (detail,) = con.execute("SELECT detail FROM incidents").fetchone()
    assert detail.endswith("(第一页: server_error (HTTP 503 service unavailable))")
    assert detail.count("503") == 1
