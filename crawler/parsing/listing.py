"""A list page of a column: its notices and its pager, read by the column's profile.

Structure, not class names. With a profile that names an article shape
(``post_N.html``; auto recognises the built-in ones), the entries are the
links of that shape under the column's folder (a sidebar's articles of other
columns are left out), in the container holding most of them. Otherwise they
are the repeated block of links with dates: the container holding most links
whose item prints a date, their article URL shape learned from them. Each
entry's date is the date beside its link, before it or after it. The pager is
the links of the column's own folder whose text is a page number or
首页/上一页/下一页/尾页, ``javascript:next(N)`` links, or a ``createPageHTML``
call (``crawler.parsing.pager``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date
from urllib.parse import urljoin, urlsplit

from lxml import etree

from core.vocabulary import LIST_PAGE_URL
from crawler.parsing.dates import make_date
from crawler.parsing.document import base_url, element_text, links, parse_html, text_lines
from crawler.parsing.model import ListEntry, ListPage
from crawler.parsing.pager import (
    link_scheme,
    next_links,
    same_folder,
    script_pager,
    stated_pages,
)
from crawler.parsing.text import normalize_line, to_ascii
from crawler.profiles import AUTO, AUTO_PROFILE, RECOGNISED, Profile, url_shape

_FIRST_PAGE = re.compile(r"(?:^|/)(?:index\.s?html?)?$")
_NEXT = frozenset({"下一页", "下页", "后一页"})
_LAST = frozenset({"尾页", "末页", "最后一页"})
_PAGER_WORDS = _NEXT | _LAST | {"首页", "上一页", "上页", "前一页"}
_PAGER_DECOR = re.compile(r"[\s\[\]<>«»‹›《》]")
_LIST_DATE = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_ITEM_TAGS = frozenset({"li", "tr", "dd", "dt"})
_ITEM_CLIMB = 3  # levels from a link up to its list item (li > div > a)
_BRACKETS = r"[\s\[\](){}【】（）]*"
_DATE_ONLY = re.compile(f"^{_BRACKETS}{_LIST_DATE.pattern}日?{_BRACKETS}$")  # [2024.9.26]
_TITLE_MIN = 4  # characters: shorter link texts (更多, 详情) are no notice titles


def parse_list(body: bytes, url: str, encoding: str | None = None,
               profile: Profile = AUTO_PROFILE) -> ListPage:
    """Read one list page: its entries (absolute URLs, titles, dates) and pager links.

    ``encoding`` is the charset the HTTP header declared, if any.
    """
    root = parse_html(body, encoding)
    return ListPage(url=url, profile=profile) if root is None else read_list(root, url, profile)


def read_list(root: etree._Element, url: str, profile: Profile = AUTO_PROFILE) -> ListPage:
    """``parse_list`` on an already parsed tree."""
    base = base_url(root, url)
    folder = _folder(url)
    profile, entries, rejected = _find_entries(root, base, folder, profile)
    listed = {e.url for e in entries}
    pager = []
    for a, href in links(root, base):
        if href in listed or (profile.article is not None
                              and (profile.notice_id(href) or profile.rejects(href))):
            continue
        if _folder(href) == folder:
            word = _PAGER_DECOR.sub("", element_text(a))
            if word.isdigit() or word in _PAGER_WORDS:
                pager.append((a, href, word))
    scripted = next_links(root, base) if profile.pager in (None, "next") else []
    # (their text is read whole: a short javascript: link is otherwise a page tool, unread)
    pager += [(a, href, _PAGER_DECOR.sub("", normalize_line(a.text_content())))
              for a, href in scripted]

    next_url = next((h for _, h, w in pager if w in _NEXT and not _same_page(h, url)), None)
    page = ListPage(
        url=url,
        entries=entries,
        page_urls=tuple(dict.fromkeys(h for _, h, _ in pager)),
        next_url=next_url,
        last_url=next((h for _, h, w in pager if w in _LAST), None),
        page_no=_current_page(pager, url) or _page_no_of(url),
        profile=profile,
        rejected=rejected,
    )
    return _with_scheme(page, root, base, pager, scripted)


def _with_scheme(page: ListPage, root, base: str, pager: list, scripted: list) -> ListPage:
    """The page with its pager's kind, scheme and stated count."""
    stated = stated_pages(root)
    wanted = page.profile.pager
    if wanted in (None, "script") and (found := script_pager(root, base)):
        scheme, total, current = found
        return replace(page, scheme=scheme, pager_kind="script",
                       stated_pages=max(total, stated or 0), page_no=current)
    scheme = link_scheme(pager, same_folder(page.url))
    if scheme is not None and scripted:
        scheme = replace(scheme, kind="next")
    if scheme is not None and wanted is not None and scheme.kind != wanted:
        scheme = None  # a named profile's pager kind or none
    page_no = page.page_no
    if scheme is not None and page_no is None:
        page_no = scheme.number(page.url)
    return replace(page, scheme=scheme, pager_kind=scheme.kind if scheme else None,
                   stated_pages=stated, page_no=page_no)


def _find_entries(root, base: str, folder: tuple[str, str], profile: Profile
                  ) -> tuple[Profile, tuple[ListEntry, ...], tuple[str, ...]]:
    """(the profile the page reads as, its entries, its article links whose id is no
    notice id: post_<25 digits>, post_１４００００１, never a notice, a fault to record)."""
    if profile.list_items and (items := root.xpath(profile.list_items)):
        found = _posts(profile, [x for item in items for x in links(item, base)])
        if found[0]:
            return profile, _entries(found[0], profile, base), found[1]
    shapes = (profile,) if profile.article else RECOGNISED if profile.name == AUTO else ()
    for shape in shapes:
        posts, rejected = _posts(shape, [(a, href) for a, href in links(root, base)
                                         if _in_folder(href, folder)])
        if posts or rejected:
            return shape, _entries(posts, shape, base), rejected
    if profile.article:
        return profile, (), ()
    return _dated_block(root, base, folder, profile)


def _posts(shape: Profile, found: list) -> tuple[list, tuple[str, ...]]:
    """([(link, URL, notice id)] of ``shape``'s articles, the URLs it rejects)."""
    posts, rejected = [], []
    for a, href in found:
        if nid := shape.notice_id(href):
            posts.append((a, href, nid))
        elif shape.rejects(href):
            rejected.append(href)
    return posts, tuple(dict.fromkeys(rejected))


def _dated_block(root, base: str, folder: tuple[str, str],
                 profile: Profile) -> tuple[Profile, tuple[ListEntry, ...], tuple[str, ...]]:
    """The repeated block of links with dates under the column's folder: the container
    holding most of them, its links of the commonest URL shape."""
    dated = []
    for a, href in links(root, base):
        if not _in_folder(href, folder):  # a sidebar's article of another column
            continue
        title = _link_title(a)
        if len(title) < _TITLE_MIN or _PAGER_DECOR.sub("", title) in _PAGER_WORDS:
            continue
        item = _item(a)
        if _item_date(item, a, lambda h: True) is not None:
            dated.append((item, a, href))
    if not dated:
        return profile, (), ()
    best = Counter(item.getparent() for item, _, _ in dated).most_common(1)[0][0]
    chosen = [(a, href) for item, a, href in dated if item.getparent() is best]
    shape = Counter(url_shape(href) for _, href in chosen).most_common(1)[0][0]
    learned = profile.learned(shape)
    posts, rejected = _posts(learned, chosen)
    return learned, _entries(posts, learned, base), rejected


def _entries(posts: list, profile: Profile, base: str) -> tuple[ListEntry, ...]:
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
    def is_entry(href: str) -> bool:
        return bool(profile.notice_id(urljoin(base, href)))

    entries: dict[str, ListEntry] = {}
    for item, a, href, notice_id in placed:
        if notice_id in entries or item.getparent() not in chosen:
            continue
        entries[notice_id] = ListEntry(
            notice_id=notice_id, url=href, title=_link_title(a),
            listed_on=_item_date(item, a, is_entry),
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


def _item_date(item: etree._Element, a: etree._Element, is_entry) -> date | None:
    """The date printed beside the link: in its item, outside the link's own text
    (``is_entry(href)``: does a link of the item stand for a notice?)."""
    if sum(1 for x in item.iter("a") if is_entry(x.get("href") or "")) > 1:
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
    inside = _dated_child(a)  # a link wrapping both the title and the date
    if inside is not None and (m := _LIST_DATE.search(to_ascii(inside.text_content()))):
        return make_date(*m.groups())
    return None


def _dated_child(a: etree._Element) -> etree._Element | None:
    """An element inside link ``a`` that holds a date and nothing else, if there is one."""
    for el in a.iterdescendants():
        if isinstance(el.tag, str) and _DATE_ONLY.match(to_ascii(el.text_content())):
            return el
    return None


def _link_title(a: etree._Element) -> str:
    """An entry's title: the link's ``title``, else its text without a date inside it."""
    if title := normalize_line(a.get("title") or ""):
        return title
    inside = _dated_child(a)
    if inside is None:
        return element_text(a)
    return normalize_line(" ".join(text_lines(a, exclude=(inside,))))


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
    if pa.netloc.lower() != pb.netloc.lower() or pa.query != pb.query:
        return False
    return _FIRST_PAGE.sub("/", pa.path) == _FIRST_PAGE.sub("/", pb.path)


def _page_no_of(url: str) -> int | None:
    path = urlsplit(url).path
    if m := LIST_PAGE_URL.search(path):
        return int(m.group(1))
    return 1 if _FIRST_PAGE.search(path) else None
