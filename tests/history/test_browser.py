"""The site in a real browser: headless Chromium, the site served by ``history.serve``.

Every page is loaded over HTTP from 127.0.0.1 with the headers ``zgwatch
serve`` sends; console messages, page errors and requests are recorded, so a
test sees anything a reader's browser would complain about or fetch.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from core import sitemap
from history.serve import serving
from tests.history.conftest import MARKUP_TEXT, MARKUP_TITLE
from tests.support.prerequisites import unavailable

pytestmark = pytest.mark.slow  # real processes or a browser: the slow tier


CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        unavailable("no /usr/bin/chromium (scripts/bootstrap.sh --browser installs it)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site_url(story):
    with serving(story.site_dir) as url:
        yield url


class Tab:
    """A page that records what the browser said and fetched."""

    def __init__(self, browser, width: int = 1200):
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.console: list[tuple[str, str]] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.console.append(("pageerror", str(e))))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, url: str):
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def errors(self) -> list[tuple[str, str]]:
        return [m for m in self.console if m[0] in ("error", "pageerror", "warning")]

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def tab(browser):
    t = Tab(browser)
    yield t
    t.close()


def visible_ids(page) -> list[str]:
    return page.eval_on_selector_all("#notices tbody tr:not([hidden])",
                                     "rows => rows.map(r => r.dataset.id)")  # fmt: skip


def test_the_index_filters_and_sorts_over_its_json(story, site_url, tab):
    with story.con() as con:
        total = con.execute("SELECT count(*) FROM notices").fetchone()[0]
        by_deadline = [r[0] for r in con.execute(
            "SELECT notice_id FROM notices, (SELECT as_of FROM diff_runs ORDER BY ran_at DESC "
            "LIMIT 1) AS c WHERE publicity_end >= c.as_of AND publicity_start <= c.as_of "
            "ORDER BY publicity_end, notice_id::INT DESC").fetchall()]  # fmt: skip
    page = tab.open(site_url + sitemap.INDEX)
    assert page.locator("#filters").is_visible()  # the script ran and showed the controls
    assert len(visible_ids(page)) == total
    assert page.locator("#f-count").inner_text() == f"显示 {total} / 共 {total} 条"
    assert not page.locator("#f-more").is_visible()  # fewer than a page

    page.select_option("#f-status", "removed")
    assert visible_ids(page) == [story.ids["REMOVED"]]
    page.select_option("#f-status", "")
    page.select_option("#f-period", "open")
    page.select_option("#f-sort", "deadline")
    assert visible_ids(page) == by_deadline
    assert visible_ids(page)[0] == story.ids["EXPIRING"]  # two days left: the soonest
    assert "sort=deadline" in page.url  # the view can be bookmarked

    page.select_option("#f-period", "")
    page.fill("#f-text", story.ids["EDITED"])
    assert visible_ids(page) == [story.ids["EDITED"]]
    page.reload()  # the filter survives a reload through the URL
    page.wait_for_load_state("networkidle")
    assert visible_ids(page) == [story.ids["EDITED"]]
    page.click(f"tr[data-id='{story.ids['EDITED']}'] a")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(sitemap.notice_page(story.ids["EDITED"]))
    assert tab.errors() == []


def test_a_notice_page_compares_any_two_versions(story, site_url, tab):
    (old1, new1), (old2, new2) = story.edits
    page = tab.open(site_url + sitemap.notice_page(story.ids["EDITED"]))
    shown = page.locator("section.pair:not([hidden])")
    assert shown.count() == 1 and shown.get_attribute("id") == "diff-2-3"

    page.select_option("#diff-from", "1")
    page.select_option("#diff-to", "3")
    shown = page.locator("section.pair:not([hidden])")
    assert shown.get_attribute("id") == "diff-1-3"
    deleted = " ".join(shown.locator("del").all_inner_texts())
    inserted = " ".join(shown.locator("ins").all_inner_texts())
    assert old1 in deleted and old2 in deleted
    assert new1 in inserted and new2 in inserted
    assert MARKUP_TEXT in inserted and shown.locator("img").count() == 0  # text, not markup
    assert page.url.endswith("#diff-1-3")

    page.select_option("#diff-from", "3")  # the same version twice: said, nothing shown
    assert page.locator("#diff-same").is_visible()
    assert page.locator("section.pair:not([hidden])").count() == 0

    with story.con() as con:
        phones, emails = con.execute("SELECT phones, emails FROM notices WHERE notice_id = ?",
                                     [story.ids["EDITED"]]).fetchone()  # fmt: skip
    contacts = page.locator("#contacts").inner_text()
    assert all(p in contacts for p in phones) and all(e in contacts for e in emails)
    assert tab.errors() == []


def test_a_link_to_a_diff_opens_that_diff(story, site_url, tab):
    page = tab.open(site_url + sitemap.diff_anchor(story.ids["EDITED"], 1, 2))
    assert page.locator("section.pair:not([hidden])").get_attribute("id") == "diff-1-2"
    assert page.input_value("#diff-from") == "1" and page.input_value("#diff-to") == "2"
    page.click("a.diff-link[data-to='3']")  # 看修改 of the second edit
    assert page.locator("section.pair:not([hidden])").get_attribute("id") == "diff-2-3"
    assert tab.errors() == []


def test_the_notice_page_reads_on_a_phone(story, site_url, browser):
    phone = Tab(browser, width=390)
    try:
        page = phone.open(site_url + sitemap.diff_anchor(story.ids["EDITED"], 1, 3))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing wider than the screen: no sideways scrolling
        font = page.eval_on_selector("section.pair:not([hidden]) p.hunk",
                                     "p => parseFloat(getComputedStyle(p).fontSize)")  # fmt: skip
        assert font >= 14
        assert phone.errors() == []
    finally:
        phone.close()


def test_every_page_loads_without_a_console_error_or_an_outside_load(story, site_url, tab):
    host = site_url.rstrip("/")
    for path in (sitemap.INDEX, sitemap.CHANGES, sitemap.HEALTH,
                 sitemap.notice_page(story.ids["REMOVED"]),
                 sitemap.notice_page(story.ids["MARKUP"]),
                 sitemap.archived_copy(story.ids["EDITED"], 2)):  # fmt: skip
        tab.open(site_url + path)
    assert tab.errors() == []
    assert [u for u in tab.requests if not u.startswith(host) and u != "data:,"] == []


def test_an_archived_copy_runs_no_script_even_when_the_stored_page_had_one(story, site_url,
                                                                          tab):  # fmt: skip
    notice_id = story.ids["HOSTILE"]
    assert b"SCRIPT RAN" in story.raw_bytes(notice_id, 1)
    assert story.outside.url.encode() in story.raw_bytes(notice_id, 1)
    story.outside.hits.clear()
    page = tab.open(site_url + sitemap.archived_copy(notice_id, 1))
    assert page.title().startswith("存档")
    assert page.evaluate("document.body.getAttribute('data-ran')") is None
    assert page.locator("script, iframe").count() == 0
    assert page.locator("#evidence").is_visible()
    assert tab.console == []  # not even a refused load: nothing was there to refuse
    assert tab.requests == [site_url + sitemap.archived_copy(notice_id, 1)]
    assert story.outside.hits == []


def test_the_servers_policy_stops_a_script_the_sanitiser_had_missed(story, tmp_path, browser):
    """Defence in depth: the stored page, unsanitised, at an archived copy's path."""
    site = tmp_path / "site"
    (site / "archive" / "1").mkdir(parents=True)
    (site / sitemap.INDEX).write_text("<!DOCTYPE html><title>x</title>")
    (site / "archive" / "1" / "v1.html").write_bytes(story.raw_bytes(story.ids["HOSTILE"], 1))
    tab = Tab(browser)
    story.outside.hits.clear()
    try:
        with serving(site) as url:
            page = tab.open(url + "archive/1/v1.html")
            assert page.title() != "SCRIPT RAN"
            assert page.evaluate("document.body.getAttribute('data-ran')") is None
            assert not [m for m in tab.console if m[1].startswith("zgwatch-test")]
            assert story.outside.hits == []  # the image, frame and style sheet were refused
            assert any("Content Security Policy" in m[1] for m in tab.console)  # and said so
    finally:
        tab.close()


def test_the_served_headers(story, site_url):
    import urllib.request

    with urllib.request.urlopen(site_url + sitemap.archived_copy(story.ids["HOSTILE"], 1)) as r:
        policy = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "sandbox" in policy
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    with urllib.request.urlopen(site_url + sitemap.INDEX) as r:
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    with urllib.request.urlopen(site_url + sitemap.FEED) as r:
        assert r.headers["Content-Type"] == "application/atom+xml"
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(site_url + ".zgwatch-site.json")
    assert missing.value.code == 404


def test_raw_pages_are_gzip_of_the_bytes_as_fetched(story):
    """The evidence chain the banner describes: gzip -dc <file> | sha256sum."""
    raw = story.data / "raw"
    files = list(raw.glob("*/*.html.gz"))
    assert files and all(len(gzip.decompress(f.read_bytes())) > 0 for f in files[:3])


def test_a_big_index_shows_a_page_of_rows_at_a_time(tmp_path, tab):
    """450 notices (batches written as the crawler writes them): 200 rows, then 200 more."""
    from datetime import date, timedelta

    from history import build_site
    from testkit.batches import FakeColumn
    from warehouse.db import connect
    from warehouse.diff import detect_changes
    from warehouse.load import load_pending

    column = FakeColumn(tmp_path / "batches")
    for n in range(450):
        column.add(300_000 + n, published_on=date(2024, 9, 26) - timedelta(days=n))
    column.crawl()
    with connect(tmp_path / "w.duckdb") as con:
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=date(2024, 10, 1), warn_days=3)
        build_site(con, tmp_path / "raw", tmp_path / "site")
    html = (tmp_path / "site" / sitemap.INDEX).read_text(encoding="utf-8")
    assert html.count("<tr data-id=") == 200  # what a reader without script gets
    with serving(tmp_path / "site") as url:
        page = tab.open(url + sitemap.INDEX)
        assert len(visible_ids(page)) == 200
        assert visible_ids(page)[0] == "300000"  # the newest first
        page.click("#f-more")
        assert len(visible_ids(page)) == 400
        page.click("#f-more")
        assert len(visible_ids(page)) == 450 and not page.locator("#f-more").is_visible()
        page.select_option("#f-sort", "issuer")  # a new order starts at the first page again
        assert len(visible_ids(page)) == 200
        page.fill("#f-text", "300449")
        assert visible_ids(page) == ["300449"]
        assert page.locator("#f-count").inner_text() == "显示 1 / 符合条件 1 条（共 450 条）"
    assert tab.errors() == []


def test_rows_drawn_by_the_script_show_markup_as_text(story, site_url, tab):
    page = tab.open(site_url + sitemap.INDEX + f"#q={story.ids['MARKUP']}")
    assert visible_ids(page) == [story.ids["MARKUP"]]
    row = page.locator(f"tr[data-id='{story.ids['MARKUP']}']")
    assert row.locator("td").first.inner_text().startswith(MARKUP_TITLE)
    assert row.locator("b").count() == 0
    assert tab.errors() == []


def _holders(con, phrase: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT notice_id FROM notices WHERE contains(title || body, ?)", [phrase]).fetchall()}


def _search(page, phrase: str) -> tuple[str, set[str]]:
    page.fill("#site-search-q", phrase)
    page.wait_for_function("q => document.getElementById('site-search-results')"
                           ".getAttribute('data-query') === q", arg=phrase, timeout=30_000)
    count = page.inner_text("#site-search-results .search-count")
    found = page.eval_on_selector_all("#site-search-results li > a",
                                      "as => as.map(a => a.getAttribute('href'))")
    return count, {href.rsplit("/", 1)[-1].removesuffix(".html") for href in found}


def test_the_search_box_on_every_page_finds_what_a_plain_text_match_finds(story, site_url, tab):
    """Pagefind's index (search/) is built with the site; typed into any page's box, an
    issuer's name or a phrase of whole words finds the notices holding it (no more, no
    fewer), links to their pages."""
    with story.con() as con:
        (issuer,) = con.execute("SELECT issuer FROM notices WHERE notice_id = ?",
                                [story.ids["EDITED"]]).fetchone()  # fmt: skip
        queries = {q: _holders(con, q) for q in (issuer, "巡视整改", "整改落实情况")}
    for path in (sitemap.INDEX, sitemap.CHANGES, sitemap.notice_page(story.ids["EDITED"])):
        page = tab.open(site_url + path)
        for query, holders in queries.items():
            assert holders and (query != issuer or story.ids["EDITED"] in holders)
            count, ids = _search(page, query)
            assert count.startswith(f"找到 {len(holders)} 条通报"), (path, query, count)
            assert ids <= holders and len(ids) == min(len(holders), 10), (path, query, ids)
        page.click("#site-search-results li > a")
        page.wait_for_load_state("networkidle")
        assert "/notices/" in page.url
    assert tab.errors() == []  # no CSP violation, no script error
    count, ids = _search(tab.open(site_url + sitemap.INDEX), "无此词语之通报")
    assert "没有找到" in count and not ids


def test_the_search_merges_its_buckets_of_notices(story, site_url, tab, tmp_path):
    """A column too big for one Pagefind run is indexed in buckets; the box searches them all."""
    from history.search import build_search, listing

    site = tmp_path / "site"
    shutil.copytree(story.site_dir, site)
    with story.con() as con:
        ids = [r[0] for r in con.execute("SELECT notice_id FROM notices").fetchall()]
        holders = _holders(con, "巡视整改")
    build_search(site, ids, None, per_bucket=8)
    assert len(listing(site)["buckets"]) >= 4
    with serving(site) as url:
        count, found = _search(tab.open(url + sitemap.INDEX), "巡视整改")
    assert count.startswith(f"找到 {len(holders)} 条通报") and found <= holders
    assert tab.errors() == []


def _row_links(page) -> list[str]:
    return page.eval_on_selector_all("#notices tbody tr a",
                                     "as => as.map(a => a.getAttribute('href'))")  # fmt: skip


def test_the_index_of_several_sources_filters_by_source_and_search_covers_them(
        sources_story, tab):  # fmt: skip
    """A site of two sources: the top index's source filter keeps one source's notices (each
    linking into its folder), survives a reload, and the search box of a source's page
    finds notices of both sources."""
    total = sum(len(ids) for ids in sources_story.ids.values())
    with serving(sources_story.site_dir) as url:
        page = tab.open(url + sitemap.INDEX)
        assert len(visible_ids(page)) == total
        page.select_option("#f-source", "1")
        links = _row_links(page)
        assert len(links) == len(sources_story.ids["gd-xsgg"])
        assert all(h.startswith("sources/gd-xsgg/notices/") for h in links)
        assert "source=1" in page.url
        page.reload()
        page.wait_for_load_state("networkidle")
        assert _row_links(page) == links
        page.click(f"tr[data-id='{sources_story.added}'] a")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(f"sources/gd-xsgg/notices/{sources_story.added}.html")

        page = tab.open(url + sitemap.source_folder("gd-zgls") + sitemap.INDEX)
        page.fill("#site-search-q", "巡视整改")
        page.wait_for_function("() => document.getElementById('site-search-results')"
                               ".getAttribute('data-query') === '巡视整改'", timeout=30_000)
        found = page.eval_on_selector_all("#site-search-results li > a",
                                          "as => as.map(a => a.getAttribute('href'))")
        assert any("/sources/gd-zgls/notices/" in h for h in found)
        assert any("/sources/gd-xsgg/notices/" in h for h in found)
    assert tab.errors() == []
