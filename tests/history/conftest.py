"""A history site built the real way: the replica crawled over HTTP, four cycles, edits between.

The package-wide ``story`` fixture runs ``zgwatch.pipeline.run`` (crawl,
load, diff, alert, publish: analysts' copy and site) four times against one
replica, changing the column between cycles:

1. baseline; one page carries scripts (``HOSTILE``) from the start;
2. ``EDITED`` gets a passage rewritten, ``EXPIRING``'s period ends in two days,
   ``REMOVED`` is taken down (first absence: no event yet);
3. ``EDITED`` is rewritten again (with markup-like text), a notice with a
   markup-like title is added, the removal is confirmed;
4. one article answers 503 (a fault: no event).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from replica import running
from replica.state import Article
from warehouse.db import connect

# Scripts and loads a page may carry: none may run or load in an archived copy.
HEAD_SCRIPT = (b'<script>document.title = "SCRIPT RAN"; console.log("zgwatch-test: head script");'
               b"</script>")  # fmt: skip


def body_traps(outside: str) -> bytes:
    """Loads from an outside server (``outside``), a handler, a script link, an inline script."""
    return (f'<img src="{outside}pixel.gif" onerror="console.log(\'zgwatch-test: onerror\')">'
            f'<iframe src="{outside}frame.html"></iframe>'
            f'<link rel="stylesheet" href="{outside}style.css">'
            '<a href="javascript:console.log(\'zgwatch-test: link\')">link</a>'
            '<script>document.body.setAttribute("data-ran", "1");</script>').encode()


class Outside:
    """Another site on loopback that records every request it gets: an outside load shows here."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
MARKUP_TITLE = '中共<b>测试</b>&"引号"委员会关于巡视整改进展情况的通报'
MARKUP_TEXT = "<img src=x onerror=alert(1)>整改到位"


@dataclass
class Story:
    """What the fixture did, for the tests to check against."""

    data: Path
    db: Path  # the analysts' copy the site was built from
    site_dir: Path
    ids: dict[str, str]  # role -> notice id
    edits: list[tuple[str, str]]  # EDITED's (old, new) passages, in order
    reports: list = field(default_factory=list)  # the SiteReport of each cycle
    inodes: list[dict[str, int]] = field(default_factory=list)  # page -> inode after each cycle
    batches: list[str] = field(default_factory=list)
    outside: Outside | None = None  # where the hostile page's loads point

    def con(self):
        return connect(self.db, read_only=True)

    def page(self, path: str) -> str:
        return (self.site_dir / path).read_text(encoding="utf-8")

    def raw_bytes(self, notice_id: str, version_no: int) -> bytes:
        with self.con() as con:
            sha = con.execute("SELECT raw_sha256 FROM notice_versions WHERE notice_id = ? AND "
                              "version_no = ?", [notice_id, version_no]).fetchone()[0]
        path = self.data / "raw" / sha[:2] / f"{sha}.html.gz"
        return gzip.decompress(path.read_bytes())


def _inject(site, notice_id: str, outside: Outside) -> None:
    """Make the replica serve ``notice_id``'s article with scripts and outside loads in it."""
    plain = site.article
    traps = body_traps(outside.url)

    def article(nid: str) -> Article | None:
        page = plain(nid)
        if page is None or nid != notice_id:
            return page
        body = page.body.replace(b"</head>", HEAD_SCRIPT + b"</head>", 1)
        body = body.replace(b'<div class="footer">', traps + b'<div class="footer">', 1)
        return Article(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                       page.last_modified)  # fmt: skip

    site.article = article


def _inodes(site_dir: Path) -> dict[str, int]:
    return {str(p.relative_to(site_dir)): p.stat().st_ino
            for p in site_dir.rglob("*.html")}  # fmt: skip


@pytest.fixture(scope="package")
def story(tmp_path_factory) -> Iterator[Story]:
    from zgwatch import pipeline
    from zgwatch.config import load_settings

    data = tmp_path_factory.mktemp("history") / "data"
    outside = Outside()
    with running(notices=45, seed=1) as rep:
        site = rep.site
        settings = load_settings({
            "source": rep.url, "db": data / "zgwatch.duckdb", "data_dir": data,
            "as_of": site.today.isoformat(), "delay": 0, "timeout": 5, "lock_wait": 30,
            "recent_days": 100_000,  # every notice is read every cycle
            "absence_interval": 0,  # cycles seconds apart, each a cycle (not a rerun)
        }, env={})  # fmt: skip
        listed = site.notice_ids()
        ids = {"HOSTILE": listed[1], "EDITED": listed[2], "EXPIRING": listed[4],
               "REMOVED": listed[5], "FAULTED": listed[7]}  # fmt: skip
        story = Story(data, analyst_copy(settings.db), settings.site_folder, ids, [],
                      outside=outside)

        def cycle() -> None:
            report = pipeline.run(settings)
            story.reports.append(report.site)
            story.batches.append(report.crawl.batch_dir.name)
            story.inodes.append(_inodes(settings.site_folder))

        _inject(site, ids["HOSTILE"], outside)
        cycle()

        edited = site.notice(ids["EDITED"])
        old = unique_passage(edited.text, edited.paragraphs[1], 8)
        site.edit(ids["EDITED"], old, "整改承诺已经兑现")
        story.edits.append((old, "整改承诺已经兑现"))
        site.set_period(ids["EXPIRING"], site.today - timedelta(days=20),
                        site.today + timedelta(days=2))  # fmt: skip
        site.remove(ids["REMOVED"])
        cycle()

        old = unique_passage(edited.text, edited.paragraphs[3], 6)
        site.edit(ids["EDITED"], old, MARKUP_TEXT)
        story.edits.append((old, MARKUP_TEXT))
        ids["MARKUP"] = site.add_notice(title=MARKUP_TITLE)
        cycle()

        site.set_fault(site.article_path(ids["FAULTED"]), "503")
        cycle()
    try:
        yield story
    finally:
        outside.stop()


def analyst_copy(db: Path) -> Path:
    """The analysts' copy beside the warehouse (what the publish step builds the site from)."""
    return db.with_name(f"{db.stem}.analyst.duckdb")


def unique_passage(text: str, paragraph: str, length: int) -> str:
    """A piece of ``paragraph`` that occurs once in ``text``, so an edit of it is unambiguous."""
    for start in range(2, len(paragraph) - length):
        piece = paragraph[start : start + length]
        if text.count(piece) == 1 and "\n" not in piece:
            return piece
    raise AssertionError(f"no unique passage of {length} characters in {paragraph!r}")


@dataclass
class SourcesStory:
    """A site of two sources (two replicas of one seed: they reuse every notice id)."""

    settings: object  # the registry's Settings
    site_dir: Path
    sources: tuple  # core.sources.Source, in the registry's order
    ids: dict[str, list[str]]  # source id -> its notice ids
    added: str  # the notice added to the second source in the second cycle
    reports: list = field(default_factory=list)


@pytest.fixture(scope="package")
def sources_story(tmp_path_factory) -> Iterator[SourcesStory]:
    """Two sources in ``[[sources]]``, each its own replica; a cycle of each (the baseline),
    then a new notice in the second and a cycle of each again, the site built by their
    publish steps as ``zgwatch run`` does."""
    from contextlib import ExitStack

    from zgwatch import pipeline
    from zgwatch.config import load_settings

    data = tmp_path_factory.mktemp("sources") / "data"
    with ExitStack() as stack:
        first = stack.enter_context(running(notices=8, seed=3))
        second = stack.enter_context(running(notices=8, seed=3))
        settings = load_settings({
            "data_dir": data, "as_of": first.site.today.isoformat(), "delay": 0, "timeout": 5,
            "lock_wait": 30, "recent_days": 100_000, "absence_interval": 0,
            "site_url": "https://zg.example.org/watch/",
            "sources": [
                {"id": "gd-zgls", "url": first.url, "name": "南粤清风网 · 整改落实"},
                {"id": "gd-xsgg", "url": second.url, "name": "南粤清风网 · 巡视公告",
                 "kind": "stationing"},
            ],
        }, env={})  # fmt: skip
        story = SourcesStory(settings, settings.site_folder, settings.source_list,
                             {"gd-zgls": first.site.notice_ids(),
                              "gd-xsgg": second.site.notice_ids()}, "")

        def cycles() -> None:
            for source in settings.source_list:
                story.reports.append(pipeline.run(settings.for_source(source)).site)

        cycles()
        story.added = second.site.add_notice(
            title="中共珠海市金湾区委员会关于巡视整改进展情况的通报", issuer="珠海市金湾区委员会")
        story.ids["gd-xsgg"].append(story.added)
        cycles()
    yield story
