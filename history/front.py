"""A site of several sources: each source's pages under ``sources/<id>/``, one top for all.

``build_sources_site(parts, site_dir)`` draws each source's pages with
``build.build_site`` into its folder (``core.sitemap.source_folder``: its index,
changes, health, feed and notice pages, so two sources may reuse a notice id),
then the top: one index of every source's notices with a filter by source
(client-side, like the issuer filter), changes and health of every source, each
cycle naming its source, ``feed.atom`` of every source, the feeds of each source,
issuer and unit (``build.write_feeds``), and one ``search/`` over every source's
notice pages, and the inspected units' pages (``units/``) from ``across``, the copy
across sources, whose relations judge each unit on every source's documents (a
top without it says it has none yet). Each source is read from its own analyst copy, through the
connection the application opened (read-only); the site holds its lock meanwhile
(``files.site_lock``), so two sources' cycles publishing at once take turns.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from core import sitemap
from core.sources import Source
from core.vocabulary import shanghai_date
from history import search
from history.build import (
    SiteReport,
    SourcePages,
    _changes,
    _health,
    _index,
    _write,
    build_site,
    code_fingerprint,
    write_assets,
    write_feeds,
)
from history.files import Manifest, read_manifest, site_lock, write_manifest
from history.units import write_units

UP = "../../"  # from sources/<id>/ to the top


@dataclass(frozen=True)
class SourceSite:
    """One source of the site: the source, an open connection to its warehouse's analyst
    copy (read-only is enough), and the folder of its raw pages."""

    source: Source
    con: object
    raw_dir: Path


def build_sources_site(parts: Sequence[SourceSite], site_dir: Path, *,
                       site_url: str | None = None, full: bool = False,
                       now: datetime | None = None, as_of: date | None = None,
                       deadline: float | None = None, across=None) -> SiteReport:  # fmt: skip
    """Write (or bring up to date) the site of the sources ``parts`` in ``site_dir``; see the
    module docstring. The options are ``build.build_site``'s, ``across`` an open connection
    to the copy across sources (None: none yet); the report adds up the sources' and the
    top's work."""
    t0 = time.monotonic()
    site_dir = Path(site_dir)
    built_at = now or datetime.now(UTC)
    with site_lock(site_dir):
        previous = read_manifest(site_dir)
        if previous is None:  # mark the folder as a site before anything else lands in it
            previous = Manifest()
            write_manifest(site_dir, previous)
        base = sitemap.normalise_base(site_url) if site_url else None
        report = SiteReport(site_dir, as_of or shanghai_date(built_at), full=full)
        ids: dict[str, list[str]] = {}
        written: dict[str, list[str]] = {}
        pages: list[SourcePages] = []
        manifests: dict[str, Manifest] = {}
        for part in parts:
            folder = sitemap.source_folder(part.source.id)
            sub = build_site(part.con, part.raw_dir, site_dir / folder,
                             site_url=sitemap.join(base, folder), full=full, now=built_at,
                             as_of=as_of, deadline=deadline, source=part.source, top=UP)
            _add(report, sub)
            ids[folder], written[folder] = sub.notice_ids, sub.written_ids
            manifests[folder] = sub.manifest
            pages.append(SourcePages.read(part.con, part.source, folder))
        _write_top(report, parts, pages, site_dir, base, built_at, across)
        key = {"code": code_fingerprint(), "sources": [p.source.id for p in parts]}
        if full or previous.key != key or any(written.values()) or search.wanting(site_dir):
            built = search.build_folders_search(
                site_dir, ids, None if full or previous.key != key else written,
                deadline=deadline)
            report.search_seconds, report.unsearched = built
        # each source's manifest after the search read its pages: a build killed before
        # rewrites those pages, and indexes them, next time
        for folder, manifest in manifests.items():
            write_manifest(site_dir / folder, manifest)
        write_manifest(site_dir, Manifest(key=key, as_of=report.as_of.isoformat(),
                                          built_at=built_at.isoformat()))  # fmt: skip
    report.seconds = time.monotonic() - t0
    return report


def _add(report: SiteReport, sub: SiteReport) -> None:
    report.as_of = max(report.as_of, sub.as_of) if report.notices else sub.as_of
    report.notices += sub.notices
    report.pages_written += sub.pages_written
    report.archives_written += sub.archives_written
    report.unwritten += sub.unwritten
    report.bytes_written += sub.bytes_written


def _write_top(report: SiteReport, parts: Sequence[SourceSite], pages: list[SourcePages],
               site_dir: Path, base: str | None, built_at: datetime,
               across=None) -> None:  # fmt: skip
    """The top's pages and feeds, of every source; its units' pages from ``across``."""
    write_assets(report, site_dir)
    common = {"as_of": report.as_of, "built_at": built_at, "root": "", "top": ""}
    cons = [(part.con, p) for part, p in zip(parts, pages, strict=True)]
    _write(report, site_dir / sitemap.INDEX, _index(pages, report.as_of, common))
    _write(report, site_dir / sitemap.CHANGES, _changes(cons, common))
    _write(report, site_dir / sitemap.HEALTH, _health(cons, common))
    report.units = write_units(across, site_dir, common,
                               lambda path, text: _write(report, path, text), by_source=True)
    write_feeds(report, site_dir, pages, site_url=base, built_at=built_at, whole=True)
