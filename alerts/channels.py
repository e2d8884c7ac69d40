"""Channels: how a message is written for one family of Apprise schemes, and sent.

A channel class registers the URL schemes it serves by subclassing
(``class X(Channel, schemes=(...))``); nothing else lists them. It picks the
format (HTML email, Markdown or text chat, JSON webhook), keeps the message
within what the service accepts, and hands it to Apprise, which does the
sending. A scheme without a class of its own is a chat: Markdown when Apprise
says the service takes it, text otherwise.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar

import apprise
from apprise import NotifyFormat

from alerts.destinations import Destination
from alerts.logs import capture
from alerts.messages import Message
from alerts.render import render

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ELLIPSIS = "…"
# Apprise counts characters; services count them after their own conversion
# (Slack escapes &, < and > into entities), so stay a little under the limit.
HEADROOM = 0.95


class DeliveryError(Exception):
    """Apprise could not deliver; the text says why (secrets already masked)."""


@dataclass(frozen=True)
class Outgoing:
    """A message as one channel sends it."""

    title: str
    body: str
    body_format: NotifyFormat
    payload: dict[str, Any] | None = None  # structured facts, for JSON webhooks


class Channel(abc.ABC):
    """Base of all channels; ``Channel.open(destination)`` picks the class by URL scheme."""

    schemes: ClassVar[tuple[str, ...]] = ()
    max_bytes: ClassVar[int | None] = None  # a service limit in UTF-8 bytes, when stricter
    _by_scheme: ClassVar[dict[str, type[Channel]]] = {}

    def __init_subclass__(cls, schemes: tuple[str, ...] = (), **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.schemes = tuple(schemes)
        for scheme in cls.schemes:
            Channel._by_scheme[scheme] = cls

    def __init__(self, destination: Destination, plugin) -> None:
        self.destination = destination
        self.plugin = plugin
        # Apprise paces some services (email: 5.5 s between messages) to respect
        # remote rate limits; a loopback sink has none to respect.
        if getattr(plugin, "host", None) in LOOPBACK:
            plugin.request_rate_per_sec = 0

    @staticmethod
    def open(destination: Destination) -> Channel:
        """The channel for a destination."""
        plugin = apprise.Apprise.instantiate(destination.url, suppress_exceptions=True)
        if plugin is None:
            raise DeliveryError(f"Apprise cannot use {destination.label}")
        scheme = destination.url.split("://", 1)[0].lower()
        return Channel._by_scheme.get(scheme, ChatChannel)(destination, plugin)

    @classmethod
    def for_scheme(cls, scheme: str) -> type[Channel]:
        """The class serving a scheme (``ChatChannel`` when none registered it)."""
        return cls._by_scheme.get(scheme.lower(), ChatChannel)

    # -- what subclasses decide -------------------------------------------------
    @abc.abstractmethod
    def compose(self, message: Message) -> Outgoing:
        """The title, body and format (and any structured payload) this service gets."""

    # -- shared -----------------------------------------------------------------
    def limits(self, title: str) -> tuple[int, int | None]:
        """(characters, bytes) the body may take, after the title where it shares the room."""
        chars = int(self.plugin.body_maxlen * HEADROOM)
        nbytes = int(self.max_bytes * HEADROOM) if self.max_bytes else None
        shared = getattr(self.plugin, "overflow_amalgamate_title", False)
        if self.plugin.title_maxlen <= 0 or shared:
            chars -= len(title) + 2
            if nbytes:
                nbytes -= len(title.encode()) + 2
        return chars, nbytes

    def fit(self, message: Message, fmt: str, title: str) -> str:
        """Render ``message`` in ``fmt`` within the service's limits.

        Drops changed passages from the end first (the body says how many were
        left out), then cuts the text as a last resort.
        """
        chars, nbytes = self.limits(title)

        def fits(text: str) -> bool:
            return len(text) <= chars and (nbytes is None or len(text.encode()) <= nbytes)

        n = len(message.facts.get("hunks") or [])
        body = render(message, fmt)
        while not fits(body) and n > 0:
            n = n - 1 if n <= 4 else n // 2
            body = render(message.with_hunks(n), fmt)
        if fits(body):
            return body
        # last resort (a title or summary longer than the service allows): cut the text
        cut = body[: max(chars - len(ELLIPSIS), 0)]
        if nbytes is not None:
            cut = cut.encode()[: max(nbytes - len(ELLIPSIS.encode()), 0)].decode(errors="ignore")
        return cut.rstrip() + ELLIPSIS

    def send(self, message: Message) -> None:
        """Compose and send through Apprise; ``DeliveryError`` with Apprise's reason if not."""
        out = self.compose(message)
        if out.payload is not None:
            self._set_payload(out.payload)
        with capture() as said:
            try:
                ok = self.plugin.notify(body=out.body, title=out.title, body_format=out.body_format)
            except Exception as exc:  # a plugin bug or a broken service must not stop the run
                said.append(f"{type(exc).__name__}: {exc}")
                ok = False
        if not ok:
            reason = "; ".join(dict.fromkeys(said)) or "Apprise reported a failure"
            raise DeliveryError(self.destination.redact(reason))

    def _set_payload(self, payload: dict[str, Any]) -> None:
        """Hand a structured payload to the plugin; only channels that compose one override it."""
        raise TypeError(f"{type(self).__name__} composed a payload it cannot send")


class EmailChannel(Channel, schemes=("mailto", "mailtos")):
    """Email: subject line, HTML body with the diff; Apprise adds the text/plain part."""

    def compose(self, message: Message) -> Outgoing:
        return Outgoing(
            title=message.subject, body=render(message, "html"), body_format=NotifyFormat.HTML
        )


class ChatChannel(Channel, schemes=("slack", "tgram", "discord", "msteams", "matrix")):
    """Chat services: Markdown where Apprise says the service takes it, else text.

    Also the channel of any scheme no class claims. The length limit is the
    plugin's (``body_maxlen``: Slack 35,000, Telegram 4,096 characters …).
    """

    def body_fmt(self) -> str:
        wants = self.plugin.resolve_format(NotifyFormat.MARKDOWN)
        return "md" if wants == NotifyFormat.MARKDOWN else "txt"

    def compose(self, message: Message) -> Outgoing:
        title = message.headline
        fmt = self.body_fmt()
        body = self.fit(message, fmt, title)
        body_format = NotifyFormat.MARKDOWN if fmt == "md" else NotifyFormat.TEXT
        return Outgoing(title=title, body=body, body_format=body_format)


class WeComBotChannel(ChatChannel, schemes=("wecombot",)):
    """WeCom group bot: text only through Apprise, at most 2,048 bytes of UTF-8."""

    max_bytes = 2048


class DingTalkChannel(ChatChannel, schemes=("dingtalk",)):
    """DingTalk robot: Markdown, about 20,000 bytes."""

    max_bytes = 20000


class FeishuChannel(ChatChannel, schemes=("feishu", "lark")):
    """Feishu / Lark bot: Markdown card; the whole request must stay under 20 KB."""

    max_bytes = 18000


class JsonChannel(Channel, schemes=("json", "jsons")):
    """A generic JSON webhook: Apprise's payload (title, message as text) plus ``zgwatch``.

    ``zgwatch`` holds the message's facts as structured JSON (kind, url, title,
    issuer, publicity period, diff hunks…) so a receiver need not parse text.
    """

    def __init__(self, destination: Destination, plugin) -> None:
        super().__init__(destination, plugin)
        self._url_extras = dict(getattr(plugin, "payload_extras", {}) or {})

    def compose(self, message: Message) -> Outgoing:
        payload = {"message_key": message.key, "template": message.template, **message.facts}
        return Outgoing(
            title=message.subject,
            body=self.fit(message, "txt", message.subject),
            body_format=NotifyFormat.TEXT,
            payload=payload,
        )

    def _set_payload(self, payload: dict[str, Any]) -> None:
        # Apprise's json:// adds the `:key=value` pairs of its URL to the payload
        # (payload_extras); ours rides along the same way.
        self.plugin.payload_extras = {**self._url_extras, "zgwatch": payload}
