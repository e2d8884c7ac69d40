"""Build the history site: every notice, every version, the changes, the fetches, the feed.

``build_site(con, raw_dir, site_dir)`` reads the warehouse through ``con`` (an
open DuckDB connection; read-only is enough) and the crawler's raw pages
under ``raw_dir``, and writes plain files under ``site_dir`` at the paths of
``core.sitemap``. It is incremental: a notice's page (and the archived copies
of its versions) is rewritten only when the fingerprint of what it shows
moved since the last build, its file is missing, or the code that draws it
(or the column) changed; the index, the changes page, the fetch health page
and the feed are rewritten every time, and so are the inspection cycle's unit pages
(``history/units.py``) when the copy holds its relations. A manifest in the site's root
remembers the fingerprints (``history/files.py``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple

from markupsafe import Markup

from core import sitemap
from core.periods import Phase, period_facts
from core.vocabulary import CONTENT_OUTCOMES, KIND_LABELS, Outcome, shanghai_date
from history import read, search
from history.archive import ARCHIVE_CSP, decode, read_stored, sanitise
from history.diffs import all_pairs
from history.feed import FEED_LIMIT, atom_feed
from history.files import Manifest, read_manifest, write_atomic, write_manifest
from history.pages import STATUS_LABELS, render, when
from history.units import write_units

PACKAGE = Path(__file__).parent
CHANGES_LIMIT = 1000  # events on changes.html (older ones are on each notice's page)
CYCLES_LIMIT = 500  # cycles on health.html
FAILURE_CYCLES = 30  # cycles whose failed fetches are listed one by one
ASSETS = ("site.css", "site.js")


@dataclass
class SiteReport:
    """What one build did."""

    site_dir: Path
    as_of: date
    notices: int = 0
    pages_written: int = 0  # notice pages
    archives_written: int = 0
    full: bool = False
    unwritten: int = 0  # notice pages due but left for the next build (its deadline came)
    bytes_written: int = 0
    search_seconds: float | None = None  # None: the search index was not rebuilt
    units: int = 0  # inspected units with a page (the inspection cycle's relations)
    seconds: float = 0.0

    def __str__(self) -> str:
        kind = "full build" if self.full else "incremental build"
        left = (f", {self.unwritten} notice pages left for the next build" if self.unwritten
                else "")  # fmt: skip
        return (f"{kind} of {self.site_dir} as of {self.as_of}: {self.notices} notices, "
                f"{self.pages_written} notice pages and {self.archives_written} archived "
                f"copies written{left}, {self.bytes_written / 2**20:.1f} MB; "
                + ("" if self.search_seconds is None
                   else f"search index rebuilt in {self.search_seconds:.1f} s; ")
                + f"{self.seconds:.1f} s")  # fmt: skip


@cache
def code_fingerprint() -> str:
    """A hash of everything that draws the pages: a change to any of it rebuilds them all."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    files += [PACKAGE.parent / "core" / name for name in ("textdiff.py", "sitemap.py")]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_site(con, raw_dir: Path, site_dir: Path, *, site_url: str | None = None,
               full: bool = False, now: datetime | None = None,
               as_of: date | None = None,
               deadline: float | None = None) -> SiteReport:  # fmt: skip
    """Write (or bring up to date) the site in ``site_dir``; see the module docstring.

    ``site_url`` is the public base URL the site is served at (absolute links
    in the feed); ``full`` rewrites every page. Days left count from the latest
    cycle's date; ``as_of`` is the caller's "today" for a warehouse with no cycle
    yet (default: the day of ``now`` in Asia/Shanghai). ``site_dir`` must be new, empty,
    or a site an earlier build wrote (``ConfigError`` otherwise). Past
    ``deadline`` (a ``time.monotonic()`` instant) no further notice page is
    written: those left out are not in the manifest, so the next build writes
    them (``SiteReport.unwritten``); the pages every build rewrites still are.
    """
    t0 = time.monotonic()
    site_dir, raw_dir = Path(site_dir), Path(raw_dir)
    built_at = now or datetime.now(UTC)
    previous = read_manifest(site_dir)
    if previous is None:  # mark the folder as a site before anything else lands in it
        previous = Manifest()
        write_manifest(site_dir, previous)
    as_of = read.latest_as_of(con) or as_of or shanghai_date(built_at)
    source = read.column_source(con)
    base = sitemap.normalise_base(site_url) if site_url else None
    # Pages link within the site by relative paths: only the feed (rewritten every
    # time) uses the base URL, so a new one rebuilds nothing.
    key = {"code": code_fingerprint(), "source": source}
    full = full or previous.key != key
    report = SiteReport(site_dir, as_of, full=full)

    summaries = read.notice_summaries(con)
    report.notices = len(summaries)
    # A page shows its days left while the period runs: a new cycle's date moves it.
    fingerprints = {s.notice_id: s.fingerprint + _days_shown(s, as_of) for s in summaries}
    due = [
        s.notice_id for s in summaries
        if full or previous.notices.get(s.notice_id) != fingerprints[s.notice_id]
        or not (site_dir / sitemap.notice_page(s.notice_id)).exists()
    ]  # fmt: skip
    for history in read.notice_histories(con, due):  # in the order of due
        if deadline is not None and time.monotonic() > deadline:
            left = due[due.index(history.notice_id):]
            for notice_id in left:  # not drawn: not in the manifest, so due next time
                fingerprints.pop(notice_id, None)
            report.unwritten = len(left)
            break
        _write_notice(report, history, raw_dir, site_dir, as_of=as_of, rewrite_archives=full)

    for name in ASSETS:
        report.bytes_written += write_atomic(site_dir / "assets" / name,
                                             (PACKAGE / "assets" / name).read_bytes())
    common = {"as_of": as_of, "built_at": built_at, "root": ""}
    _write(report, site_dir / sitemap.INDEX, _index(summaries, as_of, common))
    _write(report, site_dir / sitemap.CHANGES, _changes(con, common))
    _write(report, site_dir / sitemap.HEALTH, _health(con, common))
    report.units = write_units(con, site_dir, common, lambda path, text: _write(report, path, text))
    events = read.feed_events(con, FEED_LIMIT)
    _write(report, site_dir / sitemap.FEED,
           atom_feed(events, source=source, site_url=base, built_at=built_at))
    _write_issuer_feeds(report, con, site_dir, {s.issuer for s in summaries if s.issuer},
                        source=source, site_url=base, built_at=built_at)
    # Pagefind reads the pages as written: the buckets of those written (before the
    # manifest, so a build killed before it rewrites those pages, and indexes, next time)
    if due or full or not search.listing(site_dir):
        report.search_seconds = search.build_search(
            site_dir, fingerprints, None if full else due)
    write_manifest(site_dir, Manifest(key=key, notices=fingerprints, as_of=as_of.isoformat(),
                                      built_at=built_at.isoformat()))  # fmt: skip
    report.seconds = time.monotonic() - t0
    return report


def _write(report: SiteReport, path: Path, data: str | bytes) -> None:
    report.bytes_written += write_atomic(path, data)


def _write_issuer_feeds(report: SiteReport, con, site_dir: Path, issuers: set[str],
                        **feed) -> None:  # fmt: skip
    """One feed per issuer of a notice (its newest ``ISSUER_FEED_LIMIT`` alerted events,
    perhaps none yet: every notice page can link its issuer's), each rewritten like
    ``feed.atom``; the feed of an issuer no notice names any more is removed."""
    by_issuer: dict[str, list] = {issuer: [] for issuer in issuers}
    for e in read.feed_events(con, ISSUER_FEED_LIMIT, per_issuer=True):
        by_issuer.setdefault(e.issuer, []).append(e)
    written = set()
    for issuer, events in by_issuer.items():
        path = site_dir / sitemap.issuer_feed(issuer)
        _write(report, path, atom_feed(events, issuer=issuer, **feed))
        written.add(path.name)
    for old in (site_dir / sitemap.ISSUER_FEEDS).glob("*.atom"):
        if old.name not in written:
            old.unlink()


# -- one notice ------------------------------------------------------------------------------


def _days_shown(s: read.NoticeSummary | read.NoticeHistory, as_of: date) -> str:
    """The days left a notice's page shows as of ``as_of`` (``剩 3 天``, ``今日截止``,
    ``未开始``) while its period is not over, else nothing: a page whose period has
    ended is not rewritten every day."""
    period = period_facts(s.publicity_start, s.publicity_end, as_of)
    return period.label if period.phase in (Phase.OPEN, Phase.UPCOMING) else ""


def _write_notice(report: SiteReport, history: read.NoticeHistory, raw_dir: Path,
                  site_dir: Path, *, as_of: date, rewrite_archives: bool) -> None:  # fmt: skip
    """The notice's page, and the archived copy of each version not written yet."""
    pairs = all_pairs(history.versions)
    default = pairs[-1] if pairs else None  # the last two versions: the latest edit
    page = render("notice.html.j2", n=history, pairs=pairs, default_pair=default,
                  days_shown=_days_shown(history, as_of), as_of=as_of,
                  root="../", page="notice")  # fmt: skip
    _write(report, site_dir / sitemap.notice_page(history.notice_id), page)
    report.pages_written += 1
    for version in history.versions:
        path = site_dir / sitemap.archived_copy(version.notice_id, version.version_no)
        if version.raw_sha256 and (rewrite_archives or not path.exists()):
            _write(report, path, archived_copy(version, raw_dir))
            report.archives_written += 1


def archived_copy(version: read.Version, raw_dir: Path) -> str:
    """The archived copy of ``version``: its stored page, sanitised, under an evidence banner."""
    stored = read_stored(raw_dir, version.raw_sha256)
    content = ""
    if stored.data is not None:
        content = sanitise(decode(stored.data, version.encoding), version.url)
    raw_name = f"raw/{version.raw_sha256[:2]}/{version.raw_sha256}.html.gz"
    return render("archive.html.j2", v=version, stored=stored, content=Markup(content),
                  raw_name=raw_name, csp=ARCHIVE_CSP)  # fmt: skip


# -- the pages rewritten every build -------------------------------------------------------


ISSUER_FEED_LIMIT = 50  # entries of an issuer's feed: its newest alerted events
INDEX_PAGE = 200  # rows the index shows at a time (and writes into its HTML)


class IndexRow(NamedTuple):
    """One notice in the index's JSON (an array: the field names are said once, in ``columns``)."""

    id: str
    title: str | None
    status: str
    issuer: int  # position in the index's ``issuers``; -1 for none
    published: str | None  # ISO dates
    start: str | None
    end: str | None
    days_label: str  # 剩 3 天, 今日截止, 已过 2 天, 未开始, —
    days: int | None
    phase: str  # open, upcoming, closed, unknown (core.periods.Phase)
    kind: str | None  # the latest event
    change: int  # its time, epoch seconds (0: none)
    change_text: str  # its time as people read it


def index_row(s: read.NoticeSummary, as_of: date, issuer: int) -> IndexRow:
    """The index's row of one notice on ``as_of`` (``issuer``: its place in ``issuers``)."""
    period = period_facts(s.publicity_start, s.publicity_end, as_of)
    return IndexRow(
        s.notice_id, s.title, s.status, issuer,
        _iso(s.published_on), _iso(s.publicity_start), _iso(s.publicity_end),
        period.label, period.days_left, str(period.phase), s.last_kind,
        int(s.last_change_at.timestamp()) if s.last_change_at else 0,
        when(s.last_change_at) if s.last_change_at else "",
    )  # fmt: skip


def _index(summaries: list[read.NoticeSummary], as_of: date, common: dict) -> str:
    """The index: its JSON (every notice, the rows the script draws) and the newest rows."""
    issuers = sorted({s.issuer for s in summaries if s.issuer})
    issuer_no = {name: i for i, name in enumerate(issuers)}
    rows, counts = [], {"active": 0, "removed": 0, "open": 0}
    for s in summaries:
        row = index_row(s, as_of, issuer_no.get(s.issuer, -1))
        counts[s.status] = counts.get(s.status, 0) + 1
        counts["open"] += row.phase == Phase.OPEN and s.status == "active"
        rows.append(row)
    index = {
        "as_of": as_of.isoformat(), "columns": IndexRow._fields, "page_size": INDEX_PAGE,
        "notice_page": sitemap.NOTICE_PAGE, "issuers": issuers, "rows": rows,
        "labels": {"status": STATUS_LABELS, "kind": {str(k): v for k, v in KIND_LABELS.items()}},
    }  # fmt: skip
    return render("index.html.j2", first_rows=rows[:INDEX_PAGE], rows_total=len(rows),
                  issuers=issuers, index=index, counts=counts, page_size=INDEX_PAGE,
                  page="index", **common)  # fmt: skip


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass
class CycleChanges:
    """The changes of one cycle (crawl batch) on changes.html."""

    batch_id: str
    detected_at: datetime | None
    as_of: date | None
    baseline: bool
    events: list
    baseline_counts: dict


def _changes(con, common: dict) -> str:
    recent = read.recent_changes(con, CHANGES_LIMIT)
    baseline = read.baseline_counts(con)
    groups: dict[str, CycleChanges] = {}
    for c in recent:
        key = c.batch_id or ""
        if key not in groups:
            groups[key] = CycleChanges(key, c.detected_at, c.as_of, c.baseline, [], {})
        groups[key].events.append(c)
    for batch_id, (counts, detected_at, as_of) in baseline.items():
        group = groups.setdefault(batch_id or "",
                                  CycleChanges(batch_id or "", detected_at, as_of, True, [], {}))
        group.baseline, group.baseline_counts = True, counts
    ordered = sorted(groups.values(), key=lambda g: g.batch_id, reverse=True)
    return render("changes.html.j2", groups=ordered, shown=len(recent),
                  more=len(recent) >= CHANGES_LIMIT, page="changes", **common)  # fmt: skip


def _health(con, common: dict) -> str:
    cycles = read.cycles(con, CYCLES_LIMIT)
    seen = {o for c in cycles for o in c.outcomes}
    shown = [o for o in Outcome if o in seen or o in CONTENT_OUTCOMES]
    shown += sorted(seen - set(shown))  # an outcome the vocabulary does not know yet
    return render("health.html.j2", cycles=cycles, shown_outcomes=shown,
                  more=len(cycles) >= CYCLES_LIMIT, failure_cycles=FAILURE_CYCLES,
                  page="health", **common)  # fmt: skip
