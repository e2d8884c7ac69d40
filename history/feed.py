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
from datetime import datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from core import sitemap
from core.periods import period_facts
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


def _href(site_url: str | None, path: str) -> str:
    return sitemap.join(site_url, path) or path


def _page_path(e: FeedEvent) -> str:
    if e.kind == Kind.EDITED and e.from_version and e.to_version:
        return sitemap.diff_anchor(e.notice_id, e.from_version, e.to_version)
    return sitemap.notice_page(e.notice_id)


def _content(e: FeedEvent, site_url: str | None) -> str:
    cut = hunks(parse_diff(e.diff)) if e.diff else []
    archive = (_href(site_url, sitemap.archived_copy(e.notice_id, e.to_version))
               if e.to_version else None)  # fmt: skip
    return render(
        "feed_entry.html.j2", e=e, label=KIND_LABELS.get(e.kind, e.kind), title=e.title,
        period=period_facts(e.publicity_start, e.publicity_end, e.as_of),
        hunks=cut[:HUNKS_SHOWN], omitted=max(0, len(cut) - HUNKS_SHOWN),
        page_url=_href(site_url, _page_path(e)), archive_url=archive,
    )  # fmt: skip


def atom_feed(events: Sequence[FeedEvent], *, source: str | None, site_url: str | None,
              built_at: datetime) -> bytes:  # fmt: skip
    """The feed of ``events`` (newest first) as Atom XML."""
    fg = FeedGenerator()
    fg.id(uuid.uuid5(uuid.NAMESPACE_URL, f"{source or 'zgwatch'}#feed").urn)
    fg.title("整改落实 · 变化")
    fg.subtitle("zgwatch 记录的整改落实栏目变化：新通报、修改、撤下、恢复、公开期限将至。"
                f"栏目：{source or '—'}")
    fg.author(name="zgwatch")
    fg.language("zh-CN")
    fg.link(href=_href(site_url, sitemap.FEED), rel="self", type="application/atom+xml")
    fg.link(href=_href(site_url, sitemap.CHANGES), rel="alternate", type="text/html")
    # The feed changes when an event is added, not each time it is rebuilt.
    fg.updated(events[0].detected_at if events else built_at)
    for e in events:
        entry = fg.add_entry(_Entry(), order="append")
        entry.id(entry_id(source, e.event_key))
        label = KIND_LABELS.get(e.kind, e.kind)
        entry.title(f"{label}：{e.title or '通报 ' + e.notice_id}")
        entry.link(href=_href(site_url, _page_path(e)), rel="alternate", type="text/html")
        if e.to_version:
            entry.link(href=_href(site_url, sitemap.archived_copy(e.notice_id, e.to_version)),
                       rel="related", type="text/html", title="存档页面")
        entry.published(e.detected_at)
        entry.updated(e.detected_at)
        entry.author(name=e.issuer or "zgwatch")
        entry.category(term=e.kind, label=label)
        entry.summary(e.summary or label)
        entry.content(_content(e, site_url), type="html")
    return fg.atom_str(pretty=True)
