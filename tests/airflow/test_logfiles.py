"""Logs that do not fill the disk: component logs rotated by size, old task logs pruned."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from zgwatch.airflow import logfiles


def test_a_component_log_rotates_by_size_and_keeps_only_its_backups(tmp_path):
    log = logfiles.RotatingLog(tmp_path / "scheduler.log", max_bytes=1000, backups=3)
    lines = [f"line {i:04d} {'x' * 80}\n".encode() for i in range(100)]  # 9,000 bytes
    for line in lines:
        log.write(line)
    log.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["scheduler.log", "scheduler.log.1", "scheduler.log.2", "scheduler.log.3"]
    for path in tmp_path.iterdir():
        assert path.stat().st_size <= 1000
    # the newest lines, in order, whole: nothing split, the oldest files gone
    kept = b"".join((tmp_path / n).read_bytes() for n in reversed(files[1:]))
    kept += (tmp_path / "scheduler.log").read_bytes()
    assert kept == b"".join(lines[-len(kept.splitlines()):])


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 300), min_size=1, max_size=60),
       max_bytes=st.integers(50, 700), backups=st.integers(0, 4))
def test_rotation_never_splits_a_line_nor_keeps_more_than_asked(tmp_path_factory, sizes,
                                                                  max_bytes, backups):
    folder = tmp_path_factory.mktemp("rot")
    log = logfiles.RotatingLog(folder / "c.log", max_bytes=max_bytes, backups=backups)
    written = [b"y" * (n - 1) + b"\n" for n in sizes]
    for line in written:
        log.write(line)
    log.close()
    names = {p.name for p in folder.iterdir()}
    assert names <= {"c.log", *(f"c.log.{i}" for i in range(1, backups + 1))}
    for path in folder.iterdir():
        data = path.read_bytes()
        assert data.endswith(b"\n")  # whole lines only
        # a file holds more than max_bytes only when one line alone is that long
        assert len(data) <= max_bytes or data.count(b"\n") == 1
    assert (folder / "c.log").read_bytes().endswith(written[-1])


def test_a_components_output_reaches_its_rotating_log(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "for i in range(300): print('event', i)"],
                            stdout=subprocess.PIPE)
    log = logfiles.RotatingLog(tmp_path / "api-server.log", max_bytes=2000, backups=10)
    logfiles.pump(proc.stdout, log).join(timeout=30)
    assert proc.wait(timeout=30) == 0
    text = b"".join((tmp_path / n).read_bytes() for n in
                    sorted((p.name for p in tmp_path.iterdir()), key=lambda n: (
                        -int(n.rsplit(".", 1)[1]) if n[-1].isdigit() else 0)))
    assert text.decode().splitlines() == [f"event {i}" for i in range(300)]
    assert len(list(tmp_path.iterdir())) > 1


def test_old_task_logs_are_pruned_and_the_rest_left_alone(tmp_path):
    logs = tmp_path / "logs"
    old = logs / "dag_id=zgwatch_monitor" / "run_id=old" / "task_id=crawl" / "attempt=1.log"
    new = logs / "dag_id=zgwatch_monitor" / "run_id=new" / "task_id=crawl" / "attempt=1.log"
    component = logs / "components" / "scheduler.log"
    for path in (old, new, component):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("log\n")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(component, (month_ago, month_ago))
    assert logfiles.prune_task_logs(logs, days=30) == 1
    assert not old.exists() and not old.parent.parent.exists()  # its empty run folder too
    assert new.exists() and component.exists()
