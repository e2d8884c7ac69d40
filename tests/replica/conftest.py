"""Reading the replica over real HTTP the way its tests need: status, headers, text."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

import pytest

from replica import RunningReplica

PARAGRAPH = re.compile(r"<p[^>]*>(.*?)</p>", re.S)
TITLE = re.compile(r"<h[12][^>]*>(.*?)</h[12]>", re.S)
BODY = re.compile(r'<div (?:class="content" id="zoom"|class="TRS_Editor")>(.*?)</div>', re.S)
ENTRY = re.compile(r'href="\./content/post_(\d+)\.html"')


@dataclass
class Fetched:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(self.headers.get_content_charset() or "utf-8")


def visible(fragment: str) -> str:
    """Text of an HTML fragment: tags dropped, entities decoded, edge whitespace trimmed."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip(" \u3000\xa0\n\t")


class SiteClient:
    """GETs against one running replica (its first host, or the host at ``base_url``), with
    the few readings the tests make."""

    def __init__(self, running: RunningReplica, base_url: str | None = None) -> None:
        self.running, self.base_url = running, base_url or running.server.base_url

    def get(self, path: str, headers: dict[str, str] | None = None, timeout: float = 10) -> Fetched:
        """GET ``path``; 3xx/4xx/5xx are answers like any other, not exceptions."""
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Fetched(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Fetched(error.code, error.headers, error.read())

    def article(self, notice_id: str) -> list[str]:
        """Title and paragraphs of a notice's page as a reader sees them."""
        page = self.get(self.running.site.article_path(notice_id))
        assert page.status == 200, page.status
        return self.article_text(page.text)

    def listed(self, page_no: int = 1) -> list[str]:
        """The ids list page ``page_no`` shows, in order."""
        page = self.get(self.running.site.list_path(page_no))
        assert page.status == 200, page.status
        return ENTRY.findall(page.text)

    def all_listed(self) -> list[str]:
        """The ids of every list page, following 下一页 until there is none."""
        ids, path = [], "/xunshizgls/index.html"
        while path:
            page = self.get(path).text
            ids += ENTRY.findall(page)
            more = re.search(r'<a href="\./(index_\d+\.html)">下一页</a>', page)
            path = f"/xunshizgls/{more.group(1)}" if more else None
        return ids

    @staticmethod
    def article_text(page: str) -> list[str]:
        """Title and body paragraphs of an article page (either template), tags stripped."""
        body = BODY.search(page).group(1)
        return [visible(TITLE.search(page).group(1))] + [
            visible(p) for p in PARAGRAPH.findall(body)
        ]


@pytest.fixture
def client_for() -> Callable[[RunningReplica], SiteClient]:
    return SiteClient


@pytest.fixture
def client(replica) -> SiteClient:
    """A ``SiteClient`` for the ``replica`` fixture."""
    return SiteClient(replica)
