"""The history site of a registry of sources: one index for every source with a filter by
source, a page per source, notice pages that two sources' equal ids cannot make collide,
feeds per source and per unit linked from their pages, one search over every source; and
the site of one source as it always was, plus its source's and units' feeds."""

from __future__ import annotations

import fcntl
import json
import re
from xml.etree import ElementTree

import pytest

from core import sitemap
from core.units import unit_name
from history.files import LOCK, read_manifest, site_lock

ATOM = "{http://www.w3.org/2005/Atom}"


def index_json(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="notice-index">(.*?)</script>',
                      html, re.S)
    return json.loads(found.group(1))


def alternates(html: str) -> list[str]:
    return re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"',
                      html)


def entries(path) -> list[ElementTree.Element]:
    return ElementTree.parse(path).getroot().findall(f"{ATOM}entry")


def test_one_index_lists_every_sources_notices_with_a_filter_by_source(sources_story):
    top = (sources_story.site_dir / sitemap.INDEX).read_text(encoding="utf-8")
    index = index_json(top)
    assert index["sources"] == ["南粤清风网 · 整改落实", "南粤清风网 · 巡视公告"]
    assert index["folders"] == ["sources/gd-zgls/", "sources/gd-xsgg/"]
    column = index["columns"].index("source")
    listed = {(index["folders"][r[column]], r[0]) for r in index["rows"]}
    assert listed == {(sitemap.source_folder(s), i)
                      for s, ids in sources_story.ids.items() for i in ids}
    assert '<select id="f-source">' in top and top.count('<option value="1">') >= 1
    shared = sorted(set(sources_story.ids["gd-zgls"]) & set(sources_story.ids["gd-xsgg"]))
    assert shared, "the two replicas of one seed reuse the notice ids"
    for source in ("gd-zgls", "gd-xsgg"):  # one page each, never one for both
        page = sources_story.site_dir / sitemap.source_folder(source) / sitemap.notice_page(
            shared[0])
        assert page.is_file()
        assert f'href="sources/{source}/notices/{shared[0]}.html"' in top
    assert not (sources_story.site_dir / sitemap.NOTICES_DIR).exists()


def test_each_source_has_its_page_and_its_feed_linked_from_it(sources_story):
    site = sources_story.site_dir
    top = (site / sitemap.INDEX).read_text(encoding="utf-8")
    for source in sources_story.sources:
        folder = site / sitemap.source_folder(source.id)
        own = (folder / sitemap.INDEX).read_text(encoding="utf-8")
        assert source.name in own
        assert len(index_json(own)["rows"]) == len(sources_story.ids[source.id])
        feed = sitemap.source_feed(source.id)
        assert "../../" + feed in alternates(own) and feed in alternates(top)
        root = ElementTree.parse(site / feed).getroot()
        assert source.name in root.find(f"{ATOM}title").text
    (new,) = [e for e in entries(site / sitemap.source_feed("gd-xsgg"))
              if e.find(f"{ATOM}category").get("term") == "new"]
    link = new.find(f"{ATOM}link").get("href")
    assert link == f"https://zg.example.org/watch/sources/gd-xsgg/notices/{sources_story.added}.html"
    assert entries(site / sitemap.source_feed("gd-zgls")) == [] or all(
        "gd-zgls" in e.find(f"{ATOM}link").get("href")
        for e in entries(site / sitemap.source_feed("gd-zgls")))
    whole = [e.find(f"{ATOM}link").get("href") for e in entries(site / sitemap.FEED)]
    assert any(f"/sources/gd-xsgg/notices/{sources_story.added}.html" in h for h in whole)


def test_a_units_feed_gathers_it_however_named_and_is_linked_from_its_notices(sources_story):
    site = sources_story.site_dir
    unit = unit_name("珠海市金湾区委员会").key
    assert unit == "珠海市金湾区委"
    mine = [e for e in entries(site / sitemap.unit_feed(unit))
            if sources_story.added in e.find(f"{ATOM}link").get("href")]
    (entry,) = mine
    assert entry.find(f"{ATOM}category").get("term") == "new"
    content = entry.find(f"{ATOM}content").text
    assert "公开期限" in content and "反映意见" in content  # the period is open: the contacts
    page = (site / sitemap.source_folder("gd-xsgg")
            / sitemap.notice_page(sources_story.added)).read_text(encoding="utf-8")
    assert "../../../" + sitemap.href(sitemap.unit_feed(unit)) in alternates(page)
    issuer = entry.find(f"{ATOM}author/{ATOM}name").text
    assert unit_name(issuer).key == unit
    assert "../../../" + sitemap.href(sitemap.issuer_feed(issuer)) in alternates(page)
    assert (site / sitemap.issuer_feed(issuer)).is_file()
    assert not (site / sitemap.source_folder("gd-xsgg") / sitemap.UNIT_FEEDS).exists()
    assert not (site / sitemap.source_folder("gd-xsgg") / sitemap.ISSUER_FEEDS).exists()


def test_one_search_index_covers_every_source(sources_story):
    site = sources_story.site_dir
    buckets = json.loads((site / sitemap.SEARCH_DIR / "buckets.json").read_text())["buckets"]
    assert sorted(buckets) == ["gd-xsgg.0-0", "gd-zgls.0-0"]  # each its own: under 50 notices
    for name in buckets:
        assert (site / sitemap.SEARCH_DIR / name / "pagefind.js").is_file()
    page = (site / sitemap.source_folder("gd-zgls") / sitemap.INDEX).read_text(encoding="utf-8")
    assert 'data-bundle="../../search/"' in page and 'data-root="../../"' in page
    assert not (site / sitemap.source_folder("gd-zgls") / sitemap.SEARCH_DIR).exists()


def test_changes_and_health_name_each_cycles_source(sources_story):
    site = sources_story.site_dir
    changes = (site / sitemap.CHANGES).read_text(encoding="utf-8")
    assert f'href="sources/gd-xsgg/notices/{sources_story.added}.html"' in changes
    assert "南粤清风网 · 巡视公告" in changes and "南粤清风网 · 整改落实" in changes
    health = (site / sitemap.HEALTH).read_text(encoding="utf-8")
    assert health.count('class="source"') == 4  # two cycles of two sources


def test_alerts_link_into_their_sources_folder(sources_story):
    settings = sources_story.settings
    mine = settings.for_source(settings.source_list[1]).alert_config()
    assert mine.site_url == "https://zg.example.org/watch/sources/gd-xsgg/"


def test_one_source_keeps_its_site_and_gains_its_sources_and_units_feeds(story):
    index = story.page(sitemap.INDEX)
    assert sitemap.source_feed("default") in alternates(index)
    assert (story.site_dir / sitemap.source_feed("default")).is_file()
    assert index_json(index)["folders"] == [""]
    assert "f-source" not in index
    with story.con() as con:
        notice_id, issuer = con.execute("SELECT notice_id, issuer FROM notices "
                                        "WHERE issuer IS NOT NULL LIMIT 1").fetchone()
    unit = unit_name(issuer).key
    assert (story.site_dir / sitemap.unit_feed(unit)).is_file()
    page = story.page(sitemap.notice_page(notice_id))
    assert "../" + sitemap.href(sitemap.unit_feed(unit)) in alternates(page)
    assert 'data-bundle="../search/"' in page


def test_two_builds_of_one_site_take_turns(tmp_path):
    """Two sources' cycles publishing at once: the second build waits for the site's lock."""
    site = tmp_path / "site"
    with site_lock(site), open(site / LOCK, "a+b") as other:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert read_manifest(site) is None  # the lock alone does not make a folder foreign
    with open(site / LOCK, "a+b") as other:  # released
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_zgwatch_site_builds_every_sources_site_from_their_analyst_copies(sources_story,
                                                                         tmp_path):
    from zgwatch import pipeline

    report = pipeline.build_site(sources_story.settings, tmp_path / "site", full=True)
    assert report.notices == sum(len(ids) for ids in sources_story.ids.values())
    index = index_json((tmp_path / "site" / sitemap.INDEX).read_text(encoding="utf-8"))
    assert index["sources"] == [s.name for s in sources_story.sources]
    assert (tmp_path / "site" / sitemap.source_folder("gd-zgls") / sitemap.INDEX).is_file()


def test_a_sources_cycle_redraws_only_what_changed(sources_story):
    """The last publish (the second source's second cycle, one notice added) writes that
    notice's page and no other, of either source."""
    last = sources_story.reports[-1]
    assert (last.pages_written, last.notices) == (1, sum(map(len, sources_story.ids.values())))
    assert not last.full and last.search_seconds is not None
