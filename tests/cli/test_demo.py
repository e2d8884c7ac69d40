"""The README's main command: the demo watches four sources on two templates, tells the whole
story, and every alert arrives once."""

import json
import re

import pytest

from tests.cli.test_cli import one_line_error, zgwatch
from zgwatch.config import load_settings

# end to end (tiers in docs/development.md): 4 sources x 7 cycles, each crawl a Scrapy process
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def chapter(out: str, title: str) -> str:
    match = re.search(rf"== {re.escape(title)}\n(.*?)(?=\n== |\Z)", out, re.S)
    assert match, f"no chapter {title!r} in:\n{out}"
    return match.group(1)


SOURCES = ("gd-zgls", "gd-xsgg", "gd-xsfk", "qy-xczg")
NAMES = sorted(["南粤清风网 · 整改落实", "南粤清风网 · 巡视公告", "南粤清风网 · 巡视反馈",
                "清远廉政网 · 巡察整改"])
CHANGE = re.compile(r"^   ([a-z0-9-]+): (?:new notice|notice) \d+ (?:edited |removed )?「(.+)」$",
                    re.M)


def arrivals(text: str, sink: str) -> list[str]:
    """The subjects (mail) or titles (webhook) a chapter shows arriving."""
    return re.findall(rf"^   {sink} +(.+)$", text, re.M)


def alerted_once_each(text: str, alerted: str | None = None) -> dict[str, str]:
    """The chapter ``text`` changed one notice in each source, and each one arrived once at
    each sink (nothing else did) in that chapter or in ``alerted``; returns source id -> the
    changed notice's title."""
    changed = dict(CHANGE.findall(text))
    assert sorted(changed) == sorted(SOURCES), text
    text = text if alerted is None else alerted
    for sink in ("✉ mail", "⇢ webhook"):
        subjects = arrivals(text, sink)
        assert len(subjects) == len(SOURCES), text
        for title in changed.values():
            assert sum(title in subject for subject in subjects) == 1, (title, text)
    return changed


def test_demo_watches_four_sources_on_two_templates(tmp_path):
    proc = zgwatch("demo", "--data-dir", str(tmp_path / "demo"), cwd=tmp_path, timeout=850)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # the registry it wrote and watches: the site's three columns and a TRS site on its own host
    settings = load_settings(env={}, config_file=tmp_path / "demo" / "zgwatch.toml")
    assert [s.id for s in settings.source_list] == list(SOURCES)
    assert {s.profile for s in settings.source_list} == {"auto", "trs"}
    assert len({s.host for s in settings.source_list}) == 2
    assert re.search(r"one politeness budget per host: 127\.0\.0\.1:\d+: gd-zgls, gd-xsgg, "
                     r"gd-xsfk; 127\.0\.0\.1:\d+: qy-xczg", out)
    baseline = chapter(out, "1. Baseline")
    counts = re.findall(r"✉ mail +\[zgwatch\]\[[^\]]+\] 基线: 已记录 (\d+) 条通报", baseline)
    assert sorted(counts) == ["25", "25", "25", "60"]
    # a new notice, an edit and a removal in each source, each alerted once
    # with every source read, the feedback source judges the rounds past their expected
    # progress once (整改公开逾期): more than the flood threshold, so one digest holds them
    # and its new notice; every other source's new notice is a message of its own
    news = chapter(out, "2. A new notice")
    added = dict(CHANGE.findall(news))
    assert sorted(added) == sorted(SOURCES)
    for sink in ("✉ mail", "⇢ webhook"):
        subjects = arrivals(news, sink)
        assert len(subjects) == len(SOURCES), news
        (digest,) = [x for x in subjects if "本轮汇总" in x]
        assert re.fullmatch(r"\[zgwatch\]\[南粤清风网 · 巡视反馈\] 本轮汇总: 整改公开逾期 \d+ · "
                            r"新通报 1", digest), digest
        for source, title in added.items():
            if source != "gd-xsfk":
                (one,) = [x for x in subjects if title in x]
                assert re.search(r"新通报 · \d+月\d+日截止 \| ", one), one
    edits = chapter(out, "3. A one-character edit")
    alerted_once_each(edits)
    # each subject names its source: the four names, once each
    assert sorted(re.findall(r"✉ mail +\[zgwatch\]\[([^\]]+)\] 内容修改 ", edits)) == NAMES
    # the period moved (an edit) and is now due: one message per destination, not three;
    # the move is its own label, with the new end
    due = chapter(out, "4. A publicity period about to end")
    assert due.count("公开期限将至 · 期限缩短至11月28日 · 内容修改 |") == 2
    assert due.count("✉ mail") == 1
    assert re.findall(r"^   ([a-z0-9-]+): crawl ", due, re.M) == ["gd-zgls"]  # --only
    assert "alerts: none" in chapter(out, "5. A removal")
    removals = chapter(out, "5b. The removal confirmed")
    alerted_once_each(chapter(out, "5. A removal"), removals)
    assert sorted(re.findall(r"✉ mail +\[zgwatch\]\[([^\]]+)\] 已撤下 \| ", removals)) == NAMES
    fault = chapter(out, "6. A bot shield and a 503")
    assert "alerts: none" in fault and "blocked 1" in fault and "server_error 1" in fault
    assert re.search(r"qy-xczg: crawl .*\(2/3 list pages", fault)  # its own fault, on its host
    warehouse = chapter(out, "The warehouse")
    for source in SOURCES:
        line = re.search(rf"^   {source}: .*$", warehouse, re.M).group()
        assert "removed 1" in line and "edited " in line, line
    assert "Parquet files: .venv/bin/zgwatch export --config " in out
    # each alert went to both sinks, once
    # per source: its baseline, a new notice, an edit, a removal; and the one period
    assert out.count("✉ mail") == out.count("⇢ webhook") == 4 * len(SOURCES) + 1
    for source in SOURCES:
        assert (tmp_path / "demo" / "sources" / source / "zgwatch.analyst.duckdb").exists()
    # its registry lists the sources and their last cycle once the demo is over
    listed = zgwatch("sources", "--json", "--config", str(tmp_path / "demo" / "zgwatch.toml"))
    assert listed.returncode == 0, listed.stderr
    statuses = json.loads(listed.stdout)
    assert [s["id"] for s in statuses] == list(SOURCES)
    assert all(s["last_cycle"] for s in statuses)
    assert chapter(out, "The sources").count("  last cycle: 20") == len(SOURCES)
    assert "Traceback" not in proc.stderr


def test_demo_will_not_wipe_a_folder_it_did_not_make(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    line = one_line_error(zgwatch("demo", "--data-dir", str(precious), cwd=tmp_path), 2)
    assert "not a demo folder" in line
    assert (precious / "thesis.txt").exists()
