"""Destinations: Apprise URLs, who reads them, what they want, and how they are shown.

A destination's full URL holds its secret (a password, a bot key, a token). It
stays in memory only: the warehouse and the logs see ``channel`` (Apprise's
``url(privacy=True)``) and ``url_hash`` (SHA-256 of the URL, to recognise the
destination on the next run). ``redact`` scrubs the secret out of any text,
such as an error Apprise reported.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import apprise

from alerts.events import DEFAULT_KINDS, ChangeEvent
from zgwatch.config import Settings

STAKEHOLDERS = "stakeholders"
OPERATORS = "operators"
MASK = "****"
_MIN_SECRET = 4  # shorter URL parts (ports, "hook", "to") are not worth masking


@dataclass(frozen=True)
class Target:
    """A configured destination, resolved: its masked name, hash, routing and secrets."""

    url: str = field(repr=False)
    audience: str
    channel: str
    url_hash: str
    kinds: frozenset[str] = DEFAULT_KINDS
    match: tuple[str, ...] = ()
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def wants_kind(self, kind: str) -> bool:
        return kind in self.kinds

    def matches(self, title: str | None, issuer: str | None) -> bool:
        """True when no keyword filter is set or the title or issuer holds one of the keywords."""
        if not self.match:
            return True
        text = f"{title or ''}\n{issuer or ''}"
        return any(k in text for k in self.match)

    def wants(self, event: ChangeEvent) -> bool:
        """Whether this destination is to hear of this event (kind and keyword routing)."""
        return self.wants_kind(event.kind) and self.matches(event.title, event.issuer)

    def redact(self, text: str) -> str:
        """``text`` with every secret part of this destination's URL replaced by ****."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def url_hash(url: str) -> str:
    """How a destination is recognised across runs without storing its secret."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _secrets(url: str, masked: str) -> tuple[str, ...]:
    """The parts of ``url`` that Apprise's privacy view hides (as written and as quoted)."""
    shown = unquote(masked)
    parts = {p for p in re.split(r"[/:@?&=#,;+\s]+", unquote(url)) if len(p) >= _MIN_SECRET}
    hidden = {p for p in parts if p not in shown}
    forms = hidden | {quote(p, safe="") for p in hidden}
    return tuple(sorted(forms, key=len, reverse=True))  # longest first: no partial leftovers


def resolve(
    url: str, audience: str, kinds: Iterable[str] | None = None, match: Iterable[str] | None = None
) -> Target:
    """A ``Target`` for an Apprise URL (already validated by the settings)."""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is not None:
        masked = plugin.url(privacy=True)
    else:  # not reachable with validated settings; never show the URL anyway
        masked = url.split("://", 1)[0] + "://" + MASK
    return Target(
        url=url,
        audience=audience,
        channel=masked,
        url_hash=url_hash(url),
        kinds=frozenset(kinds) if kinds is not None else DEFAULT_KINDS,
        match=tuple(k for k in (match or ()) if k),
        secrets=_secrets(url, masked),
    )


def targets(settings: Settings) -> list[Target]:
    """Every destination of the settings: stakeholders' (routed) then operators'.

    The same URL given twice for one audience counts once (the first routing wins).
    """
    out: list[Target] = []
    seen: set[tuple[str, str]] = set()
    for d in settings.all_destinations:
        t = resolve(d.url, STAKEHOLDERS, d.kinds, d.match)
        if (t.url_hash, STAKEHOLDERS) not in seen:
            seen.add((t.url_hash, STAKEHOLDERS))
            out.append(t)
    for u in settings.operators_notify:
        t = resolve(u, OPERATORS)
        if (t.url_hash, OPERATORS) not in seen:
            seen.add((t.url_hash, OPERATORS))
            out.append(t)
    return out
