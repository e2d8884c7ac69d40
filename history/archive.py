"""Archived copies: a version's page as fetched, from the stored raw bytes, made safe to open.

The crawler keeps every page it read ``ok`` once, by the SHA-256 of the
bytes as served: ``<raw_dir>/<sha[:2]>/<sha>.html.gz``. An archived copy is
those bytes decoded as the crawl decoded them and sanitised with nh3
(ammonia): no script, no style sheet, no frame, no form, no image source, no
event handler; text, structure and links stay (links made absolute against
the page's own URL, so they lead to the original site, not into ours).

The bytes are hashed again when the copy is written, and the banner says
whether they still match the recorded SHA-256: that, the fetch time and the
URL make the copy evidence of what the page said.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import nh3

# Everything in an archived copy is inert: its own styles inline, nothing
# loaded from anywhere, no script at all. Also sent as a header by `zgwatch serve`
# (with `sandbox`, which a <meta> cannot carry).
ARCHIVE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "form-action 'none'; base-uri 'none'")  # fmt: skip

_DROPPED_WITH_CONTENT = {
    "script", "style", "title", "noscript", "template", "iframe", "frame", "frameset",
    "object", "embed", "applet", "svg", "math", "textarea", "select", "button", "canvas",
    "audio", "video", "head",
}  # fmt: skip
_TAGS = set(nh3.ALLOWED_TAGS) - {"map", "area"}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"alt"},  # no src: an image is its alt text, nothing is fetched
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def raw_path(raw_dir: Path, sha256: str) -> Path:
    """Where the crawler stored the page whose bytes hash to ``sha256``."""
    return Path(raw_dir) / sha256[:2] / f"{sha256}.html.gz"


@dataclass(frozen=True)
class StoredPage:
    """The stored bytes of a page and whether they still hash to what was recorded."""

    recorded_sha256: str
    data: bytes | None  # None: the file is missing or unreadable
    actual_sha256: str | None = None
    problem: str | None = None  # why there are no bytes

    @property
    def intact(self) -> bool:
        return self.data is not None and self.actual_sha256 == self.recorded_sha256


def read_stored(raw_dir: Path, sha256: str) -> StoredPage:
    """The page stored under ``sha256``, decompressed and hashed again."""
    path = raw_path(raw_dir, sha256)
    try:
        data = gzip.decompress(path.read_bytes())
    except FileNotFoundError:
        return StoredPage(sha256, None, problem="原始页面文件不存在")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return StoredPage(sha256, None, problem=f"原始页面文件无法读取 ({type(exc).__name__})")
    return StoredPage(sha256, data, hashlib.sha256(data).hexdigest())


def decode(data: bytes, encoding: str | None) -> str:
    """The page's text: the crawl's encoding, else the page's own ``<meta charset>``, else UTF-8.

    GBK and GB2312 are read as GB18030 (their superset); bytes that do not
    decode become U+FFFD rather than failing the copy.
    """
    for candidate in (encoding, _meta_charset(data), "utf-8"):
        name = _codec(candidate)
        if name:
            return data.decode(name, errors="replace")
    return data.decode("utf-8", errors="replace")


def _meta_charset(data: bytes) -> str | None:
    m = _CHARSET.search(data[:4096])
    return m[1].decode("ascii") if m else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    return "gb18030" if name in ("gbk", "gb2312") else name


def sanitise(html: str, page_url: str | None) -> str:
    """``html`` with nothing that can run or load: what a reader may open safely."""
    base = page_url if page_url and urlsplit(page_url).scheme in ("http", "https") else None
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        url_relative=("rewrite_with_base", base) if base else "deny",
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
