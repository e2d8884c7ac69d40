"""Faults tests switch on per path: what goes wrong on real government sites.

A fault is bound to a path pattern (``fnmatch``: ``/xunshizgls/index_2.html``,
``/xunshizgls/content/*``) and lasts until cleared, or for ``times`` requests.
None of them is a change to a notice: ``gbk`` serves the same text in another
encoding, ``empty`` an empty list for a while. Two are hostile pagers, which
a crawler must not follow without end: ``pager_endless`` (every list page links
a next one, and pages past the last repeat its notices) and ``pager_far_last``
(尾页 points to page 1,000,000; the pages past the last answer 404). ``hostile_ids``
lists, above a list page's notices, links whose id is no notice id (``HOSTILE_IDS``:
25 digits, full-width and Arabic-Indic digits, letters); their pages answer 404.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase

from replica.render import render_page
from replica.response import Response

FAULT_KINDS = (
    "500", "502", "503", "hang", "blocked", "blocked200", "truncated", "dropped", "gbk",
    "gbk_as_utf8", "empty", "pager_endless", "pager_far_last", "hostile_ids",
)
HOSTILE_IDS = ("1" * 25, "１４００００１", "١٤٠٠٠٠١", "202033abc")
# List-page faults that change the pager (see Replica.list_page).
PAGER_FAULTS = ("pager_endless", "pager_far_last")
FAR_LAST_PAGE = 1_000_000  # where pager_far_last's 尾页 points
REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable"}


@dataclass
class Fault:
    pattern: str
    kind: str
    times: int | None = None  # requests left; None until cleared
    seconds: float | None = None  # how long a "hang" holds the connection


class FaultBook:
    """The active faults; the most recently set one wins when several match."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def set(
        self, pattern: str, kind: str, *, times: int | None = None, seconds: float | None = None
    ) -> None:
        """Switch ``kind`` on for paths matching ``pattern`` (replacing its previous fault)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults = [f for f in self._faults if f.pattern != pattern]
            self._faults.append(Fault(pattern, kind, times, seconds))

    def clear(self, pattern: str | None = None) -> None:
        """Switch off the fault on ``pattern``, or every fault."""
        with self._lock:
            self._faults = [f for f in self._faults if pattern is not None and f.pattern != pattern]

    def take(self, *paths: str) -> Fault | None:
        """The fault for a request to any of ``paths`` (aliases of one page), using up one time."""
        with self._lock:
            for fault in reversed(self._faults):
                if any(fnmatchcase(p, fault.pattern) for p in paths):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def active(self) -> list[Fault]:
        with self._lock:
            return [Fault(f.pattern, f.kind, f.times, f.seconds) for f in self._faults]


def error_page(status: int) -> Response:
    """An nginx-style error page for a 5xx fault."""
    return Response.html(status, render_page("error.html", status=status, reason=REASONS[status]))


def shield_page(path: str, status: int) -> Response:
    """The bot shield's answer: no content, a page of obfuscated script and a cookie.

    Modelled on the challenge pages gd.gov.cn sites serve to non-browsers
    (a ``$_ts`` bootstrap and an external script), deterministic per path.
    """
    digest = hashlib.sha256(f"shield:{path}".encode()).hexdigest()
    blob = hashlib.sha512(digest.encode()).hexdigest() * 6
    noise = "".join(chr(0x41 + int(c, 16) * 2 % 58) for c in blob)  # base64-looking filler
    table = ",".join(str(int(blob[i : i + 2], 16)) for i in range(0, 96, 2))
    page = (
        "<!DOCTYPE html><html><head>"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f'<meta id="{noise[:22]}" content="{noise[22:400]}" r="m">'
        f'<script type="text/javascript" r="m">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={{}};'
        f'$_ts.nsd={int(digest[:5], 16)};$_ts.cd="{noise[400:1400]}";'
        "if($_ts.lcd)$_ts.lcd();</script>"
        '<script type="text/javascript" charset="utf-8" r="m" '
        f'src="/{noise[1400:1411]}/{noise[1411:1417]}.{digest[:7]}.js"></script></head><body>'
        f'<script type="text/javascript" r="m">(function(){{var _$a=[{table}],_$b=0,_$c="";'
        "for(;_$b<_$a.length;_$b++){_$c+=String.fromCharCode(_$a[_$b]^0x5f);}"
        "window['_$d']=_$c;})();</script></body></html>"
    )
    return Response(
        status,
        page.encode("utf-8"),
        {
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": f"FSSBBIl1UgzbN7N80S={noise[1417:1481]}; Path=/; HttpOnly",
        },
    )


def truncate(response: Response) -> Response:
    """The first half of the page, sent with a Content-Length that matches (HTTP is fine)."""
    return Response(
        response.status,
        response.body[: len(response.body) // 2],
        {k: v for k, v in response.headers.items() if k not in ("ETag", "Last-Modified")},
    )


_CHARSET = re.compile(rb"charset=(\"?)utf-8", re.IGNORECASE)


def to_gbk(response: Response) -> Response:
    """The same page encoded as GBK, declared ``gb2312`` in the header and the meta tag.

    Browsers and w3lib read a gb2312 label as GBK; Python's strict ``gb2312``
    codec does not (it maps one byte pair to another dash), so a reader must.
    A character GBK lacks would be sent as a character reference: the same text.
    """
    text = _CHARSET.sub(rb"charset=\1gb2312", response.body).decode("utf-8")
    headers = {k: v for k, v in response.headers.items() if k not in ("ETag", "Last-Modified")}
    headers["Content-Type"] = "text/html; charset=gb2312"
    return Response(response.status, text.encode("gbk", "xmlcharrefreplace"), headers)


def to_gbk_as_utf8(response: Response) -> Response:
    """The page's bytes in GBK while the header and the meta tag still say UTF-8.

    A server whose template was converted and whose configuration was not: a
    reader trusting the label turns every Chinese character into U+FFFD.
    """
    body = response.body.decode("utf-8").encode("gbk", "xmlcharrefreplace")
    headers = {k: v for k, v in response.headers.items() if k not in ("ETag", "Last-Modified")}
    return Response(response.status, body, headers)
