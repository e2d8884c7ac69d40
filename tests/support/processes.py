"""Real ``zgwatch`` processes for the fault-injection tests: start, find, watch, kill.

Linux only (``/proc``). Polls have deadlines in seconds; nothing here measures
a duration.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ZGWATCH = Path(sys.executable).with_name("zgwatch")
POLL = 0.05  # seconds between two looks at a condition


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``condition`` until it is truthy (its value), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(POLL)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without ZGWATCH_* settings, plus ``extra``; quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZGWATCH_")}
    env["ZGWATCH_LOG_LEVEL"] = "ERROR"
    env.update(extra)
    return env


def start(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """``zgwatch ARGS`` in the background, its output captured as text."""
    return subprocess.Popen([str(ZGWATCH), *args], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def cmdline(pid: int) -> str:
    """The command line of ``pid``; empty once it has gone (read from /proc, never raises)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            "utf-8", "replace")
    except OSError:
        return ""


def running(pid: int) -> bool:
    """The process exists and has not ended (a zombie has)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its parent has not reaped it


def processes_mentioning(needle: str) -> list[int]:
    """Live processes whose command line contains ``needle`` (a test's tmp path): crawls
    and their page workers, whoever their parent is now (init, after an orphaning)."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        pid = int(entry.name) if entry.name.isdigit() else me
        if pid != me and needle in cmdline(pid) and running(pid):
            found.append(pid)
    return found


def children(pid: int) -> list[int]:
    """Every live descendant of ``pid``."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if running(child):
                out.append(child)
                todo.append(child)
    return out


def crawl_of(pid: int) -> int | None:
    """The ``crawler.process`` child of a ``zgwatch`` process, if it runs."""
    for child in children(pid):
        if "crawler.process" in cmdline(child):
            return child
    return None


def listening_sockets(pid: int) -> list[str]:
    """The TCP sockets ``pid`` listens on, as ``address:port`` hex (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.append(fields[1])
    return found


def kill_all(pids: list[int]) -> None:
    """SIGKILL each (a test cleaning up after a failure it caused); gone ones are fine."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def lines(path: Path) -> int:
    try:
        return len(path.read_bytes().splitlines())
    except OSError:
        return 0
