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
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple

from markupsafe import Markup

from core import sitemap
from core.periods import Phase, period_facts
from core.sources import DEFAULT_SOURCE_ID, Source
from core.units import unit_name
from core.vocabulary import CONTENT_OUTCOMES, KIND_LABELS, Outcome, shanghai_date
from history import read, search
from history.archive import ARCHIVE_CSP, decode, read_stored, sanitise
from history.diffs import all_pairs
from history.feed import FEED_LIMIT, Feed, atom_feed
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
    unsearched: int = 0  # buckets of the site's search due but left for the next build
    bytes_written: int = 0
    search_seconds: float | None = None  # None: the search index was not rebuilt
    units: int = 0  # inspected units with a page (the inspection cycle's relations)
    seconds: float = 0.0
    # for the top of a site of several sources: every notice page, and those written now
    notice_ids: list[str] = field(default_factory=list, repr=False)
    written_ids: list[str] = field(default_factory=list, repr=False)
    manifest: Manifest | None = field(default=None, repr=False)  # a part's, for the top to write

    def __str__(self) -> str:
        kind = "full build" if self.full else "incremental build"
        left = "".join(f", {n} {what} left for the next build" for n, what in (
            (self.unwritten, "notice pages"), (self.unsearched, "search buckets")) if n)
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


@dataclass(frozen=True)
class SourcePages:
    """One source as the pages every build rewrites and the shared feeds see it: its
    notices and alerted events, and the folder of its pages (``""``: the site's root)."""

    source: Source
    folder: str
    column: str | None  # the column URL its feed entries' ids derive from
    summaries: list
    events: list  # its newest FEED_LIMIT alerted events
    by_issuer: list  # the newest ISSUER_FEED_LIMIT alerted events of each issuer

    @staticmethod
    def read(con, source: Source, folder: str = "") -> SourcePages:
        column = read.column_source(con)
        mark = {"folder": folder, "column": column}
        return SourcePages(
            source, folder, column, read.notice_summaries(con),
            [replace(e, **mark) for e in read.feed_events(con, FEED_LIMIT)],
            [replace(e, **mark)
             for e in read.feed_events(con, ISSUER_FEED_LIMIT, per_issuer=True)],
        )  # fmt: skip


def build_site(con, raw_dir: Path, site_dir: Path, *, site_url: str | None = None,
               full: bool = False, now: datetime | None = None,
               as_of: date | None = None,
               deadline: float | None = None, source: Source | None = None,
               top: str = "") -> SiteReport:  # fmt: skip
    """Write (or bring up to date) the site in ``site_dir``; see the module docstring.

    ``source`` is the source the warehouse watches (default: the default source);
    ``top`` is the way up from ``site_dir`` to the top of a site of several sources
    (``../../`` for ``sources/<id>/``, ``history.front``): such a part leaves the
    search index and the feeds of sources, issuers and units to the top. Without
    ``top`` the site is the whole site of one source, as it always was, plus
    ``feeds/source/<id>.atom`` and ``feeds/unit/<unit_id>.atom``.

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
    watched = source or Source(id=DEFAULT_SOURCE_ID, url="")
    source = read.column_source(con)
    base = sitemap.normalise_base(site_url) if site_url else None
    # Pages link within the site by relative paths: only the feed (rewritten every
    # time) uses the base URL, so a new one rebuilds nothing.
    key = {"code": code_fingerprint(), "source": source}
    full = full or previous.key != key
    report = SiteReport(site_dir, as_of, full=full)

    pages = SourcePages.read(con, watched)
    summaries = pages.summaries
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
        _write_notice(report, history, raw_dir, site_dir, as_of=as_of, rewrite_archives=full,
                      top=top)
        report.written_ids.append(history.notice_id)

    write_assets(report, site_dir)
    common = {"as_of": as_of, "built_at": built_at, "root": "", "top": top}
    _write(report, site_dir / sitemap.INDEX, _index([pages], as_of, common))
    _write(report, site_dir / sitemap.CHANGES, _changes([(con, pages)], common))
    _write(report, site_dir / sitemap.HEALTH, _health([(con, pages)], common))
    report.units = write_units(con, site_dir, common, lambda path, text: _write(report, path, text))
    _write(report, site_dir / sitemap.FEED,
           atom_feed(pages.events, source=source, site_url=base, built_at=built_at))
    report.notice_ids = list(fingerprints)
    manifest = Manifest(key=key, notices=fingerprints, as_of=as_of.isoformat(),
                        built_at=built_at.isoformat())  # fmt: skip
    if top:  # a part of a site of several sources: the top does the rest, then writes it
        report.manifest = manifest
    else:
        write_feeds(report, site_dir, [pages], site_url=base, built_at=built_at)
        # Pagefind reads the pages as written: the buckets of those written (before the
        # manifest, so a build killed before it rewrites those pages, and indexes, next time)
        if due or full or search.wanting(site_dir):
            built = search.build_search(site_dir, fingerprints, None if full else due,
                                        deadline=deadline)
            report.search_seconds, report.unsearched = built
        write_manifest(site_dir, manifest)
    report.seconds = time.monotonic() - t0
    return report


def write_assets(report: SiteReport, site_dir: Path) -> None:
    """The pages' style sheet and script, in ``assets/``."""
    for name in ASSETS:
        report.bytes_written += write_atomic(site_dir / "assets" / name,
                                             (PACKAGE / "assets" / name).read_bytes())


def _write(report: SiteReport, path: Path, data: str | bytes) -> None:
    report.bytes_written += write_atomic(path, data)


def _newest(events: list, limit: int) -> list:
    return sorted(events, key=lambda e: e.detected_at, reverse=True)[:limit]


def write_feeds(report: SiteReport, site_dir: Path, parts: list[SourcePages], *,
                site_url: str | None, built_at: datetime, whole: bool = False) -> None:
    """The feeds of the top of a site: one per source (``feeds/source/<id>.atom``), per
    issuer and per unit of a notice (their newest ``ISSUER_FEED_LIMIT`` alerted events
    across the sources, perhaps none yet: every notice page can link its own), and with
    ``whole`` the site's ``feed.atom`` of every source; each rewritten every build, the
    feed of an issuer or unit no notice names any more removed."""
    column = parts[0].column if len(parts) == 1 else None
    common = {"source": column, "site_url": site_url, "built_at": built_at}
    if whole:
        events = _newest([e for p in parts for e in p.events], FEED_LIMIT)
        _write(report, site_dir / sitemap.FEED, atom_feed(
            events, feed=Feed(title="巡视整改 · 变化", about="各来源"), **common))
    for p in parts:
        _write(report, site_dir / sitemap.source_feed(p.source.id), atom_feed(
            p.events, source=p.column, site_url=site_url, built_at=built_at,
            feed=Feed(sitemap.source_feed(p.source.id), f"{p.source.name} · 变化",
                      p.source.name, p.folder + sitemap.INDEX)))  # fmt: skip
    by_issuer: dict[str, list] = {s.issuer: [] for p in parts for s in p.summaries if s.issuer}
    by_unit: dict[str, list] = {unit_name(i).key: [] for i in by_issuer}
    by_unit.pop("", None)
    for e in (e for p in parts for e in p.by_issuer):
        by_issuer.setdefault(e.issuer, []).append(e)
        if key := unit_name(e.issuer).key:
            by_unit.setdefault(key, []).append(e)
    feeds = [(sitemap.ISSUER_FEEDS, i, Feed(sitemap.issuer_feed(i), f"{i} · 整改落实变化", i, None),
              events) for i, events in by_issuer.items()]
    feeds += [(sitemap.UNIT_FEEDS, u, Feed(sitemap.unit_feed(u), f"{u} · 巡视整改变化", u, None),
               events) for u, events in by_unit.items()]
    written: dict[str, set[str]] = {sitemap.ISSUER_FEEDS: set(), sitemap.UNIT_FEEDS: set()}
    for folder, _, feed, events in feeds:
        _write(report, site_dir / feed.path,
               atom_feed(_newest(events, ISSUER_FEED_LIMIT), feed=feed, **common))
        written[folder].add(Path(feed.path).name)
    for folder, names in written.items():
        for old in (site_dir / folder).glob("*.atom"):
            if old.name not in names:
                old.unlink()


# -- one notice ------------------------------------------------------------------------------


def _days_shown(s: read.NoticeSummary | read.NoticeHistory, as_of: date) -> str:
    """The days left a notice's page shows as of ``as_of`` (``剩 3 天``, ``今日截止``,
    ``未开始``) while its period is not over, else nothing: a page whose period has
    ended is not rewritten every day."""
    period = period_facts(s.publicity_start, s.publicity_end, as_of)
    return period.label if period.phase in (Phase.OPEN, Phase.UPCOMING) else ""


def _write_notice(report: SiteReport, history: read.NoticeHistory, raw_dir: Path,
                  site_dir: Path, *, as_of: date, rewrite_archives: bool,
                  top: str = "") -> None:  # fmt: skip
    """The notice's page, and the archived copy of each version not written yet."""
    pairs = all_pairs(history.versions)
    default = pairs[-1] if pairs else None  # the last two versions: the latest edit
    unit = unit_name(history.issuer).key if history.issuer else ""
    page = render("notice.html.j2", n=history, pairs=pairs, default_pair=default,
                  days_shown=_days_shown(history, as_of), as_of=as_of, unit=unit,
                  root="../", top=top, page="notice")  # fmt: skip
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
    source: int = 0  # position in the index's ``sources`` (and ``folders``)


def index_row(s: read.NoticeSummary, as_of: date, issuer: int, source: int = 0) -> IndexRow:
    """The index's row of one notice on ``as_of`` (``issuer``: its place in ``issuers``,
    ``source`` in ``sources``)."""
    period = period_facts(s.publicity_start, s.publicity_end, as_of)
    return IndexRow(
        s.notice_id, s.title, s.status, issuer,
        _iso(s.published_on), _iso(s.publicity_start), _iso(s.publicity_end),
        period.label, period.days_left, str(period.phase), s.last_kind,
        int(s.last_change_at.timestamp()) if s.last_change_at else 0,
        when(s.last_change_at) if s.last_change_at else "", source,
    )  # fmt: skip


def _index(parts: list[SourcePages], as_of: date, common: dict) -> str:
    """The index of the notices of ``parts`` (one source, or every source with a filter by
    source): its JSON (every notice, the rows the script draws) and the newest rows."""
    summaries = [(no, s) for no, p in enumerate(parts) for s in p.summaries]
    if len(parts) > 1:  # the newest first, whatever their source
        summaries.sort(key=lambda x: (x[1].published_on or date.min), reverse=True)
    issuers = sorted({s.issuer for _, s in summaries if s.issuer})
    issuer_no = {name: i for i, name in enumerate(issuers)}
    rows, counts = [], {"active": 0, "removed": 0, "open": 0}
    for no, s in summaries:
        row = index_row(s, as_of, issuer_no.get(s.issuer, -1), no)
        counts[s.status] = counts.get(s.status, 0) + 1
        counts["open"] += row.phase == Phase.OPEN and s.status == "active"
        rows.append(row)
    sources = [p.source.name for p in parts]
    folders = [p.folder for p in parts]
    index = {
        "as_of": as_of.isoformat(), "columns": IndexRow._fields, "page_size": INDEX_PAGE,
        "notice_page": sitemap.NOTICE_PAGE, "issuers": issuers, "rows": rows,
        "sources": sources, "folders": folders,
        "labels": {"status": STATUS_LABELS, "kind": {str(k): v for k, v in KIND_LABELS.items()}},
    }  # fmt: skip
    return render("index.html.j2", first_rows=rows[:INDEX_PAGE], rows_total=len(rows),
                  issuers=issuers, index=index, counts=counts, page_size=INDEX_PAGE,
                  sources=sources, folders=folders, parts=parts,
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
    folder: str = ""  # of its source's pages, on a site of several sources
    source_name: str | None = None  # shown on a site of several sources


def _changes(sources: list[tuple[object, SourcePages]], common: dict) -> str:
    """changes.html of one source, or of several (each cycle naming its source)."""
    groups: dict[tuple[str, str], CycleChanges] = {}
    shown = more = 0
    for con, p in sources:
        recent = read.recent_changes(con, CHANGES_LIMIT)
        shown, more = shown + len(recent), more or len(recent) >= CHANGES_LIMIT
        name = p.source.name if len(sources) > 1 else None

        def cycle(batch_id, detected_at, as_of, baseline, p=p, name=name) -> CycleChanges:
            return CycleChanges(batch_id, detected_at, as_of, baseline, [], {}, p.folder, name)

        for c in recent:
            key = (c.batch_id or "", p.folder)
            if key not in groups:
                groups[key] = cycle(key[0], c.detected_at, c.as_of, c.baseline)
            groups[key].events.append(c)
        for batch_id, (counts, detected_at, as_of) in read.baseline_counts(con).items():
            group = groups.setdefault((batch_id or "", p.folder),
                                      cycle(batch_id or "", detected_at, as_of, True))
            group.baseline, group.baseline_counts = True, counts
    ordered = sorted(groups.values(), key=lambda g: g.batch_id, reverse=True)
    return render("changes.html.j2", groups=ordered, shown=shown, more=more,
                  page="changes", **common)  # fmt: skip


def _health(sources: list[tuple[object, SourcePages]], common: dict) -> str:
    """health.html of one source, or of several (each cycle naming its source)."""
    cycles, names = [], {}
    for con, p in sources:
        for c in read.cycles(con, CYCLES_LIMIT):
            cycles.append(c)
            if len(sources) > 1:
                names[c.batch_id] = p.source.name
    cycles.sort(key=lambda c: c.batch_id, reverse=True)
    seen = {o for c in cycles for o in c.outcomes}
    shown = [o for o in Outcome if o in seen or o in CONTENT_OUTCOMES]
    shown += sorted(seen - set(shown))  # an outcome the vocabulary does not know yet
    return render("health.html.j2", cycles=cycles[:CYCLES_LIMIT], shown_outcomes=shown,
                  more=len(cycles) >= CYCLES_LIMIT, failure_cycles=FAILURE_CYCLES,
                  cycle_sources=names, page="health", **common)  # fmt: skip
