"""``--only ID``: an unknown id, or a stage command with a registry and no ``--only``, is one
line naming the known ids (exit 2), before anything is made."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import one_line_error, zgwatch

TWO = '''data_dir = "{data}"
[[sources]]
id = "gd-zgls"
url = "http://127.0.0.1:9/xunshizgls/"
name = "整改落实"

[[sources]]
id = "gd-xsgg"
url = "http://127.0.0.1:9/swxsnew/xsgg/"
name = "巡视公告"
'''


@pytest.fixture
def two(tmp_path):
    (tmp_path / "zgwatch.toml").write_text(TWO.format(data=tmp_path / "data"), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("command", ["run", "crawl", "load", "diff", "alert", "export",
                                     "site"])
def test_an_unknown_id_names_the_known_ones(two, command):
    extra = ["out"] if command in ("export", "site") else []
    line = one_line_error(zgwatch(command, "--only", "nope", *extra, cwd=two), 2)
    assert line.endswith("--only nope: no such source (the sources are: gd-zgls, gd-xsgg)")
    assert not (two / "data").exists()


@pytest.mark.parametrize("command", ["crawl", "load", "diff", "alert", "site"])
def test_a_stage_command_needs_one_source(two, command):
    extra = ["out"] if command == "site" else []
    line = one_line_error(zgwatch(command, *extra, cwd=two), 2)
    assert line == (f"zgwatch: {command}: the registry lists 2 sources; name one with "
                    "--only ID (one of: gd-zgls, gd-xsgg)")
    assert not (two / "data").exists()


def test_without_a_registry_only_default_is_the_one_source(tmp_path):
    line = one_line_error(zgwatch("diff", "--only", "zgls", "--db", str(tmp_path / "w.duckdb"),
                                  cwd=tmp_path), 2)
    assert line.endswith("(the sources are: default)")
    proc = zgwatch("diff", "--only", "default", "--db", str(tmp_path / "w.duckdb"),
                   "--data-dir", str(tmp_path / "d"), "--as-of", "2026-01-05", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
