"""``zgwatch.airflow.tasks``: what the DAG's tasks call (no Airflow needed for these parts)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ConfigError
from zgwatch.airflow import tasks
from zgwatch.sinks import WebhookSink

ENV = {"ZGWATCH_WARN_DAYS": "3", "ZGWATCH_AS_OF": "2020-01-01",
       "ZGWATCH_SOURCE": "http://127.0.0.1:9/xunshizgls/"}


@pytest.mark.parametrize(("when", "day"), [
    (datetime(2026, 3, 1, 15, 59, tzinfo=UTC), date(2026, 3, 1)),  # 23:59 in Shanghai
    (datetime(2026, 3, 1, 16, 0, tzinfo=UTC), date(2026, 3, 2)),  # midnight in Shanghai
])
def test_as_of_is_the_logical_date_in_shanghai(when, day):
    assert tasks.as_of_for(when) == day


def test_settings_precedence_params_fixed_variable_environment():
    day = date(2026, 3, 2)
    s = tasks.cycle_settings(as_of=day, env=ENV)
    assert (s.as_of, s.warn_days) == (day, 3)  # as_of from the run, never ZGWATCH_AS_OF
    s = tasks.cycle_settings(as_of=day, env=ENV, variable={"warn_days": 4})
    assert s.warn_days == 4
    s = tasks.cycle_settings(as_of=day, env=ENV, variable={"warn_days": 4},
                             column_settings={"warn_days": 5})
    assert s.warn_days == 5
    s = tasks.cycle_settings(as_of=day, env=ENV, variable={"warn_days": 4},
                             column_settings={"warn_days": 5},
                             params={"warn_days": 6, "source": None, "other": "ignored"})
    assert s.warn_days == 6
    assert s.source == ENV["ZGWATCH_SOURCE"]  # a param left empty falls through


def test_variable_may_list_destinations_as_one_string(tmp_path):
    s = tasks.cycle_settings(as_of=date(2026, 3, 2), env={}, variable={
        "notify": "json://127.0.0.1:9/a, json://127.0.0.1:9/b", "data_dir": str(tmp_path)})
    assert s.notify == ("json://127.0.0.1:9/a", "json://127.0.0.1:9/b")


def test_the_variable_routes_destinations_by_region_issuer_and_kind(tmp_path):
    s = tasks.cycle_settings(as_of=date(2026, 3, 2), env={}, variable={"destinations": [
        {"url": "json://127.0.0.1:9/a", "regions": ["珠海市"], "kinds": ["expiring"]},
        {"url": "json://127.0.0.1:9/b", "issuers": ["中共珠海市金湾区委"]}]})
    city, unit = s.destinations
    assert city.wants_notice("…", "中共珠海市金湾区委")
    assert not city.wants_notice("…", "中共广州市委")
    assert city.wanted_kinds == {"expiring"} and unit.issuers == ("中共珠海市金湾区委",)
    with pytest.raises(ConfigError, match="unknown regions"):
        tasks.cycle_settings(as_of=date(2026, 3, 2), env={}, variable={"destinations": [
            {"url": "json://127.0.0.1:9/a", "regions": ["珠海"]}]})


def test_a_comma_inside_a_url_is_kept_from_the_variable_as_from_the_environment():
    """One splitter for every source: ``to=a@x,b@y`` is one mailto URL, not two."""
    mail = "mailto://127.0.0.1:2525?from=zg@example.org&to=a@example.org,b@example.org"
    hook = "json://127.0.0.1:9/a"
    for listed in (f"{mail} {hook}", f"{mail},{hook}"):
        from_variable = tasks.cycle_settings(as_of=date(2026, 3, 2), env={},
                                             variable={"notify": listed})
        from_env = tasks.cycle_settings(as_of=date(2026, 3, 2), env={"ZGWATCH_NOTIFY": listed})
        assert from_variable.notify == from_env.notify == (mail, hook)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"variable": ["not", "an", "object"]}, "zgwatch_settings: must be a JSON object"),
    ({"variable": {"as_of": "2026-01-01"}}, "zgwatch_settings: unknown setting 'as_of'"),
    ({"column_settings": {"colour": "red"}}, "DAG setting: unknown setting 'colour'"),
    ({"params": {"warn_days": -1}}, "^Trigger form field warn_days: .*greater than or equal to 0"),
    ({"variable": {"delay": "soon"}}, "^Airflow Variable zgwatch_settings key delay: "),
    ({"column_settings": {"timeout": 0}}, "^DAG setting timeout: "),
])
def test_bad_settings_are_one_line_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        tasks.cycle_settings(as_of=date(2026, 3, 2), env={}, **kwargs)


@dataclasses.dataclass
class _Result:
    path: Path
    day: date
    counts: dict
    items: tuple


def test_jsonable_keeps_xcom_small_and_plain():
    out = tasks.jsonable(_Result(Path("/x"), date(2026, 3, 2), {"new": 1}, (1, "a")))
    assert out == {"path": "/x", "day": "2026-03-02", "counts": {"new": 1}, "items": [1, "a"]}


class _TI:
    dag_id, task_id, run_id, try_number = "zgwatch_monitor", "crawl", "scheduled__x", 4
    log_url = "http://127.0.0.1:8080/dags/zgwatch_monitor/runs/x/tasks/crawl"


def test_operators_hear_once_when_a_task_fails_and_once_when_it_recovers(
        tmp_path, monkeypatch, caplog):
    with WebhookSink() as sink:
        secret_url = sink.url().replace("json://", "json://ops:s3cr3t-pw@")
        settings = tasks.cycle_settings(as_of=date(2026, 3, 2), env={}, variable={
            "data_dir": str(tmp_path), "db": str(tmp_path / "w.duckdb"),
            "operators_notify": [secret_url]})
        monkeypatch.setattr(tasks, "current_settings",
                            lambda column_settings, context, **_: settings)
        context = {"ti": _TI(), "exception": RuntimeError("crawl of X did not finish (exit 1)")}
        caplog.set_level(logging.INFO)

        tasks.notify_operators(context, failed=True)
        tasks.notify_operators(context, failed=True)  # the next hourly run fails too
        messages = sink.wait_for(1)
        assert len(messages) == 1
        text = str(messages[0]["json"])
        assert "运行故障: 运行步骤失败 | zgwatch_monitor.crawl" in text and "重试 3 次" in text
        assert "did not finish" in text and _TI.log_url in text

        tasks.notify_operators({"ti": _TI()}, failed=False)
        tasks.notify_operators({"ti": _TI()}, failed=False)
        messages = sink.wait_for(2)
        assert len(messages) == 2
        assert "已恢复: 运行步骤失败 | zgwatch_monitor.crawl" in str(messages[1]["json"])
    assert "s3cr3t-pw" not in caplog.text
    assert "sent incident:1:start to json://" in caplog.text


def test_without_operators_destinations_a_failure_is_only_logged(tmp_path, monkeypatch, caplog):
    settings = tasks.cycle_settings(as_of=date(2026, 3, 2), env={},
                                    variable={"data_dir": str(tmp_path),
                                              "db": str(tmp_path / "w.duckdb")})
    monkeypatch.setattr(tasks, "current_settings", lambda column_settings, context, **_: settings)
    tasks.notify_operators({"ti": _TI(), "exception": "boom"}, failed=True)
    assert "no operators' destination" in caplog.text


def test_broken_run_settings_still_reach_operators_through_the_environment(
        tmp_path, monkeypatch):
    def broken(column_settings, context, **_):
        raise ConfigError("Airflow Variable zgwatch_settings: must be a JSON object")

    with WebhookSink() as sink:
        monkeypatch.setenv("ZGWATCH_OPERATORS_NOTIFY", sink.url())
        monkeypatch.setenv("ZGWATCH_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("ZGWATCH_DB", str(tmp_path / "zgwatch.duckdb"))
        monkeypatch.setattr(tasks, "current_settings", broken)
        tasks.notify_operators({"ti": _TI(), "exception": "bad settings"}, failed=True)
        assert "运行步骤失败" in str(sink.wait_for(1)[0]["json"])


OUTCOMES = st.sampled_from(["ok", "not_modified", "not_found", "server_error", "timeout",
                            "blocked", "truncated", "wrong_page", "empty_list", "error"])


@given(outcomes=st.dictionaries(OUTCOMES, st.integers(0, 500)),
       list_complete=st.sampled_from([True, False, None]))
def test_a_crawl_is_partial_exactly_when_a_fetch_brought_nothing_or_the_list_was_cut(
        outcomes, list_complete):
    """What makes ``cycle_health`` skip (pink in the grid): the note's ⚠, in one line."""
    line = tasks.partial_failure({"outcomes": outcomes, "list_complete": list_complete})
    failed = {k: n for k, n in outcomes.items() if k not in ("ok", "not_modified") and n}
    assert (line is None) == (not failed and list_complete is not False)
    for outcome, n in failed.items():
        assert f"{outcome} {n}" in line
    assert ("list INCOMPLETE" in (line or "")) == (list_complete is False)


REGISTRY = [{"id": "gd-zgls", "url": "http://127.0.0.1:9/xunshizgls/", "name": "整改落实"},
            {"id": "gd-xsgg", "url": "http://127.0.0.1:9/swxsnew/xsgg/", "name": "巡视公告",
             "kind": "stationing"}]


def test_a_source_dag_runs_on_its_source_settings(tmp_path):
    """A registry source's DAG passes its id (DAG setting ``source_id``): its tasks get the
    settings of that source's cycle (``Settings.for_source``), its own folder and warehouse."""
    env = {"ZGWATCH_DATA_DIR": str(tmp_path / "d")}
    s = tasks.cycle_settings(as_of=date(2026, 3, 2), env=env, variable={"sources": REGISTRY},
                             column_settings={"source_id": "gd-xsgg"})
    assert (s.source_id, s.source) == ("gd-xsgg", REGISTRY[1]["url"])
    assert s.data_dir == tmp_path / "d" / "sources" / "gd-xsgg"
    assert s.db == s.data_dir / "zgwatch.duckdb" and s.data_root == tmp_path / "d"
    assert s.current_source.kind == "stationing"
    # the zgwatch page (no DAG): every source, none chosen
    every = tasks.cycle_settings(as_of=date(2026, 3, 2), env=env, variable={"sources": REGISTRY})
    assert [x.id for x in every.source_list] == ["gd-zgls", "gd-xsgg"]
    assert every.data_dir == tmp_path / "d"


def test_a_source_dag_whose_source_left_the_registry_fails_in_one_line():
    with pytest.raises(ConfigError, match=r"no source 'gone' in the registry \(the sources "
                                          r"are: gd-zgls, gd-xsgg\)"):
        tasks.cycle_settings(as_of=date(2026, 3, 2), env={}, variable={"sources": REGISTRY},
                             column_settings={"source_id": "gone"})
    # a registry the DAG file did not see (only in the metadata database's Variable)
    with pytest.raises(ConfigError, match="DAG file did not see"):
        tasks.cycle_settings(as_of=date(2026, 3, 2), env={}, variable={"sources": REGISTRY},
                             column_settings={})
