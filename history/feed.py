"""``feed.atom``: one Atom entry per alerted event, newest first, for any feed reader.

Entry ids are ``urn:uuid`` names derived from the column's URL and the
event's ``event_key`` (``edited:202033:2``), so an entry keeps its id across
rebuilds, and across a warehouse rebuilt from the same column. Links point at
the notice's page on this site (the diff itself for an edit) and at the
archived copy of the version the event is about; they are absolute when a
public base URL (``site_url``) is known, else relative to the feed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from core import sitemap
from core.periods import Phase, period_facts
from core.textdiff import hunks, parse_diff
from core.vocabulary import KIND_LABELS, Kind
from history.pages import render
from history.read import FeedEvent

FEED_LIMIT = 200  # entries: the newest alerted events
HUNKS_SHOWN = 5  # passages of an edit shown in its entry


class _Entry(FeedEntry):
    """feedgen 1.0's Atom entry drops its links' ``rel``, ``type`` and ``title`` (a name
    shadowed in ``atom_entry``): they are put back on the written elements, in order."""

    def atom_entry(self, extensions=True):
        entry = super().atom_entry(extensions)
        written = entry.xpath("*[local-name() = 'link']")
        for node, link in zip(written, self.link(), strict=True):
            for name in ("rel", "type", "title"):
                if link.get(name):
                    node.attrib[name] = link[name]
        return entry


def entry_id(source: str | None, event_key: str) -> str:
    """The stable id of an event's entry."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{source or 'zgwatch'}#{event_key}").urn


def _href(site_url: str | None, path: str, up: str = "") -> str:
    """An absolute link under ``site_url``, else ``path`` relative to the feed (``up``:
    ``../../`` from ``feeds/issuer/``)."""
    return sitemap.join(site_url, path) or up + path


def _page_path(e: FeedEvent) -> str:
    if e.kind == Kind.EDITED and e.from_version and e.to_version:
        return e.folder + sitemap.diff_anchor(e.notice_id, e.from_version, e.to_version)
    return e.folder + sitemap.notice_page(e.notice_id)


def _archive_path(e: FeedEvent) -> str | None:
    return e.folder + sitemap.archived_copy(e.notice_id, e.to_version) if e.to_version else None


def _content(e: FeedEvent, site_url: str | None, up: str) -> str:
    cut = hunks(parse_diff(e.diff)) if e.diff else []
    archive = _archive_path(e)
    period = period_facts(e.publicity_start, e.publicity_end, e.as_of)
    still_open = period.phase in (Phase.OPEN, Phase.UPCOMING)  # contacts while it runs
    return render(
        "feed_entry.html.j2", e=e, label=KIND_LABELS.get(e.kind, e.kind), title=e.title,
        period=period, hunks=cut[:HUNKS_SHOWN], omitted=max(0, len(cut) - HUNKS_SHOWN),
        page_url=_href(site_url, _page_path(e), up),
        archive_url=_href(site_url, archive, up) if archive else None,
        contacts=(e.contacts or {}) if still_open else {},
    )  # fmt: skip


@dataclass(frozen=True)
class Feed:
    """What one feed is of: its path on the site, its title, what its subtitle says it
    records, and the page it is the feed of (None: its newest entry's notice page)."""

    path: str = sitemap.FEED
    title: str = "整改落实 · 变化"
    about: str = "整改落实栏目"
    home: str | None = sitemap.CHANGES


def issuer_feed(issuer: str) -> Feed:
    """``feeds/issuer/<slug>.atom``: one issuer's events."""
    return Feed(sitemap.issuer_feed(issuer), f"{issuer} · 整改落实变化", issuer, None)


def atom_feed(events: Sequence[FeedEvent], *, source: str | None, site_url: str | None,
              built_at: datetime, issuer: str | None = None,
              feed: Feed | None = None) -> bytes:  # fmt: skip
    """The feed of ``events`` (newest first) as Atom XML: the site's, one ``issuer``'s
    (``feeds/issuer/<slug>.atom``, its alternate the page of its newest notice), or the
    one ``feed`` describes; ``source`` is the column its entries' ids derive from, unless
    an event names its own (``FeedEvent.column``)."""
    feed = feed or (issuer_feed(issuer) if issuer else Feed())
    fg = FeedGenerator()
    name = "feed" if feed.path == sitemap.FEED else feed.path
    fg.id(uuid.uuid5(uuid.NAMESPACE_URL, f"{source or 'zgwatch'}#{name}").urn)
    fg.title(feed.title)
    fg.subtitle(f"zgwatch 记录的{feed.about}变化：新通报、修改、撤下、恢复、"
                f"公开期限将至。栏目：{source or '—'}")
    fg.author(name="zgwatch")
    fg.language("zh-CN")
    up = "../" * feed.path.count("/")  # relative links resolve against the feed's own URL
    fg.link(href=_href(site_url, sitemap.href(feed.path), up), rel="self",
            type="application/atom+xml")
    home = feed.home or (_page_path(events[0]).partition("#")[0] if events else sitemap.CHANGES)
    fg.link(href=_href(site_url, home, up), rel="alternate", type="text/html")
    # The feed changes when an event is added, not each time it is rebuilt.
    fg.updated(events[0].detected_at if events else built_at)
    for e in events:
        entry = fg.add_entry(_Entry(), order="append")
        entry.id(entry_id(e.column or source, e.event_key))
        label = KIND_LABELS.get(e.kind, e.kind)
        entry.title(f"{label}：{e.title or '通报 ' + e.notice_id}")
        entry.link(href=_href(site_url, _page_path(e), up), rel="alternate", type="text/html")
        if archive := _archive_path(e):
            entry.link(href=_href(site_url, archive, up), rel="related", type="text/html",
                       title="存档页面")
        entry.published(e.detected_at)
        entry.updated(e.detected_at)
        entry.author(name=e.issuer or "zgwatch")
        entry.category(term=e.kind, label=label)
        entry.summary(e.summary or label)
        entry.content(_content(e, site_url, up), type="html")
    return fg.atom_str(pretty=True)
