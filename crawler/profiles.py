"""Site profiles: what differs between two sites of one CMS family, as data.

A profile says where a list page keeps its notices, how an article's URL is
shaped and which number in it is the notice id, which pager the list has, and
where an article keeps its body. Everything else (the date beside an entry,
the 来源/日期 info line, the title, the signature) is read by structure and
words for every profile (``crawler.parsing``).

``auto`` detects: a list whose links match a built-in profile's article shape
reads as that profile; any other list is the repeated block of links with
dates (its article URL shape learned from them), and the pager is whichever
kind the page shows (docs/sources.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from core.vocabulary import ARTICLE_URL, NOTICE_ID, is_notice_id

_DIGITS = re.compile(r"[0-9]+")
_DIGEST_DIGITS = 16  # hex digits of SHA-256 read as a number: at most 20 decimal digits

AUTO = "auto"
# Pager kinds (docs/sources.md): index_N.html links, createPageHTML(...) written by a script,
# ?page=N / ?currentPage=N links, javascript:next(N) links standing for plain URLs.
PAGER_KINDS = ("numbered", "script", "query", "next")


def digest_id(url: str) -> str:
    """The id of an article whose URL holds no usable number: a decimal digest of the URL."""
    return str(int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:_DIGEST_DIGITS], 16))


def _numbers(url: str) -> tuple[str, list[re.Match], re.Match | None]:
    """(path + ``?query``, the numbers in it, the one that is the notice id: the last of the
    file name, else the last ``…id=N`` of the query, else its last number, else None)."""
    parts = urlsplit(url)
    text = parts.path + (f"?{parts.query}" if parts.query else "")
    name_start = parts.path.rfind("/") + 1
    numbers = list(_DIGITS.finditer(text))
    in_name = [m for m in numbers if name_start <= m.start() < len(parts.path)]
    in_query = [m for m in numbers if m.start() > len(parts.path)]
    named = [m for m in in_query if text[: m.start()].lower().endswith("id=")]
    return text, numbers, (in_name or named or in_query or [None])[-1]


def id_in_url(url: str) -> str:
    """The notice id a URL shows: the last number of its file name (``t20240926_123456.html``
    -> 123456), else the last ``…id=N`` of its query, else its last number; '' when none
    (or one too long to be an id)."""
    _, _, number = _numbers(url)
    return number.group() if number is not None and NOTICE_ID.fullmatch(number.group()) else ""


def url_shape(url: str) -> str:
    """The shape of an article URL as a regex on its path and query: every number a
    ``\\d+``, the one ``id_in_url`` reads captured as ``id``; a file name without a number
    stands for any name with its extension."""
    text, numbers, id_at = _numbers(url)
    if not numbers or id_at is None:
        folder, _, name = urlsplit(url).path.rpartition("/")
        ext = name.rpartition(".")[2] if "." in name else ""
        return "^" + re.escape(folder + "/") + r"[^/?]+" + (re.escape("." + ext) if ext else "") \
            + r"(?:\?.*)?$"
    out, pos = ["^"], 0
    for m in numbers:
        out.append(re.escape(text[pos:m.start()]))
        out.append(r"(?P<id>[0-9]+)" if m is id_at else r"[0-9]+")
        pos = m.end()
    out.append(re.escape(text[pos:]) + "$")
    return "".join(out)


@dataclass(frozen=True)
class Profile:
    """One row of the profile table (``PROFILES``). Every field but ``name`` may be None:
    that part is detected."""

    name: str
    summary: str
    # Regex on an article URL's path (+ ``?query``); group ``id`` is the notice id.
    article: str | None = None
    # XPath of the list items; when it finds none, the list is detected by structure.
    list_items: str | None = None
    pager: str | None = None  # one of PAGER_KINDS
    # XPath of an article's body; when it finds none, the body is detected.
    body: str | None = None

    def is_article(self, url: str) -> bool:
        """Is ``url`` an article of this profile's shape (any URL when the shape is open)?"""
        return self.article is None or self._match(url) is not None

    def notice_id(self, url: str) -> str:
        """The notice id of an article URL ('' when it is not of this profile's shape): the
        shape's ``id`` group, a digest of the URL when the shape has no number; with no
        shape yet, the number the URL shows."""
        if self.article is None:
            return id_in_url(url)
        m = self._match(url)
        if m is None:
            return ""
        if "id" not in m.groupdict():  # a shape without a number: its URL is all there is
            return digest_id(url)
        return m["id"] if is_notice_id(m["id"]) else ""

    def rejects(self, url: str) -> bool:
        """Is ``url`` of this shape but for an id that is no notice id (``post_<25 digits>``,
        ``post_１４.html``): a fault to record, never a notice."""
        if self.article is None or "(?P<id>" not in self.article or self.notice_id(url):
            return False
        parts = urlsplit(url)
        like = re.sub(r"\(\?P<id>[^)]*\)", r"(?P<id>[^/?&]+?)", self.article)
        return re.search(like, parts.path + (f"?{parts.query}" if parts.query else "")) \
            is not None

    def _match(self, url: str) -> re.Match | None:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return re.search(self.article, target)

    def learned(self, article: str) -> Profile:
        """This profile with the article shape a list page showed (auto, once detected)."""
        return replace(self, article=article)


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("gdjct", "南粤清风网 and Guangdong's site platform: index.html, index_N.html, "
                         "./content/post_N.html",
                article=ARTICLE_URL.pattern, pager="numbered"),
        Profile("trs", "TRS sites: <ul class=\"list_news_dl2\"> items (link, then date), "
                       "./YYYYMM/tYYYYMMDD_N.html, createPageHTML(total, current, \"index\", "
                       "\"html\") pages counting from 0",
                article=r"/\d{6}/t\d{8}_(?P<id>\d+)\.s?html?$",
                list_items="//ul[contains(concat(' ', normalize-space(@class), ' '), "
                           "' list_news_dl2 ')]/li",
                pager="script", body="//div[contains(@class, 'TRS_Editor')]"),
        Profile("page-query", "any list of dated links paged by ?page=N or ?currentPage=N",
                pager="query"),
        Profile("next-script", "any list of dated links paged by javascript:next(N) links "
                               "whose pages are plain URLs", pager="next"),
    )
}
# The built-in shapes ``auto`` recognises on a list page, in this order.
RECOGNISED = tuple(p for p in PROFILES.values() if p.article is not None)
AUTO_PROFILE = Profile(AUTO, "detect the list, the pager and the article body")


def profile_named(name: str) -> Profile:
    """The built-in profile ``name`` (or ``auto``); ``ValueError`` naming the choices."""
    if name == AUTO:
        return AUTO_PROFILE
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; one of "
                         f"{', '.join((AUTO, *PROFILES))}") from None
