"""The digest: every event of a run for one destination, grouped by kind, in numbered parts.

A destination with ``digest = true`` gets one message per run instead of one
per notice. Its events are listed most urgent kind first (``messages.URGENCY``),
then by deadline. Where the service has a size limit and the whole digest does
not fit, ``split`` cuts it into as few parts as fit, numbered "1/3, 2/3 …";
every part carries the whole digest's counts. The cut is a pure function of the
digest's events and the service, so a retry sends the same parts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from alerts.events import ChangeEvent
from alerts.messages import (
    DIGEST_HUNKS,
    LABEL_SEPARATOR,
    PREFIX,
    Message,
    Origin,
    event_facts,
    notice_of,
    urgency,
)
from core.vocabulary import KIND_LABELS, Kind

NUMBERING_ROOM = (99, 99)  # parts are measured as if numbered "99/99"


def digest_items(events: Iterable[ChangeEvent], site_url: str | None = None) -> list[dict]:
    """One item per event, by kind (most urgent first), then soonest deadline, then notice."""
    ordered = sorted(events, key=lambda e: (
        urgency(e.kind), e.publicity_end or date.max, e.notice_id, e.change_id))
    items = []
    for e in ordered:
        event = event_facts(e, site_url)
        kept = event["hunks"][:DIGEST_HUNKS]
        event.update(hunks=kept, omitted_hunks=len(event["hunks"]) - len(kept))
        items.append({"notice": notice_of(e, site_url, e.kind == Kind.REMOVED), "event": event})
    return items


def counts(items: Sequence[dict]) -> list[dict[str, Any]]:
    """How many events of each kind, in the items' order (most urgent first)."""
    found: dict[str, int] = {}
    for item in items:
        kind = item["event"]["kind"]
        found[kind] = found.get(kind, 0) + 1
    return [{"kind": k, "label": KIND_LABELS.get(k, k), "count": n} for k, n in found.items()]


def digest_message(key: str, items: Sequence[dict], *, totals: Sequence[dict] | None = None,
                   part: int | None = None, parts: int | None = None,
                   origin: Origin | None = None) -> Message:
    """A run's events for one destination in one message (or part ``part`` of ``parts``).

    ``items`` come from ``digest_items``; ``totals`` are the counts of the
    whole digest when this is one part of it; ``origin`` names the source.
    """
    totals = list(totals if totals is not None else counts(items))
    groups: list[dict[str, Any]] = []
    for item in items:
        kind = item["event"]["kind"]
        if not groups or groups[-1]["kind"] != kind:
            groups.append({"kind": kind, "label": item["event"]["label"], "items": []})
        groups[-1]["items"].append(item)
    numbered = f" ({part}/{parts})" if part and parts and parts > 1 else ""
    counted = LABEL_SEPARATOR.join(f"{c['label']} {c['count']}" for c in totals)
    change_ids = tuple(item["event"]["change_id"] for item in items)
    facts = {
        "message": "digest",
        "part": part or 1,
        "parts": parts or 1,
        "counts": totals,
        "events": sum(c["count"] for c in totals),
        "change_ids": list(change_ids),
        "groups": groups,
    }
    message = Message(
        key=key,
        template="digest",
        subject=f"{PREFIX} 本轮汇总{numbered}: {counted}",
        headline=f"{PREFIX} 本轮汇总{numbered}",
        facts=facts,
        change_ids=change_ids,
    )
    return origin.name(message) if origin else message


def items_of(message: Message) -> list[dict]:
    """The items of a digest message, in order."""
    return [item for g in message.facts["groups"] for item in g["items"]]


def split(digest: Message, fits: Callable[[Message], bool],
          load: Callable[[Message], float]) -> list[Message]:
    """``digest`` in as few numbered parts as the service takes (``[digest]`` when it fits).

    ``fits(message)`` says whether the message, or a shorter form of it, fits
    the service; ``load(message)`` is the share of the service's limit its full
    form takes (1.0 = all of it). Items are packed in order by their measured
    share, then each part is checked and halved until it fits; an item too big
    even alone is a part of its own (the channel cuts its text).
    """
    if fits(digest):
        return [digest]
    items, totals = items_of(digest), digest.facts["counts"]

    def part(chunk: Sequence[dict]) -> Message:
        return digest_message(digest.key, chunk, totals=totals, part=NUMBERING_ROOM[0],
                              parts=NUMBERING_ROOM[1], origin=digest.origin)

    base = load(part([]))
    chunks: list[list[dict]] = []
    current: list[dict] = []
    used = base
    for item in items:
        share = load(part([item])) - base
        if current and used + share > 1.0:
            chunks.append(current)
            current, used = [], base
        current.append(item)
        used += share
    chunks.append(current)
    fitted = [c for chunk in chunks for c in _halve_until_fits(chunk, part, fits)]
    n = len(fitted)
    return [digest_message(digest.key, chunk, totals=totals, part=i, parts=n,
                           origin=digest.origin)
            for i, chunk in enumerate(fitted, 1)]


def _halve_until_fits(chunk: list[dict], part, fits) -> list[list[dict]]:
    if len(chunk) <= 1 or fits(part(chunk)):
        return [chunk]
    mid = len(chunk) // 2
    return _halve_until_fits(chunk[:mid], part, fits) + _halve_until_fits(chunk[mid:], part, fits)
