"""``zgwatch sources check URL``: one request to a list page, and what zgwatch reads on it.

One GET (the crawl's User-Agent and time-out, redirects followed), read as the
crawl reads a list page (``classify_list`` with the profile): the entries, the
pager's kind and page count, a sample entry, and the profile it reads as.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from core import vocabulary as v
from crawler.parsing.classify import classify_list
from crawler.parsing.model import ListPage
from crawler.profiles import AUTO_PROFILE, PROFILES, Profile

MAX_BYTES = 8 * 1024 * 1024  # a list page is tens of kB; more is no list page


@dataclass(frozen=True)
class SourceCheck:
    """What one list page gave: the outcome of reading it and, when ``ok``, the page."""

    url: str
    outcome: str
    reason: str
    page: ListPage | None = None

    @property
    def usable(self) -> bool:
        return self.page is not None and bool(self.page.entries)

    def pages(self) -> int:
        """The list's page count as its pager states it (1 without a pager)."""
        page = self.page
        numbers = [page.stated_pages or 1, page.page_no or 1]
        if page.scheme is not None:
            numbers += [n for u in page.page_urls if (n := page.scheme.number(u)) is not None]
        return max(numbers)

    def lines(self) -> list[str]:
        """What was found, one fact a line (for people; not a stable format)."""
        page = self.page
        profile = page.profile
        detail = profile.summary if PROFILES.get(profile.name) == profile else \
            f"detected: a list of dated links, article URLs {profile.article}"
        sample = page.entries[0]
        return [
            f"source: {self.url}",
            f"profile: {profile.name} ({detail})",
            f"list: {len(page.entries)} entries on this page",
            f"pager: {page.pager_kind or 'none'}, {self.pages()} pages"
            + (f", next {page.scheme.url((page.page_no or 1) + 1)}"
               if page.scheme is not None and (page.page_no or 1) < self.pages() else ""),
            f"sample: {sample.notice_id} {sample.listed_on or '(no date)'} {sample.title} "
            f"{sample.url}",
        ]


def check_source(url: str, profile: Profile = AUTO_PROFILE, *, timeout: float = v.TIMEOUT,
                 user_agent: str = v.USER_AGENT) -> SourceCheck:
    """Fetch ``url`` once and read it as a list page by ``profile``.

    Raises ``OSError`` (``urllib.error.URLError`` included) or ``http.client.HTTPException``
    when no answer came.
    """
    # the header goes out as UTF-8 bytes, as the crawl sends it (http.client writes latin-1)
    agent = user_agent.encode("utf-8").decode("latin-1")
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, final, headers = response.status, response.url, dict(response.headers)
            body = response.read(MAX_BYTES)
    except urllib.error.HTTPError as exc:
        status, final, headers, body = exc.code, url, dict(exc.headers or {}), exc.read(MAX_BYTES)
    outcome, reason, page = classify_list(status, body, final, headers, profile)
    return SourceCheck(final, outcome, reason, page)
