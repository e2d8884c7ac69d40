"""What the replica answers to one request, before it is written to the socket."""

from __future__ import annotations

from dataclasses import dataclass, field

HTML = "text/html; charset=utf-8"


@dataclass
class Response:
    """Status, headers and body; the server adds Content-Length and Date."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def html(cls, status: int, body: bytes) -> Response:
        return cls(status, body, {"Content-Type": HTML})


@dataclass(frozen=True)
class Dropped:
    """Promise the whole page (its Content-Length), send half, close: the transfer breaks."""

    response: Response


@dataclass(frozen=True)
class Hang:
    """Answer nothing: hold the connection ``seconds`` (or until the server stops), then close."""

    seconds: float
