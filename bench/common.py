"""Helpers shared by the benchmark scripts: the replica in its own process, timing, the machine.

Everything talks to 127.0.0.1 only; every process started here is stopped by
the context manager or function that started it.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
ZGWATCH = BIN / "zgwatch"
PYTHON = BIN / "python" if (BIN / "python").exists() else Path(sys.executable)
TIME = Path("/usr/bin/time")


def inspection_window(key: str, published: date) -> dict[str, str]:
    """A notice's inspection as the parser records it, varied like the column's: one of
    the rounds a year (spring and autumn), a 2–3 month stay, findings fed back 1–3 months
    later, by a numbered group; the same ``key`` gives the same window. Benchmarks' fake
    warehouses use it, so timelines and rounds are not one window for every notice."""
    rng = random.Random(f"inspection|{key}")
    fed_back_about = published - timedelta(days=rng.randint(60, 300))
    year, spring = fed_back_about.year, fed_back_about.month <= 6  # the round: its units
    delay = rng.randint(30, 75)  # share the window; each unit hears on its own day
    while True:
        rnd = random.Random(f"round|{year}|{spring}")
        start = date(year, 3 if spring else 9, 1) + timedelta(days=rnd.randint(0, 20))
        end = start + timedelta(days=rnd.randint(60, 85))
        feedback = end + timedelta(days=delay)
        if feedback <= published - timedelta(days=14):
            break
        year, spring = (year, True) if not spring else (year - 1, False)  # the round before
    return {"group": f"省委第{rng.randint(1, 15)}巡视组", "start": start.isoformat(),
            "end": end.isoformat(), "feedback_on": feedback.isoformat()}


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def child_cpu() -> float:
    """CPU-seconds (user + system) used so far by this process's waited-for children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_client(command: Sequence[str], timeout: float = 3600) -> dict:
    """Run a client subprocess whose last line of output is a JSON object: that object,
    with the subprocess's ``wall`` and ``cpu`` seconds (its children's CPU too)."""
    cpu0, t0 = child_cpu(), time.perf_counter()
    out = subprocess.run(
        [str(part) for part in command], cwd=ROOT, capture_output=True, text=True, check=True,
        timeout=timeout,
    ).stdout  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    result.update(wall=time.perf_counter() - t0, cpu=child_cpu() - cpu0)
    return result


# -- the replica in another process --------------------------------------------


class ReplicaProcess:
    """``zgwatch replica --port 0 --notices N --seed S`` in a subprocess, with its admin API.

    The server's CPU does not share the benchmark's (or the crawler's) GIL.
    """

    def __init__(self, notices: int, seed: int = 1, latency_ms: int = 0) -> None:
        self.notices, self.seed, self.latency_ms = notices, seed, latency_ms
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.host, self.port = "127.0.0.1", 0

    def __enter__(self) -> ReplicaProcess:
        self.process = subprocess.Popen(
            [str(ZGWATCH), "replica", "--port", "0", "--notices", str(self.notices),
             "--seed", str(self.seed), "--latency-ms", str(self.latency_ms)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:(\d+)/xunshizgls/)", line)
        if not match:
            self.stop()
            raise SystemExit(f"replica did not start: {line!r}")
        self.url, self.port = match.group(1), int(match.group(2))
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.process = None

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            body = json.dumps(payload or {}).encode() if method == "POST" else None
            conn.request(method, "/_replica/" + path, body=body)
            answer = conn.getresponse()
            data = json.loads(answer.read() or b"{}")
            if answer.status != 200:
                raise RuntimeError(f"replica admin {path}: {answer.status} {data}")
            return data
        finally:
            conn.close()

    def state(self) -> dict:
        return self._call("GET", "state")

    def admin(self, operation: str, **kwargs) -> object:
        """``POST /_replica/<operation>`` (add_notice, edit, set_fault, …); its ``result``."""
        return self._call("POST", operation, kwargs)["result"]

    def today(self) -> date:
        return date.fromisoformat(self.state()["today"])

    def page_urls(self) -> tuple[list[str], list[str]]:
        """(list page URLs, article URLs) of the column as served now."""
        state = self.state()
        base = f"http://{self.host}:{self.port}"
        pages = [f"{base}/xunshizgls/index.html"] + [
            f"{base}/xunshizgls/index_{n}.html" for n in range(2, state["pages"] + 1)
        ]
        articles = [f"{base}/xunshizgls/content/post_{i}.html" for i in state["notice_ids"]]
        return pages, articles


# -- a bare HTTP client: the network's own cost --------------------------------


def bare_fetch(urls: Sequence[str], concurrency: int) -> dict:
    """GET every URL from ``concurrency`` threads, each on one keep-alive connection.

    Nothing is parsed or stored: this is what the fetches alone cost.
    """
    lock = threading.Lock()
    queue = iter(urls)
    totals = {"requests": 0, "bytes": 0, "errors": 0}

    def worker() -> None:
        conn: http.client.HTTPConnection | None = None
        n = size = errors = 0
        while True:
            with lock:
                url = next(queue, None)
            if url is None:
                break
            parts = urlsplit(url)
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            try:
                conn.request("GET", parts.path)
                response = conn.getresponse()
                size += len(response.read())
                errors += response.status != 200
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = None
            n += 1
        if conn is not None:
            conn.close()
        with lock:
            totals["requests"] += n
            totals["bytes"] += size
            totals["errors"] += errors

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    totals["seconds"] = time.perf_counter() - started
    return totals


# -- /usr/bin/time -v ----------------------------------------------------------


@dataclass
class Timed:
    """What ``/usr/bin/time -v`` says about one command (and its waited-for children)."""

    command: list[str]
    returncode: int
    wall: float
    user: float
    system: float
    max_rss_mb: float
    stdout: str = ""
    stderr: str = field(default="", repr=False)

    @property
    def cpu(self) -> float:
        return self.user + self.system


def have_time() -> bool:
    return TIME.exists()


def timed(command: Sequence[str], *, env: dict | None = None, timeout: float = 1800) -> Timed:
    """Run ``command`` under ``/usr/bin/time -v``; peak RSS covers its subprocesses too.

    (``wait4`` reports the largest of the process and the descendants it waited for.)
    """
    if not have_time():
        raise SystemExit("/usr/bin/time is missing: apt-get install -y time")
    proc = subprocess.run(
        [str(TIME), "-v", *map(str, command)], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=timeout,
    )  # fmt: skip
    report = dict(
        line.strip().rsplit(": ", 1)
        for line in proc.stderr.splitlines()
        if line.startswith("\t") and ": " in line
    )

    def clock(text: str) -> float:
        seconds = 0.0
        for part in text.split(":"):
            seconds = seconds * 60 + float(part)
        return seconds

    return Timed(
        command=list(map(str, command)),
        returncode=proc.returncode,
        wall=clock(report.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "0")),
        user=float(report.get("User time (seconds)", 0)),
        system=float(report.get("System time (seconds)", 0)),
        max_rss_mb=int(report.get("Maximum resident set size (kbytes)", 0)) / 1024,
        stdout=proc.stdout,
        stderr=proc.stderr,
    )


# -- the machine -----------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{mem_kb / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        memory = "unknown"
    versions = []
    for package in ("scrapy", "twisted", "duckdb", "apprise", "urlwatch"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": ", ".join(versions),
    }


def print_machine() -> None:
    info = machine()
    print(f"machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']}, {info['os']}")
    print(f"python {info['python']}; {info['packages']}")


def per(a: float, b: float) -> float:
    return a / b if b else float("nan")
