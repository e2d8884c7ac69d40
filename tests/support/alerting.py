"""Test helpers for the alerts' output: one event's message, a diff as plain text."""

from __future__ import annotations

from alerts.events import ChangeEvent
from alerts.messages import Message, notice_message
from core.textdiff import CONTEXT, ELLIPSIS, hunk_to_text, hunks


def event_message(event: ChangeEvent, *, site_url: str | None = None) -> Message:
    """The message of one event alone (a notice message with one event)."""
    return notice_message([event], f"change:{event.change_id}", site_url=site_url)


def diff_to_text(diff, context: int = CONTEXT) -> str:
    """Every hunk of ``diff`` in plain text, hunks separated by a line holding ``…``."""
    return f"\n{ELLIPSIS}\n".join(hunk_to_text(h) for h in hunks(diff, context))
