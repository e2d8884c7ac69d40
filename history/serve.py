"""Show a built site on 127.0.0.1 for a local look (``zgwatch serve``): the standard library's
static file server, plus the headers a real host should send too.

Archived copies (``archive/…``) are served with ``ARCHIVE_CSP`` and ``sandbox``:
the browser runs no script in them even if one got past the sanitiser. Other
pages get ``PAGE_CSP``, which allows only the site's own script file. The
choice is made on the path as it is resolved (``/notices/../archive/…`` is an
archived copy).

Only regular files inside the folder are served, symbolic links followed only
while they stay inside it; a directory is its ``index.html`` or a 404 (no
listing); a path holding NUL is a 400. Each connection may sit idle for
``IDLE_TIMEOUT`` seconds, and the listen backlog is ``BACKLOG``, so a crowd of
slow or half-sent requests neither holds threads for ever nor turns others away.
"""

from __future__ import annotations

import contextlib
import posixpath
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from core import sitemap
from core.errors import ConfigError
from history.archive import ARCHIVE_CSP
from history.files import MANIFEST
from history.pages import PAGE_CSP

HOST = "127.0.0.1"
BACKLOG = 1024  # connections waiting to be accepted (socketserver's default is 5)
IDLE_TIMEOUT = 15.0  # seconds a connection may send or take nothing before it is closed


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files of one site folder, with security headers; quiet unless asked."""

    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map,
                      ".atom": "application/atom+xml", ".js": "text/javascript",
                      ".json": "application/json", ".html": "text/html; charset=utf-8",
                      ".css": "text/css; charset=utf-8"}  # fmt: skip
    verbose = False
    timeout = IDLE_TIMEOUT
    site_path = ""  # the request's path as resolved: what the CSP is chosen from

    def end_headers(self) -> None:
        if sitemap.is_archived_copy(self.site_path):
            self.send_header("Content-Security-Policy", f"{ARCHIVE_CSP}; sandbox")
        else:
            self.send_header("Content-Security-Policy", PAGE_CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def send_head(self):
        self.site_path = ""
        status, path = self.resolve(unquote(urlsplit(self.path).path))
        if status != 200:
            self.send_error(status)
            return None
        self.path = path  # the standard handler serves what translate_path makes of it
        return super().send_head()

    def resolve(self, path: str) -> tuple[int, str]:
        """(200, the site path of the regular file to serve), or (400 or 404, "").

        ``path`` is the request's path, percent-decoded.
        """
        if "\0" in path:
            return 400, ""
        normal = posixpath.normpath("/" + path.lstrip("/"))  # "/.." is "/": never above it
        root = Path(self.directory).resolve()
        try:
            target = (root / normal.lstrip("/")).resolve()
            if target.is_dir():
                target, normal = target / sitemap.INDEX, posixpath.join(normal, sitemap.INDEX)
            if not target.is_relative_to(root) or not target.is_file() or \
                    target.name == MANIFEST:  # the build's bookkeeping is not part of the site
                return 404, ""
        except (OSError, ValueError):  # a name too long, a loop of links
            return 404, ""
        self.site_path = normal
        return 200, normal

    def list_directory(self, path):
        self.send_error(404)  # never a listing (resolve sends no directory here anyway)
        return None

    def log_message(self, format: str, *args) -> None:
        if self.verbose:
            super().log_message(format, *args)


def check_site(site_dir: Path) -> Path:
    """``site_dir`` if it holds a built site; ``ConfigError`` naming what is missing otherwise."""
    site_dir = Path(site_dir)
    if not (site_dir / sitemap.INDEX).is_file():
        raise ConfigError(f"no site in {site_dir} (no {sitemap.INDEX}): build it first")
    return site_dir


class SiteServer(ThreadingHTTPServer):
    """One thread per connection (each closed after ``IDLE_TIMEOUT`` idle), a real backlog."""

    request_queue_size = BACKLOG


def make_server(site_dir: Path, port: int, *, verbose: bool = False,
                idle_timeout: float = IDLE_TIMEOUT) -> ThreadingHTTPServer:
    """A server for ``site_dir`` on 127.0.0.1:``port`` (0: any free port), not started yet.

    ``OSError`` when the port cannot be had (in use, not allowed).
    """
    handler = partial(type("Handler", (SiteHandler,), {"verbose": verbose,
                                                       "timeout": idle_timeout}),
                      directory=str(check_site(site_dir)))  # fmt: skip
    return SiteServer((HOST, port), handler)


def serve(site_dir: Path, port: int, *, announce=print) -> None:
    """Serve ``site_dir`` until interrupted; ``announce`` gets the one line saying where."""
    server = make_server(site_dir, port)
    with server:
        announce(f"site: http://{HOST}:{server.server_port}/ (serving {site_dir}; Ctrl-C stops)")
        server.serve_forever()


@contextlib.contextmanager
def serving(site_dir: Path, port: int = 0) -> Iterator[str]:
    """Serve ``site_dir`` in a thread while the block runs; yields the base URL (tests, demo)."""
    server = make_server(site_dir, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
