"""Local sinks that catch alerts on loopback: an SMTP server and an HTTP webhook.

The tests and the demo point Apprise at these (``mailto://127.0.0.1:PORT?…`` and
``json://127.0.0.1:PORT/…``) so every alert really travels through SMTP or HTTP
without leaving the machine. Both sinks keep what they received in ``.messages``
and let a caller wait for a number of messages without sleeping.
"""

from __future__ import annotations

import abc
import email
import email.policy
import json
import socket
import threading
from collections.abc import Callable
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that was free a moment ago (aiosmtpd cannot bind port 0 itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class _Inbox:
    """A thread-safe list with a condition to wait on."""

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._cond = threading.Condition()

    def add(self, item: Any) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def snapshot(self) -> list[Any]:
        with self._cond:
            return list(self._items)

    def clear(self) -> None:
        with self._cond:
            self._items.clear()

    def wait_for(self, n: int, timeout: float) -> list[Any]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._items) >= n, timeout):
                got = len(self._items)
                raise TimeoutError(f"expected {n} messages within {timeout}s, got {got}")
            return list(self._items)


class _Sink(abc.ABC):
    """Start/stop, context manager and the inbox, shared by both sinks."""

    def __init__(self) -> None:
        self._inbox = _Inbox()

    @property
    def messages(self) -> list[Any]:
        """A copy of what has been received so far, oldest first."""
        return self._inbox.snapshot()

    def clear(self) -> None:
        """Forget what has been received (between two steps of a test or demo)."""
        self._inbox.clear()

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Any]:
        """Block until at least ``n`` messages arrived; ``TimeoutError`` otherwise."""
        return self._inbox.wait_for(n, timeout)

    @abc.abstractmethod
    def start(self):
        """Start serving on 127.0.0.1; return self."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop serving and release the port."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _MailHandler:
    def __init__(self, inbox: _Inbox, refuse: Callable[[EmailMessage], bool] | None) -> None:
        self._inbox = inbox
        self._refuse = refuse
        self.sessions = 0  # greetings (EHLO or HELO): one per SMTP session without STARTTLS

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        self.sessions += 1
        session.host_name = hostname  # what the server does itself when no hook is given
        return responses

    async def handle_HELO(self, server, session, envelope, hostname) -> str:
        self.sessions += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd hook name
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if self._refuse is not None and self._refuse(msg):
            return "554 Transaction failed: refused by the sink"
        self._inbox.add(msg)
        return "250 Message accepted for delivery"


class MailSink(_Sink):
    """An SMTP server (aiosmtpd) on 127.0.0.1 keeping each message as an ``EmailMessage``.

    ``refuse(message)``, when given, answers 554 to the messages it is true of
    (not kept); ``sessions`` counts the SMTP sessions clients opened.
    """

    def __init__(self, host: str = LOOPBACK, port: int | None = None,
                 refuse: Callable[[EmailMessage], bool] | None = None) -> None:
        super().__init__()
        self.refuse = refuse
        self.host = host
        self.port = port
        self._controller: Controller | None = None
        self._handler: _MailHandler | None = None

    def start(self) -> MailSink:
        """Listen on ``port`` (a free one when None); returns self."""
        last: Exception | None = None
        for _ in range(5):  # a free port can be taken between probe and bind
            port = self.port or free_port(self.host)
            self._handler = _MailHandler(self._inbox, self.refuse)
            controller = Controller(self._handler, hostname=self.host, port=port)
            try:
                controller.start()
            except (OSError, RuntimeError) as exc:
                last = exc
                if self.port:
                    break
                continue
            self.port, self._controller = port, controller
            return self
        raise RuntimeError(f"mail sink could not listen on {self.host}: {last}")

    def stop(self) -> None:
        """Stop the server; received messages stay readable."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def url(self, to: str = "alerts@example.org", sender: str = "zgwatch@example.org") -> str:
        """The Apprise URL that sends plain SMTP (no TLS, no login) to this sink."""
        return f"mailto://{self.host}:{self.port}?from={sender}&to={to}"

    @property
    def messages(self) -> list[EmailMessage]:
        return super().messages

    @property
    def sessions(self) -> int:
        """How many SMTP sessions clients opened so far (each greets once)."""
        return self._handler.sessions if self._handler else 0


class WebhookSink(_Sink):
    """An HTTP server on 127.0.0.1 storing each request as a dict.

    Each stored message has ``method``, ``path``, ``headers``, ``body`` (bytes) and
    ``json`` (the parsed body, or None). ``status`` decides the answer: an int, or a
    callable taking the request number (1-based) so a test can answer 500 then 200.
    Requests answered with an error are stored too, with ``status`` set.
    """

    def __init__(
        self, host: str = LOOPBACK, port: int = 0, status: int | Callable[[int], int] = 200
    ) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self.status = status
        self._count = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _next_status(self) -> int:
        with self._lock:
            self._count += 1
            n = self._count
        return self.status(n) if callable(self.status) else self.status

    @property
    def accepted(self) -> list[dict]:
        """The requests answered 2xx (what a real receiver would have kept)."""
        return [m for m in self.messages if 200 <= m["status"] < 300]

    def start(self) -> WebhookSink:
        """Listen on ``port`` (a free one when 0); returns self."""
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = sink._next_status()
                try:
                    parsed = json.loads(body) if body else None
                except ValueError:
                    parsed = None
                # Recorded before answering: the sender may retry the moment it has the
                # answer, and its retry must not be recorded ahead of this request.
                sink._inbox.add(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                        "json": parsed,
                        "status": status,
                    }
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST

            def log_message(self, format, *args) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(  # a short poll: stop() returns at once, not in 0.5 s
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="webhook-sink", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the server; received messages stay readable."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def url(self, path: str = "/hook") -> str:
        """The Apprise URL that posts JSON to this sink."""
        return f"json://{self.host}:{self.port}{path}"
