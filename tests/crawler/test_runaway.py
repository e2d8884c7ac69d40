"""A crawl bounded in time, and a column inventing notices stopped (issue 29, item 3).

At the default page cap a runaway walk was about 42,000 requests: 47 min at no delay,
11.7 h at the default one, holding the cycle lock and filling the warehouse with
invented notices. Now a crawl has a time budget (``crawl_budget``), and more new
notices in one cycle than the column has ever listed is a runaway: the walk stops,
the list is incomplete, and operators hear of it (``crawl_runaway``).
"""

from __future__ import annotations

import duckdb
import pytest

from core.vocabulary import CRAWL_BUDGET
from zgwatch.config import load_settings


def test_the_default_budget_fits_an_hourly_cycle():
    assert 0 < CRAWL_BUDGET < 3600
    assert load_settings({}, env={}).crawl_budget == CRAWL_BUDGET


def test_a_crawl_past_its_budget_stops_with_what_it_has(make_replica, crawl, tmp_path):
    rep = make_replica(notices=45, seed=3, latency=0.2)  # 45 articles + 3 list pages: ~10 s
    batch = crawl(rep.url, crawl_budget=2)
    assert (batch.dir / "DONE").exists()  # a whole batch: what was fetched is recorded
    assert batch.summary["list_complete"] is False  # so no removal is taken from it
    assert "crawl_budget" in batch.summary["runaway"]
    assert len(batch.fetches) < 48  # stopped before the whole column (3 lists, 45 articles)
    assert "crawl_budget" in batch.result.line()


def test_more_new_notices_than_the_column_ever_listed_is_a_runaway(make_replica, crawl,
                                                                   tmp_path):
    rep = make_replica(notices=10, seed=3)
    first = crawl(rep.url)
    for _ in range(35):  # the column "invents" 35 notices: more than the 10 it ever listed
        rep.site.add_notice()
    second = crawl(rep.url, known=first.known(tmp_path / "known.jsonl"))
    known = {e["notice_id"] for e in first.listings}
    new = {e["notice_id"] for e in second.listings} - known
    assert len(new) <= len(known)  # never more invented notices than there ever were
    assert set(second.notices) - known <= new
    assert second.summary["list_complete"] is False
    assert "more new notices" in second.summary["runaway"]
    assert (second.dir / "DONE").exists()
    runaway = [f for f in second.fetches if f["outcome"] == "list_runaway"]
    assert len(runaway) == 1 and "more new notices" in runaway[0]["reason"]


def test_a_first_cycle_or_a_few_new_notices_are_no_runaway(make_replica, crawl, tmp_path):
    rep = make_replica(notices=30, seed=3)
    first = crawl(rep.url)  # an empty warehouse: every notice is new, as it should be
    assert first.summary["runaway"] is None and first.summary["list_complete"] is True
    for _ in range(5):
        rep.site.add_notice()
    second = crawl(rep.url, known=first.known(tmp_path / "known.jsonl"))
    assert second.summary["runaway"] is None and len(second.listings) == 35


@pytest.mark.parametrize("budget", ["0", "-5", "nan", "1e9"])
def test_a_bad_budget_is_bad_configuration(budget):
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match="crawl_budget"):
        load_settings({}, env={}, layers=[("{}", {"crawl_budget": budget})])


def test_operators_hear_of_a_runaway_once(make_replica, tmp_path):
    from zgwatch import pipeline
    from zgwatch.sinks import WebhookSink

    rep = make_replica(notices=10, seed=3)
    with WebhookSink() as ops:
        settings = load_settings({"source": rep.url, "db": tmp_path / "w.duckdb",
                                  "data_dir": tmp_path / "d", "delay": 0, "timeout": 5,
                                  "operators_notify": [ops.url()]}, env={})
        pipeline.run(settings)
        for _ in range(25):
            rep.site.add_notice()
        pipeline.run(settings)
        told = [m["json"] for m in ops.accepted if "抓取失控" in m["json"]["title"]]
        assert len(told) == 1 and told[0]["title"].startswith("[zgwatch] 运行故障: ")
        assert "more new notices" in told[0]["message"]
        with duckdb.connect(str(settings.db), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM notice_state").fetchone()[0] == 20
        pipeline.run(settings)  # 15 more new, fewer than the 20 known now: no runaway
        told = [m["json"]["title"] for m in ops.accepted if "抓取失控" in m["json"]["title"]]
        assert len(told) == 2 and told[1].startswith("[zgwatch] 已恢复: ")
