"""Airflow's REST API and UI from tests and benchmarks: a token, a call, a poll, a screenshot.

Only tests and benchmarks use these; ``zgwatch airflow`` itself needs none of them.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from testkit.screenshots import shoot
from zgwatch.airflow.launcher import USER


def api_token(url: str, password: str, user: str = USER) -> str:
    """A JWT from the simple auth manager (``POST /auth/token``) for ``/api/v2`` and the UI."""
    body = json.dumps({"username": user, "password": password}).encode()
    req = urllib.request.Request(f"{url}/auth/token", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["access_token"]


def api(url: str, token: str, path: str, body: dict | None = None) -> dict:
    """GET (or POST ``body``) ``{url}/api/v2{path}`` with the token; the JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{url}/api/v2{path}", data=data, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def wait_for_api(check, timeout: float, what: str, every: float = 1.0):
    """Poll ``check()`` until it answers something truthy; a 404 means "not there yet".

    Raises ``TimeoutError`` naming ``what`` after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def screenshot(page: str, token: str, out: Path, *, size: str = "1400,900",
               budget_ms: int = 15000, timeout: float = 120.0) -> Path:
    """Save a PNG of an Airflow UI ``page`` as the logged-in user, with headless Chromium.

    The UI keeps its login in the ``_token`` cookie. Cookies belong to a host,
    not a port, so a one-shot server on another loopback port sets it and
    redirects to the page.
    """
    import http.server
    import threading

    class Login(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Set-Cookie", f"_token={token}; Path=/; SameSite=Lax")
            self.send_header("Location", page)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Login)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        shoot(f"http://127.0.0.1:{server.server_address[1]}/", out, size=size,
              budget_ms=budget_ms, timeout=timeout)
    finally:
        server.shutdown()
        server.server_close()
    return out
