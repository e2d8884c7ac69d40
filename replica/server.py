"""The replica over real HTTP: a threaded stdlib server on 127.0.0.1.

``ReplicaServer`` serves a ``Replica`` from a background thread (tests, the
demo); ``serve`` runs one in the foreground until SIGINT/SIGTERM (the
``zgwatch replica`` command); ``running`` is both as a context manager.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from replica.admin import PREFIX, handle_admin
from replica.columns import COLUMNS, own_hosts
from replica.response import Dropped, Hang, Response
from replica.routes import respond
from replica.state import COLUMN, InFlight, Replica


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    timeout = 60  # an idle kept-alive connection is closed after this many seconds
    # Headers and body go out in two writes; with Nagle's algorithm the second
    # waits for the client's delayed ACK (~40 ms a request on keep-alive).
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith(PREFIX):
            self._write(handle_admin(self.server.site, "POST", self.path, body), send_body=True)
        else:
            self._write(Response(405, b"", {"Allow": "GET, HEAD"}), send_body=True)

    def _answer(self, *, send_body: bool) -> None:
        self.server.site.requests.append(
            (self.command, self.path, self.headers.get("User-Agent", ""))
        )
        with self.server.site.in_flight(), self.server.in_flight():
            if self.path.startswith(PREFIX):
                result = handle_admin(self.server.site, "GET", self.path, b"")
            else:
                result = respond(self.server.site, self.path, self.headers,
                                 folders=self.server.folders)
                if self.server.latency:  # the network's and the real server's share of a page
                    self.server.stopping.wait(self.server.latency)
        if isinstance(result, Hang):
            # Say nothing; give up when the time is over or the server stops.
            self.server.stopping.wait(result.seconds)
            self.close_connection = True
            return
        if isinstance(result, Dropped):
            self._write_half(result.response)
            return
        self._write(result, send_body=send_body)

    def _write_half(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body[: len(response.body) // 2])
        self.close_connection = True

    def _write(self, response: Response, *, send_body: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body and response.status != 304:
            self.wfile.write(response.body)

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], site: Replica, verbose: bool, latency: float,
        folders: tuple[str, ...] | None,
    ) -> None:
        super().__init__(address, _Handler)
        self.site, self.verbose, self.latency, self.folders = site, verbose, latency, folders
        self.in_flight = InFlight()  # this host's requests being answered
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up early (a crawler's timeout) is normal here, not an error to print.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        """Wake every handler blocked on a kept-alive socket so its thread ends."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)


class ReplicaServer:
    """Serves ``site`` on ``host:port`` (``port=0``: a free one) from a background thread.

    ``latency`` (seconds) is added to every answer of the site (not of the admin
    API): loopback costs next to nothing, while a page of the real site costs a
    round trip or two plus its server's time. Benchmarks use it to measure the
    crawler against a network that costs something.

    ``folders``: this host serves only these columns (``replica.columns``) and robots.txt, as a
    site on a host of its own; None (the first host) serves every page. The admin API answers on
    every host: they share one ``site``.
    """

    def __init__(
        self,
        site: Replica,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        verbose: bool = False,
        latency: float = 0.0,
        folders: tuple[str, ...] | None = None,
    ) -> None:
        if latency < 0:
            raise ValueError(f"latency must be 0 or more seconds, not {latency}")
        self.site, self.folders = site, folders
        self._httpd = _Server((host, port), site, verbose, latency, folders)
        self.host, self.port = self._httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The column's index URL, as the crawler's ``--source`` takes it (on a host of one
        site, its first column's)."""
        return self.base_url + (self.folders[0] if self.folders else COLUMN)

    @property
    def in_flight(self) -> InFlight:
        """This host's requests being answered now (``.active``) and the most at once
        (``.max_active``); ``site.in_flight`` counts those of every host."""
        return self._httpd.in_flight

    def start(self) -> ReplicaServer:
        """Start serving in a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"replica:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: end hangs, close kept-alive connections, free the port."""
        self._httpd.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.drop_connections()
        self._httpd.server_close()

    def __enter__(self) -> ReplicaServer:
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class RunningReplica:
    """A replica being served: its state to change and its server to crawl; ``hosts``, the
    servers of the sites on a host of their own (site name -> server)."""

    site: Replica
    server: ReplicaServer
    hosts: Mapping[str, ReplicaServer] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The column's index URL (``http://127.0.0.1:PORT/xunshizgls/``)."""
        return self.server.url

    def url_for(self, path: str) -> str:
        """The absolute URL of a site path such as ``site.article_path(id)`` on the first
        host (which serves every page)."""
        return self.server.base_url + path

    def server_for(self, path: str) -> ReplicaServer:
        """The host a site serves ``path`` from: its own host if it has one, else the first."""
        return next((server for server in self.hosts.values()
                     if path.startswith(server.folders or ())), self.server)

    def column_url(self, path: str) -> str:
        """The URL of a page (a column's index, ``/trs/xszg/``) where its site serves it:
        on the site's own host, if it has one."""
        return self.server_for(path).base_url + path


@contextmanager
def running(
    notices: int = 45, seed: int = 1, *, port: int = 0, latency: float = 0.0,
    site_port: int = 0, **options: Any,
) -> Iterator[RunningReplica]:
    """Serve a fresh ``Replica(notices, seed, **options)`` for the duration of a ``with`` block:
    every page on ``port``, and each site of ``columns.own_hosts()`` on a host of its own too
    (``site_port``, the next ones for further sites; 0: free ports)."""
    site = Replica(notices, seed, **options)
    with ExitStack() as stack:
        server = stack.enter_context(ReplicaServer(site, port=port, latency=latency))
        hosts = {
            name: stack.enter_context(ReplicaServer(
                site, port=site_port + n if site_port else 0, latency=latency, folders=folders))
            for n, (name, folders) in enumerate(own_hosts().items())
        }
        yield RunningReplica(site, server, hosts)


def serve(
    port: int = 8000, notices: int = 300, seed: int = 1, latency: float = 0.0,
    site_port: int = 0, **options: Any,
) -> None:
    """Serve the replica on 127.0.0.1:``port`` until SIGINT or SIGTERM, and each site on a host
    of its own on ``site_port`` (0: a free port).

    Prints one line with the column's URL (``port=0`` picks a free port, and
    the line says which), then one per other column or site it serves, with the URL of its
    own host where it has one.
    """
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        with running(notices, seed, port=port, latency=latency, site_port=site_port,
                     **options) as replica:
            print(f"replica: {notices} notices (seed {seed}) at {replica.url}", flush=True)
            for column in COLUMNS:  # the other columns and sites (replica/columns.py)
                where = ", on a host of its own" if column.own_host else ""
                print(f"  and {column.site} · {column.name}, {column.pager} pager{where}: "
                      f"{replica.column_url(column.path)}", flush=True)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
