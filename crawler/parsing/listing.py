"""A list page of the column: its notices (post_N.html links) and its pager.

Structure, not class names: the entries are the ``post_N.html`` links under
the column's folder (``/xunshizgls/content/post_N.html``: a sidebar's articles
of other columns are left out), in the container holding most of them;
each entry's date is the ``YYYY-MM-DD`` beside its link, before it (template
B) or after it (template A). The pager is the links of the column's own
folder whose text is a page number or 首页/上一页/下一页/尾页.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin, urlsplit

from lxml import etree

from core.vocabulary import ARTICLE_LIKE_URL, ARTICLE_URL, LIST_PAGE_URL, is_notice_id
from crawler.parsing.dates import make_date
from crawler.parsing.document import base_url, element_text, links, parse_html
from crawler.parsing.model import ListEntry, ListPage
from crawler.parsing.text import normalize_line, to_ascii

_FIRST_PAGE = re.compile(r"(?:^|/)(?:index\.s?html?)?$")
_NEXT = frozenset({"下一页", "下页", "后一页"})
_LAST = frozenset({"尾页", "末页", "最后一页"})
_PAGER_WORDS = _NEXT | _LAST | {"首页", "上一页", "上页", "前一页"}
_PAGER_DECOR = re.compile(r"[\s\[\]<>«»‹›《》]")
_LIST_DATE = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_ITEM_TAGS = frozenset({"li", "tr", "dd", "dt"})
_ITEM_CLIMB = 3  # levels from a link up to its list item (li > div > a)


def parse_list(body: bytes, url: str, encoding: str | None = None) -> ListPage:
    """Read one list page: its entries (absolute URLs, titles, dates) and pager links.

    ``encoding`` is the charset the HTTP header declared, if any.
    """
    root = parse_html(body, encoding)
    return ListPage(url=url) if root is None else read_list(root, url)


def read_list(root: etree._Element, url: str) -> ListPage:
    """``parse_list`` on an already parsed tree."""
    base = base_url(root, url)
    folder = _folder(url)
    posts, pager, rejected = [], [], []
    for a, href in links(root, base):
        if m := ARTICLE_LIKE_URL.search(urlsplit(href).path):
            if not _in_folder(href, folder):  # a sidebar's article of another column
                continue
            if is_notice_id(m.group(1)):
                posts.append((a, href, m.group(1)))
            else:  # post_<25 digits>, post_１４００００１: never a notice, a fault to record
                rejected.append(href)
        elif _folder(href) == folder:
            word = _PAGER_DECOR.sub("", element_text(a))
            if word.isdigit() or word in _PAGER_WORDS:
                pager.append((a, href, word))

    next_url = next((h for _, h, w in pager if w in _NEXT and not _same_page(h, url)), None)
    return ListPage(
        url=url,
        entries=_entries(posts),
        page_urls=tuple(dict.fromkeys(h for _, h, _ in pager)),
        next_url=next_url,
        last_url=next((h for _, h, w in pager if w in _LAST), None),
        page_no=_current_page(pager, url) or _page_no_of(url),
        rejected=tuple(dict.fromkeys(rejected)),
    )


def _entries(posts: list) -> tuple[ListEntry, ...]:
    """The links of the container holding most post links, in page order, once each."""
    placed = [(_item(a), a, href, notice_id) for a, href, notice_id in posts]
    counts: dict[etree._Element, int] = {}
    for item, *_ in placed:
        counts[item.getparent()] = counts.get(item.getparent(), 0) + 1
    if not counts:
        return ()
    best = max(counts, key=counts.get)
    # A list split into several <ul> of one wrapper is still one list.
    wrapper = best.getparent() if best is not None else None
    chosen = {
        c
        for c in counts
        if c is best
        or (
            wrapper is not None and c is not None and c.getparent() is wrapper and c.tag == best.tag
        )
    }
    entries: dict[str, ListEntry] = {}
    for item, a, href, notice_id in placed:
        if notice_id in entries or item.getparent() not in chosen:
            continue
        title = normalize_line(a.get("title") or "") or element_text(a)
        entries[notice_id] = ListEntry(
            notice_id=notice_id, url=href, title=title, listed_on=_item_date(item, a)
        )
    return tuple(entries.values())


def _item(a: etree._Element) -> etree._Element:
    """The list item holding link ``a`` (its li/tr/dd, else its parent)."""
    el = a
    for _ in range(_ITEM_CLIMB):
        el = el.getparent()
        if el is None:
            break
        if el.tag in _ITEM_TAGS:
            return el
    return a.getparent()


def _item_date(item: etree._Element, a: etree._Element) -> date | None:
    """The date printed beside the link: in its item, outside the link's own text."""
    if sum(1 for x in item.iter("a") if ARTICLE_URL.search(x.get("href") or "")) > 1:
        # Several links share one box: only the text right next to this link counts.
        sibling_text = [a.tail or ""]
        for sibling in (a.getnext(), a.getprevious()):
            if sibling is not None and sibling.tag != "a":
                sibling_text.append(sibling.text_content())
        text = " ".join(sibling_text)
    else:
        text = "".join(item.itertext()).replace("".join(a.itertext()), " ", 1)
    if m := _LIST_DATE.search(to_ascii(text)):
        return make_date(*m.groups())
    return None


def _current_page(pager: list, url: str) -> int | None:
    """The page number the pager shows as current (a number that is not a link elsewhere)."""
    if not pager:
        return None
    for _, href, word in pager:
        if word.isdigit() and _same_page(href, url):
            return int(word)
    box = _common_ancestor([a for a, _, _ in pager])
    if box is None:
        return None
    for el in box.iter():
        if el.tag == "a" and el.get("href"):
            continue
        text = (el.text or "").strip()
        if text.isdigit() and len(el) == 0:
            return int(text)
    return None


def _common_ancestor(elements: list[etree._Element]) -> etree._Element | None:
    first, rest = elements[0], elements[1:]
    others = [set(e.iterancestors()) for e in rest]
    for candidate in first.iterancestors():
        if all(candidate in s for s in others):
            return candidate
    return None


def _folder(url: str) -> tuple[str, str]:
    parts = urlsplit(urljoin(url, "."))
    return parts.netloc.lower(), parts.path


def _in_folder(url: str, folder: tuple[str, str]) -> bool:
    parts = urlsplit(url)
    return parts.netloc.lower() == folder[0] and parts.path.startswith(folder[1])


def _same_page(a: str, b: str) -> bool:
    """Same list page, reading ``folder/`` and ``folder/index.html`` as one."""
    pa, pb = urlsplit(a), urlsplit(b)
    if pa.netloc.lower() != pb.netloc.lower():
        return False
    return _FIRST_PAGE.sub("/", pa.path) == _FIRST_PAGE.sub("/", pb.path)


def _page_no_of(url: str) -> int | None:
    path = urlsplit(url).path
    if m := LIST_PAGE_URL.search(path):
        return int(m.group(1))
    return 1 if _FIRST_PAGE.search(path) else None
