"""Faults are not content: each is recorded with its reason, and nothing is emitted for it."""

import pytest

ARTICLE_FAULTS = [
    ("500", "server_error", 500),
    ("502", "server_error", 502),
    ("503", "server_error", 503),
    ("blocked", "blocked", 412),
    ("blocked200", "blocked", 200),
    ("truncated", "truncated", 200),
    ("dropped", "truncated", None),  # the transfer breaks off: a transport-level cut
    ("hang", "timeout", None),
]


def test_every_article_fault_is_recorded_not_read(replica, crawl):
    """One crawl, each fault on an article of its own: recorded with its reason, never read."""
    victims = dict(zip(replica.site.notice_ids()[3:], ARTICLE_FAULTS, strict=False))
    for victim, (kind, _, _) in victims.items():
        replica.site.set_fault(replica.site.article_path(victim), kind, seconds=4)
    batch = crawl(replica.url, timeout=1)
    for victim, (kind, outcome, status) in victims.items():
        row = batch.fetch_of(victim)
        assert (row["outcome"], row["http_status"]) == (outcome, status), kind
        assert row["reason"], kind
        assert row["content_sha256"] is None, kind
        assert victim not in batch.notices, kind  # no content downstream
    assert len(batch.notices) == 45 - len(ARTICLE_FAULTS)  # the others are read
    assert (batch.dir / "DONE").exists()  # the cycle completes


@pytest.mark.parametrize(("kind", "outcome"), [("500", "server_error"), ("blocked", "blocked"),
                                               ("empty", "empty_list"), ("truncated", "truncated")])
def test_list_page_fault_makes_the_list_incomplete(replica, crawl, kind, outcome):
    page_2 = replica.site.notice_ids()[20:40]
    replica.site.set_fault("/xunshizgls/index_2.html", kind)
    batch = crawl(replica.url)
    rows = [f for f in batch.fetches if f["page_kind"] == "list"]
    assert {f["url"].rsplit("/", 1)[1]: f["outcome"] for f in rows}["index_2.html"] == outcome
    assert batch.summary["list_complete"] is False
    listed = {e["notice_id"] for e in batch.listings}
    assert not listed & set(page_2)
    # page 3 is still read: the pager of page 1 named it (and 尾页)
    assert set(replica.site.notice_ids()[40:]) <= listed


def test_no_probes_when_the_list_is_incomplete(replica, crawl, tmp_path):
    first = crawl(replica.url)
    replica.site.set_fault("/xunshizgls/index_3.html", "503")
    second = crawl(replica.url, known=first.known(tmp_path / "known.jsonl"))
    assert "probe" not in second.summary["page_kinds"]


@pytest.mark.parametrize("kind", ["500", "blocked", "hang", "empty"])
def test_first_page_fault_means_the_column_is_unreadable(replica, crawl, kind):
    replica.site.set_fault("/xunshizgls/index.html", kind, seconds=4)
    batch = crawl(replica.url, timeout=1)
    assert batch.result.column_readable is False
    assert batch.summary["first_page_outcome"] != "ok"
    assert batch.notices == {} or kind in ("empty",)


def test_one_shot_503_is_retried_and_read(replica, crawl):
    victim = replica.site.notice_ids()[0]
    replica.site.set_fault(replica.site.article_path(victim), "503", times=1)
    batch = crawl(replica.url)
    assert batch.fetch_of(victim)["outcome"] == "ok"
    assert victim in batch.notices
    assert batch.summary["scrapy_stats"]["retry/count"] == 1


def test_gbk_page_reads_the_same_text(replica, crawl):
    victim = replica.site.notice_ids()[2]
    plain = crawl(replica.url).notices[victim]
    replica.site.set_fault(replica.site.article_path(victim), "gbk")
    batch = crawl(replica.url)
    row = batch.fetch_of(victim)
    assert row["outcome"] == "ok" and row["encoding"] in ("gb18030", "gbk", "gb2312")
    assert batch.notices[victim]["text_sha256"] == plain["text_sha256"]
    assert batch.notices[victim]["title"] == plain["title"]


@pytest.mark.parametrize("page", ["/xunshizgls/index_2.html", "article"])
def test_gbk_bytes_labelled_utf8_are_read_right(replica, crawl, page):
    """The header and the meta tag say UTF-8, the bytes are GBK: read by the bytes, not the
    label (which would turn every Chinese character into U+FFFD)."""
    victim = replica.site.notice_ids()[25]  # on page 2
    plain = crawl(replica.url).notices[victim]
    path = replica.site.article_path(victim) if page == "article" else page
    replica.site.set_fault(path, "gbk_as_utf8")
    batch = crawl(replica.url)
    titles = {e["notice_id"]: e["title"] for e in batch.listings}
    assert titles[victim] == replica.site.notice(victim).title
    assert not any("\ufffd" in t for t in titles.values())
    row = next(f for f in batch.fetches if f["url"].endswith(path))
    assert row["outcome"] == "ok" and row["encoding"] == "gb18030"
    assert batch.notices[victim]["text_sha256"] == plain["text_sha256"]
