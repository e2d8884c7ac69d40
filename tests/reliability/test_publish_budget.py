"""The publish step keeps to its time budget, and what it leaves the next cycle finishes.

Real cycles (``zgwatch.pipeline.run``) against the replica over HTTP: a notice
of a million characters is published inside the default budget; a budget
too short for the work stops the step cleanly (one line, an operators'
incident), and the next cycle ends where a full rebuild ends.
"""

from __future__ import annotations

import logging
import shutil

import duckdb
import pytest

from history import build_site
from replica import running
from warehouse.db import connect
from warehouse.search import PARAGRAPH_CAP, build_search_index
from zgwatch import pipeline
from zgwatch.config import load_settings

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]  # end to end: several cycles

FILLER = "巡视整改落实情况通报违规吃喝公车私用"


def settings_for(rep, data, **extra):
    return load_settings({
        "source": rep.url, "db": data / "zgwatch.duckdb", "data_dir": data,
        "as_of": rep.site.today.isoformat(), "delay": 0, "timeout": 30, "lock_wait": 30,
        "recent_days": 100_000, **extra,  # every notice is read every cycle
    }, env={})  # fmt: skip


def publish_incidents(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT subject, detail, ended_at IS NOT NULL FROM incidents "
                           "WHERE kind = 'publish_unfinished' ORDER BY incident_id").fetchall()


def found(copy, query: str) -> list[str]:
    with duckdb.connect(str(copy), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT notice_id FROM search_notices(?)",
                                          [query]).fetchall()]  # fmt: skip


def test_a_notice_of_a_million_characters_is_published_inside_the_budget(tmp_path):
    with running(notices=12, seed=3) as rep:
        settings = settings_for(rep, tmp_path / "data")
        pipeline.run(settings)
        site = rep.site
        notice_id = site.notice_ids()[0]
        paragraph = site.notice(notice_id).paragraphs[1]
        long = "猞猁狲" + (FILLER * (1_000_000 // len(FILLER)))[: 1_000_000 - 6] + "鸮鹦鹉"
        site.edit(notice_id, paragraph, long)
        report = pipeline.run(settings)
    assert report.publish_left is None  # inside the default budget: nothing left over
    assert publish_incidents(settings.db) == []
    with connect(report.analyst_copy, read_only=True) as con:
        (body,) = con.execute("SELECT body FROM notices WHERE notice_id = ?",
                              [notice_id]).fetchone()  # fmt: skip
        assert len(body) > 1_000_000
        assert con.execute("SELECT unindexed, changed FROM search_index").fetchone() == (0, 1)
    assert found(report.analyst_copy, "猞猁狲") == [notice_id]
    assert found(report.analyst_copy, "鸮鹦鹉") == []  # past the paragraph's cap
    assert len(long) > PARAGRAPH_CAP
    assert (settings.site_folder / "notices" / f"{notice_id}.html").stat().st_size > 1_000_000


def test_past_its_budget_publish_stops_says_so_and_the_next_cycle_finishes(tmp_path, caplog):
    with running(notices=30, seed=4) as rep:
        data = tmp_path / "data"
        hurried = settings_for(rep, data, publish_budget=1e-9)
        with caplog.at_level(logging.WARNING, logger="zgwatch"):
            first = pipeline.run(hurried)
        assert "publish: stopped at its budget" in caplog.text
        assert first.publish_left == ("30 notices not in the search index and 30 notice pages "
                                      "of the site not written")  # fmt: skip
        assert found(first.analyst_copy, "整改") == []  # the copy is whole; search is behind
        assert first.site.unwritten == 30
        [(subject, detail, closed)] = publish_incidents(hurried.db)
        assert (subject, closed) == ("publish", False) and "budget" in detail

        second = pipeline.run(settings_for(rep, data))  # the default budget
    assert second.publish_left is None
    assert publish_incidents(hurried.db) == [(subject, detail, True)]  # closed
    full_copy = tmp_path / "full.duckdb"
    shutil.copyfile(hurried.db, full_copy)
    with connect(full_copy, lock_wait=0) as con:
        build_search_index(con)
    for query in ("整改", "巡视 整改", "群众"):
        assert found(second.analyst_copy, query) == found(full_copy, query)
    assert len(found(second.analyst_copy, "整改")) > 20  # the notices the first one left out
    full_site = tmp_path / "full-site"
    with duckdb.connect(str(second.analyst_copy), read_only=True) as con:
        build_site(con, data / "raw", full_site)
    pages = sorted(p.name for p in (hurried.site_folder / "notices").glob("*.html"))
    assert pages == sorted(p.name for p in (full_site / "notices").glob("*.html"))
    for name in pages:
        assert (hurried.site_folder / "notices" / name).read_bytes() == \
            (full_site / "notices" / name).read_bytes()
