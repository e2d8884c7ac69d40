"""docs/analysts.md: every SQL block runs on the analysts' copy of a replica-built warehouse.

The copy is built by crawling the replica for real (three cycles with every
kind of change), then published; the guide's SQL, search, diffs as rows and
the rectification timeline are checked on it, through Python's DuckDB and
through the DuckDB command line the set-up installs.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from replica import running
from tests.warehouse.conftest import REPO, Watch
from warehouse.publish import publish_analyst_copy
from zgwatch import pipeline

DOC = REPO / "docs" / "analysts.md"
SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)
HEADING = re.compile(r"^#{2,3} (.+)$", re.MULTILINE)
DUCKDB_CLI = REPO / ".venv" / "bin" / "duckdb"

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]  # end to end: several cycles


def sql_blocks(text: str) -> list[tuple[str, str]]:
    """(label, sql) for every ```sql block, labelled by the heading above it."""
    out = []
    for i, m in enumerate(SQL_BLOCK.finditer(text)):
        headings = HEADING.findall(text, 0, m.start())
        out.append((f"{i + 1:02d} {headings[-1] if headings else 'top'}", m.group(1)))
    return out


LAKE_SECTION = "Every source in one lake"  # its SQL reads the lake: tests/warehouse/test_lake.py
BLOCKS = [(label, sql) for label, sql in sql_blocks(DOC.read_text("utf-8"))
          if not label.endswith(LAKE_SECTION)]


@dataclass
class Copy:
    path: Path
    one_char: tuple[str, str, str]  # (notice_id, old character, new character)
    today: date


def changed_character(old: str, new: str) -> tuple[str, str]:
    (i,) = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    return old[i], new[i]


@pytest.fixture(scope="module")
def analyst_copy(tmp_path_factory) -> Copy:
    """Three real cycles over a 60-notice replica with every kind of change, then publish."""
    today = datetime.now(UTC).date()  # query 8 speaks of now()
    with running(60, 3, today=today) as replica:
        # a destination that refuses connections: its deliveries stay pending
        refused = ("json://127.0.0.1:9/",)
        watch = Watch(replica, tmp_path_factory.mktemp("analysts"), notify=refused)
        site = replica.site
        watch.cycle()
        ids = site.notice_ids()
        site.add_notice()
        site.edit("202033")
        site.set_period("202033", today - timedelta(days=25), today + timedelta(days=3))
        before = site.notice(ids[2]).text
        after = site.edit(ids[2]).text  # one character, alone in its edit
        site.remove(ids[5])
        site.remove(ids[30])
        site.set_fault(site.article_path(ids[8]), "503")
        watch.cycle()
        site.clear_faults()
        watch.cycle()
        pipeline.alert(watch.settings)
        path = publish_analyst_copy(watch.settings.db)
    return Copy(path, (ids[2], *changed_character(before, after)), today)


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory) -> Path:
    """The analyst copy ``zgwatch demo`` leaves: what the guide tells a new analyst to open."""
    from zgwatch.demo import main as demo

    data = tmp_path_factory.mktemp("demo") / "demo"
    assert demo(data) == 0
    return data / "zgwatch.analyst.duckdb"


@pytest.fixture
def con(analyst_copy):
    c = duckdb.connect(str(analyst_copy.path), read_only=True)
    c.execute("SET TimeZone = 'UTC'")
    yield c
    c.close()


def test_the_guide_has_its_worked_queries():
    assert len(BLOCKS) >= 20
    text = DOC.read_text("utf-8")
    assert text.index(".venv/bin/duckdb -readonly data/zgwatch.analyst.duckdb") < text.index(
        "```python"
    )  # the guide starts with the command line, not Python


@pytest.mark.parametrize(("label", "sql"), BLOCKS, ids=[label for label, _ in BLOCKS])
def test_every_sql_block_of_the_guide_returns_rows_on_the_demo(demo_copy, label, sql):
    with duckdb.connect(str(demo_copy), read_only=True) as con:
        result = con.execute(sql).to_arrow_table()
    assert result.num_rows > 0, f"{label}: no rows"


@pytest.mark.parametrize(("label", "sql"), BLOCKS, ids=[label for label, _ in BLOCKS])
def test_every_sql_block_of_the_guide_runs_on_a_longer_history(con, label, sql):
    con.execute(sql).to_arrow_table()


def test_the_export_the_demo_prints_works(demo_copy, tmp_path, capsys):
    """After the demo, the command its last lines give writes the Parquet files."""
    from zgwatch.cli import main as cli

    registry = demo_copy.with_name("zgwatch.toml")  # the registry the demo wrote
    out = tmp_path / "out"
    assert cli(["export", "--config", str(registry), "--format", "parquet", str(out)]) == 0
    assert (out / "version_history.parquet").is_file()
    sources = duckdb.sql(f"SELECT DISTINCT source_id FROM '{out}/notices.parquet'").fetchall()
    assert len(sources) == 4  # the copy across every source


def test_the_duckdb_command_line_reads_the_copy_and_searches_it(analyst_copy):
    """The CLI from the set-up, no Python of ours: the guide's first command works."""
    sql = "SELECT notice_id FROM search_notices('金湾港澳总商会') LIMIT 1"
    out = subprocess.run(
        [str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(analyst_copy.path), "-c", sql],
        capture_output=True, text=True, timeout=120, cwd=analyst_copy.path.parent,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["202033"]


def cuts_a_number(text: str, start: int, end: int) -> bool:
    """Would text[start:end] begin or end inside a run of digits or letters (a whole word)?"""
    def word(ch: str) -> bool:
        return ch.isascii() and ch.isalnum()

    return (start > 0 and word(text[start - 1]) and word(text[start])) or (
        end < len(text) and word(text[end - 1]) and word(text[end])
    )


def unique_phrase(con, body: str, size: int = 12) -> str | None:
    """A stretch of ``body``'s opening that no other notice holds (dates and names make one).

    Numbers are whole words to the search, as to an analyst: the stretch cuts none.
    """
    opening = body.split("\n")[0]
    for start in range(0, len(opening) - size):
        if cuts_a_number(opening, start, start + size):
            continue
        phrase = opening[start : start + size]
        holders = con.execute(
            "SELECT count(*) FROM notices WHERE contains(title || chr(10) || body, ?)", [phrase]
        ).fetchone()[0]
        if holders == 1:
            return phrase
    return None


def test_a_phrase_of_one_notice_finds_that_notice_first(con):
    """For every seventh notice: a stretch of its body that no other notice holds."""
    notices = con.execute(
        "SELECT notice_id, body FROM notices WHERE versions > 0 ORDER BY notice_id"
    ).fetchall()
    checked = 0
    for notice_id, body in notices[::7]:
        phrase = unique_phrase(con, body)
        if phrase is None:
            continue
        first = con.execute("SELECT notice_id FROM search_notices(?) LIMIT 1", [phrase]).fetchone()
        assert first == (notice_id,), phrase
        checked += 1
    assert checked >= 5


def test_search_results_carry_a_snippet_around_the_words(con):
    rows = con.execute(
        "SELECT notice_id, title, issuer, score, snippet FROM search_notices('违规吃喝')"
    ).fetchall()
    assert rows and [r[3] for r in rows] == sorted((r[3] for r in rows), reverse=True)
    assert all("【违规吃喝】" in r[4] for r in rows[:20])  # snippets := 20 by default
    assert all(r[4] is None for r in rows[20:])
    like = con.execute(
        "SELECT count(*) FROM notices WHERE contains(title || chr(10) || body, '违规吃喝')"
    ).fetchone()[0]
    assert len(rows) == like  # every notice holding the phrase, and only those


def test_change_hunks_of_a_one_character_edit_is_that_character(con, analyst_copy):
    notice_id, old, new = analyst_copy.one_char
    rows = con.execute(
        "SELECT seq, before, after, context_before, context_after, section, marked "
        "FROM change_hunks WHERE notice_id = ?",
        [notice_id],
    ).fetchall()
    assert len(rows) == 1
    seq, before, after, lead, trail, section, marked = rows[0]
    assert (seq, before, after) == (1, old, new)
    assert marked == f"{lead}[-{old}-]{{+{new}+}}{trail}"
    assert lead and trail and section


def test_the_seed_notice_timeline(con):
    row = con.execute(
        "SELECT inspection_group, inspection_start, inspection_end, feedback_on, published_on, "
        "publicity_end, days_to_publication FROM rectification_timeline "
        "WHERE notice_id = '202033'"
    ).fetchone()
    group, start, end, feedback, published, _, days = row
    assert (group, start, end) == ("省委第十一巡视组", date(2023, 4, 24), date(2023, 7, 26))
    assert (feedback, published) == (date(2023, 10, 26), date(2024, 9, 26))
    assert days == 336


def test_days_left_count_from_the_cycle_not_from_today(con, analyst_copy):
    as_of, days_left = con.execute(
        "SELECT as_of, days_left FROM publicity_periods WHERE notice_id = '202033'"
    ).fetchone()
    assert as_of == analyst_copy.today  # the replica's cycles ran with as_of = today
    assert days_left == 3
    assert con.execute("SELECT as_of FROM latest_cycle").fetchone() == (as_of,)
