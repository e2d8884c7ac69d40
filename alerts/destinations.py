"""Destinations: Apprise URLs, who reads them, what they want, and how they are shown.

A destination's full URL holds its secret (a password, a bot key, a token). It
stays in memory only: the warehouse and the logs see ``masked`` (Apprise's
``url(privacy=True)``) and ``url_hash`` (SHA-256 of the URL, to recognise the
destination on the next run). ``redact`` scrubs the secret out of any text,
such as an error Apprise reported.
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import cached_property
from typing import Literal
from urllib.parse import quote, unquote

from pydantic import BaseModel, ConfigDict, field_validator

from core.regions import known as known_region
from core.regions import region_of, within
from core.sources import is_source_id
from core.units import unit_name
from core.vocabulary import ALERTED_KINDS, Kind

STAKEHOLDERS = "stakeholders"
OPERATORS = "operators"
MASK = "****"
_MIN_SECRET = 4  # shorter URL parts (ports, "hook", "to") are not worth masking
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")


def _plugin(url: str):
    """Apprise's plugin for ``url``, or None when Apprise cannot send to it."""
    import apprise  # late: the DAG processor and most commands never need it

    quiet = logging.getLogger("apprise")
    level, quiet.level = quiet.level, logging.CRITICAL  # the caller's one line says it
    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True)
    finally:
        quiet.level = level


def check_url(url: str) -> str:
    """``url`` stripped, if Apprise can send to it; else ``ValueError`` saying why (no secret)."""
    url = url.strip()
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if not _SCHEME.fullmatch(scheme):
        raise ValueError("not an Apprise URL (scheme://…)")
    if _plugin(url) is None:
        raise ValueError(f"Apprise cannot send to this {scheme}:// URL (unknown or incomplete)")
    return url


class Destination(BaseModel):
    """Where alerts go: an Apprise URL, its readers, and (for stakeholders) what they want.

    ``kinds`` None means every kind alerted by default; ``match`` keywords, of
    which the issuer or title must hold one; ``issuers`` the issuers' names
    (whole, as notices sign them); ``regions`` cities or districts of Guangdong
    (``core.regions``: a city takes in its districts), one of which the issuer
    must sit in; ``units`` inspected units, however written (``core.units.unit_name``:
    中共珠海市金湾区委 and 珠海市金湾区委员会 are one unit), one of which the issuer
    must be; ``sources`` the ids of the sources (``[[sources]]``) whose alerts it
    follows. Filters given together must all hold. ``digest`` one message per
    run listing every event instead of one per notice. Built from ``--notify``,
    ``operators_notify`` and the config file's ``[[destinations]]``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    kinds: tuple[str, ...] | None = None
    match: tuple[str, ...] | None = None
    issuers: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    units: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None  # checked against the registry by the application
    audience: Literal["stakeholders", "operators"] = STAKEHOLDERS
    digest: bool = False

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, v: str) -> str:
        return check_url(v)

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, v):
        known = {k.value for k in Kind}
        if v is not None and (bad := set(v) - known):
            raise ValueError(f"unknown kinds {sorted(bad)}; known: {sorted(known)}")
        return v

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, v):
        if v is not None and (bad := [r for r in v if not known_region(r)]):
            raise ValueError(f"unknown regions {bad}: a city of Guangdong (珠海市) or one of "
                             "its districts or counties (金湾区), written whole")
        return v

    @field_validator("units")
    @classmethod
    def _named_units(cls, v):
        if v is not None and (bad := [u for u in v if not unit_name(u).key]):
            raise ValueError(f"units {bad}: each must name a unit (中共珠海市金湾区委)")
        return v

    @field_validator("sources")
    @classmethod
    def _source_ids(cls, v):
        if v is not None and (bad := [s for s in v if not is_source_id(s)]):
            raise ValueError(f"sources {bad}: each must be a source's id ([a-z0-9-]{{1,40}})")
        return v

    @cached_property
    def unit_keys(self) -> frozenset[str]:
        """The canonical keys of ``units`` (``core.units.unit_name(...).key``)."""
        return frozenset(unit_name(u).key for u in self.units or ())

    def wants_source(self, source_id: str) -> bool:
        """Whether this destination follows the source of id ``source_id`` (``sources``
        unset: every source). Operators hear of every source."""
        return self.audience == OPERATORS or self.sources is None or source_id in self.sources

    @cached_property
    def masked(self) -> str:
        """The URL as Apprise shows it with ``privacy=True``: secrets as ``****`` or ``a...z``."""
        plugin = _plugin(self.url)
        if plugin is None:  # not reachable for a validated URL; never show the URL anyway
            return self.url.split("://", 1)[0] + "://" + MASK
        return plugin.url(privacy=True)

    @cached_property
    def url_hash(self) -> str:
        """How the destination is recognised across runs without storing its secret."""
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()

    @cached_property
    def secrets(self) -> tuple[str, ...]:
        """The parts of the URL the masked form hides (as written and as quoted), longest first."""
        shown = unquote(self.masked)
        words = re.split(r"[/:@?&=#,;+\s]+", unquote(self.url))
        parts = {p for p in words if len(p) >= _MIN_SECRET}
        hidden = {p for p in parts if p not in shown}
        forms = hidden | {quote(p, safe="") for p in hidden}
        return tuple(sorted(forms, key=len, reverse=True))  # longest first: no partial leftovers

    @cached_property
    def label(self) -> str:
        """How logs name the destination: scheme, host and a short hash of its secret parts.

        ``wecombot://… #3fa2c1``, ``mailtos://smtp.example.org:465 #9b0e44``; a URL
        without a secret shows its path instead (``json://127.0.0.1:9000/hook``). The
        hash (SHA-256 of the secret parts, 6 hex digits) tells two keys of one service
        apart; the host is hidden when it is itself the secret (a bot key).
        """
        scheme, _, rest = self.url.partition("://")
        address, _, path = rest.partition("?")[0].partition("/")
        netloc = address.rsplit("@", 1)[-1]
        raw = sorted({unquote(s) for s in self.secrets})
        hidden = {p.lower() for p in raw}
        if any(part.lower() in hidden for part in netloc.split(":")):
            netloc = "…"
        if not raw:
            return f"{scheme}://{netloc}" + (f"/{path}" if path else "")
        digest = hashlib.sha256("\n".join(raw).encode("utf-8")).hexdigest()[:6]
        return f"{scheme}://{netloc} #{digest}"

    @property
    def wanted_kinds(self) -> frozenset[str]:
        return frozenset(self.kinds) if self.kinds is not None else frozenset(ALERTED_KINDS)

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(k for k in (self.match or ()) if k)

    def wants_kind(self, kind: str) -> bool:
        return kind in self.wanted_kinds

    @property
    def filtered(self) -> bool:
        """Whether any notice filter is set (``match``, ``issuers``, ``regions``, ``units``)."""
        return bool(self.keywords or self.issuers or self.regions or self.units)

    @property
    def filter_words(self) -> list[str]:
        """Every word of the notice filters, as the baseline summary names them."""
        return [*self.keywords, *(self.issuers or ()), *(self.regions or ()),
                *(self.units or ())]

    def wants_notice(self, title: str | None, issuer: str | None) -> bool:
        """Whether a notice passes every notice filter set: a keyword in its title or issuer,
        its issuer one of ``issuers``, its issuer's region within ``regions``, its issuer
        one of ``units`` (compared by their keys)."""
        if self.keywords and not any(k in f"{title or ''}\n{issuer or ''}"
                                     for k in self.keywords):
            return False
        if self.issuers and (issuer or "").strip() not in self.issuers:
            return False
        if self.units and unit_name((issuer or "").strip()).key not in self.unit_keys:
            return False
        return not self.regions or within(region_of(issuer), self.regions)

    def redact(self, text: str) -> str:
        """``text`` with every secret part of this destination's URL replaced by ****."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def unique(destinations) -> list[Destination]:
    """The destinations, the same URL for one audience once (the first routing wins)."""
    out: list[Destination] = []
    seen: set[tuple[str, str]] = set()
    for d in destinations:
        if (d.url_hash, d.audience) not in seen:
            seen.add((d.url_hash, d.audience))
            out.append(d)
    return out
