"""``zgwatch demo``: the whole story offline, from nothing, in about a minute.

A replica of the column, a local mail server and a local webhook receive what
zgwatch does over a few cycles with changes between them: the baseline, a new
notice, a one-character edit, a publicity period about to end, a removal
confirmed on the second cycle, and a bot-shield fault that is not an alert.
Each cycle's publish step also brings the history site up to date; the last
chapter says where it is and how to serve it.
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path

from core.errors import ConfigError
from replica import running
from zgwatch import pipeline
from zgwatch.config import Settings
from zgwatch.sinks import MailSink, WebhookSink

MARKER = ".zgwatch-demo"  # the demo only ever wipes a folder it made itself


def _fresh(data_dir: Path) -> None:
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / MARKER).exists():
            raise ConfigError(f"--data-dir {data_dir}: not empty and not a demo folder; "
                              "choose an empty or new folder")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text("made by zgwatch demo; deleted by the next demo run\n")


class Story:
    """Runs cycles and prints what each one found and what arrived at the sinks."""

    def __init__(self, settings: Settings, mail: MailSink, hook: WebhookSink, out=sys.stdout):
        self.settings, self.mail, self.hook, self.out = settings, mail, hook, out
        self.seen_mail = self.seen_hook = 0

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def chapter(self, title: str, what: str) -> None:
        self.say(f"\n== {title}")
        self.say(f"   {what}")

    def _progress(self, n: int) -> None:
        if self.out.isatty():
            self.out.write(f"\r   crawling… {n} pages fetched")
            self.out.flush()

    def cycle(self) -> None:
        s = self.settings
        started = time.monotonic()
        crawl = pipeline.crawl(s, progress=self._progress)
        if self.out.isatty():
            self.out.write("\r" + " " * 40 + "\r")
        pipeline.load(s)
        pipeline.diff(s)
        pipeline.alert(s)
        site = pipeline.publish(s).site
        self.say(f"   {crawl.line()}")
        self.say(f"   history site: {site.pages_written} notice page(s) written "
                 f"({'full' if site.full else 'only what changed'})")
        self.say(f"   cycle done in {time.monotonic() - started:.1f} s")
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

    copy = settings.db.with_suffix(".analyst.duckdb")
    with duckdb.connect(str(copy), read_only=True) as con:
        kinds = con.sql("SELECT kind, count(*) FROM changes GROUP BY kind ORDER BY kind").fetchall()
        notices = con.sql("SELECT count(*), sum(versions) FROM notices").fetchone()
        sent = con.sql("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()
    story.chapter("The warehouse", f"{notices[0]} notices, {notices[1]} text versions")
    story.say("   changes: " + ", ".join(f"{k} {n}" for k, n in kinds))
    story.say("   deliveries: " + ", ".join(f"{k} {n}" for k, n in sent))
    story.say("\n== Where to look")
    story.say(f"   analysts: .venv/bin/duckdb -readonly {copy}")
    story.say("     then, at its prompt: FROM change_hunks;  FROM search_notices('违规吃喝');")
    story.say("   queries to start from: docs/analysts.md")
    index = settings.site_folder / "index.html"
    story.say(f"   the history site (every notice, version and diff; feed.atom): {index}")
    story.say(f"     serve it: .venv/bin/zgwatch serve --data-dir {settings.data_dir}  "
              "→ http://127.0.0.1:8001/  (docs/site.md)")
    story.say("   the Airflow UI: .venv/bin/zgwatch airflow  (docs/operators.md)")
    story.say("   the real column: .venv/bin/zgwatch run --notify mailto://…  (README)")


def main(data_dir: Path) -> int:
    """Run the story in ``data_dir`` (wiped first if an earlier demo made it)."""
    started = time.monotonic()
    _fresh(data_dir)
    with running(notices=60, seed=7) as rep, MailSink() as mail, WebhookSink() as hook:
        site = rep.site
        settings = Settings(
            source=rep.url, db=data_dir / "zgwatch.duckdb", data_dir=data_dir,
            notify=(mail.url(), hook.url()), as_of=site.today, delay=0, timeout=5,
            absence_interval=0,  # the story's cycles are seconds apart; each counts as one
        )
        story = Story(settings, mail, hook)
        story.say(f"zgwatch demo: replica of the column at {rep.url} ({len(site.notice_ids())} "
                  f"notices), mail on 127.0.0.1:{mail.port}, webhook on {hook.url()}")
        story.say(f"as of {settings.as_of}, warning {settings.warn_days} days before a "
                  "publicity period ends; data in " + str(data_dir))

        story.chapter("1. Baseline", "the first cycle records every notice; one summary "
                      "message, not one per notice (periods ending soon are alerted)")
        story.cycle()

        new_id = site.add_notice(issuer="中共珠海市香洲区委")
        story.chapter("2. A new notice", f"post_{new_id} appears at the top of page 1, "
                      "the rest shift down a place")
        story.cycle()

        edited = site.notice_ids()[2]  # recent: revisited every cycle
        site.edit(edited)
        story.chapter("3. A one-character edit", f"one character of post_{edited} changes; "
                      "the alert shows it as a character diff")
        story.cycle()

        ending = site.notice_ids()[3]  # recent: revisited every cycle
        site.set_period(ending, settings.as_of - timedelta(days=27),
                        settings.as_of + timedelta(days=2))
        story.chapter("4. A publicity period about to end",
                      f"post_{ending}'s 公开期限 now ends in 2 days")
        story.cycle()

        gone = site.notice_ids()[6]
        site.remove(gone)
        story.chapter("5. A removal", f"post_{gone} leaves the list and answers 404; the "
                      "first cycle only notes it")
        story.cycle()
        story.chapter("5b. The removal confirmed", "still gone on the second cycle: alerted")
        story.cycle()

        site.set_fault(site.article_path(edited), "blocked")
        site.set_fault(site.list_path(2), "503")
        story.chapter("6. A bot shield and a 503", f"post_{edited} answers the 412 script "
                      "page, list page 2 a 503: recorded as failed fetches, no alert")
        story.cycle()
        site.clear_faults()

        _tell(story, settings)
        story.say(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    return 0
