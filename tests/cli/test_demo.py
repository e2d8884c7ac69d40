"""The README's main command: the demo tells the whole story and every alert arrives."""

import re

import pytest

from tests.cli.test_cli import one_line_error, zgwatch

pytestmark = pytest.mark.slow  # end to end: tiers in docs/development.md


def chapter(out: str, title: str) -> str:
    match = re.search(rf"== {re.escape(title)}\n(.*?)(?=\n== |\Z)", out, re.S)
    assert match, f"no chapter {title!r} in:\n{out}"
    return match.group(1)


def test_demo_runs_the_story_offline(tmp_path):
    proc = zgwatch("demo", "--data-dir", str(tmp_path / "demo"), cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "基线: 已记录 60 条通报" in chapter(out, "1. Baseline")
    # a subject says when an open period ends
    new = chapter(out, "2. A new notice")
    assert re.search(r"新通报 · \d+月\d+日截止 \| 中共珠海市香洲区委", new)
    assert re.search(r"内容修改 · \d+月\d+日截止 \|", chapter(out, "3. A one-character edit"))
    # the period moved (an edit) and is now due: one message per destination, not three;
    # the move is its own label, with the new end
    due = chapter(out, "4. A publicity period about to end")
    assert due.count("公开期限将至 · 期限缩短至11月28日 · 内容修改 |") == 2
    assert due.count("✉ mail") == 1
    assert "Parquet files: .venv/bin/zgwatch export --db " in out
    assert "alerts: none" in chapter(out, "5. A removal")
    assert "已撤下" in chapter(out, "5b. The removal confirmed")
    fault = chapter(out, "6. A bot shield and a 503")
    assert "alerts: none" in fault and "blocked 1" in fault and "server_error 1" in fault
    # each alert went to both sinks, once
    assert out.count("✉ mail") == out.count("⇢ webhook") >= 5
    assert (tmp_path / "demo" / "zgwatch.analyst.duckdb").exists()
    assert "Traceback" not in proc.stderr


def test_demo_will_not_wipe_a_folder_it_did_not_make(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    line = one_line_error(zgwatch("demo", "--data-dir", str(precious), cwd=tmp_path), 2)
    assert "not a demo folder" in line
    assert (precious / "thesis.txt").exists()
