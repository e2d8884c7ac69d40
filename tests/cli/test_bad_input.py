"""Bad input that used to get through, or leave traces (issue 29, items 5 and 8).

Each is refused with one line and exit 2 before anything is written: no ``data/``
folder, no lock file, no warehouse; or, for a config file's byte-order mark, accepted.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ConfigError
from core.vocabulary import column_url
from tests.cli.test_cli import one_line_error, zgwatch
from zgwatch.config import load_settings

QUIET = {"ZGWATCH_LOG_LEVEL": "ERROR"}


# -- item 5: a log level that is no level ---------------------------------------------------


@pytest.mark.parametrize("level", ["LOUD", "verbose", "-1", "INFO\nDEBUG"])
def test_an_unknown_log_level_is_bad_configuration(level, tmp_path):
    proc = zgwatch("diff", "--db", str(tmp_path / "w.duckdb"),
                   env={"ZGWATCH_LOG_LEVEL": level}, cwd=tmp_path)
    line = one_line_error(proc, 2)
    assert line.startswith("zgwatch: ZGWATCH_LOG_LEVEL: ")
    assert "DEBUG, INFO, WARNING, ERROR" in line
    assert not (tmp_path / "w.duckdb").exists()


def test_a_log_level_in_lower_case_is_a_level(tmp_path):
    proc = zgwatch("diff", "--db", str(tmp_path / "w.duckdb"),
                   env={"ZGWATCH_LOG_LEVEL": "warning"}, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no INFO line at WARNING


# -- item 8: column URLs with spaces or line breaks ------------------------------------------


@pytest.mark.parametrize("source", ["http://exa mple.org/", "http://example.org/x y/",
                                    "http://example.org/a\nb/", "http://exa\tmple.org/",
                                    "http://example.org/\x00/", "http://example.org/\r\nX: 1"])
def test_a_column_url_with_a_space_or_control_character_is_refused(source):
    with pytest.raises(ValueError, match="space or control character"):
        column_url(source)
    with pytest.raises(ConfigError, match=r"^--source: "):
        load_settings({"source": source}, env={})


@given(st.text(st.characters(categories=["Zs", "Cc", "Zl", "Zp"]), min_size=1, max_size=3),
       st.integers(0, 20))
def test_no_space_or_control_character_inside_a_url_is_ever_accepted(junk, at):
    url = "http://example.org/xunshizgls/index.html"
    at = min(at, len(url) - 1) or 1
    with pytest.raises(ValueError):
        column_url(url[:at] + junk + url[at:] + "x")


def test_a_url_with_spaces_around_it_is_still_the_column():
    assert column_url("  http://example.org/x/ \n") == "http://example.org/x/"


def test_a_source_with_a_space_exits_2_and_leaves_nothing(tmp_path):
    line = one_line_error(zgwatch("run", "--source", "http://exa mple.org/", "--data-dir",
                                  str(tmp_path / "data"), env=QUIET, cwd=tmp_path), 2)
    assert line.startswith("zgwatch: --source: ")
    assert list(tmp_path.iterdir()) == []


# -- item 8: loose types in the file ----------------------------------------------------------


@pytest.mark.parametrize(("text", "says"), [
    ("delay = true\n", "delay in"),
    ('warn_days = "3"\n', "warn_days in"),
    ("warn_days = 3.5\n", "warn_days in"),
    ('timeout = "30"\n', "timeout in"),
    ("max_list_pages = true\n", "max_list_pages in"),
    ("db = 5\n", "db in"),
    ('notify = "json://127.0.0.1:9/x"\n', "notify in"),  # a list, in a typed file
    ('[[destinations]]\nurl = "json://127.0.0.1:9/x"\ndigest = "yes"\n', "digest"),
    ('[[destinations]]\nurl = "json://127.0.0.1:9/x"\ndigest = 1\n', "digest"),
    ('[[destinations]]\nurl = "json://127.0.0.1:9/x"\nkinds = "new"\n', "kinds"),
])
def test_a_value_of_the_wrong_type_in_the_file_is_refused(text, says, tmp_path):
    cfg = tmp_path / "zg.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings({}, env={}, config_file=cfg)
    assert says in str(err.value) and "zg.toml" in str(err.value)
    assert "\n" not in str(err.value)


def test_the_same_values_as_text_from_the_environment_are_read():
    s = load_settings({}, env={"ZGWATCH_DELAY": "0", "ZGWATCH_WARN_DAYS": "3"})
    assert (s.delay, s.warn_days) == (0.0, 3)


@pytest.mark.parametrize(("name", "value"), [
    ("lock_wait", "1e308"), ("lock_wait", "inf"), ("lock_wait", "nan"), ("delay", "nan"),
    ("timeout", "inf"), ("revisit_days", "1e308"),
])
def test_numbers_out_of_any_sensible_range_are_refused(name, value):
    with pytest.raises(ConfigError, match=f"^ZGWATCH_{name.upper()}: |^{name}: "):
        load_settings({}, env={}, layers=[("{}", {name: value})])


@pytest.mark.parametrize("agent", ["zgwatch\r\nX-Evil: 1", "zg\nwatch", "zg\x00", ""])
def test_a_user_agent_with_a_line_break_or_control_character_is_refused(agent):
    with pytest.raises(ConfigError, match=r"^user_agent: "):
        load_settings({}, env={}, layers=[("{}", {"user_agent": agent})])


def test_a_config_file_starting_with_a_byte_order_mark_is_read(tmp_path):
    cfg = tmp_path / "zg.toml"
    cfg.write_bytes(b"\xef\xbb\xbf" + b"[zgwatch]\nwarn_days = 5\n")
    assert load_settings({}, env={}, config_file=cfg).warn_days == 5


# -- item 8: refusals that used to leave data/ and a lock file behind ---------------------------


def test_a_site_folder_that_cannot_be_made_is_bad_configuration(tmp_path):
    cfg = tmp_path / "zgwatch.toml"
    cfg.write_text('site_dir = "/proc/x"\n', encoding="utf-8")
    line = one_line_error(zgwatch("run", "--source", "http://127.0.0.1:9/x/", env=QUIET,
                                  cwd=tmp_path), 2)
    assert line.startswith("zgwatch: site_dir /proc/x: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zgwatch.toml"]


@pytest.mark.parametrize("args", [
    ("run", "--source", "http://127.0.0.1:9/x/", "--db", "/proc/x.duckdb"),
    ("crawl", "--source", "http://127.0.0.1:9/x/", "--db", "/proc/x.duckdb"),
    ("move-column", "ftp://x/"),
    ("move-column", "http://exa mple.org/"),
])
def test_a_command_refused_with_exit_2_leaves_nothing_behind(args, tmp_path):
    one_line_error(zgwatch(*args, env=QUIET, cwd=tmp_path), 2)
    assert list(tmp_path.iterdir()) == []


def test_a_refusal_keeps_a_data_folder_that_was_there(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "keep.txt").write_text("mine")
    one_line_error(zgwatch("run", "--source", "http://127.0.0.1:9/x/", "--db", "/proc/x.duckdb",
                           env=QUIET, cwd=tmp_path), 2)
    # kept, with what it held; its lock file stays (another process may be waiting on it)
    assert (data / "keep.txt").read_text() == "mine"
    assert {p.name for p in data.iterdir()} <= {"keep.txt", "zgwatch.lock"}
