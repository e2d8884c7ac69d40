"""How each field of a notice was read: its source, the raw text, a confidence.

Stored per version (``notice_versions.readings``) so that what could not be
read, or was read on thin evidence, can be listed (the ``parse_gaps`` view)
rather than silently missing. One entry per field:

``{"source": "label" | "role" | "derived" | "none", "raw": str | None,
"confidence": 0..1}``, plus ``estimated`` for ``publicity_end`` (a working-day
end computed past the holiday calendar's years), ``window`` for
``publicity_end`` (what the window is, ``core.vocabulary.Window``: a
stationing announcement's is the letters deadline, ``letters``, never a
``publicity`` period) and ``value`` for ``document_kind``.

- ``label``: a word naming the field introduced it (公开期限:, 联系电话:, the title's genre);
- ``role``: found by where it stands or what it looks like (the appeal
  sentence, the signature block, an area-coded number);
- ``derived``: computed from other facts (a start that is the publication
  date, an end from a count of days, an issuer taken from the title);
- ``none``: not found (confidence 0).
"""

from __future__ import annotations

from typing import Any

from core.vocabulary import Window, window_of
from crawler.parsing.kind import KindReading
from crawler.parsing.model import Contacts, PublicityPeriod

ESTIMATED_CONFIDENCE = 0.5  # a working-day end past the holiday calendar's years
CONTACT_CONFIDENCE = {"label": 0.9, "role": 0.7, "none": 0.0}
ISSUER_CONFIDENCE = {"role": 0.9, "derived": 0.7, "none": 0.0}
FIELDS = (
    "publicity_start", "publicity_end", "phones", "emails", "postcode", "address", "issuer",
    "document_kind",
)  # fmt: skip


def reading(source: str, raw: str | None, confidence: float, **extra: Any) -> dict[str, Any]:
    """One field's reading; ``raw`` only when something was read."""
    raw = raw if source != "none" else None
    return {"source": source, "raw": raw, "confidence": round(confidence, 2), **extra}


def period_readings(
    period: PublicityPeriod, window: Window = Window.PUBLICITY
) -> dict[str, dict[str, Any]]:
    """The readings of ``publicity_start`` and ``publicity_end`` (a ``window`` of its kind)."""
    if period.source == "none" or (period.start is None and period.end is None):
        return {
            "publicity_start": reading("none", None, 0.0),
            "publicity_end": reading(
                "none", None, 0.0, estimated=False, working_days=False, window=str(window)
            ),
        }
    start_source = "derived" if period.start_derived else period.source
    end_source = "derived" if period.end_derived else period.source
    return {
        "publicity_start": reading(
            start_source if period.start else "none", period.raw, period.confidence
        ),
        "publicity_end": reading(
            end_source if period.end else "none",
            period.raw,
            (ESTIMATED_CONFIDENCE if period.estimated else period.confidence) if period.end else 0,
            estimated=period.estimated,
            working_days=period.working_days,
            window=str(window),
        ),
    }


def contact_readings(contacts: Contacts) -> dict[str, dict[str, Any]]:
    """The readings of ``phones``, ``emails``, ``postcode`` and ``address``."""
    out = {}
    for name in ("phones", "emails", "postcode", "address"):
        source = getattr(contacts, f"{name}_source")
        out[name] = reading(source, contacts.raw, CONTACT_CONFIDENCE[source])
    return out


def build_readings(
    period: PublicityPeriod,
    contacts: Contacts,
    issuer: tuple[str | None, str],
    kind: KindReading,
) -> dict[str, dict[str, Any]]:
    """Every field's reading; ``issuer`` is (the issuer, its source: role | derived | none)."""
    name, issuer_source = issuer
    return {
        **period_readings(period, window_of(kind.kind)),
        **contact_readings(contacts),
        "issuer": reading(issuer_source, name, ISSUER_CONFIDENCE[issuer_source]),
        "document_kind": reading(kind.source, kind.raw, kind.confidence, value=str(kind.kind)),
    }
