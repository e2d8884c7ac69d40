"""联系方式, how the public reaches a notice's issuer: one definition for parser and alerts.

The crawler reads it from the page (``crawler.parsing.contacts``), the batch
and ``notice_versions.contacts`` store it as JSON (``stored_json``), and the
alerts read it back (``from_json``) to tell people how to send an opinion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Contacts:
    """Phones, emails, postcode and address, with the sentence they were read from.

    The ``*_source`` fields say how the parser read each one: ``label`` (in its
    labelled segment), ``role`` (by its shape), ``none``; they are not stored.
    """

    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    postcode: str | None = None
    address: str | None = None
    raw: str | None = None
    phones_source: str = "none"
    emails_source: str = "none"
    postcode_source: str = "none"
    address_source: str = "none"

    @classmethod
    def from_json(cls, value: str | dict | None) -> Contacts:
        """From the stored JSON (text or decoded), without its raw text; missing is empty."""
        data = json.loads(value) if isinstance(value, str) else (value or {})
        return cls(
            phones=tuple(str(p) for p in data.get("phones") or () if p),
            emails=tuple(str(e) for e in data.get("emails") or () if e),
            postcode=data.get("postcode") or None,
            address=data.get("address") or None,
        )

    def __bool__(self) -> bool:
        return bool(self.phones or self.emails or self.postcode or self.address)

    def as_json(self) -> dict[str, Any]:
        """What a reader acts on (alerts, the webhook payload): no raw text, no sources."""
        return {"phones": list(self.phones), "emails": list(self.emails),
                "postcode": self.postcode, "address": self.address}

    def stored_json(self) -> dict[str, Any]:
        """What a batch and ``notice_versions.contacts`` keep: ``as_json`` and the raw text."""
        return {**self.as_json(), "raw": self.raw}
