"""A list page's pager, whatever its kind: how page N is addressed and how many there are.

Kinds (``crawler.profiles.PAGER_KINDS``, docs/sources.md):

- ``numbered``: links ``index_2.html`` … with 首页/下一页/尾页 (this site's platform);
- ``script``: ``createPageHTML(total, current, "index", "html")``, written by a
  script (no link in the HTML): pages count from 0, page 0 is ``index.html``,
  page k ``index_k.html``, the last ``index_{total-1}.html``;
- ``query``: links ``?page=N`` / ``?currentPage=N`` (any number in the query);
- ``next``: links ``javascript:next(N)`` whose page is a plain URL, the one
  the page's own ``function next(n)`` opens (``"list_" + n + ".html"``).

``共N页`` anywhere on the page states the count. The pager is read from what
the page says, never assumed: no link, no script call, no pages beyond the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from core.vocabulary import LIST_PAGE_URL

_SCRIPT_PAGER = re.compile(
    r"createPageHTML\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,"
    r"\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_NEXT_CALL = re.compile(r"^\s*javascript:\s*next\(\s*['\"]?(\d+)['\"]?\s*\)\s*;?\s*$", re.I)
_NEXT_FUNCTION = re.compile(r"function\s+next\s*\(\s*(\w+)\s*\)\s*\{([^}]*)\}")
_STATED = re.compile(r"共\s*(\d+)\s*页")
_DIGITS = re.compile(r"\d+")
_STATED_MAX = 10**6  # a count past this is no page count


@dataclass(frozen=True)
class PageScheme:
    """Page N of a list (1 = the first) is ``prefix + str(N + offset) + suffix``."""

    kind: str
    prefix: str
    suffix: str
    offset: int = 0

    def url(self, page_no: int) -> str:
        return f"{self.prefix}{page_no + self.offset}{self.suffix}"

    def number(self, url: str) -> int | None:
        """The page number of ``url`` under this scheme, or None when it is not of its shape."""
        if not (url.startswith(self.prefix) and url.endswith(self.suffix)):
            return None
        middle = url[len(self.prefix): len(url) - len(self.suffix)]
        return int(middle) - self.offset if middle.isdigit() else None


def script_pager(root: etree._Element, base: str) -> tuple[PageScheme, int, int] | None:
    """(scheme, pages, current page) of a ``createPageHTML(...)`` call, or None."""
    for text in root.xpath("//script/text()"):
        if m := _SCRIPT_PAGER.search(text):
            total, current, name, ext = int(m[1]), int(m[2]), m[3], m[4]
            scheme = PageScheme("script", urljoin(base, f"{name}_"), f".{ext}", offset=-1)
            return scheme, total, current + 1
    return None


def next_links(root: etree._Element, base: str) -> list[tuple[etree._Element, str]]:
    """``javascript:next(N)`` links as (element, the plain URL next(N) opens)."""
    template = _next_template(root)
    if template is None:
        return []
    out = []
    for a in root.iter("a"):
        if m := _NEXT_CALL.match(a.get("href") or ""):
            out.append((a, urljoin(base, f"{template[0]}{m[1]}{template[1]}")))
    return out


def _next_template(root: etree._Element) -> tuple[str, str] | None:
    """(before, after) the argument in the URL the page's ``function next(n)`` opens."""
    for text in root.xpath("//script/text()"):
        if m := _NEXT_FUNCTION.search(text):
            var, body = m[1], m[2]
            pattern = re.compile(r"(['\"])([^'\"]*)\1\s*\+\s*" + re.escape(var)
                                 + r"\b(?:\s*\+\s*(['\"])([^'\"]*)\3)?")
            if found := pattern.search(body):
                return found[2], found[4] or ""
    return None


def stated_pages(root: etree._Element) -> int | None:
    """The count a ``共N页`` says, if the page has one."""
    for node in root.xpath("//body//text()[contains(., '页')]"):
        if (m := _STATED.search(node)) and 0 < int(m[1]) <= _STATED_MAX:
            return int(m[1])
    return None


def link_scheme(pager: list[tuple[etree._Element, str, str]], folder_url: str) -> PageScheme | None:
    """The scheme the pager's links follow: the first ``index_N.html`` link (``numbered``),
    else the number in a page-number link's URL that equals its label, or is one less
    (``query`` when that number is in the query string)."""
    for _, href, _ in pager:
        if (m := LIST_PAGE_URL.search(href)) and href.startswith(folder_url):
            return PageScheme("numbered", href[: m.start(1)], href[m.end(1):])
    for _, href, word in pager:
        if not word.isdigit():
            continue
        label = int(word)
        numbers = list(_DIGITS.finditer(href))
        for offset in (0, -1):
            for m in reversed(numbers):
                if int(m.group()) == label + offset:
                    query_at = href.find("?")
                    kind = "query" if 0 <= query_at < m.start() else "numbered"
                    return PageScheme(kind, href[: m.start()], href[m.end():], offset)
    return None


def same_folder(url: str) -> str:
    """The folder of ``url`` with a trailing slash (what a list's pages start with)."""
    parts = urlsplit(urljoin(url, "."))
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
