"""docs/sources.md, "How to add a column and a site": every command of the worked example
prints what the guide shows, and its ``[[sources]]`` blocks are a registry zgwatch loads, each
source with the profile its check printed.

The guide speaks of ``zgwatch replica --port 8000 --site-port 8001``; the test serves the same
replica (seed 1) on free ports and reads the guide with those ports put in.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from core.sources import host_key
from replica import running
from tests.cli.test_cli import zgwatch
from tests.conftest import REPO
from zgwatch.config import load_settings

DOC = REPO / "docs" / "sources.md"
SECTION = "## How to add a column and a site"
COMMAND = re.compile(r"^\$ zgwatch (sources check .+)$", re.M)
TOML = re.compile(r"```toml\n(.*?)```", re.S)


def section() -> str:
    text = DOC.read_text("utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:end if end >= 0 else None]


@pytest.fixture(scope="module")
def guide():
    """The section with the ports of a running replica in place of 8000 and 8001."""
    with running(45, 1) as rep:
        own = rep.hosts["清远廉政网"]
        text = (section().replace("127.0.0.1:8000", host_key(rep.url))
                .replace("127.0.0.1:8001", host_key(own.url)))
        yield text


def examples(text: str) -> list[tuple[str, list[str]]]:
    """(command, the lines the guide shows it printing) for every ``$ zgwatch`` line."""
    found = []
    for match in COMMAND.finditer(text):
        shown = text[match.end():].lstrip("\n").split("\n\n", 1)[0].split("\n```", 1)[0]
        found.append((match.group(1), shown.splitlines()))
    return found


def test_the_guide_shows_a_column_and_a_site(guide) -> None:
    text = guide
    commands = [command for command, _ in examples(text)]
    assert len(commands) == 2 and any("/trs/xszg/" in c for c in commands)


def test_each_check_prints_what_the_guide_shows(guide) -> None:
    text = guide
    for command, shown in examples(text):
        proc = zgwatch(*command.split())
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == shown, command


def test_the_blocks_are_a_registry_with_the_profiles_the_checks_print(guide, tmp_path) -> None:
    text = guide
    (block,) = TOML.findall(text)
    config = tmp_path / "zgwatch.toml"
    config.write_text(block, encoding="utf-8")
    settings = load_settings(env={}, config_file=config)
    printed = {}
    for command, shown in examples(text):
        url = command.split()[-1]
        printed[url] = next(line for line in shown if line.startswith("profile: ")).split()[1]
    assert {s.url: s.profile for s in settings.source_list} == printed
    assert [s.kind for s in settings.source_list] == ["feedback", "rectification"]
    assert len({s.host for s in settings.source_list}) == 2  # a column and another site


def test_the_new_source_runs_alone_first(guide, tmp_path) -> None:
    text = guide
    (block,) = TOML.findall(text)
    only = re.search(r"`zgwatch run --only ([a-z0-9-]+)`", text).group(1)
    config = tmp_path / "zgwatch.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\ndelay = 0\n\n' + block, "utf-8")
    proc = zgwatch("run", "--config", str(config), "--only", only, cwd=tmp_path,
                   env={"ZGWATCH_LOG_LEVEL": "ERROR"})
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "data" / "sources" / only
    with duckdb.connect(str(folder / "zgwatch.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM notices").fetchone()[0] == 25
    assert sorted(p.name for p in (tmp_path / "data" / "sources").iterdir()) == [only]
