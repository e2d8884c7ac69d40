"""An article page of the column: a 关于巡视整改进展情况的通报, read into a ``NoticePage``.

Found by structure and words, never by class names:

- the *info line*: the short element carrying ``日期:``/``发布日期:`` (with 来源 or a
  dashed date: the body's 公开时间:2024年… is no info line);
- the *title*: the heading before the info line that reads like a notice
  (关于…通报), else the block right before it, else ``<title>``;
- the *content*: the block holding the most paragraph text after the info
  line, or around it (its text plus the title is what makes a version);
- the signature: the last date line and the organisation line(s) above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import unquote, urlsplit

from lxml import etree

from crawler.parsing.contacts import parse_contacts
from crawler.parsing.cycle import cycle_facts
from crawler.parsing.dates import make_date, parse_date_line
from crawler.parsing.document import (
    BLOCK_TAGS,
    HEADING_TAGS,
    base_url,
    block_ancestor,
    element_text,
    find_breadcrumb,
    is_visible,
    links,
    parse_html,
    text_lines,
)
from crawler.parsing.inspection import parse_inspection
from crawler.parsing.kind import classify_document
from crawler.parsing.model import Attachment, NoticePage
from crawler.parsing.periods import notice_period
from crawler.parsing.readings import build_readings
from crawler.parsing.role import closing_start
from crawler.parsing.text import normalize_line, to_ascii
from crawler.profiles import AUTO_PROFILE, Profile

_INFO_DATE = re.compile(
    r"(?<![开示限])(?P<label>(?:发布|发文|更新)?(?:日期|时间))\s*:\s*"
    r"(?P<y>\d{4})\s*(?P<sep>[-/.年])\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_SOURCE = re.compile(
    r"来源\s*:\s*(?P<source>[^\s|丨｜]+?)"
    r"(?=\s|[|丨｜]|(?:发布|发表)?(?:日期|时间)|作者|浏览|点击|阅读|字号|【|$)"
)
_INFO_MAX = 200  # an info line is short; longer text is a paragraph mentioning a date
_INFO_CLIMB = 3
_TITLE_HINT = re.compile(
    r"关于.*(?:通报|公告|情况|公示|报告)|整改|反馈.*情况$|(?:通报|公告|公示|通知|报告)$"
)
_TITLE_SPLIT = re.compile(r"\s*[-_|｜—]+\s*")
_TITLE_LOOKBACK = 40  # elements before the info line searched for a title

_ORG_END = re.compile(
    r"(?:委员会|委|党组|组|政府|办公室|办|局|厅|院|部|会|公司|集团|中心|大学|学校|所|署)"
    r"(?:\([^)]*\))?$"
)
_PROSE = re.compile(r"[。,，;；:：!?！？、]")
_ISSUER_MAX = 40
_SIGNATURE_LINES = 3  # organisation lines above the date line (joint signatures)
_DATED_ORG = re.compile(r"^(?P<org>.+?)\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)$")
_OPENING_LINES = 2

_ATTACH_EXT = re.compile(
    r"\.(?:pdf|docx?|xlsx?|et|wps|ofd|pptx?|zip|rar|7z|txt|csv|jpg|png)$", re.I
)
_ATTACH_LABEL = re.compile(r"^附件\s*[\d一二三四五六七八九十]*\s*[:：.、]?\s*")


@dataclass(frozen=True)
class ArticleLayout:
    """Where the parts of an article page are (any may be missing on a wrong page)."""

    breadcrumb: etree._Element | None
    info: etree._Element | None
    info_match: re.Match | None
    title: str
    title_element: etree._Element | None  # None when read from <title>
    content: etree._Element | None


def parse_article(body: bytes, url: str, encoding: str | None = None,
                  profile: Profile = AUTO_PROFILE) -> NoticePage:
    """Read one article page into a ``NoticePage``.

    ``encoding`` is the charset the HTTP header declared, if any. A page with no
    article yields empty ``title``/``body``; ``classify_article`` tells faults apart.
    """
    root = parse_html(body, encoding)
    if root is None:
        return NoticePage(notice_id=profile.notice_id(url), url=url, title="", body="")
    return read_article(root, url, locate(root, profile.body), profile)


def locate(root: etree._Element, body: str | None = None) -> ArticleLayout:
    """Find the breadcrumb, info line, title and content block of a parsed page (``body``:
    a profile's XPath of the content block, used when it finds one)."""
    breadcrumb = find_breadcrumb(root)
    info, info_match = find_info(root)
    title_element, title = _find_title(root, info, breadcrumb)
    named = root.xpath(body) if body else []
    content = named[0] if named and isinstance(named[0], etree._Element) else None
    return ArticleLayout(
        breadcrumb=breadcrumb,
        info=info,
        info_match=info_match,
        title=title,
        title_element=title_element,
        content=content if content is not None else _find_content(root, info),
    )


def read_article(root: etree._Element, url: str, layout: ArticleLayout,
                 profile: Profile = AUTO_PROFILE) -> NoticePage:
    """Build the ``NoticePage`` from a located layout."""
    lines = []
    if layout.content is not None:  # the info line and title may sit inside the content box
        lines = text_lines(layout.content, exclude=(layout.info, layout.title_element))
    published_on, published_at, source = _info_facts(layout)
    title_org = _title_org(layout.title)
    issuer, signed_on, signature_at = _signature(lines, title_org)

    before_signature = lines[:signature_at]
    closing = "\n".join(before_signature[closing_start(before_signature, _OPENING_LINES) :])
    opening = "\n".join(lines[:_OPENING_LINES])
    publicity = notice_period(closing, opening, published_on)
    contacts = parse_contacts(closing)
    kind = classify_document(layout.title, opening)
    inspection = parse_inspection(opening)
    issuer_source = "role" if issuer else "derived" if title_org else "none"

    return NoticePage(
        notice_id=profile.notice_id(url),
        url=url,
        title=layout.title,
        body="\n".join(lines),
        published_on=published_on,
        published_at=published_at,
        source=source,
        issuer=issuer or title_org,
        signed_on=signed_on,
        publicity=publicity,
        contacts=contacts,
        inspection=inspection,
        attachments=_attachments(root, url, layout),
        document_kind=str(kind.kind),
        cycle=cycle_facts(kind.kind, layout.title, "\n".join(before_signature), inspection,
                          issuer or title_org, published_on),
        readings=build_readings(publicity, contacts, (issuer or title_org, issuer_source), kind),
    )


# -- the info line -----------------------------------------------------------


def find_info(root: etree._Element) -> tuple[etree._Element | None, re.Match | None]:
    """The 来源/日期 info line: (element, match of its date), or (None, None)."""
    body = root.find("body")
    if body is None:
        return None, None
    for node in body.xpath(".//text()[contains(., '日期') or contains(., '时间')]"):
        el = node.getparent()
        if node.is_tail:
            el = el.getparent()
        if el is None or not is_visible(el):
            continue
        found = _info_at(el)
        if found is not None:
            return found
    return None, None


def _info_at(el: etree._Element) -> tuple[etree._Element, re.Match] | None:
    """Climb from the element holding 日期 to the info line, if it is one."""
    for _ in range(_INFO_CLIMB):
        text = to_ascii(element_text(el))
        if len(text) > _INFO_MAX:
            return None
        if m := _INFO_DATE.search(text):
            # 来源 often sits in a sibling span: take the parent that holds both.
            parent = el.getparent()
            if "来源" not in text and parent is not None:
                parent_text = to_ascii(element_text(parent))
                wider = _INFO_DATE.search(parent_text)
                if wider and "来源" in parent_text and len(parent_text) <= _INFO_MAX:
                    el, text, m = parent, parent_text, wider
            if "来源" in text or m["label"][:2] in ("发布", "发文", "更新") or m["sep"] != "年":
                return el, m
            return None
        el = el.getparent()
        if el is None or el.tag == "body":
            return None
    return None


def _info_facts(layout: ArticleLayout) -> tuple[date | None, datetime | None, str | None]:
    m = layout.info_match
    if m is None:
        return None, None, None
    published_on = make_date(m["y"], m["m"], m["d"])
    published_at = None
    if published_on is not None and m["H"] is not None:
        try:
            published_at = datetime(
                published_on.year,
                published_on.month,
                published_on.day,
                int(m["H"]),
                int(m["M"]),
                int(m["S"] or 0),
            )
        except ValueError:
            published_at = None
    source = _SOURCE.search(m.string)
    return published_on, published_at, source["source"] if source else None


# -- the title ---------------------------------------------------------------


def _find_title(
    root: etree._Element, info: etree._Element | None, breadcrumb: etree._Element | None
) -> tuple[etree._Element | None, str]:
    """(element, text) of the notice's title; the element is None when read from <title>."""
    if info is not None:
        before = [
            el
            for el in reversed(info.xpath("preceding::*")[-_TITLE_LOOKBACK:])
            if _is_title_block(el, breadcrumb)
        ]
        texts = [(el, element_text(el)) for el in before]
        texts = [(el, text) for el, text in texts if text]
        # Preference: a heading that reads like a notice title, any block that
        # does, any heading, the nearest block.
        for wanted in (
            lambda el, text: el.tag in HEADING_TAGS and _TITLE_HINT.search(text),
            lambda el, text: _TITLE_HINT.search(text),
            lambda el, text: el.tag in HEADING_TAGS,
            lambda el, text: True,
        ):
            for el, text in texts:
                if wanted(el, text):
                    return el, text
    else:
        for el in root.iter(*HEADING_TAGS):
            text = element_text(el)
            if _TITLE_HINT.search(text):
                return el, text
    return None, _page_title(root)


def _is_title_block(el: etree._Element, breadcrumb: etree._Element | None) -> bool:
    """A visible leaf block (a heading or a paragraph-like box) outside the breadcrumb."""
    if el.tag not in BLOCK_TAGS or not is_visible(el):
        return False
    if breadcrumb is not None and (el is breadcrumb or breadcrumb in el.iterancestors()):
        return False
    return not any(child.tag in BLOCK_TAGS for child in el.iterdescendants())


def _page_title(root: etree._Element) -> str:
    """``<title>``'s part that reads like a notice title (titles append the site name)."""
    title = root.find(".//title")
    if title is None:
        return ""
    parts = [normalize_line(p) for p in _TITLE_SPLIT.split(title.text_content() or "")]
    parts = [p for p in parts if p]
    hinted = [p for p in parts if _TITLE_HINT.search(p)]
    return (hinted or parts or [""])[0]


def _title_org(title: str) -> str | None:
    """The organisation a title names before 关于 (中共珠海市金湾区委关于…)."""
    head, found, _ = title.partition("关于")
    return head if found and head and len(head) <= _ISSUER_MAX else None


# -- the content -------------------------------------------------------------


@dataclass
class _Tally:
    """Text lengths per block while walking the page once."""

    direct: dict  # block -> characters of text directly in it (through inline tags)
    parent: dict  # block -> its nearest block ancestor
    containers: set  # blocks holding other blocks
    order: list  # blocks in document order


def _find_content(root: etree._Element, info: etree._Element | None) -> etree._Element | None:
    """The block holding the most paragraph text, after the info line (or around it)."""
    body = root.find("body")
    if body is None:
        return None
    tally = _Tally(direct={}, parent={}, containers=set(), order=[])
    _walk(body, None, tally)

    # A paragraph's text counts for the block that holds the paragraphs.
    score: dict = {}
    for block, n in tally.direct.items():
        target = block if block in tally.containers else tally.parent.get(block)
        if target is not None:
            score[target] = score.get(target, 0) + n

    candidates = tally.order
    if info is not None:  # not the header, the nav or a sidebar before the article
        anchor = block_ancestor(info)
        around = set(anchor.iterancestors())
        after = tally.order.index(anchor) if anchor in tally.parent else -1
        candidates = [el for i, el in enumerate(tally.order) if i > after or el in around]
    candidates = [el for el in candidates if score.get(el, 0) > 0]
    return max(candidates, key=score.get) if candidates else None


def _walk(el: etree._Element, block: etree._Element | None, tally: _Tally) -> None:
    if not is_visible(el) or el.tag == "br":
        return
    if el.tag in BLOCK_TAGS:
        if block is not None:
            tally.containers.add(block)
        tally.parent[el] = block
        tally.order.append(el)
        block = el
    n = len(el.text.strip()) if el.text else 0
    for child in el:
        _walk(child, block, tally)
        if child.tail:
            n += len(child.tail.strip())
    if n:
        tally.direct[block] = tally.direct.get(block, 0) + n


# -- the signature -----------------------------------------------------------


def _signature(lines: list[str], title_org: str | None) -> tuple[str | None, date | None, int]:
    """(issuer, signed_on, index of the signature's first line) from the body's end."""
    for i in range(len(lines) - 1, max(-1, len(lines) - 1 - 2 * _SIGNATURE_LINES), -1):
        if (signed_on := parse_date_line(lines[i])) is not None:
            orgs = []
            j = i - 1
            while j >= 0 and len(orgs) < _SIGNATURE_LINES and _is_org(lines[j], title_org):
                orgs.insert(0, lines[j])
                j -= 1
            return (" ".join(orgs) or None), signed_on, j + 1
        m = _DATED_ORG.match(to_ascii(lines[i]))
        if m and _is_org(m["org"], title_org):
            return lines[i][: m.end("org")].strip(), parse_date_line(m["date"]), i
    if lines and _is_org(lines[-1], title_org):
        return lines[-1], None, len(lines) - 1
    return None, None, len(lines)


def _is_org(line: str, title_org: str | None) -> bool:
    if line == title_org:
        return True
    if len(line) > _ISSUER_MAX or _PROSE.search(line):
        return False
    return line.startswith("中共") or bool(_ORG_END.search(to_ascii(line)))


# -- attachments -------------------------------------------------------------


def _attachments(root: etree._Element, url: str, layout: ArticleLayout) -> tuple:
    """Files linked from the article's box (the content and its siblings)."""
    region = _article_box(layout)
    if region is None:
        return ()
    found: dict[str, Attachment] = {}
    for a, href in links(region, base_url(root, url)):
        path = urlsplit(href).path
        if not _ATTACH_EXT.search(path) or href in found:
            continue
        name = _ATTACH_LABEL.sub("", element_text(a)) or normalize_line(a.get("title") or "")
        found[href] = Attachment(name=name or unquote(path.rsplit("/", 1)[-1]), url=href)
    return tuple(found.values())


def _article_box(layout: ArticleLayout) -> etree._Element | None:
    content = layout.content
    if content is None:
        return None
    if layout.info is not None:
        info_ancestors = set(layout.info.iterancestors())
        for el in content.iterancestors():
            if el in info_ancestors:
                return el
    parent = content.getparent()
    return parent if parent is not None else content
