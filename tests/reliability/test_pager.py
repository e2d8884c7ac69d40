"""A pager without end: the list walk is bounded by what the site says, and going past it is
recorded as ``list_runaway`` (docs/reliability.md, "A pager without end")."""

from __future__ import annotations

import pytest

from core.vocabulary import BARREN_LIST_PAGES
from tests.crawler.conftest import crawler_in

HOSTILE = "/xunshizgls/index*"  # every list page, page 1 included


@pytest.fixture
def crawl(tmp_path):
    """One real crawl of a URL into ``tmp_path/data`` (tests/crawler/conftest.py)."""
    return crawler_in(tmp_path)


def _list_rows(batch) -> list[dict]:
    return [f for f in batch.fetches if f["page_kind"] == "list"]


def _list_requests(replica) -> int:
    return sum(1 for _, path, _ in replica.site.requests if "/index" in path or
               path == "/xunshizgls/")


def _assert_runaway(batch, replica, reason_word: str) -> dict:
    """The walk stopped, recorded once; every real notice listed; the list incomplete."""
    runaway = [f for f in _list_rows(batch) if f["outcome"] == "list_runaway"]
    assert len(runaway) == 1, _list_rows(batch)
    assert reason_word in runaway[0]["reason"]
    assert runaway[0]["http_status"] is None and runaway[0]["bytes"] == 0  # never requested
    assert batch.summary["list_complete"] is False  # so no removal is inferred
    assert reason_word in batch.summary["list_runaway"]
    assert "list_runaway" in batch.result.line()
    assert "list_runaway" in (batch.dir / "crawl.log").read_text(encoding="utf-8")
    assert {e["notice_id"] for e in batch.listings} == set(replica.site.notice_ids())
    assert (batch.dir / "DONE").exists()  # a recorded fault, not a failed crawl
    return runaway[0]


@pytest.mark.timeout(120)
def test_a_pager_linking_a_next_page_forever_stops_after_pages_adding_nothing(replica, crawl):
    replica.site.set_fault(HOSTILE, "pager_endless")
    batch = crawl(replica.url)
    _assert_runaway(batch, replica, "added no notice")
    # 3 real pages, then BARREN_LIST_PAGES repeating page 3, at most one more asked ahead
    assert _list_requests(replica) <= 3 + BARREN_LIST_PAGES + 1


@pytest.mark.timeout(120)
def test_a_last_page_link_to_page_a_million_is_not_scheduled(replica, crawl):
    replica.site.set_fault(HOSTILE, "pager_far_last")
    batch = crawl(replica.url)
    row = _assert_runaway(batch, replica, "added no notice")
    assert "1000000" in row["reason"]  # what the pager stated
    assert _list_requests(replica) <= 3 + BARREN_LIST_PAGES + 1


def test_the_hard_cap_stops_the_walk_and_says_which_setting(replica, crawl):
    batch = crawl(replica.url, max_list_pages=2)
    runaway = [f for f in _list_rows(batch) if f["outcome"] == "list_runaway"]
    assert len(runaway) == 1 and "max_list_pages" in runaway[0]["reason"]
    assert runaway[0]["url"].endswith("index_3.html")
    assert batch.summary["list_complete"] is False
    listed = {e["notice_id"] for e in batch.listings}
    assert listed == set(replica.site.notice_ids()[:40])
    assert _list_requests(replica) == 2


def test_an_honest_pager_is_walked_whole_without_a_runaway(replica, crawl):
    batch = crawl(replica.url)
    assert batch.summary["list_complete"] is True
    assert batch.summary["list_runaway"] is None
    assert [f["outcome"] for f in _list_rows(batch)] == ["ok"] * 3
    assert "list_runaway" not in batch.result.line()
