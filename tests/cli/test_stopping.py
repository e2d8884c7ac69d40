"""Told to stop (``zgwatch.stopping``): a stage that fails because the signal was raised
inside a DuckDB query ("Query interrupted") is no failure of the site: nothing is told to
operators and no further source runs. Without the signal the same failure is told."""

from __future__ import annotations

import duckdb
import pytest

from zgwatch import pipeline
from zgwatch.config import load_settings
from zgwatch.stopping import STOPPING


@pytest.fixture
def stopping():
    STOPPING.set()
    yield
    STOPPING.clear()


@pytest.fixture
def told(monkeypatch) -> list:
    """The crawl fails as a query a signal interrupted does; what is told is recorded."""
    calls = []
    monkeypatch.setattr(pipeline, "_tell_quietly", lambda settings, error, **kw: calls.append(
        (settings.source_id, error)))

    def interrupted(settings, report, progress):
        calls.append((settings.source_id, "crawl"))
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    monkeypatch.setitem(pipeline._STEPS, "crawl", interrupted)
    return calls


def _settings(tmp_path, **more):
    return load_settings({"data_dir": tmp_path / "data", "db": tmp_path / "w.duckdb", **more},
                         env={})


def test_a_stage_interrupted_while_stopping_is_not_told(tmp_path, told, stopping):
    with pytest.raises(duckdb.InterruptException):
        pipeline.run(_settings(tmp_path))
    assert told == [("default", "crawl")]  # the crawl ran, nothing was told


def test_the_same_failure_without_a_signal_is_told(tmp_path, told):
    with pytest.raises(duckdb.InterruptException):
        pipeline.run(_settings(tmp_path))
    assert told[0] == ("default", "crawl")
    assert isinstance(told[1][1], duckdb.InterruptException)


def test_told_to_stop_no_further_source_runs(tmp_path, told, stopping):
    sources = [{"id": f"s{n}", "url": f"http://127.0.0.1:9/s{n}/", "name": f"s{n}"}
               for n in (1, 2)]
    with pytest.raises(duckdb.InterruptException):
        pipeline.run_all(_settings(tmp_path, sources=sources))
    assert told == [("s1", "crawl")]
