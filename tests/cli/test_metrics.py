"""zgwatch's per-cycle counts reach a StatsD collector (a UDP socket here), under one prefix."""

from __future__ import annotations

import socket
import time

import pytest

from tests.cli.test_cli import zgwatch
from zgwatch.sinks import WebhookSink


def _received(sock: socket.socket, until: str, deadline: float = 30.0) -> list[str]:
    """Every datagram until one starts with ``until`` (or the deadline)."""
    lines: list[str] = []
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        sock.settimeout(max(end - time.monotonic(), 0.01))
        try:
            lines.append(sock.recv(2048).decode("ascii"))
        except TimeoutError:
            break
        if lines[-1].startswith(until):
            break
    return lines


@pytest.mark.parametrize("prefix", [None, "ops.zg"])
def test_a_cycle_sends_its_counts_to_statsd_under_one_prefix(replica, tmp_path, prefix):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector, WebhookSink() as hook:
        collector.bind(("127.0.0.1", 0))
        env = {"ZGWATCH_STATSD": f"127.0.0.1:{collector.getsockname()[1]}",
               "ZGWATCH_LOG_LEVEL": "ERROR"}
        if prefix:
            env["ZGWATCH_STATSD_PREFIX"] = prefix
        proc = zgwatch("run", "--source", replica.url, "--db", str(tmp_path / "w.duckdb"),
                       "--data-dir", str(tmp_path / "d"), "--delay", "0", "--notify", hook.url(),
                       env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        p = prefix or "zgwatch"
        lines = _received(collector, f"{p}.publish:")
    metrics = {line.split(":")[0]: line.split(":", 1)[1] for line in lines}
    assert all(name.startswith(f"{p}.") for name in metrics)
    requests = int(metrics[f"{p}.cycle.requests"].removesuffix("|c"))
    assert requests >= 48  # three list pages and 45 articles
    assert int(metrics[f"{p}.cycle.events.new"].removesuffix("|c")) == 45
    assert metrics[f"{p}.cycle.list_complete"] == "1|g"
    assert metrics[f"{p}.alerts.sent"] == "1|c"  # the baseline's summary
    assert metrics[f"{p}.alerts.failed"] == "0|c"
    assert metrics[f"{p}.cycle.crawl"].endswith("|ms")
    assert metrics[f"{p}.publish"].endswith("|ms")
