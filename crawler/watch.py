"""The watcher's probe: one conditional request for a source's first list page.

``probe`` asks for the first list page once, with the validators the site
gave last time (``If-None-Match`` / ``If-Modified-Since``), and says what it
saw:

- ``unchanged``: a 304, or a page whose entries (as the source's profile reads
  them: id, title, date, URL) hash to what they hashed to last time. A site
  that sends no validators, or whose validators move with a counter script,
  is judged by the entries alone.
- ``changed``: a page read ``ok`` whose entries hash to something else.
- ``baseline``: a page read ``ok`` with no state to compare with (a first
  start): the state is recorded and nothing fires.
- ``failed``: anything the crawl would not call content (``classify_list``: a
  shield page, a 5xx, a page cut off, an empty list, a wrong page) and any
  transport failure (time-out, refused, reset). Never a change; the state
  stays as it was.

The state is small JSON (``ProbeState``): the validators, the entries' hash,
and when the last full cycle ran. This module is a stage: it knows nothing of
Airflow or of the application's settings; the CLI's watcher
(``zgwatch/watch.py``) and the Airflow trigger (``zgwatch/airflow/watcher.py``)
both call it.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from core import vocabulary as v
from crawler.parsing.classify import classify_list
from crawler.parsing.model import ListPage
from crawler.profiles import AUTO_PROFILE, Profile

STATE_NAME = "watch.json"  # in the source's data folder
MAX_BYTES = 8 * 1024 * 1024  # a list page is tens of kB; more is no list page

CHANGED, UNCHANGED, BASELINE, FAILED = "changed", "unchanged", "baseline", "failed"


@dataclass(frozen=True)
class ProbeState:
    """What the watcher remembers of a source between two probes (and across restarts)."""

    digest: str | None = None  # sha256 of the first page's entries (``entries_digest``)
    etag: str | None = None
    last_modified: str | None = None
    full_at: float | None = None  # when the last full cycle ended (epoch seconds)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> ProbeState | None:
        """The state in ``data``, or None when it is not one (a hand-edited or foreign file:
        treated as no state, so the watcher records a baseline rather than firing)."""
        if not isinstance(data, dict):
            return None
        fields = {k: data.get(k) for k in ("digest", "etag", "last_modified", "full_at")}
        text = ("digest", "etag", "last_modified")
        if any(fields[k] is not None and not isinstance(fields[k], str) for k in text):
            return None
        if fields["full_at"] is not None and not isinstance(fields["full_at"], int | float):
            return None
        return cls(**fields)


@dataclass(frozen=True)
class ProbeResult:
    """One probe: ``outcome`` (changed, unchanged, baseline, failed), why, the fetch outcome
    (``core.vocabulary.Outcome``, or ``not_modified``), and the state to keep after it."""

    outcome: str
    reason: str
    fetch: str
    state: ProbeState | None

    @property
    def fires(self) -> bool:
        return self.outcome == CHANGED

    def line(self, url: str) -> str:
        return f"probe {url}: {self.outcome} ({self.fetch}: {self.reason})"


def entries_digest(page: ListPage) -> str:
    """A hash of what a list page lists: each entry's id, date, title and URL, in order.
    Markup, the pager and a counter script change nothing; a new, removed, retitled or
    moved entry changes it."""
    h = hashlib.sha256()
    for e in page.entries:
        day = e.listed_on.isoformat() if e.listed_on else ""
        h.update("\x1f".join((e.notice_id, day, e.title, e.url)).encode("utf-8") + b"\x1e")
    return h.hexdigest()


def probe(url: str, state: ProbeState | None, *, profile: Profile = AUTO_PROFILE,
          timeout: float = v.TIMEOUT, user_agent: str = v.USER_AGENT) -> ProbeResult:
    """One conditional GET of ``url`` (a source's first list page) judged against ``state``."""
    try:
        status, final, headers, body = _get(url, _conditional(state), timeout, user_agent)
    except (OSError, http.client.HTTPException) as exc:
        return ProbeResult(FAILED, _transport_reason(exc), _transport_outcome(exc), state)
    return judge(status, body, final, headers, state, profile)


def judge(status: int, body: bytes, url: str, headers: dict, state: ProbeState | None,
          profile: Profile = AUTO_PROFILE) -> ProbeResult:
    """What one answer to the probe means against ``state`` (pure: no request)."""
    if status == 304 and state is not None and state.digest is not None:
        return ProbeResult(UNCHANGED, "304 not modified", v.Outcome.NOT_MODIFIED, state)
    outcome, reason, page = classify_list(status, body, url, headers, profile)
    if page is None:
        return ProbeResult(FAILED, reason, outcome, state)
    new = replace(state or ProbeState(), digest=entries_digest(page),
                  etag=_header(headers, "etag"), last_modified=_header(headers, "last-modified"))
    if state is None or state.digest is None:
        return ProbeResult(BASELINE, f"{len(page.entries)} entries recorded", outcome, new)
    if new.digest == state.digest:
        return ProbeResult(UNCHANGED, f"{len(page.entries)} entries, as before", outcome, new)
    return ProbeResult(CHANGED, f"{len(page.entries)} entries, not as before", outcome, new)


def _conditional(state: ProbeState | None) -> dict[str, str]:
    """The validators to send: only with a digest to fall back on (a 304 must mean
    "as the entries we hashed")."""
    if state is None or state.digest is None:
        return {}
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def _get(url: str, extra: dict[str, str], timeout: float, user_agent: str):
    """(status, final URL, headers, body) of one GET; raises what urllib raises."""
    # the header goes out as UTF-8 bytes, as the crawl sends it (http.client writes latin-1)
    agent = user_agent.encode("utf-8").decode("latin-1")
    request = urllib.request.Request(url, headers={"User-Agent": agent, **extra})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return (response.status, response.url, dict(response.headers),
                    response.read(MAX_BYTES))
    except urllib.error.HTTPError as exc:  # 304 and every 4xx/5xx: an answer, not a failure
        with exc:
            return exc.code, url, dict(exc.headers or {}), exc.read(MAX_BYTES)


def _header(headers: dict, name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)


def _transport_outcome(exc: BaseException) -> str:
    reason = getattr(exc, "reason", exc)
    if isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError):
        return v.Outcome.TIMEOUT
    if isinstance(exc, http.client.IncompleteRead):
        return v.Outcome.TRUNCATED
    return v.Outcome.ERROR


def _transport_reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return " ".join(f"{type(reason).__name__}: {reason}".split())[:200]


# -- the state file ------------------------------------------------------------------------


def state_path(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_NAME


def read_state(path: Path) -> ProbeState | None:
    """The state kept at ``path``; None when there is none or it cannot be read (a
    baseline follows, never a false change)."""
    try:
        return ProbeState.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def write_state(path: Path, state: ProbeState) -> None:
    """Replace the state at ``path`` atomically (a crash leaves the old one or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".watch-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state.to_json(), fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
