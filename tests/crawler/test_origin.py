"""Nothing leaves the source's scheme, host and port (issue 29, item 6).

A robots.txt, a list page or an article redirecting to another port of the same host
(where another service listens) was followed: the offsite check compares host names only.
"""

from __future__ import annotations

import pytest

from testkit.answering import Answering


@pytest.fixture
def elsewhere():
    """Another service on the same host, another port: counts what it is asked."""
    with Answering(b"User-agent: *\nDisallow: /\n") as other:
        yield other


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_robots_txt_redirect_to_another_port_is_not_followed(replica, crawl, elsewhere, scheme):
    replica.site.redirects["/robots.txt"] = elsewhere.base.replace("http", scheme) + "/robots.txt"
    batch = crawl(replica.url)
    assert elsewhere.seen == []
    assert len(batch.notices) == 45  # no robots.txt is as good as one allowing everything
    log = (batch.dir / "crawl.log").read_text()
    assert "another origin than the column's" in log


@pytest.mark.parametrize("where", ["article", "list"])
def test_a_page_redirected_to_another_port_or_scheme_is_not_followed(replica, crawl, elsewhere,
                                                                      where):
    site = replica.site
    victim = site.notice_ids()[3]
    path = site.article_path(victim) if where == "article" else site.list_path(2)
    site.redirects[path] = elsewhere.base + path
    site.redirects[site.article_path(site.notice_ids()[4])] = \
        replica.url.replace("http://", "https://") + "content/x.html"
    batch = crawl(replica.url)
    assert elsewhere.seen == []
    failed = [f for f in batch.fetches if f["url"].endswith(path)]
    assert failed and failed[0]["outcome"] == "error"  # recorded as served: never followed
