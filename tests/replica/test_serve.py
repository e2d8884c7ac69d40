"""``replica.serve``: the foreground server behind ``zgwatch replica``."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from replica.columns import COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def test_serve_prints_its_url_serves_and_stops_on_sigterm():
    command = "import replica; replica.serve(port=0, notices=60, seed=2)"
    with subprocess.Popen(
        [sys.executable, "-c", command],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        try:
            line = process.stdout.readline()
            url = re.search(r"http://127\.0\.0\.1:\d+/xunshizgls/", line).group()
            with urllib.request.urlopen(url + "index_3.html", timeout=10) as response:
                assert response.status == 200
            others = [process.stdout.readline() for _ in COLUMNS]  # then the other columns
            for column, other in zip(COLUMNS, others, strict=True):
                at = re.search(r"(http://127\.0\.0\.1:\d+)(/\S+)$", other.rstrip())
                assert at.group(2) == column.path
                # the TRS site on a host of its own (another port), the rest on the first
                assert (at.group(1) == url.removesuffix("/xunshizgls/")) != column.own_host
                assert ("on a host of its own" in other) == column.own_host
            with urllib.request.urlopen(others[2].split(": ")[-1].strip(), timeout=10) as answer:
                assert answer.status == 200 and b"createPageHTML" in answer.read()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
            assert process.stderr.read() == ""  # quiet: no line per request
        finally:
            process.kill()


def test_zgwatch_replica_adds_the_latency_it_is_given():
    zgwatch = Path(sys.executable).parent / "zgwatch"
    with subprocess.Popen(
        [zgwatch, "replica", "--port", "0", "--notices", "5", "--latency-ms", "300"],
        cwd=ROOT, text=True, stdout=subprocess.PIPE,
    ) as process:  # fmt: skip
        try:
            url = re.search(r"http://127\.0\.0\.1:\d+/xunshizgls/", process.stdout.readline())
            started = time.perf_counter()
            with urllib.request.urlopen(url.group(), timeout=10) as response:
                assert response.status == 200
            assert time.perf_counter() - started >= 0.3
        finally:
            process.terminate()
            process.wait(timeout=10)

