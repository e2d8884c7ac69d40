"""The spider over real HTTP against the replica: harvest, revisit, shifting pages, templates."""

import gzip
import hashlib
from datetime import date

import pytest


def test_first_harvest_reads_every_notice_across_pages(replica, crawl):
    batch = crawl(replica.url)
    ids = replica.site.notice_ids()
    assert len(ids) == 45
    assert [e["notice_id"] for e in batch.listings] == ids  # the list's order, ranked
    assert set(batch.notices) == set(ids)
    assert batch.summary["list_complete"] is True
    assert batch.summary["list_pages"] == batch.summary["list_pages_ok"] == 3
    assert batch.summary["outcomes"] == {"ok": 48}
    assert (batch.dir / "DONE").exists()
    # every notice's parsed fields are there, e.g. the seed notice in the replica
    seed = batch.notices["202033"]
    assert seed["issuer"] == "中共珠海市金湾区委"
    assert (seed["publicity_start"], seed["publicity_end"]) == ("2024-09-26", "2024-10-25")
    assert seed["contacts"]["phones"] == ["0756-7263766"]


def test_raw_pages_are_stored_once_by_content_hash(replica, crawl, tmp_path):
    first = crawl(replica.url)
    crawl(replica.url)  # same bytes again: nothing new stored
    fetch = first.fetch_of("202033")
    path = tmp_path / "data" / "raw" / fetch["content_sha256"][:2] / (
        fetch["content_sha256"] + ".html.gz")
    raw = gzip.decompress(path.read_bytes())
    assert hashlib.sha256(raw).hexdigest() == fetch["content_sha256"]
    stored = list((tmp_path / "data" / "raw").rglob("*.html.gz"))
    assert len(stored) == 48  # 3 list pages + 45 articles, not 96


def test_unchanged_revisit_reads_list_and_asks_conditionally(replica, crawl, tmp_path):
    first = crawl(replica.url, as_of=date(2026, 11, 26))
    second = crawl(replica.url, known=first.known(tmp_path / "known.jsonl"),
                   as_of=date(2026, 11, 26))
    kinds = second.summary["page_kinds"]
    assert kinds["list"] == 3  # the full list, every cycle
    articles = [f for f in second.fetches if f["page_kind"] == "article"]
    assert articles, "recent notices are due every cycle"
    assert len(articles) < 45  # old ones wait for their slot
    assert {f["outcome"] for f in articles} == {"not_modified"}
    assert {f["http_status"] for f in articles} == {304}
    assert second.notices == {}  # nothing re-read


def test_added_notice_shifts_pages_and_is_fetched(replica, crawl, tmp_path):
    first = crawl(replica.url)
    last_on_page_1 = replica.site.notice_ids()[19]
    new_id = replica.site.add_notice()
    assert replica.site.page_of(last_on_page_1) == 2  # pushed across the page boundary
    second = crawl(replica.url, known=first.known(tmp_path / "known.jsonl"))
    listed = [e["notice_id"] for e in second.listings]
    assert listed[0] == new_id and len(listed) == 46 == len(set(listed))
    assert new_id in second.notices
    assert second.summary["list_pages"] == 3


@pytest.mark.parametrize("replica", [{"template": "B"}], indirect=True)
def test_template_b_reads_the_same_text_as_template_a(replica, crawl):
    in_b = crawl(replica.url)
    replica.site.set_template("A")
    in_a = crawl(replica.url)
    assert len(in_b.notices) == 45
    for nid, notice in in_b.notices.items():
        assert notice["text_sha256"] == in_a.notices[nid]["text_sha256"], nid
        assert notice["issuer"] == in_a.notices[nid]["issuer"]


def test_removed_notice_missing_from_complete_list_is_probed(replica, crawl, tmp_path):
    first = crawl(replica.url)
    gone = replica.site.notice_ids()[30]
    replica.site.remove(gone)
    second = crawl(replica.url, known=first.known(tmp_path / "known.jsonl"))
    probe = second.fetch_of(gone)
    assert (probe["page_kind"], probe["outcome"], probe["http_status"]) == (
        "probe", "not_found", 404)


def test_robots_txt_is_obeyed_and_user_agent_names_zgwatch(replica, crawl):
    ids = replica.site.notice_ids()
    forbidden = replica.site.article_path(ids[5])
    replica.site.robots_txt = f"User-agent: *\nDisallow: {forbidden}\n".encode()
    batch = crawl(replica.url)
    asked = [path for _, path, _ in replica.site.requests]
    assert forbidden not in asked
    assert asked[0] == "/robots.txt"
    row = batch.fetch_of(ids[5])
    assert row["outcome"] == "error" and "robots" in row["reason"].lower()
    assert ids[5] not in batch.notices
    agents = {agent for _, _, agent in replica.site.requests}
    assert len(agents) == 1 and agents.pop().startswith("zgwatch/")


@pytest.mark.parametrize("replica", [{"latency": 0.005}], indirect=True)
def test_one_request_at_a_time_by_default(replica, crawl):
    """Politeness: the crawler never has two requests open to the host at once, even with
    no delay (the fixture's), where Scrapy 2.19 alone sends up to 7 (crawler/downloader.py).
    The 5 ms an answer takes make every overlap show."""
    batch = crawl(replica.url)
    assert batch.summary["scrapy_stats"]["downloader/request_count"] == 49  # robots + 48
    assert replica.site.max_active == 1
