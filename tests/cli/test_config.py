"""Settings: precedence flag > environment > file > default, and one-line errors."""

from datetime import date
from pathlib import Path

import pytest

from core.errors import ConfigError
from core.vocabulary import REAL_COLUMN
from zgwatch.config import load_settings


def test_defaults_are_those_of_interfaces_md(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings({}, env={})
    assert s.source == REAL_COLUMN
    assert s.db == Path("data/zgwatch.duckdb")
    assert s.data_dir == Path("data")
    assert s.notify == ()
    assert (s.warn_days, s.delay, s.timeout) == (3, 1.0, 30.0)
    assert isinstance(s.as_of, date)


def test_flag_beats_env_beats_file_beats_default(tmp_path):
    cfg = tmp_path / "zg.toml"
    cfg.write_text('warn_days = 5\ndelay = 2.5\ntimeout = 9\n', encoding="utf-8")
    env = {"ZGWATCH_DELAY": "0.5", "ZGWATCH_TIMEOUT": "7"}
    s = load_settings({"timeout": "3"}, env=env, config_file=cfg)
    assert s.warn_days == 5  # file
    assert s.delay == 0.5  # env over file
    assert s.timeout == 3  # flag over env


def test_config_file_from_environment_and_zgwatch_table(tmp_path):
    cfg = tmp_path / "zg.toml"
    cfg.write_text('[zgwatch]\nsource = "http://127.0.0.1:9/x/"\n', encoding="utf-8")
    s = load_settings({}, env={"ZGWATCH_CONFIG": str(cfg)})
    assert s.source == "http://127.0.0.1:9/x/"


def test_notify_env_splits_on_spaces_and_commas():
    env = {"ZGWATCH_NOTIFY": "json://127.0.0.1:9/a, json://127.0.0.1:9/b json://127.0.0.1:9/c"}
    assert len(load_settings({}, env=env).notify) == 3


def test_notify_env_keeps_commas_inside_a_url():
    env = {"ZGWATCH_NOTIFY": "mailto://127.0.0.1:25?from=z@x.org&to=a@x.org,b@x.org,"
                             "json://127.0.0.1:9/hook"}
    assert load_settings({}, env=env).notify == (
        "mailto://127.0.0.1:25?from=z@x.org&to=a@x.org,b@x.org", "json://127.0.0.1:9/hook")


def test_routed_destinations_from_file(tmp_path):
    cfg = tmp_path / "zg.toml"
    cfg.write_text(
        '[[destinations]]\nurl = "json://127.0.0.1:9/z"\nkinds = ["new"]\nmatch = ["珠海"]\n',
        encoding="utf-8",
    )
    s = load_settings({"notify": ["json://127.0.0.1:9/all"]}, env={}, config_file=cfg)
    assert [d.url for d in s.all_destinations] == ["json://127.0.0.1:9/all",
                                                   "json://127.0.0.1:9/z"]
    assert s.all_destinations[1].match == ("珠海",)
    assert [d.digest for d in s.all_destinations] == [False, False]


def test_destinations_follow_issuers_and_regions_from_the_file_and_refuse_unknown_ones(
        tmp_path):  # fmt: skip
    cfg = tmp_path / "zg.toml"
    cfg.write_text('[[destinations]]\nurl = "json://127.0.0.1:9/z"\n'
                   'regions = ["珠海市", "金湾区"]\nissuers = ["中共广东省应急管理厅党组"]\n',
                   encoding="utf-8")
    (d,) = load_settings({}, env={}, config_file=cfg).destinations
    assert (d.regions, d.issuers) == (("珠海市", "金湾区"), ("中共广东省应急管理厅党组",))
    cfg.write_text('[[destinations]]\nurl = "json://127.0.0.1:9/z"\nregions = ["珠海"]\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown regions"):
        load_settings({}, env={}, config_file=cfg)
    cfg.write_text('[[destinations]]\nurl = "json://127.0.0.1:9/z"\nunits = ["金湾区委"]\n'
                   'sources = ["default"]\n', encoding="utf-8")
    (d,) = load_settings({}, env={}, config_file=cfg).destinations
    assert (d.units, d.sources) == (("金湾区委",), ("default",))
    cfg.write_text('[[destinations]]\nurl = "json://127.0.0.1:9/z"\nunit = ["x"]\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError):  # a key that would do nothing is refused
        load_settings({}, env={}, config_file=cfg)


def test_a_destination_asks_for_a_digest_and_alerts_link_to_the_site(tmp_path):
    cfg = tmp_path / "zg.toml"
    cfg.write_text('site_url = "https://zg.example.org/site"\n'
                   '[[destinations]]\nurl = "json://127.0.0.1:9/d"\ndigest = true\n',
                   encoding="utf-8")
    s = load_settings({}, env={}, config_file=cfg)
    assert s.destinations[0].digest is True
    alert = s.alert_config()
    assert alert.site_url == "https://zg.example.org/site/" and alert.destinations[0].digest
    env = {"ZGWATCH_SITE_URL": "https://other.example.org/"}
    assert load_settings({}, env=env, config_file=cfg).site_url == "https://other.example.org/"
    assert load_settings({}, env={}).alert_config().site_url is None


@pytest.mark.parametrize(
    ("flags", "env", "names"),
    [
        ({"warn_days": "abc"}, {}, "--warn-days"),
        ({"warn_days": "-1"}, {}, "--warn-days"),
        ({}, {"ZGWATCH_DELAY": "-1"}, "ZGWATCH_DELAY"),
        ({"timeout": "0"}, {}, "--timeout"),
        ({"as_of": "2024-13-45"}, {}, "--as-of"),
        ({"as_of": "20240101"}, {}, "--as-of"),
        ({"source": "ftp://example.org/"}, {}, "--source"),
        ({"source": "not a url"}, {}, "--source"),
        ({"notify": ["nonsense"]}, {}, "--notify"),
        ({"notify": ["nosuchscheme://x"]}, {}, "--notify"),
        ({}, {"ZGWATCH_WARN_DAYS": "soon"}, "ZGWATCH_WARN_DAYS"),
        ({}, {"ZGWATCH_SITE_URL": "zg.example.org"}, "ZGWATCH_SITE_URL"),
    ],
)
def test_bad_values_name_the_option(flags, env, names):
    with pytest.raises(ConfigError) as err:
        load_settings(flags, env=env)
    text = str(err.value)
    assert names in text
    assert "\n" not in text


def test_bad_file_is_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("warn_days = [", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_settings({}, env={}, config_file=bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'red'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"colour in .*unknown\.toml: unknown setting"):
        load_settings({}, env={}, config_file=unknown)
    with pytest.raises(ConfigError, match="not found"):
        load_settings({}, env={}, config_file=tmp_path / "missing.toml")


def test_secret_in_bad_destination_is_not_echoed():
    with pytest.raises(ConfigError) as err:
        load_settings({"notify": ["nosuchscheme://user:s3cretpass@host/"]}, env={})
    assert "s3cretpass" not in str(err.value)


def test_the_publish_budget_from_file_and_environment(tmp_path):
    cfg = tmp_path / "zg.toml"
    cfg.write_text("publish_budget = 90\n", encoding="utf-8")
    assert load_settings({}, env={}).publish_budget == 60
    assert load_settings({}, env={}, config_file=cfg).publish_budget == 90
    assert load_settings({}, env={"ZGWATCH_PUBLISH_BUDGET": "5"},
                         config_file=cfg).publish_budget == 5  # fmt: skip
    with pytest.raises(ConfigError, match="ZGWATCH_PUBLISH_BUDGET"):
        load_settings({}, env={"ZGWATCH_PUBLISH_BUDGET": "0"})


def test_a_lake_needs_its_data_folder_and_a_source_id_is_a_short_slug():
    s = load_settings({}, env={"ZGWATCH_LAKE": "postgresql://u@h/lake",
                               "ZGWATCH_LAKE_DATA": "/srv/lake", "ZGWATCH_SOURCE_ID": "gd-zgls"})
    assert (s.lake, s.lake_data, s.source_id) == ("postgresql://u@h/lake", "/srv/lake", "gd-zgls")
    assert load_settings({}, env={"ZGWATCH_LAKE": " "}).lake is None  # blank: no lake
    with pytest.raises(ConfigError, match=r"lake_data \(ZGWATCH_LAKE_DATA\) must be set with lake"):
        load_settings({}, env={"ZGWATCH_LAKE": "postgresql://u@h/lake"})
    with pytest.raises(ConfigError, match="ZGWATCH_SOURCE_ID"):
        load_settings({}, env={"ZGWATCH_SOURCE_ID": "Not A Slug"})
