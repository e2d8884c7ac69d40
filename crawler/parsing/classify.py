"""Fetch outcome of a list or article response: is it content, or which fault?

Outcomes (``core.vocabulary.Outcome``; transport failures such as time-outs are
the spider's to classify):

============  ==============================================================
ok            the page read as a list with entries / an article with a body
not_modified  304
not_found     404, 410
server_error  5xx
blocked       412 (the gd.gov.cn bot shield), or a 200 page of script with no
              list/article structure and next to no visible text
truncated     cut off: ``</html>`` missing, or ``<body>`` without ``</body>``,
              or an empty body
wrong_page    a complete page without the structure asked for: a list page
              needs a breadcrumb or pager, an article needs its profile's URL shape,
              the 来源/日期 info line, a title and a body (so a home page after
              a redirect, a 200 error page, a list served for an article and
              an article served for a list are all wrong), a non-HTML type
empty_list    a list page (breadcrumb or pager present) with no entries
error         every other status: 403, 429, other 4xx, unfollowed 3xx, 1xx,
              2xx other than 200/203 (204 has no page)
============  ==============================================================

Only ``ok`` returns a page: a fault never produces content. Two more outcomes
are the spider's, not a response's: ``list_runaway`` (the list page where the
walk stopped because the pager named pages past its bound; it is not
fetched, docs/reliability.md) and ``error`` for a page read ``ok`` whose bytes
could not be stored (the crawl stops there).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from http import HTTPStatus

from lxml import etree

from core.vocabulary import Outcome
from crawler.parsing.article import find_info, locate, read_article
from crawler.parsing.document import charset, find_breadcrumb, header, links, read_html
from crawler.parsing.listing import read_list
from crawler.parsing.model import ListPage, NoticePage
from crawler.profiles import AUTO_PROFILE, Profile

_CONTENT_STATUSES = frozenset({200, 203})  # 204/206 and the rest carry no whole page
_HTML_END = re.compile(rb"</\s*html\s*>", re.I)
_BODY_OPEN = re.compile(rb"<\s*body[\s>]", re.I)
_BODY_END = re.compile(rb"</\s*body\s*>", re.I)
_HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "application/octet-stream")
_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(parent::script or parent::style or parent::noscript)]"
)
_SHIELD_TEXT_MAX = 200  # visible characters of a bot-shield page: next to none
_SHIELD_SCRIPT_RATIO = 4


def classify_list(
    status: int, body: bytes | None, url: str, headers: Mapping | None = None,
    profile: Profile = AUTO_PROFILE,
) -> tuple[str, str, ListPage | None]:
    """(outcome, reason, page) of a list page response read by ``profile``; page only when
    ``ok``."""
    root, fault, encoding = _read(status, body, headers)
    if fault:
        return (*fault, None)
    page = read_list(root, url, profile)
    has_frame = find_breadcrumb(root) is not None or bool(page.page_urls) \
        or page.scheme is not None
    if not has_frame and not page.entries and _looks_like_shield(root):
        return Outcome.BLOCKED, "script page without content (bot shield?)", None
    if not _complete(body):
        return Outcome.TRUNCATED, "page cut off before </html>", None
    if not has_frame:
        return Outcome.WRONG_PAGE, "no breadcrumb or pager: not a list page", None
    if not page.entries:
        if find_info(root)[0] is not None:
            return Outcome.WRONG_PAGE, "an article, not a list page", None
        return Outcome.EMPTY_LIST, "list page with no entries", None
    return Outcome.OK, f"{len(page.entries)} entries", replace(page, encoding=encoding)


def classify_article(
    status: int, body: bytes | None, url: str, headers: Mapping | None = None,
    profile: Profile = AUTO_PROFILE,
) -> tuple[str, str, NoticePage | None]:
    """(outcome, reason, notice) of an article response read by ``profile`` (its article
    shape and body); notice only when ``ok``."""
    root, fault, encoding = _read(status, body, headers)
    if fault:
        return (*fault, None)
    if not profile.notice_id(url):
        return Outcome.WRONG_PAGE, "not an article URL (redirected?)", None
    layout = locate(root, profile.body)
    has_frame = layout.breadcrumb is not None or layout.info is not None
    if not has_frame and _looks_like_shield(root):
        return Outcome.BLOCKED, "script page without content (bot shield?)", None
    if not _complete(body):
        return Outcome.TRUNCATED, "page cut off before </html>", None
    if not has_frame:
        return Outcome.WRONG_PAGE, "no breadcrumb or info line: not an article", None
    if layout.info is None:  # a list or other page of the site, not a notice
        return Outcome.WRONG_PAGE, "no 来源/日期 info line: not an article", None
    notice = read_article(root, url, layout, profile)
    if not notice.title or not notice.body:
        return Outcome.WRONG_PAGE, "article without title or body", None
    return Outcome.OK, "article read", replace(notice, encoding=encoding)


def _read(status: int, body: bytes | None, headers: Mapping | None):
    """(document, None, encoding), or (None, (outcome, reason), None) when the status or bytes
    rule it out."""
    fault = _status_fault(status)
    if fault:
        return None, fault, None
    return _document(body, headers)


def _status_fault(status: int) -> tuple[str, str] | None:
    if status in _CONTENT_STATUSES:
        return None
    phrase = _phrase(status)
    if status == 304:
        return Outcome.NOT_MODIFIED, "304 not modified"
    if status in (404, 410):
        return Outcome.NOT_FOUND, phrase
    if status == 412:
        return Outcome.BLOCKED, f"{phrase} (bot shield)"
    if 500 <= status < 600:
        return Outcome.SERVER_ERROR, phrase
    return Outcome.ERROR, phrase


def _phrase(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase.lower()}"
    except ValueError:
        return f"HTTP {status}"


def _document(body: bytes | None, headers: Mapping | None):
    """(tree, None, encoding) for an HTML body, else (None, (outcome, reason), None)."""
    content_type = header(headers, "content-type")
    if content_type and not content_type.lower().lstrip().startswith(_HTML_TYPES):
        return None, (Outcome.WRONG_PAGE, f"not an HTML page ({content_type.split(';')[0]})"), \
            None
    if not body or not body.strip():
        return None, (Outcome.TRUNCATED, "empty body"), None
    encoding, root = read_html(body, charset(content_type))
    if root is None:
        return None, (Outcome.TRUNCATED, "no document in body"), None
    return root, None, encoding


def _complete(body: bytes) -> bool:
    """The page reached its end: ``</html>``, and ``</body>`` if a ``<body>`` was opened."""
    tail = body[-4096:]  # the closing tags sit at the end; no need to scan the page
    if not _HTML_END.search(tail):
        return False
    return not _BODY_OPEN.search(body) or bool(_BODY_END.search(tail))


def _looks_like_shield(root: etree._Element) -> bool:
    """A page of script: next to no visible text, and no site around it.

    A site's own error page has its navigation links; a shield page has none,
    or a script many times the size of its text.
    """
    if root.find(".//script") is None:
        return False
    visible = len("".join("".join(_VISIBLE_TEXT(root)).split()))
    if visible > _SHIELD_TEXT_MAX:
        return False
    has_links = any(True for _ in links(root, ""))
    scripts = sum(len(t) for t in root.xpath("//script/text()"))
    return not has_links or scripts > _SHIELD_SCRIPT_RATIO * visible
