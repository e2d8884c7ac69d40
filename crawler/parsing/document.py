"""An HTML page as a tree: decoding, the text of an element, links, the breadcrumb.

Nothing here looks at class names or ids: the platform renames them on every
redesign. What holds still is tag structure and the words on the page.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from w3lib.encoding import html_to_unicode

from crawler.parsing.text import normalize_line, normalize_lines

# fmt: off
# Elements that start a new line when rendered.
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main", "menu", "nav", "ol",
    "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul",
})
# Elements whose text a reader never sees as page content.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "button", "input",
    "select", "textarea", "svg", "canvas", "head", "title", "meta", "link", "option",
})
# fmt: on
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")  # lxml refuses a str that declares its encoding
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_NOT_PAGES = ("javascript:", "mailto:", "tel:", "data:")
_TOOL_LINK_MAX = 8  # 【打印】【关闭】【字体:大中小】: short javascript links are page tools
# A line break in the HTML source is only whitespace; blocks and <br> break lines,
# marked with NUL while collecting (a character no parsed HTML text contains).
_BREAK = "\x00"


def _sniff(body: bytes) -> str:
    """Undeclared pages: UTF-8 if it decodes, else the Chinese superset GB18030."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


# Invalid UTF-8 sequences beyond which a page labelled UTF-8 is read as what its bytes are.
# A UTF-8 page with a stray bad byte or two stays UTF-8; a GBK page has one a character.
_MISLABELLED_AFTER = 8


def decode(body: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(encoding used, text). Order: BOM, ``encoding`` (the HTTP header's), ``<meta>``, sniff.

    w3lib reads gb2312/gbk as gb18030, their superset, so a GBK page that
    declares gb2312 decodes whole. A page labelled UTF-8 (header or meta) whose
    bytes are not UTF-8 but read whole as GB18030 is read as GB18030: the label
    is wrong, not the page (a converted template under an unchanged server).
    """
    header = f"text/html; charset={encoding}" if encoding else None
    used, text = html_to_unicode(header, body, auto_detect_fun=_sniff)
    if used in ("utf-8", "utf8") and text.count("\ufffd") > _MISLABELLED_AFTER:
        try:
            return "gb18030", body.decode("gb18030")
        except UnicodeDecodeError:  # neither: keep the label's reading
            pass
    return used, text


def parse_html(body: bytes, encoding: str | None = None) -> etree._Element | None:
    """The page's element tree (comments dropped), or None when there is no document."""
    return read_html(body, encoding)[1]


def read_html(body: bytes, encoding: str | None = None) -> tuple[str, etree._Element | None]:
    """(encoding used, ``parse_html``'s tree)."""
    used, text = decode(body, encoding)
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        return used, None
    try:
        return used, lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return used, None


def is_visible(el: etree._Element) -> bool:
    """False for elements whose text no reader sees (scripts, hidden boxes, page tools)."""
    tag = el.tag
    if not isinstance(tag, str) or tag in SKIP_TAGS:
        return False
    style = el.get("style")
    if style and _HIDDEN.search(style):
        return False
    if tag == "a" and (el.get("href") or "").lstrip().lower().startswith("javascript:"):
        return len(el.text_content().strip()) > _TOOL_LINK_MAX
    return True


def text_lines(el: etree._Element, exclude: Collection[etree._Element] = ()) -> list[str]:
    """The visible text of ``el`` as a reader sees it: one normalised line per block/br.

    Elements in ``exclude`` (and their text) are left out.
    """
    parts: list[str] = []
    _collect(el, parts, exclude)
    return normalize_lines("".join(parts).split(_BREAK))


def element_text(el: etree._Element) -> str:
    """The visible text of ``el`` on one line (a title, a link, a list item)."""
    return normalize_line(" ".join(text_lines(el)))


def _collect(el: etree._Element, parts: list[str], exclude: Collection) -> None:
    if not is_visible(el) or el in exclude:
        return
    tag = el.tag
    if tag == "br":
        parts.append(_BREAK)
        return
    block = tag in BLOCK_TAGS
    if block:
        parts.append(_BREAK)
    if el.text:
        parts.append(el.text)
    for child in el:
        _collect(child, parts, exclude)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append(_BREAK)


def base_url(root: etree._Element, url: str) -> str:
    """The URL relative links resolve against (a ``<base href>`` wins over the page URL)."""
    for href in root.iterfind(".//base[@href]"):
        return urljoin(url, href.get("href").strip())
    return url


def links(root: etree._Element, base: str) -> Iterator[tuple[etree._Element, str]]:
    """Every ``<a href>`` of the page with its absolute URL (no javascript:/mailto:/#)."""
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith("#") or href.lower().startswith(_NOT_PAGES):
            continue
        yield a, urljoin(base, href)


_CRUMB_LABEL = re.compile(r"(?:所在|当前|您的|您现在的|现在的)位置")
_CRUMB_SEP = re.compile(r"^\s*(?:>|›|»|＞|→|/|\|)")


def find_breadcrumb(root: etree._Element) -> etree._Element | None:
    """The breadcrumb (所在位置:首页 > … > 整改落实), by its words, or None.

    Either a 首页 link followed by a separator, or a label such as 所在位置.
    """
    body = root.find("body")
    if body is None:
        return None
    for a in body.iter("a"):
        if normalize_line(a.text_content()) != "首页":
            continue
        follows = a.tail if a.tail and a.tail.strip() else _next_text(a)
        if follows and _CRUMB_SEP.match(follows.replace("\xa0", " ")):
            return block_ancestor(a)
    for node in body.xpath(".//text()[contains(., '位置')]"):
        parent = node.getparent()
        if node.is_tail:
            parent = parent.getparent()
        if parent is not None and is_visible(parent) and _CRUMB_LABEL.search(node):
            return block_ancestor(parent)
    return None


def _next_text(el: etree._Element) -> str | None:
    sibling = el.getnext()
    return sibling.text_content() if sibling is not None else None


def block_ancestor(el: etree._Element) -> etree._Element:
    """``el`` if it is a block element, else its nearest block ancestor."""
    while el.tag not in BLOCK_TAGS and el.getparent() is not None:
        el = el.getparent()
    return el


def header(headers: Mapping | None, name: str) -> str | None:
    """A response header, case-insensitively, from a plain dict or Scrapy's ``Headers``."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.lower() != wanted:
            continue
        if isinstance(value, list | tuple):
            value = value[-1] if value else None
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        return value
    return None


def charset(content_type: str | None) -> str | None:
    """The charset a Content-Type header declares."""
    m = _CHARSET.search(content_type or "")
    return m.group(1) if m else None
