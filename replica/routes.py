"""What the replica answers at each path of the real site, faults included.

``respond`` is the whole HTTP behaviour short of sockets: the server only
writes what it returns, so the rules (paths, 404s, conditional requests,
faults) read in one place.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from replica.faults import PAGER_FAULTS, error_page, shield_page, to_gbk, to_gbk_as_utf8, truncate
from replica.generator import attachment_notice_id
from replica.render import render_page
from replica.response import HTML, Dropped, Hang, Response
from replica.state import COLUMN, Article, Replica

LIST = re.compile(r"^/xunshizgls/(?:index(?:_([1-9]\d*))?\.html)?$")
ARTICLE = re.compile(r"^/xunshizgls/content/post_(\d+)\.html$")
ATTACHMENT = re.compile(r"^/xunshizgls/content/(P0\d+\.pdf)$")

ROBOTS = b"""User-agent: *
Disallow: /admin/
Disallow: /search/
Disallow: /_replica/
Allow: /
"""


def respond(
    site: Replica, target: str, headers: Mapping[str, str], *,
    folders: tuple[str, ...] | None = None,
) -> Response | Hang | Dropped:
    """The answer to a GET of ``target`` (path and query) with request ``headers``.

    ``folders``: the host answering serves only these columns (and ``robots.txt``): a site
    on a host of its own; None, the first host, which serves every page."""
    path, query = urlsplit(target).path, urlsplit(target).query
    if folders is not None and not on_host(path, folders):
        return not_found()
    if (location := site.redirects.get(path)) is not None:
        return Response(302, b"", {"Location": location})
    # /xunshizgls/ and /xunshizgls/index.html are one page: a fault on either hits both.
    aliases = (path, COLUMN + "index.html") if path == COLUMN else (path,)
    fault = site.faults.take(*aliases)
    kind = fault.kind if fault else None
    if kind in ("500", "502", "503"):
        return error_page(int(kind))
    if kind == "hang":
        return Hang(fault.seconds if fault.seconds is not None else site.hang_seconds)
    if kind in ("blocked", "blocked200"):
        return shield_page(path, 412 if kind == "blocked" else 200)
    response = _route(site, path, headers, conditional=kind is None, list_fault=kind) \
        if not site.columns.column_of(path) else \
        _column_route(site, path, query, headers, conditional=kind is None, list_fault=kind)
    if response.status == 200 and kind == "truncated":
        return truncate(response)
    if response.status == 200 and kind == "dropped":
        return Dropped(response)
    if response.status == 200 and response.headers.get("Content-Type") == HTML:
        if kind == "gbk":
            return to_gbk(response)
        if kind == "gbk_as_utf8":
            return to_gbk_as_utf8(response)
    return response


def _route(
    site: Replica, path: str, headers: Mapping[str, str], *, conditional: bool,
    list_fault: str | None,
) -> Response:
    if match := LIST.match(path):
        page_no = int(match.group(1) or 1)
        # The platform names page 1 index.html only; index_1.html does not exist.
        pager = list_fault if list_fault in PAGER_FAULTS else None
        body = (site.list_page(page_no, empty=list_fault == "empty", pager=pager,
                               hostile_ids=list_fault == "hostile_ids")
                if match.group(1) != "1" else None)
        if body is None:
            return not_found()
        return _list(body, headers if conditional else {}) if site.list_validators \
            else Response.html(200, body)
    if match := ARTICLE.match(path):
        article = site.article(match.group(1))
        if article is None:
            return not_found()
        return _article(article, headers if conditional else {})
    if match := ATTACHMENT.match(path):
        return _attachment(site, match.group(1))
    if path == "/robots.txt":
        robots = site.robots_txt or ROBOTS
        return Response(200, robots, {"Content-Type": "text/plain; charset=utf-8"})
    if path in ("/", "/index.html"):
        return Response.html(200, render_page("home.html"))
    if path == COLUMN.rstrip("/"):
        return Response(301, b"", {"Location": COLUMN})
    return not_found()


def _column_route(site: Replica, path: str, query: str, headers: Mapping[str, str], *,
                  conditional: bool, list_fault: str | None) -> Response:
    """A page of another column or site (``replica.columns``)."""
    body = site.columns.list_page(path, query, empty=list_fault == "empty",
                                  far_last=list_fault == "pager_far_last")
    if body is not None:
        return _list(body, headers if conditional else {}) if site.list_validators \
            else Response.html(200, body)  # fmt: skip
    if (page := site.columns.article(path)) is None:
        return not_found()
    body, etag = page.body, '"' + hashlib.sha256(page.body).hexdigest()[:32] + '"'
    return _article(Article(body, etag, page.last_modified),
                    headers if conditional else {})


def on_host(path: str, folders: tuple[str, ...]) -> bool:
    """Whether a host serving only ``folders`` has ``path``: their pages and robots.txt."""
    return path == "/robots.txt" or path.startswith(folders)
def _list(body: bytes, headers: Mapping[str, str]) -> Response:
    """A list page with its ETag (a hash of its bytes); 304 for a matching If-None-Match."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    tags = {t.strip().removeprefix("W/") for t in headers.get("If-None-Match", "").split(",")}
    if etag in tags or "*" in tags:
        return Response(304, b"", {"ETag": etag})
    return Response(200, body, {"Content-Type": HTML, "ETag": etag})


def not_found() -> Response:
    return Response.html(404, render_page("not_found.html"))


def _article(article: Article, headers: Mapping[str, str]) -> Response:
    validators = {"ETag": article.etag, "Last-Modified": http_date(article.last_modified)}
    if _not_modified(article, headers):
        return Response(304, b"", validators)
    return Response(
        200, article.body, {"Content-Type": HTML, **validators, "Cache-Control": "max-age=600"}
    )


def _not_modified(article: Article, headers: Mapping[str, str]) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if (tags := headers.get("If-None-Match")) is not None:
        wanted = {tag.strip().removeprefix("W/") for tag in tags.split(",")}
        return "*" in wanted or article.etag in wanted
    if (since := headers.get("If-Modified-Since")) is not None:
        try:
            return article.last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):  # an unreadable date is ignored, as the RFC says
            return False
    return False


def _attachment(site: Replica, filename: str) -> Response:
    notice_id = attachment_notice_id(filename)
    if notice_id is None or site.article(notice_id) is None:
        return not_found()
    if filename not in {a.filename for a in site.notice(notice_id).attachments}:
        return not_found()
    return Response(
        200,
        fake_pdf(f"zgwatch replica attachment of notice {notice_id}"),
        {"Content-Type": "application/pdf"},
    )


def fake_pdf(text: str) -> bytes:
    """A tiny one-page PDF showing ``text`` (ASCII): enough to be a real file type."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def http_date(instant: datetime) -> str:
    """An HTTP date (IMF-fixdate, GMT)."""
    return format_datetime(instant, usegmt=True)
