"""Channels: how a message is written for one family of Apprise schemes, and sent.

A channel class registers the URL schemes it serves by subclassing
(``class X(Channel, schemes=(...))``); nothing else lists them. It picks the
format the service renders (HTML email, Markdown or text chat, JSON webhook),
marks diffs the way that format shows them (``render.Style``), keeps the
message within what the service accepts, and hands it to Apprise, which does
the sending. A scheme without a class of its own is a chat: Markdown when
Apprise says the service takes it, text otherwise.

What is sent is always in the format Apprise will pass on unconverted (the
plugin's own), so a service never receives Markdown it shows as text, or text
it renders as Markdown; where Apprise calls a Markdown service plain text
(Mattermost, Zulip) the class says what it really renders.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar

import apprise
from apprise import NotifyFormat

from alerts import digest
from alerts.destinations import Destination
from alerts.logs import capture
from alerts.messages import PAYLOAD_VERSION, Message
from alerts.render import MD_BOLD, MD_STRIKE, TEXT, Style, render

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
    limited: ClassVar[bool] = True  # False: the service takes any size (email)
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

    # -- what subclasses decide -------------------------------------------------
    @abc.abstractmethod
    def compose(self, message: Message) -> Outgoing:
        """The title, body and format (and any structured payload) this service gets."""

    @abc.abstractmethod
    def body_fmt(self) -> str:
        """The template format of the body: ``html``, ``md`` or ``txt``."""

    def style(self) -> Style:
        """How diffs are marked in the body (and whether contacts are links)."""
        return TEXT

    def title_of(self, message: Message) -> str:
        """The title the service gets (it shares the size limit on some services)."""
        return message.headline

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

    def render(self, message: Message) -> str:
        """The message's body in this channel's format and style, unshortened."""
        return render(message, self.body_fmt(), self.style())

    def load(self, message: Message) -> float:
        """The share of the service's limit the full body takes (1.0: all of it)."""
        if not self.limited:
            return 0.0
        chars, nbytes = self.limits(self.title_of(message))
        body = self.render(message)
        share = len(body) / max(chars, 1)
        return max(share, len(body.encode()) / max(nbytes, 1)) if nbytes else share

    def _fitting(self, message: Message) -> str | None:
        """The fullest form of the message's body within the limits, or None."""
        if not self.limited:
            return self.render(message)
        chars, nbytes = self.limits(self.title_of(message))
        for variant in message.variants():
            body = self.render(variant)
            if len(body) <= chars and (nbytes is None or len(body.encode()) <= nbytes):
                return body
        return None

    def fits(self, message: Message) -> bool:
        """Whether the message, or a shorter form of it, fits the service."""
        return self._fitting(message) is not None

    def fit(self, message: Message) -> str:
        """The body within the service's limits.

        Drops changed passages from the end first (the body says how many were
        left out; a baseline drops contacts, then notices, and counts them),
        then cuts the text as a last resort.
        """
        body = self._fitting(message)
        if body is not None:
            return body
        # last resort (a title or summary longer than the service allows): cut the text
        chars, nbytes = self.limits(self.title_of(message))
        body = self.render(message)
        cut = body[: max(chars - len(ELLIPSIS), 0)]
        if nbytes is not None:
            cut = cut.encode()[: max(nbytes - len(ELLIPSIS.encode()), 0)].decode(errors="ignore")
        return cut.rstrip() + ELLIPSIS

    def parts(self, message: Message) -> list[Message]:
        """The message as this service gets it: a digest in numbered parts, if it must be."""
        if message.template != "digest" or not self.limited:
            return [message]
        return digest.split(message, self.fits, self.load)

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
    """Email: subject line, HTML body with the diff; Apprise adds the text/plain part.

    No size limit: a digest is one email however long.
    """

    limited = False

    def body_fmt(self) -> str:
        return "html"

    def title_of(self, message: Message) -> str:
        return message.subject

    def compose(self, message: Message) -> Outgoing:
        return Outgoing(title=message.subject, body=self.render(message),
                        body_format=NotifyFormat.HTML)


class ChatChannel(Channel, schemes=("msteams", "matrix")):
    """Chat services: Markdown where Apprise says the service takes it, else text.

    Also the channel of any scheme no class claims (ntfy, gotify: text unless
    their URL says ``format=markdown``). The length limit is the plugin's
    (``body_maxlen``: Slack 35,000, Telegram 4,096 characters …). Its Markdown
    is assumed to have bold but no strikethrough: deletions read ``[-…-]``,
    with the legend beside the passages.
    """

    renders: ClassVar[str | None] = None  # "md" where Apprise calls a Markdown service text
    markdown: ClassVar[Style] = MD_BOLD  # how this service's Markdown marks a diff

    def body_fmt(self) -> str:
        if self.renders:
            return self.renders
        wants = self.plugin.resolve_format(NotifyFormat.MARKDOWN)
        return "md" if wants == NotifyFormat.MARKDOWN else "txt"

    def style(self) -> Style:
        return self.markdown if self.body_fmt() == "md" else TEXT

    def compose(self, message: Message) -> Outgoing:
        fmt = self.body_fmt()
        asked = NotifyFormat.MARKDOWN if fmt == "md" else NotifyFormat.TEXT
        # what Apprise passes on as it is: never a conversion between our format and another
        body_format = self.plugin.resolve_format(asked)
        return Outgoing(title=self.title_of(message), body=self.fit(message),
                        body_format=body_format)


class StrikeChatChannel(ChatChannel, schemes=("discord",)):
    """Chat services whose Markdown renders ``~~strikethrough~~`` and ``**bold**``."""

    markdown = MD_STRIKE


class SlackChannel(ChatChannel, schemes=("slack",)):
    """Slack: Apprise turns Markdown into mrkdwn (``**b**`` → ``*b*``); ``~x~`` strikes."""

    markdown = Style(("~", "~"), ("**", "**"), spaced=True)


class TelegramChannel(ChatChannel, schemes=("tgram",)):
    """Telegram: Markdown without strikethrough; links only to web pages (no tel:)."""

    markdown = Style(MD_BOLD.deleted, MD_BOLD.inserted, spaced=True, contact_links=False)


class MattermostChannel(StrikeChatChannel, schemes=("mmost", "mmosts")):
    """Mattermost renders Markdown in every post, though Apprise sends it as text.

    So it gets escaped Markdown (passed on unconverted), never raw text whose
    links and image references the service would render.
    """

    renders = "md"


class ZulipChannel(StrikeChatChannel, schemes=("zulip",)):
    """Zulip renders Markdown in every message, though Apprise sends it as text."""

    renders = "md"


class WeComBotChannel(ChatChannel, schemes=("wecombot",)):
    """WeCom group bot: text only through Apprise, at most 2,048 bytes of UTF-8."""

    max_bytes = 2048


class DingTalkChannel(ChatChannel, schemes=("dingtalk",)):
    """DingTalk robot: Markdown without strikethrough, about 20,000 bytes."""

    max_bytes = 20000


class FeishuChannel(StrikeChatChannel, schemes=("feishu", "lark")):
    """Feishu / Lark bot: Markdown card (strikethrough too); the request must stay under 20 KB."""

    max_bytes = 18000


class JsonChannel(Channel, schemes=("json", "jsons")):
    """A generic JSON webhook: Apprise's payload (title, message as text) plus ``zgwatch``.

    ``zgwatch`` holds the message's facts as structured JSON, versioned
    (``docs/webhook.schema.json``), so a receiver need not parse text.
    """

    def __init__(self, destination: Destination, plugin) -> None:
        super().__init__(destination, plugin)
        self._url_extras = dict(getattr(plugin, "payload_extras", {}) or {})

    def body_fmt(self) -> str:
        return "txt"

    def title_of(self, message: Message) -> str:
        return message.subject

    def compose(self, message: Message) -> Outgoing:
        payload = {"version": PAYLOAD_VERSION, "message_key": message.key, **message.facts}
        return Outgoing(
            title=message.subject,
            body=self.fit(message),
            body_format=NotifyFormat.TEXT,
            payload=payload,
        )

    def _set_payload(self, payload: dict[str, Any]) -> None:
        # Apprise's json:// adds the `:key=value` pairs of its URL to the payload
        # (payload_extras); ours rides along the same way.
        self.plugin.payload_extras = {**self._url_extras, "zgwatch": payload}
