"""The site's URL layout, which the site writes and alerts link to."""

import pytest

from core import sitemap


def test_paths_of_a_notice_and_its_versions():
    assert sitemap.notice_page("202033") == "notices/202033.html"
    assert sitemap.version_anchor("202033", 2) == "notices/202033.html#v2"
    assert sitemap.diff_anchor("202033", 3, 1) == "notices/202033.html#diff-1-3"
    assert sitemap.archived_copy("202033", 2) == "archive/202033/v2.html"
    assert sitemap.is_archived_copy("/archive/202033/v2.html")
    assert not sitemap.is_archived_copy("/notices/202033.html")


@pytest.mark.parametrize("bad", ["../etc/passwd", "12/34", "", "1.html", " 1", "abc"])
def test_a_path_never_leaves_its_folder(bad):
    with pytest.raises(ValueError):
        sitemap.notice_page(bad)
    with pytest.raises(ValueError):
        sitemap.archived_copy(bad, 1)


@pytest.mark.parametrize("version", [0, -1, True, "2", 1.5])
def test_a_version_is_a_positive_whole_number(version):
    with pytest.raises(ValueError):
        sitemap.archived_copy("1", version)


def test_join_with_a_public_base_url():
    page = sitemap.notice_page("7")
    assert sitemap.join(None, page) is None and sitemap.join("", page) is None
    assert sitemap.join("https://x.org", page) == "https://x.org/notices/7.html"
    assert sitemap.join("https://x.org/zg", page) == "https://x.org/zg/notices/7.html"
    assert sitemap.join("https://x.org/zg/", "/" + sitemap.FEED) == "https://x.org/zg/feed.atom"
    assert sitemap.join("http://h:8001/a/b/", sitemap.archived_copy("7", 1)) == \
        "http://h:8001/a/b/archive/7/v1.html"  # fmt: skip
