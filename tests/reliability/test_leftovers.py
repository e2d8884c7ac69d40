"""Left behind: no listener, nothing outside the data directory, and what a killed crawl
leaves is cleaned up at the start of the next one (docs/reliability.md, "Left behind")."""

from __future__ import annotations

import os
import time
from pathlib import Path

from crawler.leftovers import FAILED_KEPT, SNAPSHOT_MAX_AGE, sweep
from tests.support.processes import (
    clean_env,
    crawl_of,
    kill_all,
    lines,
    listening_sockets,
    processes_mentioning,
    start,
    wait_until,
)


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_crawl_listens_on_no_port_and_writes_nothing_outside_the_data_dir(replica, tmp_path):
    """Scrapy 2.19's remote control (runs code given a token) listened on every crawl and
    wrote its token to ~/.local/state/scrapy; the telnet console is off too."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    env = {k: v for k, v in clean_env(HOME=str(home)).items() if not k.startswith("XDG_")}
    # a pause between requests keeps the crawl running while we look at it
    zgwatch = start("crawl", "--source", replica.url, "--data-dir", str(tmp_path / "data"),
                    "--db", str(tmp_path / "w.duckdb"), "--delay", "0.2", "--timeout", "5",
                    env=env, cwd=cwd)
    try:
        crawl = wait_until(lambda: crawl_of(zgwatch.pid), 60, "the crawl subprocess starts")
        batches = tmp_path / "data" / "batches"
        wait_until(lambda: any(lines(b / "fetches.jsonl") >= 3 for b in batches.iterdir()), 60,
                   "the crawl has fetched a few pages")
        assert listening_sockets(crawl) == []
        assert zgwatch.wait(timeout=120) == 0, zgwatch.stderr.read()
    finally:
        kill_all([zgwatch.pid, *processes_mentioning(str(tmp_path))])
        zgwatch.communicate()
    assert _tree(home) == []
    assert _tree(cwd) == []


def _batch(batches: Path, name: str, files: dict[str, str]) -> Path:
    folder = batches / name
    folder.mkdir(parents=True)
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


def test_sweep_moves_incomplete_batches_to_failed_and_leaves_the_rest(tmp_path):
    batches, raw, failed = tmp_path / "batches", tmp_path / "raw", tmp_path / "failed"
    killed = _batch(batches, "20260301T010000000Z-aaaaaa",
                    {"known.jsonl": "", "fetches.jsonl": "{}\n", "crawl.log": "killed here\n"})
    empty = _batch(batches, "20260301T020000000Z-bbbbbb", {})
    done = _batch(batches, "20260301T030000000Z-cccccc", {"summary.json": "{}", "DONE": ""})
    waiting = _batch(batches, "20260301T040000000Z-dddddd", {"known.jsonl": ""})
    stale = _batch(batches, "20260301T050000000Z-eeeeee", {"known.jsonl": ""})
    old = time.time() - SNAPSHOT_MAX_AGE - 60
    os.utime(stale, (old, old))
    (raw / "ab").mkdir(parents=True)
    (raw / "ab" / "abcd.html.gz").write_bytes(b"kept")
    (raw / "ab" / "abcd.html.tmp4242").write_bytes(b"half")
    (raw / ".probe-x1").write_bytes(b"")

    swept = sweep(batches, raw, failed)

    assert swept.moved == [killed.name, stale.name]
    assert (failed / killed.name / "crawl.log").read_text() == "killed here\n"  # kept to read
    assert not killed.exists() and not empty.exists() and not stale.exists()
    assert done.exists() and waiting.exists()  # complete, or a snapshot awaiting its crawl
    assert _tree(raw) == ["ab", "ab/abcd.html.gz"]
    assert "moved to failed/" in str(swept) and swept.temp_files == 2
    assert not sweep(batches, raw, failed)  # nothing left the second time


def test_failed_keeps_only_the_newest(tmp_path):
    failed = tmp_path / "failed"
    for n in range(FAILED_KEPT + 3):
        (failed / f"20260301T0100{n:02d}000Z-aaaaaa").mkdir(parents=True)
    swept = sweep(tmp_path / "batches", tmp_path / "raw", failed)
    kept = sorted(p.name for p in failed.iterdir())
    assert swept.pruned == 3 and len(kept) == FAILED_KEPT
    assert kept[0] == "20260301T010003000Z-aaaaaa"


def test_the_next_crawl_cleans_up_what_a_killed_one_left(replica, tmp_path):
    """End to end: `zgwatch crawl` sweeps before it starts its own batch."""
    data = tmp_path / "data"
    killed = _batch(data / "batches", "20260301T010000000Z-aaaaaa",
                    {"known.jsonl": "", "fetches.jsonl": "{}\n", "crawl.stderr": ""})
    proc = start("crawl", "--source", replica.url, "--data-dir", str(data),
                 "--db", str(tmp_path / "w.duckdb"), "--delay", "0", "--timeout", "5",
                 env=clean_env(ZGWATCH_LOG_LEVEL="WARNING"), cwd=tmp_path)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert not killed.exists() and (data / "failed" / killed.name / "fetches.jsonl").exists()
    assert f"moved to failed/ ({killed.name})" in err  # said once, as a warning
    assert [b for b in (data / "batches").iterdir() if not (b / "DONE").exists()] == []
