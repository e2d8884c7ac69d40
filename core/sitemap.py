"""Where things are on the history site (``history/``), written once for everyone who links to it.

The site is plain files under one folder; every path here is relative to
that folder's root, with ``/`` separators, so it is a relative URL too. The
site builder writes the files at these paths; alerts and the feed turn them
into links with ``join(site_url, path)`` when a public base URL is configured
(``site_url``), and carry no such links when it is not.

    index.html                          every notice, with filters
    changes.html                        the changes, newest first, per cycle
    health.html                         fetch outcomes per cycle
    feed.atom                           an Atom feed of the alerted events
    notices/<notice_id>.html            one notice: fields, versions, diffs
    notices/<notice_id>.html#v<n>       its version n
    notices/<notice_id>.html#diff-<a>-<b>  the diff from version a to version b
    archive/<notice_id>/v<n>.html       the archived copy of version n (as fetched, sanitised)
    search/                             Pagefind's static index of the notice pages
    feeds/issuer/<name>.atom            an Atom feed of one issuer's alerted events (issuer_slug)
    feeds/source/<id>.atom              an Atom feed of one source's alerted events
    feeds/unit/<unit_id>.atom           an Atom feed of one inspected unit's alerted events, the
                                        unit_id (core.units.unit_name(issuer).key) named by the
                                        issuer feeds' rule (issuer_slug)

With a registry of sources (docs/sources.md) each source's pages are a site of their
own under ``sources/<id>/`` (``source_folder``: its index, changes, health, feed and
``notices/<notice_id>.html``, so two sources may reuse a notice id), and the root's
index, changes, health and feeds cover every source; ``search/`` and ``feeds/`` are the
root's only. Without one, the root is the one source's site, as it always was.
    units/index.html                    the inspected units by status (the inspection cycle)
    units/<unit>.html                   one unit: every round's timeline (unit_page)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote, urljoin, urlsplit

from core.sources import is_source_id
from core.vocabulary import is_notice_id

INDEX = "index.html"
CHANGES = "changes.html"
HEALTH = "health.html"
FEED = "feed.atom"
NOTICES_DIR = "notices"
ARCHIVE_DIR = "archive"  # every file under it is an archived copy: served with ARCHIVE_CSP
SEARCH_DIR = "search"  # Pagefind's bundle: search/pagefind.js and its index files
ISSUER_FEEDS = "feeds/issuer"
SOURCE_FEEDS = "feeds/source"
UNIT_FEEDS = "feeds/unit"
SOURCES_DIR = "sources"  # with a registry: sources/<id>/, one source's pages
UNITS_INDEX = "units/index.html"
UNITS_DIR = "units"
_UNSAFE = re.compile(r"[^\w]+")  # \w: letters (Chinese too), digits, _; never / . \ or space
SLUG_CHARS = 40  # of the issuer's name kept in its feed's file name


def _checked(notice_id: str) -> str:
    """``notice_id`` if it is a notice id (``vocabulary.NOTICE_ID``); a path must never climb
    out of its folder."""
    notice_id = str(notice_id)
    if not is_notice_id(notice_id):
        raise ValueError(f"not a notice id: {notice_id!r}")
    return notice_id


def _version(version_no: int) -> int:
    if isinstance(version_no, bool) or not isinstance(version_no, int) or version_no < 1:
        raise ValueError(f"not a version number: {version_no!r}")
    return version_no


NOTICE_PAGE = NOTICES_DIR + "/{notice_id}.html"  # for code that fills it in itself (site.js)


def notice_page(notice_id: str) -> str:
    """``notices/<notice_id>.html``: the notice's history page."""
    return NOTICE_PAGE.format(notice_id=_checked(notice_id))


def version_anchor(notice_id: str, version_no: int) -> str:
    """``notices/<notice_id>.html#v<n>``: version ``n`` on the notice's page."""
    return f"{notice_page(notice_id)}#v{_version(version_no)}"


def diff_anchor(notice_id: str, from_version: int, to_version: int) -> str:
    """``notices/<notice_id>.html#diff-<a>-<b>``: the page opened at that pair's diff."""
    a, b = _version(from_version), _version(to_version)
    return f"{notice_page(notice_id)}#diff-{min(a, b)}-{max(a, b)}"


def archived_copy(notice_id: str, version_no: int) -> str:
    """``archive/<notice_id>/v<n>.html``: version ``n`` as fetched, sanitised, with its evidence."""
    return f"{ARCHIVE_DIR}/{_checked(notice_id)}/v{_version(version_no)}.html"


def issuer_slug(issuer: str) -> str:
    """A file name for an issuer: its name itself when that is only letters and digits
    (Chinese too, at most 40: ``feeds/issuer/中共珠海市金湾区委.atom``, docs/interfaces.md);
    otherwise the name's letters and digits (NFKC; every run of anything else one ``_``)
    and ``-`` and 8 hex digits of its SHA-256, so two names that read alike never share a
    file (a plain name has no ``-``), and no name climbs out of its folder or hides."""
    name = unicodedata.normalize("NFKC", issuer).strip()
    safe = _UNSAFE.sub("_", name).strip("_")[:SLUG_CHARS]
    if issuer == safe:
        return issuer
    digest = hashlib.sha256(issuer.encode("utf-8")).hexdigest()[:8]
    return f"{safe}-{digest}" if safe else f"-{digest}"


def issuer_feed(issuer: str) -> str:
    """``feeds/issuer/<name>.atom`` (``issuer_slug``): one issuer's alerted events."""
    return f"{ISSUER_FEEDS}/{issuer_slug(issuer)}.atom"


def unit_feed(unit_id: str) -> str:
    """``feeds/unit/<unit_id>.atom``: one inspected unit's alerted events, its file named as
    an issuer's is (``issuer_slug``)."""
    return f"{UNIT_FEEDS}/{issuer_slug(unit_id)}.atom"


def source_feed(source_id: str) -> str:
    """``feeds/source/<id>.atom``: one source's alerted events."""
    return f"{SOURCE_FEEDS}/{_source_id(source_id)}.atom"


def source_folder(source_id: str) -> str:
    """``sources/<id>/``: the folder of one source's pages on a site of several sources."""
    return f"{SOURCES_DIR}/{_source_id(source_id)}/"


def _source_id(source_id: str) -> str:
    if not is_source_id(source_id):
        raise ValueError(f"not a source id: {source_id!r}")
    return source_id
def unit_page(unit_id: str) -> str:
    """``units/<unit>.html``: an inspected unit's rounds (its id as ``issuer_slug`` names
    a file: ``units/珠海市金湾区委.html``)."""
    return f"{UNITS_DIR}/{issuer_slug(unit_id)}.html"


def href(path: str) -> str:
    """A site path as a link's ``href``: percent-encoded (UTF-8) where it is not ASCII."""
    return quote(path, safe="/#.-_~")


def is_archived_copy(path: str) -> bool:
    """Whether a site path (a URL path, leading ``/`` or not) is an archived copy."""
    return path.lstrip("/").startswith(f"{ARCHIVE_DIR}/")


def normalise_base(site_url: str) -> str:
    """``site_url`` as a base for ``join``: an absolute http(s) URL ending in ``/``.

    Raises ``ValueError`` (one line, naming what is wrong) for anything else.
    """
    url = site_url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    if parts.query or parts.fragment:
        raise ValueError("must be a base URL, without a query or fragment")
    return url if url.endswith("/") else url + "/"


def safe_url(url: str | None) -> str | None:
    """``url`` stripped when it is an absolute http(s) URL, else None.

    Every link built from the site's data goes through it, so a ``javascript:``
    or ``data:`` URL in a notice can never become a link that runs script.
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def join(site_url: str | None, path: str) -> str | None:
    """The public URL of a site ``path`` under ``site_url``; None when there is no base URL.

    ``join("https://x.org/zg", notice_page("1"))`` → ``https://x.org/zg/notices/1.html``.
    """
    if not site_url:
        return None
    return urljoin(normalise_base(site_url), path.lstrip("/"))
