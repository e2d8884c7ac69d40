"""The zgwatch command: bad input is one line, the documented exit status, no traceback."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ZGWATCH = Path(sys.executable).with_name("zgwatch")


def zgwatch(*args, env=None, cwd=None, timeout=120):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ZGWATCH_")}
    full_env.update(env or {})
    return subprocess.run([str(ZGWATCH), *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)


def one_line_error(proc, code):
    assert proc.returncode == code, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("zgwatch: ")
    return lines[0]


def test_help_lists_every_command():
    proc = zgwatch("--help")
    assert proc.returncode == 0
    for command in ("run", "crawl", "load", "diff", "alert", "replica", "demo", "export"):
        assert command in proc.stdout


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["frobnicate"], {}, "invalid choice"),
        ([], {}, "required"),
        (["run", "--warn-days", "soon"], {}, "--warn-days"),
        (["run", "--delay", "-3"], {}, "--delay"),
        (["run", "--timeout", "abc"], {}, "--timeout"),
        (["run", "--as-of", "2024-02-30"], {}, "--as-of"),
        (["run", "--source", "gopher://x/"], {}, "--source"),
        (["run", "--notify", "nosuch://a"], {}, "--notify"),
        (["crawl"], {"ZGWATCH_TIMEOUT": "-1"}, "ZGWATCH_TIMEOUT"),
        (["diff"], {"ZGWATCH_AS_OF": "yesterday"}, "ZGWATCH_AS_OF"),
        (["run", "--no-such-flag"], {}, "unrecognized"),
        (["replica", "--port", "70000"], {}, "port"),
        (["replica", "--notices", "many"], {}, "--notices"),
        (["replica", "--latency-ms", "-5"], {}, "--latency-ms"),
        (["export", "--format", "csv", "out"], {}, "--format"),
        (["export", "--notify", "json://x", "out"], {}, "--notify"),  # not an export option
    ],
)
def test_bad_usage_exits_2_with_one_line(args, env, needle, tmp_path):
    line = one_line_error(zgwatch(*args, env=env, cwd=tmp_path), 2)
    assert needle in line


def test_bad_config_file_exits_2(tmp_path):
    (tmp_path / "zgwatch.toml").write_text("warn_days = 'x'\n", encoding="utf-8")
    line = one_line_error(zgwatch("diff", cwd=tmp_path), 2)
    assert "warn_days in zgwatch.toml" in line


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_column_exits_1_with_one_line(tmp_path):
    port = _closed_port()
    proc = zgwatch("run", "--source", f"http://127.0.0.1:{port}/xunshizgls/", "--delay", "0",
                   "--timeout", "2", "--data-dir", str(tmp_path / "data"),
                   "--db", str(tmp_path / "w.duckdb"), cwd=tmp_path,
                   env={"ZGWATCH_LOG_LEVEL": "ERROR"})
    line = one_line_error(proc, 1)
    assert f"127.0.0.1:{port}" in line
    assert "cannot read the column" in line


def test_replica_port_in_use_exits_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_error(zgwatch("replica", "--port", str(port), "--notices", "5",
                                      cwd=tmp_path), 2)
    assert f"--port {port}" in line


def test_replica_site_port_in_use_exits_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_error(zgwatch("replica", "--port", "0", "--site-port", str(port),
                                      "--notices", "5", cwd=tmp_path), 2)
    assert f"--site-port {port}" in line


def test_a_db_that_is_not_duckdb_exits_2_and_is_left_alone(tmp_path):
    bad = tmp_path / "notes.duckdb"
    bad.write_text("my notes, not a warehouse\n")
    line = one_line_error(zgwatch("diff", "--db", str(bad), cwd=tmp_path), 2)
    assert line.startswith(f"zgwatch: warehouse {bad}:") and "not a valid DuckDB database" in line
    assert bad.read_text() == "my notes, not a warehouse\n"


def test_a_data_dir_that_cannot_be_made_exits_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    line = one_line_error(zgwatch("crawl", "--data-dir", str(blocker / "data"),
                                  "--db", str(tmp_path / "w.duckdb"), cwd=tmp_path), 2)
    assert "--data-dir" in line and "cannot create" in line


def test_export_help_shows_only_what_applies():
    proc = zgwatch("export", "--help")
    assert proc.returncode == 0
    for option in ("--db", "--config", "--format", "DIR", "analyst copy"):
        assert option in proc.stdout
    for option in ("--notify", "--warn-days", "--delay", "--timeout", "--source", "--as-of",
                   "--data-dir"):
        assert option not in proc.stdout, option


def test_export_without_an_analyst_copy_exits_1_with_one_line(tmp_path):
    line = one_line_error(zgwatch("export", "--db", str(tmp_path / "w.duckdb"),
                                  str(tmp_path / "out"), cwd=tmp_path), 1)
    assert line == (f"zgwatch: analyst copy {tmp_path / 'w.analyst.duckdb'} does not exist "
                    "(no cycle has published it yet)")
    assert not (tmp_path / "w.duckdb").exists()
