"""``zgwatch demo``: the whole story offline, from nothing, in about a minute.

A replica of the site, a local mail server and a local webhook receive what
zgwatch does over a few cycles with changes between them. The demo writes a
registry of four sources on two templates (``zgwatch.toml`` in its folder: the
site's 整改落实, 巡视公告 and 巡视反馈 columns, and a second site on the TRS
template, on a host of its own) and watches them all: the baseline, a new
notice in each source, a one-character edit in each, a publicity period about
to end, a removal in each confirmed on the second cycle, and a bot shield and a
503 that are no alert. Each cycle's publish step also brings the history site
up to date; the last chapter says where it is and how to serve it.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path

from core.errors import ConfigError
from core.sources import Source
from replica import running
from replica.model import RECTIFICATION
from zgwatch import pipeline
from zgwatch.config import Settings, load_settings
from zgwatch.sinks import MailSink, WebhookSink
from zgwatch.status import source_statuses

MARKER = ".zgwatch-demo"  # the demo only ever wipes a folder it made itself
REGISTRY = "zgwatch.toml"  # the registry the demo writes in its folder


@dataclass(frozen=True)
class DemoSource:
    """A source the demo watches: a column of the replica and its ``[[sources]]`` block."""

    id: str
    path: str  # the column's folder on the replica
    name: str
    kind: str
    profile: str = "auto"


SOURCES = (
    DemoSource("gd-zgls", "/xunshizgls/", "南粤清风网 · 整改落实", "rectification"),
    DemoSource("gd-xsgg", "/swxsnew/xsgg/", "南粤清风网 · 巡视公告", "stationing"),
    DemoSource("gd-xsfk", "/swxsnew/xsfk/", "南粤清风网 · 巡视反馈", "feedback"),
    DemoSource("qy-xczg", "/trs/xszg/", "清远廉政网 · 巡察整改", "rectification", "trs"),
)


def registry_toml(data_dir: Path, urls: dict[str, str]) -> str:
    """The ``[[sources]]`` blocks of ``SOURCES`` at ``urls`` (id -> list URL) with their data in
    ``data_dir``, as a file (``zgwatch sources --config FILE`` lists them after the demo)."""
    blocks = ["# written by zgwatch demo: the sources it watches (docs/sources.md)",
              f"data_dir = {json.dumps(str(data_dir), ensure_ascii=False)}"]
    for source in SOURCES:
        fields = {"id": source.id, "url": urls[source.id], "name": source.name,
                  "kind": source.kind, "profile": source.profile}
        blocks.append("\n[[sources]]\n" + "".join(
            f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in fields.items()))
    return "\n".join(blocks)


def _fresh(data_dir: Path) -> None:
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / MARKER).exists():
            raise ConfigError(f"--data-dir {data_dir}: not empty and not a demo folder; "
                              "choose an empty or new folder")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text("made by zgwatch demo; deleted by the next demo run\n")


class Story:
    """Runs cycles of every source and prints what each one found and what arrived at the
    sinks."""

    def __init__(self, settings: Settings, mail: MailSink, hook: WebhookSink, out=sys.stdout):
        self.settings, self.mail, self.hook, self.out = settings, mail, hook, out
        self.seen_mail = self.seen_hook = 0

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def chapter(self, title: str, what: str) -> None:
        self.say(f"\n== {title}")
        self.say(f"   {what}")

    def cycle(self, only: str | None = None) -> None:
        """One cycle of every source, one after the other (``pipeline.run_all``, as ``zgwatch
        run``), or of the source ``only`` (``zgwatch run --only ID``); the first source that
        failed raises its error (the command's one line)."""
        started = time.monotonic()
        outcomes = pipeline.run_all(self.settings, only)
        failed = [o for o in outcomes if not o.ok]
        if failed:  # the story runs on a replica: a source failing ends it, in one line
            raise failed[0].error
        for outcome in outcomes:
            report = outcome.report
            self.say(f"   {outcome.source.id}: {report.crawl.line()}; history site: "
                     f"{report.site.pages_written if report.site else 0} notice page(s) written")
        self.say(f"   cycle of {len(outcomes)} source(s) done in "
                 f"{time.monotonic() - started:.1f} s")
        self._arrivals()

    def _arrivals(self) -> None:
        mails = self.mail.messages[self.seen_mail:]
        hooks = self.hook.accepted[self.seen_hook:]
        self.seen_mail += len(mails)
        self.seen_hook += len(hooks)
        if not mails and not hooks:
            self.say("   alerts: none")
        for msg in mails:
            self.say(f"   ✉ mail    {make_header(decode_header(msg['Subject']))}")
        for req in hooks:
            body = req.get("json") or {}
            title = body.get("title") or str(body.get("message", ""))[:60]
            self.say(f"   ⇢ webhook {title}")


def _tell(story: Story, settings: Settings) -> None:
    import duckdb

    story.chapter("The warehouse", "each source keeps its own; per source:")
    for source in settings.select():
        copy = settings.for_source(source).db.with_suffix(".analyst.duckdb")
        with duckdb.connect(str(copy), read_only=True) as con:
            kinds = con.sql("SELECT kind, count(*) FROM changes GROUP BY kind ORDER BY kind"
                            ).fetchall()
            notices = con.sql("SELECT count(*), sum(versions) FROM notices").fetchone()
            sent = con.sql("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()
        story.say(f"   {source.id}: {notices[0]} notices, {notices[1]} text versions; changes: "
                  + ", ".join(f"{k} {n}" for k, n in kinds) + "; deliveries: "
                  + ", ".join(f"{k} {n}" for k, n in sent))
    story.chapter("The sources", f"as .venv/bin/zgwatch sources --config "
                  f"{settings.data_dir / REGISTRY} lists them (docs/sources.md: how to add a "
                  "column and a site)")
    for status in source_statuses(settings):
        for line in status.lines():
            story.say(f"   {line}")
    copy = pipeline.analyst_copy(settings)  # with a registry: the copy across sources
    story.say("\n== Where to look")
    story.say(f"   analysts (every source): .venv/bin/duckdb -readonly {copy}")
    story.say("     then, at its prompt: FROM change_hunks;  FROM search_notices('违规吃喝');")
    story.say("   queries to start from: docs/analysts.md (each returns rows on this data)")
    registry = settings.data_dir / REGISTRY
    story.say(f"   Parquet files: .venv/bin/zgwatch export --config {registry} "
              "--format parquet DIR")
    index = settings.site_folder / "index.html"
    story.say(f"   the history site (every source's notices, versions and diffs; feeds): {index}")
    story.say(f"     serve it: .venv/bin/zgwatch serve {settings.site_folder}  "
              "→ http://127.0.0.1:8001/  (docs/site.md)")
    story.say("   the Airflow UI: .venv/bin/zgwatch airflow  (docs/operators.md)")
    story.say("   the real column: .venv/bin/zgwatch run --notify mailto://…  (README)")


def _revisited(column, settings: Settings) -> str:
    """A notice every cycle still reads (published within ``recent_days``): the third on
    the list if it is (on 整改落实, the one docs/analysts.md reads), else the second, else
    the newest (a column of rounds months apart: the one chapter 2 added)."""
    ids = column.notice_ids()
    return next((i for i in (ids[2], ids[1]) if _read_every_cycle(column.notice(i), settings)),
                ids[0])


def _read_every_cycle(notice, settings: Settings) -> bool:
    """Whether the crawl reads ``notice`` every cycle (published within ``recent_days``)."""
    return notice.published_on >= settings.as_of - timedelta(days=settings.recent_days - 1)


def _rectification(site, settings: Settings, *, exclude: str) -> str:
    """A progress notice with a 公开期限 that every cycle still reads (published within
    ``recent_days``), under the newest, not ``exclude`` (整改落实 also lists stationing
    announcements, whose window is a letters deadline)."""
    return next(i for i in site.notice_ids()[1:] if i != exclude
                and (n := site.notice(i)).kind == RECTIFICATION and _read_every_cycle(n, settings))


def _title(column, notice_id: str) -> str:
    """「title」 of a notice of a replica column, as the alerts will quote it."""
    return f"「{column.notice(notice_id).title}」"


def _hosts(settings: Settings) -> str:
    """Which sources share a host (and so one politeness budget)."""
    by_host: dict[str, list[Source]] = {}
    for source in settings.source_list:
        by_host.setdefault(source.host, []).append(source)
    return "; ".join(f"{host}: {', '.join(s.id for s in sources)}"
                     for host, sources in by_host.items())


def main(data_dir: Path) -> int:
    """Run the story in ``data_dir`` (wiped first if an earlier demo made it)."""
    started = time.monotonic()
    _fresh(data_dir)
    with running(notices=60, seed=7) as rep, MailSink() as mail, WebhookSink() as hook:
        site = rep.site
        registry = data_dir / REGISTRY
        registry.write_text(registry_toml(data_dir, {s.id: rep.column_url(s.path)
                                                      for s in SOURCES}), encoding="utf-8")
        settings = load_settings({
            "notify": [mail.url(), hook.url()], "as_of": site.today,
            "delay": 0, "timeout": 5,
            "absence_interval": 0,  # the story's cycles are seconds apart; each counts as one
        }, env={}, config_file=registry)
        columns = {s.id: site.column(s.path) for s in SOURCES}
        story = Story(settings, mail, hook)
        story.say(f"zgwatch demo: {len(SOURCES)} sources on two templates ({registry}), "
                  f"mail on 127.0.0.1:{mail.port}, webhook on {hook.url()}")
        for source in settings.source_list:
            story.say(f"   {source.id:8} {source.name} ({source.kind}, profile {source.profile}, "
                      f"{len(columns[source.id].notice_ids())} notices): {source.url}")
        story.say(f"   one politeness budget per host: {_hosts(settings)}")
        story.say(f"as of {settings.as_of}, warning {settings.warn_days} days before a "
                  "publicity period ends; data in " + str(data_dir))

        story.chapter("1. Baseline", "the first cycle records every notice; one summary "
                      "message per source, not one per notice (periods ending soon are alerted)")
        story.cycle()

        story.chapter("2. A new notice", "in each source a new notice appears at the top of "
                      "page 1, the rest shift down a place; and now that every source has been "
                      "read, the feedback source judges the rounds whose progress notice is "
                      "overdue (整改公开逾期, once each; many at once: one digest)")
        for source in SOURCES:
            new_id = columns[source.id].add_notice()
            story.say(f"   {source.id}: new notice {new_id} {_title(columns[source.id], new_id)}")
        story.cycle()

        story.chapter("3. A one-character edit", "in each source one character of a recent "
                      "notice changes; the alert shows it as a character diff")
        edited = {}
        for source in SOURCES:
            edited[source.id] = _revisited(columns[source.id], settings)
            columns[source.id].edit(edited[source.id])
            story.say(f"   {source.id}: notice {edited[source.id]} edited "
                      f"{_title(columns[source.id], edited[source.id])}")
        story.cycle()

        ending = _rectification(site, settings, exclude=edited[SOURCES[0].id])
        site.set_period(ending, settings.as_of - timedelta(days=27),
                        settings.as_of + timedelta(days=2))
        story.chapter("4. A publicity period about to end",
                      f"{SOURCES[0].id}: post_{ending}'s 公开期限 now ends in 2 days; a cycle "
                      f"of that source only (zgwatch run --only {SOURCES[0].id})")
        story.cycle(only=SOURCES[0].id)

        story.chapter("5. A removal", "in each source a notice leaves the list and answers 404; "
                      "the first cycle only notes it")
        for source in SOURCES:
            gone = columns[source.id].notice_ids()[6]
            columns[source.id].remove(gone)
            story.say(f"   {source.id}: notice {gone} removed {_title(columns[source.id], gone)}")
        story.cycle()
        story.chapter("5b. The removal confirmed", "still gone on the second cycle: alerted")
        story.cycle()

        site.set_fault(site.article_path(edited[SOURCES[0].id]), "blocked")
        site.set_fault("/trs/xszg/index_1.html", "503")
        story.chapter("6. A bot shield and a 503", f"{SOURCES[0].id}: post_{edited['gd-zgls']} "
                      f"answers the 412 script page; {SOURCES[3].id}: list page 2 a 503 "
                      "(its own host's fault): recorded as failed fetches, no alert")
        story.cycle()
        site.clear_faults()

        _tell(story, settings)
        story.say(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    return 0
