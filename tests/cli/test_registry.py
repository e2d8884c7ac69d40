"""The registry of sources in zgwatch.toml and the Variable: checked once, one line each."""

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.sources import DEFAULT_SOURCE_ID
from zgwatch.config import load_settings

TWO = '''
[[sources]]
id = "gd-zgls"
url = "http://127.0.0.1:8000/xunshizgls/"
name = "南粤清风网 · 整改落实"

[[sources]]
id = "gd-xsgg"
url = "http://127.0.0.1:8000/swxsnew/xsgg/"
name = "南粤清风网 · 巡视公告"
kind = "stationing"
profile = "gdjct"
'''


def _settings(tmp_path: Path, text: str, **flags):
    cfg = tmp_path / "zg.toml"
    cfg.write_text(text, encoding="utf-8")
    return load_settings(flags, env={}, config_file=cfg)


def test_without_a_registry_the_column_is_the_default_source(tmp_path):
    s = load_settings({"source": "http://127.0.0.1:9/x/"}, env={})
    (only,) = s.source_list
    assert (only.id, only.url, only.kind, only.profile) == (
        DEFAULT_SOURCE_ID, "http://127.0.0.1:9/x/", "rectification", "auto")
    assert not s.has_registry
    assert s.for_source(only) is s  # its paths stay those it had


def test_registry_sources_in_order_with_their_own_folders(tmp_path):
    s = _settings(tmp_path, TWO, data_dir=str(tmp_path / "d"))
    assert [x.id for x in s.source_list] == ["gd-zgls", "gd-xsgg"]
    xsgg = s.source_list[1]
    assert (xsgg.kind, xsgg.profile) == ("stationing", "gdjct")
    one = s.for_source(xsgg)
    assert one.data_dir == tmp_path / "d" / "sources" / "gd-xsgg"
    assert one.db == one.data_dir / "zgwatch.duckdb"
    assert (one.source, one.source_id, one.profile) == (xsgg.url, "gd-xsgg", "gdjct")
    assert one.current_source == xsgg
    assert one.for_source(xsgg) == one  # idempotent
    other = one.for_source(s.source_list[0])
    assert other.data_dir == tmp_path / "d" / "sources" / "gd-zgls"
    assert other.crawl_options().profile == "auto"


def test_a_source_may_name_its_warehouse(tmp_path):
    s = _settings(tmp_path, TWO.replace('kind = "stationing"', 'kind = "stationing"\n'
                                        'db = "old/zgwatch.duckdb"'))
    assert s.for_source(s.source_list[1]).db == Path("old/zgwatch.duckdb")


def test_only_picks_one_and_names_the_known_ids(tmp_path):
    s = _settings(tmp_path, TWO)
    assert [x.id for x in s.select("gd-xsgg")] == ["gd-xsgg"]
    assert len(s.select(None)) == 2
    with pytest.raises(ConfigError, match=r"no such source.*gd-zgls, gd-xsgg"):
        s.select("nope")


@pytest.mark.parametrize("change, message", [
    (('id = "gd-xsgg"', 'id = "GD_XSGG"'), "id must be 1 to 40"),
    (('id = "gd-xsgg"', 'id = "gd-zgls"'), "given twice"),
    (('/swxsnew/xsgg/"', '/xunshizgls/index.html"'), "watch the same list"),
    (('kind = "stationing"', 'kind = "letters"'), "kind"),
    (('profile = "gdjct"', 'profile = "wordpress"'), "profile must be auto or one of"),
    (('url = "http://127.0.0.1:8000/swxsnew/xsgg/"', 'url = "ftp://x/"'), "url"),
    (('name = "南粤清风网 · 巡视公告"', 'name = "a\\nb"'), "name must be one line"),
    (('profile = "gdjct"', 'colour = "red"'), "unknown key 'colour'"),
])
def test_bad_registry_is_one_line(tmp_path, change, message):
    old, new = change
    assert old in TWO
    with pytest.raises(ConfigError, match=message) as err:
        _settings(tmp_path, TWO.replace(old, new))
    assert "\n" not in str(err.value)


def test_source_flag_and_registry_together_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="--only ID"):
        _settings(tmp_path, TWO, source="http://127.0.0.1:9/x/")


def test_registry_from_the_variable_layer(tmp_path):
    layer = ("Airflow Variable zgwatch_settings key {}", {"sources": [
        {"id": "a", "url": "http://127.0.0.1:8000/a/", "name": "A"},
        {"id": "b", "url": "http://127.0.0.1:8001/b/", "name": "B", "kind": "feedback"}]})
    s = load_settings({}, env={}, layers=[layer])
    assert [(x.id, x.kind, x.host) for x in s.source_list] == [
        ("a", "rectification", "127.0.0.1:8000"), ("b", "feedback", "127.0.0.1:8001")]
