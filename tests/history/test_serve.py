"""``zgwatch serve`` against a hostile client and a hostile folder (issue 29, item 4).

Only regular files inside the site folder are served (no symlink out of it, no
directory listing), a bad path is a 400, idle connections are closed, the listen
backlog is real, and the CSP is chosen from the path as the server resolves it.
"""

from __future__ import annotations

import http.client
import socket
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import sitemap
from history.serve import BACKLOG, make_server, serving


@pytest.fixture
def site(tmp_path) -> Path:
    return make_site(tmp_path)


def make_site(tmp_path: Path) -> Path:
    """A small site folder, a secret beside it and links out of it and within it."""
    root = tmp_path / "site"
    (root / "notices").mkdir(parents=True)
    (root / "archive" / "1").mkdir(parents=True)
    (root / sitemap.INDEX).write_text("<p>整改落实</p>", encoding="utf-8")
    (root / "notices" / "1.html").write_text("<p>notice</p>", encoding="utf-8")
    (root / sitemap.archived_copy("1", 1)).write_text("<p>archived</p>", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0", encoding="utf-8")
    (root / "passwd").symlink_to(secret)
    (root / "up").symlink_to(tmp_path)
    (root / "inside.html").symlink_to(root / sitemap.INDEX)  # a link inside: fine
    return root


def get(base: str, path: str) -> tuple[int, dict, bytes]:
    host, port = base.removeprefix("http://").rstrip("/").split(":")
    con = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        con.putrequest("GET", path, skip_accept_encoding=True)
        con.endheaders()
        r = con.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        con.close()


def test_a_symlink_out_of_the_folder_is_not_served(site):
    with serving(site) as base:
        for path in ("/passwd", "/up/secret.txt", "/up/", "/up"):
            status, _, body = get(base, path)
            assert status == 404, path
            assert b"root:x" not in body
        assert get(base, "/inside.html")[0] == 200


@pytest.mark.parametrize("path", ["/notices/", "/notices", "/archive/1/", "/archive"])
def test_a_directory_is_404_not_a_listing(site, path):
    with serving(site) as base:
        status, _, body = get(base, path)
    assert status == 404
    assert b"Directory listing" not in body and b"1.html" not in body


@pytest.mark.parametrize("path", ["/index.html%00", "/%00", "/notices/%001.html"])
def test_a_nul_in_the_path_is_400(site, path):
    with serving(site) as base:
        status, _, _ = get(base, path)
        assert status == 400
        assert get(base, "/index.html")[0] == 200  # the server goes on


@pytest.mark.parametrize("path", ["/notices/../archive/1/v1.html", "/./archive/1/v1.html",
                                  "//archive/1/v1.html", "/archive/./1/v1.html",
                                  "/notices/%2e%2e/archive/1/v1.html"])
def test_the_csp_is_chosen_from_the_path_as_resolved(site, path):
    with serving(site) as base:
        status, headers, body = get(base, path)
    assert status == 200 and body == b"<p>archived</p>"
    assert "sandbox" in headers["Content-Security-Policy"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["/", ".", "..", "%2e", "%2f", "%00", "a", "archive", "1",
                                 "v1.html", "~", "%5c", "up", "passwd", "secret.txt"]),
                max_size=12).map("".join))
def test_nothing_outside_the_folder_is_ever_served(site_server, junk):
    base, _ = site_server
    status, headers, body = get(base, "/" + junk)
    assert b"root:x" not in body
    assert status in (200, 400, 404)
    if status == 200 and body == b"<p>archived</p>":
        assert "sandbox" in headers["Content-Security-Policy"]


@pytest.fixture(scope="module")
def site_server(tmp_path_factory):
    root = make_site(tmp_path_factory.mktemp("served"))
    with serving(root) as base:
        yield base, root


def test_the_listen_backlog_is_real(site):
    server = make_server(site, 0)
    try:
        assert server.request_queue_size == BACKLOG >= 128
    finally:
        server.server_close()


def test_an_idle_connection_is_closed(site):
    server = make_server(site, 0, idle_timeout=0.5)
    import threading

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=30) as s:
            s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")  # never finished
            deadline = time.monotonic() + 20
            data = b"x"
            while data and time.monotonic() < deadline:
                data = s.recv(4096)  # the server closes it: recv returns b""
            assert data == b""
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
