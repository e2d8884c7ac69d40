"""``zgwatch serve`` under a crowd: time-outs at 200 concurrent clients, threads held by
half-sent requests (issue 29, item 4).

``python -m zgwatch serve`` runs in its own process on a small site folder. Then:

- ``--requests`` GETs (default 5,000) from ``--concurrency`` client threads (200), each
  a fresh connection with a 5 s time-out: how many failed (time-out, refused, reset);
- ``--idle`` connections (400) that send half a request and nothing more: the server's
  threads (``/proc/<pid>/status``) while they wait, and ``--wait`` seconds later
  (20: past the server's idle time-out of 15 s), and whether a new client is served.

    .venv/bin/python bench/serve_load.py                                   # ~1 min
    cd <checkout of an older commit> && /path/to/.venv/bin/python /path/to/bench/serve_load.py

(``python -m`` imports from the working directory first: run it from the checkout.)
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, print_machine


def _site(folder: Path) -> Path:
    (folder / "notices").mkdir(parents=True)
    (folder / "index.html").write_text("<p>整改落实</p>" * 200, encoding="utf-8")
    for n in range(50):
        (folder / "notices" / f"{n}.html").write_text(f"<p>{n}</p>" * 500, encoding="utf-8")
    return folder


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def _get(port: int, n: int) -> bool:
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        con.request("GET", "/index.html" if n % 2 else f"/notices/{n % 50}.html")
        r = con.getresponse()
        r.read()
        return r.status == 200
    except OSError:
        return False
    finally:
        con.close()


def _serve(site: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([str(PYTHON), "-m", "zgwatch", "serve", str(site), "--port", "0"],
                            stdout=subprocess.PIPE, text=True, env={**os.environ})
    line = proc.stdout.readline()  # "site: http://127.0.0.1:PORT/ (serving …)"
    return proc, int(line.split("127.0.0.1:")[1].split("/")[0])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=5000)
    p.add_argument("--concurrency", type=int, default=200)
    p.add_argument("--idle", type=int, default=400)
    p.add_argument("--wait", type=float, default=20.0)
    args = p.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = _serve(_site(Path(tmp) / "site"))
        try:
            t0 = time.monotonic()
            with ThreadPoolExecutor(args.concurrency) as pool:
                ok = sum(pool.map(lambda n: _get(port, n), range(args.requests)))
            took = time.monotonic() - t0
            print(f"{args.requests} requests, {args.concurrency} concurrent: "
                  f"{args.requests - ok} failed, {took:.1f} s")
            held = []
            for _ in range(args.idle):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")  # never finished
                held.append(s)
            time.sleep(1)  # a benchmark, not a test: let the server take them
            print(f"{args.idle} half-sent requests: server threads {_threads(proc.pid)}")
            time.sleep(args.wait)
            print(f"  {args.wait:.0f} s later: server threads {_threads(proc.pid)}, "
                  f"a new client served: {_get(port, 1)}")
            for s in held:
                with contextlib.suppress(OSError):
                    s.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
