"""Show a built site on 127.0.0.1 for a local look (``zgwatch serve``): the standard library's
static file server, plus the headers a real host should send too.

Archived copies (``archive/…``) are served with ``ARCHIVE_CSP`` and ``sandbox``:
the browser runs no script in them even if one got past the sanitiser. Other
pages get ``PAGE_CSP``, which allows only the site's own script file.
"""

from __future__ import annotations

import contextlib
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


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files of one site folder, with security headers; quiet unless asked."""

    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map,
                      ".atom": "application/atom+xml", ".js": "text/javascript",
                      ".json": "application/json", ".html": "text/html; charset=utf-8",
                      ".css": "text/css; charset=utf-8"}  # fmt: skip
    verbose = False

    def end_headers(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if sitemap.is_archived_copy(path):
            self.send_header("Content-Security-Policy", f"{ARCHIVE_CSP}; sandbox")
        else:
            self.send_header("Content-Security-Policy", PAGE_CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def send_head(self):
        if Path(unquote(urlsplit(self.path).path)).name == MANIFEST:
            self.send_error(404)  # the build's bookkeeping is not part of the site
            return None
        return super().send_head()

    def log_message(self, format: str, *args) -> None:
        if self.verbose:
            super().log_message(format, *args)


def check_site(site_dir: Path) -> Path:
    """``site_dir`` if it holds a built site; ``ConfigError`` naming what is missing otherwise."""
    site_dir = Path(site_dir)
    if not (site_dir / sitemap.INDEX).is_file():
        raise ConfigError(f"no site in {site_dir} (no {sitemap.INDEX}): build it first")
    return site_dir


def make_server(site_dir: Path, port: int, *, verbose: bool = False) -> ThreadingHTTPServer:
    """A server for ``site_dir`` on 127.0.0.1:``port`` (0: any free port), not started yet.

    ``OSError`` when the port cannot be had (in use, not allowed).
    """
    handler = partial(type("Handler", (SiteHandler,), {"verbose": verbose}),
                      directory=str(check_site(site_dir)))  # fmt: skip
    return ThreadingHTTPServer((HOST, port), handler)


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
