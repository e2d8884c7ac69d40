"""feed.atom, parsed by a feed reader's parser, against the ``changes`` relation."""

from __future__ import annotations

import shutil
from datetime import date

import feedparser
import pytest

from core import sitemap
from core.vocabulary import ALERTED_KINDS, BASELINE_ALERTED, KIND_LABELS
from history import build_site
from history.feed import FEED_LIMIT, entry_id
from history.read import column_source
from testkit.batches import FakeColumn
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_pending

ALERTED = (
    "SELECT change_id, event_key, notice_id, kind, title, from_version, to_version "
    "FROM changes WHERE kind IN ({}) AND (NOT baseline OR kind IN ({})) "
    "ORDER BY detected_at DESC, change_id DESC"
).format(", ".join(f"'{k}'" for k in sorted(ALERTED_KINDS)),
         ", ".join(f"'{k}'" for k in sorted(BASELINE_ALERTED)))  # fmt: skip


def parse(path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_the_feed_has_one_entry_per_alerted_event_newest_first(story):
    with story.con() as con:
        events = con.execute(ALERTED).fetchall()
        source = column_source(con)
    feed = parse(story.site_dir / sitemap.FEED)
    assert len(events) >= 5  # edits, expiring, removed, new: the story's alerted events
    assert {e[3] for e in events} >= {"edited", "expiring", "removed", "new"}
    assert [e.id for e in feed.entries] == [entry_id(source, e[1]) for e in events]
    for entry, (_, _, notice_id, kind, title, from_v, to_v) in zip(feed.entries, events,
                                                                   strict=True):  # fmt: skip
        assert entry.title == f"{KIND_LABELS[kind]}：{title}"
        assert entry.tags[0].term == kind
        page = (sitemap.diff_anchor(notice_id, from_v, to_v) if kind == "edited"
                else sitemap.notice_page(notice_id))  # fmt: skip
        assert entry.link == page
        assert (story.site_dir / page.split("#")[0]).is_file()
        related = [link.href for link in entry.links if link.rel == "related"]
        assert related == [sitemap.archived_copy(notice_id, to_v)]
        assert (story.site_dir / related[0]).is_file()
    edit = next(e for e in feed.entries if e.tags[0].term == "edited")
    content = edit.content[0].value
    assert "<del" in content and "<ins" in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content and "<img" not in content


def test_entry_ids_are_stable_when_the_site_is_rebuilt(story, tmp_path):
    before = [e.id for e in parse(story.site_dir / sitemap.FEED).entries]
    shutil.copytree(story.site_dir, tmp_path / "site")
    with story.con() as con:
        build_site(con, story.data / "raw", tmp_path / "site", full=True)
        build_site(con, story.data / "raw", tmp_path / "fresh")
    assert [e.id for e in parse(tmp_path / "site" / sitemap.FEED).entries] == before
    assert [e.id for e in parse(tmp_path / "fresh" / sitemap.FEED).entries] == before


def test_with_a_public_base_url_every_link_is_absolute(story, tmp_path):
    with story.con() as con:
        build_site(con, story.data / "raw", tmp_path / "site", site_url="https://zg.example.org/w")
    feed = parse(tmp_path / "site" / sitemap.FEED)
    base = "https://zg.example.org/w/"
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [base + "feed.atom"]
    for entry in feed.entries:
        assert entry.link.startswith(base + "notices/")
        assert all(link.href.startswith(base) for link in entry.links if link.rel != "via")
        assert base + "notices/" in entry.content[0].value


def test_the_feed_keeps_the_newest_200_alerted_events(tmp_path):
    column = FakeColumn(tmp_path / "batches")
    for n in range(1, 31):
        column.add(200_000 + n)
    with connect(tmp_path / "w.duckdb") as con:
        column.crawl()
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=date(2024, 10, 1), warn_days=3)  # baseline: not in the feed
        for n in range(31, 31 + FEED_LIMIT + 20):
            column.add(200_000 + n)
        column.crawl()
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=date(2024, 10, 1), warn_days=3)
        newest = con.execute(ALERTED + " LIMIT 200").fetchall()
        total = con.execute(f"SELECT count(*) FROM ({ALERTED})").fetchone()[0]
        build_site(con, tmp_path / "raw", tmp_path / "site")  # no raw pages: copies say so
    assert total == FEED_LIMIT + 20
    feed = parse(tmp_path / "site" / sitemap.FEED)
    assert len(feed.entries) == FEED_LIMIT == 200
    assert [e.id for e in feed.entries] == [entry_id(column_source_of(tmp_path), k[1])
                                            for k in newest]  # fmt: skip


def column_source_of(tmp_path):
    with connect(tmp_path / "w.duckdb", read_only=True) as con:
        return column_source(con)


@pytest.mark.parametrize("url", ["ftp://x.org/", "x.org/site", "https://x.org/?a=1"])
def test_a_base_url_that_cannot_be_one_is_refused(url):
    with pytest.raises(ValueError):
        sitemap.normalise_base(url)


def test_each_issuer_has_a_feed_of_its_events_linked_from_its_notices_pages(tmp_path):
    """feeds/issuer/<slug>.atom: the issuer's alerted events only, valid Atom, links that
    resolve from the feed's own folder; each notice page links its issuer's feed."""
    column = FakeColumn(tmp_path / "batches")
    column.add(202101, issuer="中共珠海市金湾区委", published_on=date(2024, 9, 26))
    column.add(202102, issuer="中共珠海市金湾区委", published_on=date(2024, 9, 27))
    column.add(202103, issuer="中共广州市委/../../x", published_on=date(2024, 9, 27))
    with connect(tmp_path / "w.duckdb") as con:
        for as_of in (date(2024, 10, 1), date(2024, 10, 23)):  # 202101 ends 10-25: expiring
            column.crawl()
            load_pending(con, column.batches_dir)
            detect_changes(con, as_of=as_of, warn_days=3)
        column.add(202104, issuer="中共珠海市金湾区委", published_on=date(2024, 10, 20))
        column.crawl()
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=date(2024, 10, 23), warn_days=3)
        build_site(con, tmp_path / "raw", tmp_path / "site")
        mine = con.execute(ALERTED.replace("WHERE", "WHERE issuer = '中共珠海市金湾区委' AND")
                           ).fetchall()  # fmt: skip
        source = column_source(con)
    site = tmp_path / "site"
    path = site / sitemap.issuer_feed("中共珠海市金湾区委")
    assert path.parent == site / "feeds" / "issuer" and path.name == "中共珠海市金湾区委.atom"
    odd = site / sitemap.issuer_feed("中共广州市委/../../x")
    assert odd.parent == path.parent and odd.is_file()  # a name never climbs out
    assert odd.name.startswith("中共广州市委_x-")  # ...and never takes a plain name's file
    feed = parse(path)
    assert [e.id for e in feed.entries] == [entry_id(source, e[1]) for e in mine]
    assert {e[3] for e in mine} == {"new", "expiring"}
    for entry in feed.entries:
        assert (path.parent / entry.link).resolve().is_file()  # ../../notices/…
    expiring = next(e for e in feed.entries if e.tags[0].term == "expiring")
    nid = expiring.link.rsplit("/", 1)[-1].removesuffix(".html")
    content = expiring.content[0].value  # the contacts while the period runs
    assert f"0756-72637{int(nid) % 100:02d}" in content and f"mailto:xszg{nid}@" in content
    page = (site / sitemap.notice_page("202101")).read_text(encoding="utf-8")
    href = sitemap.href(sitemap.issuer_feed("中共珠海市金湾区委"))
    link = ('<link rel="alternate" type="application/atom+xml" title="中共珠海市金湾区委的变化 '
            f'(Atom)" href="../{href}">')
    assert link in page

