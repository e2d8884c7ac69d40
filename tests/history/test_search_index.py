"""search/: Pagefind's bundles, one per bucket of notices, rebuilt only where pages changed."""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import sitemap
from history.search import LISTING, bucket_count, bucket_of, build_search, listing


def _site(tmp_path, ids):
    site = tmp_path / "site"
    for i in ids:
        page = site / sitemap.notice_page(i)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f'<html lang="zh-CN"><body><h1 data-pagefind-body>通报{i}</h1>'
                        f"<article data-pagefind-body><p>巡视整改第{i}号</p></article>"
                        "</body></html>", encoding="utf-8")  # fmt: skip
    return site


def _inodes(site):
    return {p.name: (p / "pagefind-entry.json").stat().st_ino
            for p in (site / sitemap.SEARCH_DIR).iterdir() if p.is_dir()}  # fmt: skip


def test_buckets_are_indexed_once_and_then_only_where_a_page_changed(tmp_path):
    ids = [str(202000 + n) for n in range(12)]
    site = _site(tmp_path, ids)
    build_search(site, ids, None, per_bucket=4)
    found = listing(site)
    assert found["count"] == 4 and found["buckets"] == sorted(
        {str(bucket_of(i, 4)) for i in ids}, key=int)
    for name in found["buckets"]:
        assert (site / sitemap.SEARCH_DIR / name / "pagefind.js").is_file()
    before = _inodes(site)
    build_search(site, ids, {ids[0]}, per_bucket=4)  # one page written: its bucket only
    after = _inodes(site)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {str(bucket_of(ids[0], 4))}
    assert not (site / ".search-src").exists()  # the staged pages are gone
    assert not [p for p in (site / sitemap.SEARCH_DIR).iterdir() if p.name.startswith(".")]


def test_more_notices_than_the_buckets_hold_reshuffles_them_and_no_page_drops_the_bundle(
        tmp_path):  # fmt: skip
    ids = [str(202000 + n) for n in range(6)]
    site = _site(tmp_path, ids)
    build_search(site, ids, None, per_bucket=4)
    assert listing(site)["count"] == 2
    more = ids + [str(202100 + n) for n in range(4)]
    _site(tmp_path, more)
    build_search(site, more, set(), per_bucket=4)  # nothing written, but 10 need 4 buckets
    assert listing(site)["count"] == 4
    names = {p.name for p in (site / sitemap.SEARCH_DIR).iterdir() if p.is_dir()}
    assert names == set(listing(site)["buckets"])
    shutil.rmtree(site / sitemap.NOTICES_DIR)
    build_search(site, [], None)
    assert not (site / sitemap.SEARCH_DIR).exists()
    assert json.loads("{}") == listing(site)


@given(st.integers(0, 100_000), st.integers(1, 1000))
def test_every_bucket_holds_at_most_its_share(notices, per_bucket):
    n = bucket_count(notices, per_bucket)
    assert n * per_bucket >= notices and (n == 1 or (n // 2) * per_bucket < notices)
    assert n & (n - 1) == 0  # a power of two: growing doubles it


@pytest.mark.parametrize("notice_id", ["1", "202033", "99999999"])
def test_a_notice_keeps_its_bucket_while_their_count_holds(notice_id):
    assert bucket_of(notice_id, 8) == bucket_of(notice_id, 8) < 8
    assert LISTING == "buckets.json"
