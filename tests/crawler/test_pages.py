"""Articles are read in worker processes (crawler.pages): same results as inline, and robust."""

import asyncio
import gzip
import hashlib
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import date

import psutil
import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.pages import PagePool, _read_in_worker, default_workers, read_article_page
from crawler.spiders.column import ColumnSpider
from replica.state import Replica, article_path
from tests.support.processes import cmdline


def _without_times(notices: dict[str, dict]) -> dict[str, dict]:
    return {nid: {k: v for k, v in n.items() if k != "fetched_at"} for nid, n in notices.items()}


def test_pool_and_inline_read_the_same_notices(replica, crawl, tmp_path):
    replica.site.set_fault(article_path(replica.site.notice_ids()[3]), "blocked200")
    pooled = crawl(replica.url, read_workers=2)
    raw = tmp_path / "data" / "raw"
    stored = {p.name.split(".")[0] for p in raw.rglob("*.html.gz")}
    assert {n["raw_sha256"] for n in pooled.notices.values()} <= stored  # by whoever read it
    inline = crawl(replica.url, read_workers=0)
    assert len(pooled.notices) == 44
    assert _without_times(pooled.notices) == _without_times(inline.notices)
    outcomes = {f["url"]: (f["outcome"], f["reason"], f["content_sha256"]) for f in inline.fetches}
    assert {f["url"]: (f["outcome"], f["reason"], f["content_sha256"])
            for f in pooled.fetches} == outcomes
    assert pooled.fetch_of(replica.site.notice_ids()[3])["outcome"] == "blocked"
    stats = pooled.summary["scrapy_stats"]  # the first 20 inline, the rest by the 2 workers
    assert (stats["zgwatch/articles_read_inline"], stats["zgwatch/articles_read_in_pool"]) == (
        20, 25)
    stats = inline.summary["scrapy_stats"]
    assert (stats["zgwatch/articles_read_inline"], stats["zgwatch/articles_read_in_pool"]) == (
        45, 0)


def test_a_cycle_with_little_to_read_starts_no_workers(replica, crawl, tmp_path):
    first = crawl(replica.url)
    replica.site.edit(replica.site.notice_ids()[0])
    again = crawl(replica.url, known=first.known(tmp_path / "known.jsonl"), read_workers=2)
    stats = again.summary["scrapy_stats"]
    assert stats["zgwatch/articles_read_in_pool"] == 0
    assert 1 <= stats["zgwatch/articles_read_inline"] < 20
    assert replica.site.notice_ids()[0] in again.notices


def test_reader_stores_the_raw_bytes_of_a_notice_only(tmp_path):
    site = Replica(3, 1)
    nid = site.notice_ids()[0]
    body = site.article(nid).body
    url = f"http://127.0.0.1/xunshizgls/content/post_{nid}.html"
    read = read_article_page(200, body, url, {}, nid, "2026-11-26T00:00:00+00:00", str(tmp_path))
    assert read.outcome == "ok" and read.record.notice_id == nid and read.named == nid
    stored = tmp_path / read.sha256[:2] / f"{read.sha256}.html.gz"
    assert hashlib.sha256(gzip.decompress(stored.read_bytes())).hexdigest() == read.sha256
    cut = read_article_page(200, body[: len(body) // 2], url, {}, nid, "x", str(tmp_path / "b"))
    assert (cut.outcome, cut.record, cut.sha256) == ("truncated", None, None)
    assert not (tmp_path / "b").exists()


def test_a_killed_worker_means_the_rest_is_read_inline(tmp_path, caplog):
    site = Replica(3, 1)
    nid = site.notice_ids()[0]
    body = site.article(nid).body
    url = f"http://127.0.0.1/xunshizgls/content/post_{nid}.html"
    pool = PagePool(tmp_path, workers=1, start_after=0)

    async def read():
        return await pool.read_article(200, body, url, {}, nid, "2026-11-26T00:00:00+00:00")

    try:
        assert asyncio.run(read()).outcome == "ok"  # read by the worker
        for pid in list(pool._executor._processes):
            os.kill(pid, signal.SIGKILL)
        with caplog.at_level(logging.WARNING, logger="crawler.pages"):
            again = asyncio.run(read())
        assert again.outcome == "ok" and again.record.notice_id == nid
        assert "reading the rest inline" in caplog.text
        assert pool._executor is None
    finally:
        pool.close()


def test_the_crawl_entry_point_imports_no_scrapy_for_the_workers():
    """Workers import ``crawler.process`` as their __main__: it must stay light."""
    code = "import sys, crawler.process; print('scrapy' in sys.modules, 'twisted' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_page_the_reader_fails_on_is_recorded_as_an_error():
    class Failing:
        async def read_article(self, *args):
            raise ValueError("no such structure")

    async def items(spider, response):
        return [item async for item in spider.parse_article(response)]

    url = "http://127.0.0.1/xunshizgls/content/post_7.html"
    spider = ColumnSpider(source="http://127.0.0.1/xunshizgls/", as_of=date(2026, 3, 2))
    spider.pages = Failing()
    request = Request(url, meta={"notice_id": "7", "page_kind": "article", "t0": 0.0})
    response = HtmlResponse(url, status=200, body=b"<html></html>", request=request)
    (page,) = asyncio.run(items(spider, response))
    assert page.notice is None
    assert (page.fetch.outcome, page.fetch.notice_id, page.fetch.http_status) == ("error", "7", 200)
    assert page.fetch.reason == "reading failed: ValueError: no such structure"


def test_workers_only_when_no_pause_hides_the_reading(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 64)  # the host's; the process may use fewer
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    assert (default_workers(0), default_workers(0.05), default_workers(1.0)) == (3, 3, 0)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert default_workers(0) == 0


def test_a_worker_that_fails_reports_an_error_reading(tmp_path, monkeypatch):
    site = Replica(3, 1)
    nid = site.notice_ids()[0]
    url = f"http://127.0.0.1/xunshizgls/content/post_{nid}.html"

    def broken(*args, **kwargs):
        raise RuntimeError("a parser bug")

    monkeypatch.setattr("crawler.pages.classify_article", broken)
    read = _read_in_worker(200, site.article(nid).body, url, {}, nid, "x", str(tmp_path))
    assert read.outcome == "error" and read.record is None
    assert read.reason == "reading failed: RuntimeError: a parser bug"
    assert read.storage_error is None


def test_bytes_that_cannot_be_stored_are_a_storage_error_naming_the_path(tmp_path):
    site = Replica(3, 1)
    nid = site.notice_ids()[0]
    not_a_dir = tmp_path / "raw"
    not_a_dir.write_text("a file where the raw pages should go")
    url = f"http://127.0.0.1/xunshizgls/content/post_{nid}.html"
    read = _read_in_worker(200, site.article(nid).body, url, {}, nid, "x", str(not_a_dir))
    assert read.outcome == "error" and read.record is None
    assert read.storage_error.startswith(f"{not_a_dir}/") and "Not a directory" in read.reason


@pytest.mark.parametrize("replica", [{"notices": 600, "latency": 0.005}], indirect=True)
@pytest.mark.parametrize("after", [0.0, 1.0], ids=["worker-starting", "worker-reading"])
def test_workers_end_with_a_killed_crawl(replica, tmp_path, after):
    """SIGKILL leaves no shutdown to the crawl: its workers must not outlive it, whether
    they were still starting or already reading."""
    cmd = [sys.executable, "-m", "crawler.process", "--source", replica.url,
           "--batch-dir", str(tmp_path / "b"), "--raw-dir", str(tmp_path / "raw"),
           "--as-of", "2026-11-26", "--delay", "0", "--read-workers", "1"]
    crawl = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        workers = []
        while not workers and time.monotonic() < deadline:
            workers = [p for p in crawl.children() if "spawn_main" in cmdline(p.pid)]
            time.sleep(0.1)
        assert workers, "the crawl started no page-reading worker"
        time.sleep(after)
        assert crawl.is_running()
    finally:
        crawl.kill()
        crawl.wait(10)
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, [p.pid for p in alive]
