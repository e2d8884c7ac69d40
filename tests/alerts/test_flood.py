"""A flood of alerts becomes one digest and an operators' incident (issue 29, item 2).

A column inventing notices produced 200 messages in one cycle, with nothing to cap it.
Above ``flood_threshold`` messages in one run for one destination, that destination gets
one digest of the run instead, and operators hear of it once (and once when it is over).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.run import AlertConfig, run_alerts
from core.vocabulary import FLOOD_MESSAGES
from tests.alerts.helpers import NO_PAUSE, T0, config
from zgwatch.sinks import WebhookSink


def flood(wh, n: int, start: int = 1000) -> None:
    for i in range(start, start + n):
        wh.notice(str(i), f"中共测试{i}委关于巡视整改进展情况的通报")
        wh.event(str(i), "new")


def with_threshold(cfg: AlertConfig, threshold: int) -> AlertConfig:
    return AlertConfig(**{**cfg.__dict__, "flood_threshold": threshold})


def test_the_default_threshold_is_documented():
    assert FLOOD_MESSAGES == 20
    assert AlertConfig().flood_threshold == FLOOD_MESSAGES
    docs = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"
    assert "`flood_threshold`" in docs.read_text(encoding="utf-8")


def test_a_flood_is_one_digest_and_one_incident(wh, con, hook):
    with WebhookSink() as ops:
        cfg = config(hook.url(), operators=(ops.url(),))
        flood(wh, 200)
        report = run_alerts(con, cfg, now=T0, retry_pauses=NO_PAUSE)
        assert len(hook.accepted) <= 2  # one digest (in parts only if the service needs)
        assert {m["json"]["zgwatch"]["message"] for m in hook.accepted} == {"digest"}
        assert sum(m["json"]["zgwatch"]["events"] for m in hook.accepted[:1]) == 200
        assert report.incidents_opened == 1
        assert len(ops.accepted) == 1
        assert ops.accepted[0]["json"]["title"].startswith("[zgwatch] 运行故障: 告警过多")
        assert "200" in ops.accepted[0]["json"]["message"]
        statuses = con.execute("SELECT status, count(*) FROM deliveries GROUP BY 1").fetchall()
        assert statuses == [("sent", 200)]  # every event delivered, in the digest

        # the next run with a few events: one message each again, and the incident ends
        flood(wh, 3, start=5000)
        report = run_alerts(con, cfg, now=T0 + timedelta(hours=1), retry_pauses=NO_PAUSE)
        assert report.incidents_closed == 1
        assert [m["json"]["zgwatch"]["message"] for m in hook.accepted[-3:]] == ["notice"] * 3
        assert len(ops.accepted) == 2 and "已恢复" in ops.accepted[1]["json"]["title"]


def test_each_destination_has_its_own_count(wh, con, hook):
    """A destination that wants only some kinds may stay under the threshold."""
    from alerts.destinations import Destination

    with WebhookSink() as few:
        cfg = config(hook.url(), destinations=(Destination(url=few.url(), kinds=("removed",)),))
        flood(wh, 25)
        for i in range(1000, 1003):
            wh.event(str(i), "removed")
        run_alerts(con, cfg, now=T0, retry_pauses=NO_PAUSE)
        assert [m["json"]["zgwatch"]["message"] for m in hook.accepted] == ["digest"]
        assert [m["json"]["zgwatch"]["message"] for m in few.accepted] == ["notice"] * 3


@settings(max_examples=15, deadline=None)
@given(events=st.integers(1, 40), threshold=st.integers(1, 30))
def test_at_most_the_threshold_of_messages_per_run(tmp_path_factory, events, threshold):
    from tests.alerts.helpers import Warehouse
    from warehouse.db import connect

    with connect(tmp_path_factory.mktemp("flood") / "w.duckdb", lock_wait=5) as con, \
            WebhookSink() as hook:
        wh = Warehouse(con)
        flood(wh, events)
        cfg = with_threshold(config(hook.url()), threshold)
        run_alerts(con, cfg, now=T0, retry_pauses=NO_PAUSE)
        kinds = [m["json"]["zgwatch"]["message"] for m in hook.accepted]
        if events > threshold:
            assert set(kinds) == {"digest"}
        else:
            assert kinds == ["notice"] * events
        assert con.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'"
                           ).fetchone() == (events,)


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_a_bad_threshold_is_bad_configuration(value):
    from core.errors import ConfigError
    from zgwatch.config import load_settings

    with pytest.raises(ConfigError, match="flood_threshold"):
        load_settings({}, env={}, layers=[("{}", {"flood_threshold": value})])
