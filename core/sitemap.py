"""Where things are on the history site, written once for everyone who links to it.

The site is plain files under one folder; these paths are relative to its
root, with ``/`` separators, so each is a relative URL too. Alerts turn them
into links with ``join(site_url, path)`` when a public base URL is configured
(``site_url``), and carry no such links when it is not.

    notices/<notice_id>.html            one notice: fields, versions, diffs
    archive/<notice_id>/v<n>.html       the archived copy of version n (as fetched)
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

_NOTICE_ID = re.compile(r"^\d{1,20}$")  # the number in post_N.html (vocabulary.ARTICLE_URL)


def _checked(notice_id: str) -> str:
    """``notice_id`` if it is a notice id: a path must never climb out of its folder."""
    notice_id = str(notice_id)
    if not _NOTICE_ID.match(notice_id):
        raise ValueError(f"not a notice id: {notice_id!r}")
    return notice_id


def notice_page(notice_id: str) -> str:
    """``notices/<notice_id>.html``: the notice's history page."""
    return f"notices/{_checked(notice_id)}.html"


def archived_copy(notice_id: str, version_no: int) -> str:
    """``archive/<notice_id>/v<n>.html``: version ``n`` as it was fetched."""
    if isinstance(version_no, bool) or not isinstance(version_no, int) or version_no < 1:
        raise ValueError(f"not a version number: {version_no!r}")
    return f"archive/{_checked(notice_id)}/v{version_no}.html"


def join(site_url: str | None, path: str) -> str | None:
    """The public URL of a site ``path`` under ``site_url``; None when there is no base URL.

    ``join("https://x.org/zg", notice_page("1"))`` → ``https://x.org/zg/notices/1.html``.
    """
    if not site_url:
        return None
    base = site_url.strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("site_url must be an absolute http(s) URL")
    return urljoin(base if base.endswith("/") else base + "/", path.lstrip("/"))
