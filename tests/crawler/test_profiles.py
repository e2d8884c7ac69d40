"""Auto detection over real HTTP: every column the replica serves, each pager kind, harvested
whole by a real Scrapy crawl; named profiles; the walk's bounds under every pager kind."""

from __future__ import annotations

from datetime import timedelta

import pytest

from replica.columns import COLUMNS

VARIANTS = [c for c in COLUMNS if c.skin == "variant"]


def _listed(replica, column) -> list[str]:
    return [lst.notice_id for lst in replica.site.columns.all[column.path].listings]


@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.path.strip("/").replace("/", "-"))
def test_auto_harvests_every_notice_of_every_column(replica, crawl, column) -> None:
    """The unseen variant on each pager kind, the TRS site and the site's other columns."""
    batch = crawl(replica.url_for(column.path))
    ids = _listed(replica, column)
    assert len(ids) == 25  # three list pages of ten
    assert [e["notice_id"] for e in batch.listings] == ids  # in the list's order
    assert set(batch.notices) == set(ids)
    assert batch.summary["list_complete"] is True
    assert batch.summary["list_pages"] == batch.summary["list_pages_ok"] == 3
    assert batch.summary["outcomes"] == {"ok": 28}
    expected_pager = {"currentpage": "query"}.get(column.pager, column.pager)
    assert batch.summary["scrapy_stats"]["zgwatch/pager"] == expected_pager
    first = replica.site.columns.all[column.path].listings[0]
    notice = batch.notices[first.notice_id]
    assert notice["title"] == first.title
    assert notice["published_on"] == first.published_at.date().isoformat()


@pytest.mark.parametrize(("path", "profile"), [("/trs/xszg/", "trs"),
                                               ("/variant/query/", "page-query"),
                                               ("/variant/next/", "next-script"),
                                               ("/swxsnew/xsfk/", "gdjct")])
def test_a_named_profile_harvests_its_kind_of_site(replica, crawl, path, profile) -> None:
    column = next(c for c in COLUMNS if c.path == path)
    batch = crawl(replica.url_for(path), profile=profile)
    assert set(batch.notices) == set(_listed(replica, column))
    assert batch.summary["list_complete"] is True
    assert batch.summary["scrapy_stats"]["zgwatch/profile"] == profile


def test_a_profile_of_another_site_finds_no_notice(replica, crawl) -> None:
    """The TRS profile on this site's column: no entry of its shape, an empty list, no
    article fetched (never a notice read by the wrong rules)."""
    batch = crawl(replica.url, profile="trs")
    assert batch.notices == {}
    assert batch.summary["first_page_outcome"] == "empty_list"


@pytest.mark.parametrize("path", ["/trs/xszg/", "/variant/query/", "/variant/next/"])
def test_the_walk_bound_holds_for_every_pager_kind(replica, crawl, path) -> None:
    batch = crawl(replica.url_for(path), max_list_pages=2)
    assert batch.summary["list_pages"] == 2
    assert batch.summary["list_complete"] is False
    assert "max_list_pages = 2" in batch.summary["list_runaway"]
    assert [f["outcome"] for f in batch.fetches if f["page_kind"] == "list"].count(
        "list_runaway") == 1


def test_a_failed_list_page_of_a_script_pager_leaves_the_list_incomplete(replica, crawl) -> None:
    replica.site.set_fault("/trs/xszg/index_1.html", "503")
    batch = crawl(replica.url_for("/trs/xszg/"))
    assert batch.summary["list_complete"] is False
    assert batch.summary["outcomes"]["server_error"] >= 1
    assert len(batch.notices) == 15  # pages 0 and 2 of the script's count


@pytest.mark.parametrize("path", ["/trs/xszg/", "/variant/currentpage/", "/variant/next/"])
def test_a_pager_claiming_a_million_pages_stops_after_the_barren_ones(replica, crawl,
                                                                      path) -> None:
    """尾页, 共N页 or the script's total past the last page: the pages past it answer 404,
    and the walk stops after three that add nothing (list_runaway), whatever the pager."""
    replica.site.set_fault(path + "*", "pager_far_last")
    batch = crawl(replica.url_for(path))
    assert len(batch.notices) == 25  # every notice is still read
    assert batch.summary["list_complete"] is False
    assert "3 list pages in a row added no notice" in batch.summary["list_runaway"]
    assert batch.summary["list_pages"] == 3 + 3 + 1  # the real ones, three 404s, the stop


def test_a_new_an_edited_and_a_removed_notice_of_the_variant_across_two_crawls(
        replica, crawl, tmp_path) -> None:
    path = "/variant/query/"
    column = replica.site.columns.all[path]
    top, edited = column.listings[0].notice_id, column.listings[1].notice_id
    # a cycle the day after the edited one was published: recent, so read every cycle
    as_of = column.listings[1].published_at.date() + timedelta(days=1)
    first = crawl(replica.url_for(path), as_of=as_of)
    new_id = replica.site.columns.add_notice(path)
    replica.site.columns.edit(path, edited)
    replica.site.columns.remove(path, top)
    second = crawl(replica.url_for(path), known=first.known(tmp_path / "known.jsonl"),
                   as_of=as_of)
    assert [e["notice_id"] for e in second.listings] == [lst.notice_id
                                                         for lst in column.listings]
    assert new_id in second.notices  # read at once
    assert second.notices[edited]["text_sha256"] != first.notices[edited]["text_sha256"]
    assert second.fetch_of(top)["outcome"] == "not_found"  # probed: missing from the list
    assert second.fetch_of(top)["page_kind"] == "probe"
