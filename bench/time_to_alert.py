"""Minutes to alert (issue 24): notices published at random moments, their alerts timed.

    .venv/bin/python bench/time_to_alert.py --mode watch --sources 1 --scale 100
    .venv/bin/python bench/time_to_alert.py --mode watch --sources 20 --scale 20
    .venv/bin/python bench/time_to_alert.py --mode hourly --sources 1 --scale 100
    .venv/bin/python bench/time_to_alert.py --mode airflow --sources 1 --scale 50

``--sources N`` replicas (45 notices each, seeds 1..N) are served on **one host**
(127.0.0.1, one port) under ``/s01/xunshizgls/``, ``/s02/…``; a registry
(``[[sources]]``) names them. After every source's first (baseline) cycle,
``--per-source`` notices per source are published one at a time, in random
order, each at a random moment (uniform over two polls, or two full cycles
for ``hourly``) after the one before was alerted; a webhook sink
(``zgwatch/sinks.py``) in this process notes when each alert arrives.

Modes: ``watch`` runs ``zgwatch watch`` (a probe every 300 s, the full cycle
every 3600 s); ``hourly`` the same process with the probes off, only the
full cycle every 3600 s (today's hourly cycle); ``airflow`` runs
``zgwatch airflow`` on the registry (one DAG ``zgwatch_sNN`` per source), the
triggerer's watcher polling every 300 s and no schedule.

**Time-scaled**: every interval is divided by ``--scale`` (×100: a probe every
3 s, the full cycle every 36 s). What a scaled run cannot scale is the work:
a cycle takes the seconds it takes. So each alert's time is put back
together from its parts: the wait from the publication until the probe (or
the full cycle) that saw it began, of which the idle time is multiplied back
by ``--scale`` and the time the one ``zgwatch watch`` process spent in cycles
(its "cycle done in" lines; no source is probed meanwhile) is counted as it
is; then the cycle from there to the alert at the sink, in real seconds
(``watch``, ``hourly``: the time of the watcher's log line; ``airflow``: the
``probed_at`` of the trigger's event, when the probe that saw it was sent, the
triggerer probing beside the cycles; the triggerer's round trip from there to
the asset event, about a second of its loops, is reported apart as
``median_delivery_s``). A notice
read by a cycle already under way counts from its publication, in real
seconds. Requests per hour per source are the first page's requests less one
per cycle (each crawl reads it once), per scaled hour, over a quiet spell
after the notices (ten polls, or two full cycles, without a notice).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from replica.response import Response  # noqa: E402
from replica.routes import respond  # noqa: E402
from replica.state import Replica  # noqa: E402
from zgwatch.sinks import WebhookSink, free_port  # noqa: E402

ZGWATCH = str(Path(sys.executable).parent / "zgwatch")
POLL, EVERY = 300.0, 3600.0  # the real intervals, divided by --scale
FIRST_PAGES = ("/xunshizgls/", "/xunshizgls/index.html")
PASSWORD = "bench-only-password"


class OneHost(ThreadingHTTPServer):
    """N replicas on one port: ``/sNN/<path>`` is replica NN's ``<path>``."""

    daemon_threads = True

    def __init__(self, sites: dict[str, Replica]) -> None:
        self.sites = sites

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                m = re.match(r"^/s(\d\d)(/.*)$", self.path)
                site = self.server.sites.get(m.group(1)) if m else None
                if self.path == "/robots.txt":
                    site, path = next(iter(self.server.sites.values())), self.path
                elif site is None:
                    return self._write(Response(404, b"no such source"))
                else:
                    path = m.group(2)
                site.requests.append(("GET", path, self.headers.get("User-Agent", "")))
                self._write(respond(site, path, self.headers))

            def _write(self, response) -> None:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if response.status != 304:
                    self.wfile.write(response.body)

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]

    def url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/s{key}/xunshizgls/"


class Arrivals:
    """When each webhook message arrived (wall clock), from a thread waiting on the sink."""

    def __init__(self, sink: WebhookSink) -> None:
        self.sink, self.seen, self.running = sink, [], True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while self.running:
            try:
                messages = self.sink.wait_for(len(self.seen) + 1, timeout=0.5)
            except TimeoutError:
                continue
            now = time.time()
            self.seen += [(now, json.dumps(m["json"], ensure_ascii=False))
                          for m in messages[len(self.seen):]]

    def first(self, needle: str, after: float) -> float | None:
        return next((t for t, text in list(self.seen) if t >= after and needle in text), None)

    def stop(self) -> None:
        self.running = False
        self.thread.join()


def registry(host: OneHost, keys: list[str], path: Path) -> Path:
    path.write_text("".join(f'[[sources]]\nid = "s{k}"\nurl = "{host.url(k)}"\n'
                            f'name = "栏目 {k}"\n' for k in keys), encoding="utf-8")
    return path


def log_lines(log: Path, pattern: str) -> list[tuple[float, str, re.Match]]:
    """(wall-clock time, source id, match) of the watcher's lines ``<id>: <pattern>``."""
    out = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO zgwatch\.watch: (s\d\d): "
                     + pattern, line)
        if m:
            when = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            out.append((when, m.group(2), m))
    return out


def log_times(log: Path, pattern: str) -> dict[str, list[float]]:
    """Wall-clock times of the watcher's log lines matching ``<id>: <pattern>``, by id."""
    out: dict[str, list[float]] = {}
    for when, key, _ in log_lines(log, pattern):
        out.setdefault(key, []).append(when)
    return out


def first_page_requests(site: Replica) -> int:
    return sum(path in FIRST_PAGES for _, path, _ in list(site.requests))


def batches(data: Path, key: str) -> int:
    folder = data / "sources" / f"s{key}" / "batches"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


# -- the modes ------------------------------------------------------------------------------


class Watcher:
    """``zgwatch watch`` (``hourly``: probes every ten full cycles, i.e. none in between)."""

    def __init__(self, args, config: Path, data: Path, sink: WebhookSink, log: Path) -> None:
        every = args.full_every / args.scale
        poll = POLL / args.scale if args.mode == "watch" else every * 10
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("ZGWATCH_")},
               "ZGWATCH_LOG_LEVEL": "INFO"}
        self.log = log
        self.proc = subprocess.Popen(
            [ZGWATCH, "watch", "--config", str(config), "--data-dir", str(data), "--notify",
             sink.url(), "--delay", "0", "--timeout", "10", "--poll", str(poll), "--every",
             str(every)], env=env, cwd=data.parent, stdout=subprocess.DEVNULL,
            stderr=log.open("w"))

    def ready(self, keys: list[str]) -> bool:
        return all(len(log_times(self.log, r"the full cycle \(every").get(f"s{k}", [])) >= 1
                   for k in keys) and self._cycles_done(keys)

    def _cycles_done(self, keys) -> bool:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return text.count("analyst copy published") >= len(keys)

    def fires(self, mode: str) -> dict[str, list[float]]:
        # a change is seen by a probe or, if it comes first, by the full cycle
        pattern = r"(?:the first list page changed|the full cycle \(every)" if mode == "watch" \
            else r"the full cycle \(every"
        return {k: sorted(v) for k, v in log_times(self.log, pattern).items()}

    def idle(self, keys: list[str]) -> bool:
        """No cycle under way: as many "done" lines as cycles begun."""
        begun = sum(len(v) for v in log_times(
            self.log, r"(?:the first list page changed|the full cycle \(every)").values())
        return begun <= len(log_lines(self.log, r"the \w+ cycle done in"))

    def busy(self) -> list[tuple[float, float]]:
        """When the one process was running a cycle (no probe of any source then)."""
        return [(t - float(m.group(m.lastindex)), t)
                for t, _, m in log_lines(self.log, r"the \w+ cycle done in ([\d.]+) s")]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)


class Airflow:
    """``zgwatch airflow`` on the registry: the DAG file builds ``zgwatch_sNN`` per source,
    each watched by the triggerer (asset ``zgwatch_source_sNN``); no schedule, so the
    watcher alone starts runs."""

    def __init__(self, args, host: OneHost, keys: list[str], data: Path, sink: WebhookSink,
                 log: Path) -> None:
        from testkit import airflow_api
        from zgwatch.airflow import launcher

        self.api = airflow_api
        env = {**{k: v for k, v in os.environ.items()
                  if not k.startswith(("AIRFLOW", "ZGWATCH_"))},
               launcher.PASSWORD_ENV: PASSWORD,
               "ZGWATCH_POLL": str(POLL / args.scale), "ZGWATCH_EVERY": str(EVERY / args.scale),
               "ZGWATCH_SCHEDULE": "none"}
        self.log, self.keys, self.delivery = log, keys, []
        self.port = free_port()
        self.proc = subprocess.Popen(  # the registry: ./zgwatch.toml in the work folder
            [ZGWATCH, "airflow", "--port", str(self.port), "--data-dir", str(data),
             "--config", str(data.parent / "zgwatch.toml"), "--notify", sink.url(),
             "--delay", "0"], env=env, cwd=data.parent,
            stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 600
        while "ready in" not in log.read_text(errors="replace"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"zgwatch airflow did not start; see {log}")
            time.sleep(1)
        self.token = airflow_api.api_token(self.url, PASSWORD)
        for k in keys:  # the baseline cycle of each source, by hand
            airflow_api.wait_for_api(lambda k=k: self.api.api(
                self.url, self.token, f"/dags/zgwatch_s{k}"), 300, f"DAG s{k}")
            self.api.api(self.url, self.token, f"/dags/zgwatch_s{k}/dagRuns",
                         {"logical_date": None})

    def ready(self, keys: list[str]) -> bool:
        for k in keys:
            runs = self.api.api(self.url, self.token,
                                f"/dags/zgwatch_s{k}/dagRuns")["dag_runs"]
            if not runs or any(r["state"] not in ("success", "failed") for r in runs):
                return False
        return True

    def fires(self, mode: str) -> dict[str, list[float]]:
        out = {}
        for k in self.keys:
            assets = self.api.api(self.url, self.token,
                                  f"/assets?name_pattern=zgwatch_source_s{k}")["assets"]
            (asset,) = [a for a in assets if a["name"] == f"zgwatch_source_s{k}"]
            events = self.api.api(self.url, self.token,
                                  f"/assets/events?asset_id={asset['id']}")["asset_events"]
            # when the probe that saw the change was sent (the trigger's ``probed_at``):
            # the triggerer's round trip to the asset event (its loops of a second) is
            # work, counted as it is, not idle time to scale back
            out[f"s{k}"] = sorted(_probed_at(e) for e in events)
            self.delivery += [datetime.fromisoformat(e["timestamp"]).timestamp() - _probed_at(e)
                              for e in events]
        return out

    def idle(self, keys: list[str]) -> bool:
        return self.ready(keys)  # every monitor run finished

    def busy(self) -> list[tuple[float, float]]:
        return []  # the triggerer probes while the workers run cycles

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=180)


def _probed_at(event: dict) -> float:
    payload = (event.get("extra") or {}).get("payload") or {}
    return datetime.fromisoformat(payload["probed_at"]).timestamp()


# -- the run ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=("watch", "hourly", "airflow"), default="watch")
    p.add_argument("--sources", type=int, default=1)
    p.add_argument("--scale", type=float, default=100.0, help="divide every interval by this")
    p.add_argument("--per-source", type=int, default=6, help="notices per source")
    p.add_argument("--full-every", type=float, default=EVERY, metavar="SECONDS",
                   help="the full cycle's interval before scaling (watch, hourly); a day keeps "
                        "twenty sources' full cycles out of a scaled run's way")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    keys = [f"{i + 1:02d}" for i in range(args.sources)]
    work = Path(tempfile.mkdtemp(prefix="zgwatch-tta-"))
    data = work / "data"
    sites = {k: Replica(45, int(k)) for k in keys}
    host = OneHost(sites)
    threading.Thread(target=host.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    config = registry(host, keys, work / "zgwatch.toml")
    with WebhookSink() as sink:
        arrivals = Arrivals(sink)
        if args.mode == "airflow":
            (data / "airflow").mkdir(parents=True)
            runner = Airflow(args, host, keys, data, sink, work / "airflow.log")
        else:
            runner = Watcher(args, config, data, sink, work / "watch.log")
        try:
            t0 = time.monotonic()
            while not runner.ready(keys):
                if time.monotonic() - t0 > 1800:
                    raise SystemExit(f"the baseline cycles did not finish; see {work}")
                time.sleep(0.5)
            # One notice at a time, each at a random moment after the one before was alerted:
            # in a scaled run, notices at random moments over the whole period would mostly
            # land in a cycle already running, which real hours almost never see.
            interval = (args.full_every if args.mode == "hourly" else POLL) / args.scale
            order = [k for k in keys for _ in range(args.per_source)]
            rng.shuffle(order)
            published, needles = [], {}
            for k in order:
                deadline = time.monotonic() + 300
                while not runner.idle(keys) and time.monotonic() < deadline:
                    time.sleep(0.2)  # the cycle of the notice before is over
                time.sleep(rng.uniform(0, 2 * interval))
                notice_id = sites[k].add_notice()
                published.append((k, notice_id, time.time()))
                needles[(k, notice_id)] = f"/s{k}/xunshizgls/content/post_{notice_id}.html"
                deadline = time.monotonic() + 2 * interval + 300
                while time.monotonic() < deadline and not arrivals.first(
                        needles[(k, notice_id)], published[-1][2]):
                    time.sleep(0.2)
            fires, busy = runner.fires(args.mode), runner.busy()
            # a quiet spell (no notice): the watcher's own requests, no cycle in the way
            asked = {k: first_page_requests(sites[k]) - batches(data, k) for k in keys}
            quiet = time.monotonic()
            time.sleep((10 * POLL if args.mode != "hourly" else 2 * args.full_every)
                       / args.scale)
            elapsed = time.monotonic() - quiet
            probes = {k: first_page_requests(sites[k]) - batches(data, k) - asked[k]
                      for k in keys}
        finally:
            runner.stop()
            arrivals.stop()
            host.shutdown()
    result = report(args, published, needles, arrivals, fires, busy, probes, elapsed, work)
    delivery = getattr(runner, "delivery", [])
    if delivery:
        result["median_delivery_s"] = round(statistics.median(delivery), 2)
        print(f"the triggerer's round trip, probe to asset event: median "
              f"{result['median_delivery_s']} s over {len(delivery)} events")
    return result


def overlap(start: float, end: float, spans: list[tuple[float, float]]) -> float:
    """Seconds of [start, end] inside any of ``spans``."""
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)


def report(args, published, needles, arrivals, fires, busy, probes, elapsed, work) -> dict:
    """Each alert: the wait until the cycle that saw it began (idle time scaled back, time
    spent in cycles as it is) plus that cycle's own time to the alert (real)."""
    latencies, waits, work_s, missed, each = [], [], [], 0, []
    for k, n, t in published:
        arrived = arrivals.first(needles[(k, n)], t)
        if arrived is None:
            missed += 1
            continue
        fired = next((f for f in fires.get(f"s{k}", []) if f >= t), None)
        if fired is None or fired > arrived:  # a cycle already under way read it
            fired = t
        working = overlap(t, fired, busy)
        waits.append((fired - t - working) * args.scale + working)
        each.append({"source": f"s{k}", "published": round(t, 3), "seen": round(fired, 3),
                     "alerted": round(arrived, 3), "wait_s": round(waits[-1], 1)})
        work_s.append(arrived - fired)
        latencies.append(waits[-1] + work_s[-1])
    hours = elapsed * args.scale / 3600
    per_hour = [n / hours for n in probes.values()]
    result = {
        "mode": args.mode, "sources": args.sources, "scale": args.scale,
        "notices": len(published), "alerted": len(latencies), "missed": missed,
        "median_s": round(statistics.median(latencies), 1) if latencies else None,
        "p95_s": round(sorted(latencies)[max(0, -(-len(latencies) * 95 // 100) - 1)], 1)
        if latencies else None,
        "max_s": round(max(latencies), 1) if latencies else None,
        "median_wait_s": round(statistics.median(waits), 1) if waits else None,
        "median_cycle_s": round(statistics.median(work_s), 1) if work_s else None,
        "watcher_requests_per_hour_per_source": round(max(per_hour), 1) if per_hour else None,
        "scaled_hours": round(hours, 2), "full_every": args.full_every, "workdir": str(work),
        "notices_each": each,  # wall-clock times: published, seen (the probe began), alerted
    }
    print(f"{args.mode}, {args.sources} source(s), time ×{args.scale:g}: "
          f"{result['alerted']}/{len(published)} alerted; median {_m(result['median_s'])}, "
          f"p95 {_m(result['p95_s'])}, max {_m(result['max_s'])} "
          f"(wait {_m(result['median_wait_s'])} + cycle {result['median_cycle_s']} s, medians); "
          f"{result['watcher_requests_per_hour_per_source']} watcher requests/hour/source")
    print(json.dumps(result))
    return result


def _m(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds / 60:.1f} min"


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
