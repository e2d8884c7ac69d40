"""zgwatch and urlwatch watch the same replica through the same story, side by side.

Needs urlwatch (PyPI), in the ``bench`` dependency group: ``uv sync --group bench``.

One replica (in this process; both tools run as subprocesses) with 200
notices. urlwatch gets one job per article URL (``filter: html2text``, the
usual set-up for "tell me when this page changes"), its own cache, config and
hooks in a temporary folder, and reports to stdout as text. zgwatch runs
``zgwatch run --delay 0`` with a ``json://`` webhook on loopback
(``zgwatch.sinks.WebhookSink``) that counts its alerts.

The story, one cycle of each tool per step:

1. baseline;
2. nothing changes;
3. a one-character edit of one notice (``site.edit``);
4. for each fault kind (``blocked200``: the bot shield's page with HTTP 200;
   ``500``; ``truncated``: the first half of the page), the fault on three
   article pages, then a recovery cycle with the faults cleared;
5. the template redesign (every page's markup changes, no text does);
6. a one-character edit of a notice that went through the faults.

The edited and faulted notices are recent ones, which zgwatch re-reads every
cycle (older ones it reads once a week, so a fault there is usually not even
seen). A **false alarm** is any alert (urlwatch: a NEW, CHANGED or ERROR entry)
about a notice whose text did not change in that step. Requests are counted
by the replica, per User-Agent.

    uv sync --group bench && .venv/bin/python bench/urlwatch_compare.py
    .venv/bin/python bench/urlwatch_compare.py --notices 200 --excerpts docs/excerpts.txt
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import BIN, ZGWATCH, print_machine

from replica import running
from zgwatch.sinks import WebhookSink

URLWATCH = BIN / "urlwatch"
FAULTS = ("blocked200", "500", "truncated")
REPORT_LINE = re.compile(r"^\d+\. (NEW|CHANGED|ERROR): (post_\d+)", re.M)
CONFIG = """\
display: {new: true, error: true, unchanged: false, empty-diff: true}
report:
  text: {line_length: 75, details: true, footer: false, minimal: false, separate: false}
  stdout: {enabled: true, color: false}
  html: {diff: unified, separate: false}
  email: {enabled: false}
"""


@dataclass
class Step:
    name: str
    changed: set[str]  # notices whose text really changed in this step
    zg_alerts: Counter = field(default_factory=Counter)  # notice id (or "summary") -> alerts
    zg_kinds: Counter = field(default_factory=Counter)
    uw_alerts: Counter = field(default_factory=Counter)
    uw_kinds: Counter = field(default_factory=Counter)
    zg_requests: int = 0
    uw_requests: int = 0
    zg_seconds: float = 0.0
    uw_seconds: float = 0.0
    zg_text: dict = field(default_factory=dict)  # notice id -> alert text
    uw_text: dict = field(default_factory=dict)  # notice id -> report entry

    def false_alarms(self, tool: str) -> int:
        alerts = self.zg_alerts if tool == "zg" else self.uw_alerts
        return sum(n for nid, n in alerts.items() if nid != "summary" and nid not in self.changed)

    def missed(self, tool: str) -> int:
        alerts = self.zg_alerts if tool == "zg" else self.uw_alerts
        return sum(1 for nid in self.changed if not alerts.get(nid))


class Tools:
    """Runs one cycle of each tool against the replica and reads what each raised."""

    def __init__(self, rep, hook: WebhookSink, work: Path) -> None:
        self.rep, self.hook, self.work = rep, hook, work
        self.site = rep.site
        self.home = work / "home"  # urlwatch's own folder: nothing of the user's is read
        (self.home / "urlwatch").mkdir(parents=True)
        self.urls = self.home / "urlwatch" / "urls.yaml"
        self.config = self.home / "urlwatch" / "urlwatch.yaml"
        self.cache = self.home / "urlwatch" / "cache.db"
        self.hooks = self.home / "urlwatch" / "hooks.py"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.hooks.write_text("", encoding="utf-8")
        self.zg_dir = work / "zgwatch"
        self.seen_hooks = 0

    def write_jobs(self) -> None:
        jobs = [
            f"name: post_{nid}\nurl: {self.rep.url_for(self.site.article_path(nid))}\n"
            "filter:\n  - html2text\n"
            for nid in self.site.notice_ids()
        ]
        self.urls.write_text("---\n".join(jobs), encoding="utf-8")

    def _requests(self, agent: str) -> int:
        return sum(1 for _, _, ua in self.site.requests if agent in ua)

    def cycle(self, step: Step) -> Step:
        self.site.requests.clear()
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(ZGWATCH), "run", "--source", self.rep.url, "--db", str(self.zg_dir / "zg.duckdb"),
             "--data-dir", str(self.zg_dir), "--notify", self.hook.url(), "--delay", "0",
             "--timeout", "10", "--as-of", self.site.today.isoformat()],
            cwd=self.work, capture_output=True, text=True, timeout=600,
            env={**os.environ, "ZGWATCH_LOG_LEVEL": "WARNING"},
        )  # fmt: skip
        step.zg_seconds = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(f"zgwatch run failed ({proc.returncode}): {proc.stderr[-2000:]}")
        for msg in self._new_hooks():
            facts = (msg.get("json") or {}).get("zgwatch") or {}
            nid = facts.get("notice_id") or "summary"
            step.zg_alerts[nid] += 1
            step.zg_kinds[facts.get("kind") or facts.get("template") or "?"] += 1
            step.zg_text[nid] = (msg.get("json") or {}).get("message", "")
        step.zg_requests = self._requests("zgwatch")

        self.site.requests.clear()
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(URLWATCH), "--urls", str(self.urls), "--config", str(self.config),
             "--cache", str(self.cache), "--hooks", str(self.hooks)],
            cwd=self.work, capture_output=True, text=True, timeout=600,
            env={**os.environ, "HOME": str(self.home), "NO_COLOR": "1"},
        )  # fmt: skip
        step.uw_seconds = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(f"urlwatch failed ({proc.returncode}): {proc.stderr[-2000:]}")
        for kind, job in REPORT_LINE.findall(proc.stdout):
            nid = job.removeprefix("post_")
            step.uw_alerts[nid] += 1
            step.uw_kinds[kind] += 1
        step.uw_text = split_report(proc.stdout)
        step.uw_requests = self._requests("urlwatch")
        return step

    def _new_hooks(self) -> list[dict]:
        """Webhook requests since the last cycle (the sink stores each just after answering)."""
        deadline, last = time.monotonic() + 2.0, -1
        while time.monotonic() < deadline:
            count = len(self.hook.accepted)
            if count == last:
                break
            last = count
            time.sleep(0.2)
        new = self.hook.accepted[self.seen_hooks :]
        self.seen_hooks += len(new)
        return new


def split_report(text: str) -> dict[str, str]:
    """urlwatch's text report cut into one entry per job (the details part)."""
    entries: dict[str, str] = {}
    parts = re.split(r"^(?=(?:NEW|CHANGED|ERROR): post_\d+)", text, flags=re.M)
    for part in parts:
        m = re.match(r"(?:NEW|CHANGED|ERROR): post_(\d+)", part)
        if m:
            entries[m.group(1)] = part.strip("-= \n")
    return entries


def hot_notices(site, count: int) -> list[str]:
    """Notices zgwatch re-reads every cycle (published in the last 30 days); adds some if short."""
    from crawler.revisit import KnownNotice, RevisitPolicy

    policy = RevisitPolicy(as_of=site.today, now=datetime.now(UTC))
    hot = []
    for nid in site.notice_ids():
        spec = site.notice(nid)
        period = spec.period
        known = KnownNotice(notice_id=nid, url="", published_on=spec.published_on,
                            publicity_start=period.start if period else None,
                            publicity_end=period.end if period else None)  # fmt: skip
        if policy.is_hot(known):
            hot.append(nid)
    while len(hot) < count:
        hot.append(site.add_notice())
    return hot[:count]


def story(rep, tools: Tools, faulted_count: int) -> list[Step]:
    site = rep.site
    hot = hot_notices(site, 1 + faulted_count)
    edited, faulted = hot[0], hot[1:]
    tools.write_jobs()
    steps = []

    def run(name: str, changed: set[str]) -> Step:
        step = tools.cycle(Step(name, changed))
        steps.append(step)
        print(f"{name:32s} zgwatch {step.zg_requests:4d} req {step.zg_seconds:5.1f} s "
              f"alerts {sum(step.zg_alerts.values()):3d} false {step.false_alarms('zg'):3d} | "
              f"urlwatch {step.uw_requests:4d} req {step.uw_seconds:5.1f} s "
              f"alerts {sum(step.uw_alerts.values()):3d} false {step.false_alarms('uw'):3d} "
              f"{dict(step.uw_kinds)}", flush=True)  # fmt: skip
        return step

    run("baseline", set(site.notice_ids()))
    run("unchanged", set())
    site.edit(edited)
    run("one-character edit", {edited})
    for kind in FAULTS:
        for nid in faulted:
            site.set_fault(site.article_path(nid), kind)
        run(f"fault {kind} ({len(faulted)} pages)", set())
        site.clear_faults()
        run(f"recovery after {kind}", set())
    site.set_template("B")
    run("template redesign (A to B)", set())
    site.edit(faulted[0])
    run("edit after the faults", {faulted[0]})
    return steps


def print_table(steps: list[Step], notices: int) -> None:
    print("\n| step | zgwatch requests | urlwatch requests | zgwatch s | urlwatch s | "
          "zgwatch alerts (false) | urlwatch alerts (false) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for s in steps:
        uw = ", ".join(f"{k} {v}" for k, v in sorted(s.uw_kinds.items())) or "none"
        zg = ", ".join(f"{k} {v}" for k, v in sorted(s.zg_kinds.items())) or "none"
        print(f"| {s.name} | {s.zg_requests} | {s.uw_requests} | {s.zg_seconds:.1f} | "
              f"{s.uw_seconds:.1f} | {sum(s.zg_alerts.values())} ({s.false_alarms('zg')}; {zg}) | "
              f"{sum(s.uw_alerts.values())} ({s.false_alarms('uw')}; {uw}) |")  # fmt: skip
    later = steps[1:]
    print(f"\nafter the baseline: requests per notice per cycle: zgwatch "
          f"{sum(s.zg_requests for s in later) / len(later) / notices:.3f}, urlwatch "
          f"{sum(s.uw_requests for s in later) / len(later) / notices:.3f}")  # fmt: skip
    for tool, name in (("zg", "zgwatch"), ("uw", "urlwatch")):
        false = sum(s.false_alarms(tool) for s in later)
        missed = sum(s.missed(tool) for s in later)
        print(f"{name}: false alarms {false}, real edits missed {missed}")


def excerpts(steps: list[Step]) -> str:
    out = []
    for step in steps:
        if step.name not in ("one-character edit", "edit after the faults"):
            continue
        for nid in sorted(step.changed):
            out.append(f"### {step.name}: post_{nid}\n")
            out.append("urlwatch:\n```\n" + step.uw_text.get(nid, "(no report)")[:3000] + "\n```\n")
            out.append("zgwatch (webhook message text):\n```\n"
                       + step.zg_text.get(nid, "(no alert)")[:3000] + "\n```\n")  # fmt: skip
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faulted", type=int, default=3, help="article pages per fault")
    parser.add_argument("--excerpts", type=Path, help="write the two edits' alerts here")
    args = parser.parse_args()
    if not URLWATCH.exists() or shutil.which(str(URLWATCH)) is None:
        raise SystemExit("urlwatch is not installed: run `uv sync --group bench` first")
    print_machine()
    with (tempfile.TemporaryDirectory(prefix="zgwatch-bench-urlwatch-") as tmp,
          running(args.notices, args.seed) as rep, WebhookSink() as hook):  # fmt: skip
        print(f"replica {rep.url}: {args.notices} notices; as of {rep.site.today}\n")
        steps = story(rep, Tools(rep, hook, Path(tmp)), args.faulted)
    print_table(steps, args.notices)
    text = excerpts(steps)
    print("\n" + text)
    if args.excerpts:
        args.excerpts.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
