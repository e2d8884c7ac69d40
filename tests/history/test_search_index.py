"""search/: Pagefind's bundles, one per bucket of notices, rebuilt only where pages changed."""

from __future__ import annotations

import shutil

from hypothesis import given
from hypothesis import strategies as st

from core import sitemap
from history.search import LISTING, buckets, build_search, listing


def _site(tmp_path, ids):
    site = tmp_path / "site"
    for i in ids:
        page = site / sitemap.notice_page(i)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f'<html lang="zh-CN"><body><h1 data-pagefind-body>通报{i}</h1>'
                        f"<article data-pagefind-body><p>巡视整改第{i}号</p></article>"
                        "</body></html>", encoding="utf-8")  # fmt: skip
    return site


def _order(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name.split("-"))


def _inodes(site):
    return {p.name: (p / "pagefind-entry.json").stat().st_ino
            for p in (site / sitemap.SEARCH_DIR).iterdir() if p.is_dir()}  # fmt: skip


def test_buckets_are_indexed_once_and_then_only_where_a_page_changed(tmp_path):
    ids = [str(202000 + n) for n in range(10)]
    site = _site(tmp_path, ids)
    build_search(site, ids, None, per_bucket=4)
    assert sorted(listing(site)["buckets"], key=_order) == ["0", "1", "2-0"]  # 4 + 4 + 2
    for name in listing(site)["buckets"]:
        assert (site / sitemap.SEARCH_DIR / name / "pagefind.js").is_file()
    before = _inodes(site)
    build_search(site, ids, {ids[5]}, per_bucket=4)  # one page written: its bucket only
    assert {n for n, ino in _inodes(site).items() if before[n] != ino} == {"1"}
    assert not (site / ".search-src").exists()  # the staged pages are gone
    assert not [p for p in (site / sitemap.SEARCH_DIR).iterdir() if p.name.startswith(".")]


def test_new_notices_join_the_last_buckets_and_leave_the_others_alone(tmp_path):
    """The column numbers notices in order: a cycle's new ones reindex the last bucket."""
    ids = [str(202000 + n) for n in range(10)]
    site = _site(tmp_path, ids)
    build_search(site, ids, None, per_bucket=4)
    before = _inodes(site)
    more = [*ids, "202010", "202011", "202012"]
    _site(tmp_path, more)
    build_search(site, more, {"202010", "202011", "202012"}, per_bucket=4)
    after = _inodes(site)
    assert sorted(after, key=_order) == ["0", "1", "2", "3-0"]  # the block 2 is whole now
    assert before["0"] == after["0"] and before["1"] == after["1"] and "2-0" not in after
    shutil.rmtree(site / sitemap.NOTICES_DIR)
    build_search(site, [], None)
    assert not (site / sitemap.SEARCH_DIR).exists() and listing(site) == {}


def test_an_edit_among_the_recent_notices_reindexes_their_small_bucket_only(tmp_path):
    """The last block, not yet whole, is in buckets of per_recent: an edit or a new notice
    there reindexes a few pages; once whole, the block is one bucket."""
    ids = [str(202000 + n) for n in range(7)]
    site = _site(tmp_path, ids)
    build_search(site, ids, None, per_bucket=8, per_recent=2)
    before = _inodes(site)
    assert sorted(before, key=_order) == ["0-0", "0-1", "0-2", "0-3"]  # 2 + 2 + 2 + 1
    build_search(site, ids, {ids[6]}, per_bucket=8, per_recent=2)
    assert {n for n, ino in _inodes(site).items() if before[n] != ino} == {"0-3"}
    more = [*ids, "202007"]
    _site(tmp_path, more)
    build_search(site, more, {"202007"}, per_bucket=8, per_recent=2)
    assert sorted(_inodes(site)) == ["0"] and list(listing(site)["buckets"]) == ["0"]


@given(st.lists(st.integers(1, 10**8), unique=True, max_size=300), st.integers(1, 50),
       st.integers(1, 60))
def test_buckets_hold_every_notice_once_in_id_order(numbers, per_bucket, per_recent):
    ids = [str(n) for n in numbers]
    groups = buckets(ids, per_bucket, per_recent)
    flat = [i for name in sorted(groups, key=_order) for i in groups[name]]
    assert flat == sorted(ids, key=int)
    whole = [m for name, m in groups.items() if "-" not in name]
    recent = [m for name, m in groups.items() if "-" in name]
    assert all(len(m) == per_bucket for m in whole)
    assert sum(map(len, recent)) < per_bucket  # the last block is not whole
    assert all(len(m) == per_recent for m in recent[:-1]) and all(len(m) <= per_recent
                                                                 for m in recent)
    assert LISTING == "buckets.json"


def test_past_its_deadline_a_build_leaves_due_buckets_stale_for_the_next(tmp_path):
    """A publish holds the cycle lock no longer than its budget: the buckets due after the
    deadline keep their old bundle, are marked stale, and the next build reindexes them."""
    import time

    from history.search import STALE, wanting

    ids = [str(202000 + n) for n in range(10)]
    site = _site(tmp_path, ids)
    assert wanting(site)  # no bundle yet
    build_search(site, ids, None, per_bucket=4)
    assert not wanting(site)
    before = _inodes(site)
    late = build_search(site, ids, {ids[1], ids[5]}, per_bucket=4,
                        deadline=time.monotonic() - 1)
    assert late.left == 2 and _inodes(site) == before  # nothing reindexed
    assert listing(site)["buckets"]["0"] == STALE == listing(site)["buckets"]["1"]
    assert listing(site)["buckets"]["2-0"] != STALE and wanting(site)
    again = build_search(site, ids, set(), per_bucket=4)  # no page written since: still due
    after = _inodes(site)
    assert again.left == 0 and not wanting(site)
    assert {n for n in after if after[n] != before[n]} == {"0", "1"}


def test_the_publish_names_the_search_buckets_it_left(tmp_path):
    """What the step left for the next cycle (its line and its incident) names the buckets."""
    from datetime import date

    from history.build import SiteReport
    from zgwatch.pipeline import Published

    site = SiteReport(site_dir=tmp_path, as_of=date(2026, 12, 7), unsearched=3)
    assert "3 search buckets left for the next build" in str(site)
    assert Published(tmp_path / "copy.duckdb", site).unfinished == \
        "3 buckets of the site's search not reindexed"
    assert Published(tmp_path / "copy.duckdb", SiteReport(tmp_path, date(2026, 12, 7))
                     ).unfinished is None
