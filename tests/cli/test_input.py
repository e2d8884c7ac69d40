"""Everything is checked before the first request, and each error is said once, in one line.

Issue 12 (8 and 6): a column URL in upper case, out of range, without a host or with a
password; a warehouse path that cannot be opened; a mistyped key beside or under the
``[zgwatch]`` table or in a ``[[destinations]]`` entry; a config file that is not UTF-8.
"""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ConfigError
from core.vocabulary import column_key, column_url
from tests.cli.test_cli import one_line_error, zgwatch
from warehouse.publish import publish_analyst_copy
from zgwatch.config import load_settings

QUIET = {"ZGWATCH_LOG_LEVEL": "ERROR"}


def cycle_args(tmp_path, source, *more):
    return ("run", "--source", source, "--delay", "0", "--timeout", "5",
            "--data-dir", str(tmp_path / "data"), "--db", str(tmp_path / "w.duckdb"), *more)


def test_an_upper_case_scheme_and_host_are_read_as_the_column(replica, tmp_path):
    shouted = replica.url.replace("http://127.0.0.1", "HTTP://127.0.0.1")
    proc = zgwatch(*cycle_args(tmp_path, shouted), env=QUIET, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT source FROM batches").fetchall() == [(replica.url,)]
        assert con.execute("SELECT count(*) FROM notice_state").fetchone()[0] == 45


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("http://127.0.0.1:99999/xunshizgls/", "port"),
        ("http://127.0.0.1:0/xunshizgls/", "port"),
        ("http://127.0.0.1:http/xunshizgls/", "port"),
        ("http:///xunshizgls/", "no host"),
        ("ftp://127.0.0.1/xunshizgls/", "http(s) URL"),
        ("{replica}", None),  # the replica's own URL with a user and password in it
    ],
)
def test_a_bad_column_url_exits_2_before_any_request(source, says, replica, tmp_path):
    if says is None:
        source, says = replica.url.replace("http://", "http://zg:s3cret@"), "user name or pass"
    line = one_line_error(zgwatch(*cycle_args(tmp_path, source), env=QUIET, cwd=tmp_path), 2)
    assert line.startswith("zgwatch: --source: ") and says in line
    assert "s3cret" not in line  # a password typed into the URL is never printed
    assert not replica.site.requests
    assert not (tmp_path / "data" / "batches").exists()
    assert not (tmp_path / "w.duckdb").exists()


def test_a_warehouse_that_cannot_be_made_exits_2_before_any_request(replica, tmp_path):
    for command in ("run", "crawl"):
        args = cycle_args(tmp_path, replica.url)
        args = (command, *args[1:args.index("--db")], "--db", "/proc/x.duckdb")
        line = one_line_error(zgwatch(*args, env=QUIET, cwd=tmp_path), 2)
        assert line.startswith("zgwatch: warehouse /proc/x.duckdb: cannot open it")
    assert not replica.site.requests


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("warn_dayz = 3\n[zgwatch]\nwarn_days = 3\n", "warn_dayz in"),  # beside the table
        ("[zgwatch]\nwarn_days = 3\nwarn_dayz = 3\n", "warn_dayz in"),  # under it
        ('[zgwatch]\nwarn_days = 3\n[[destinations]]\nurl = "json://127.0.0.1:9/x"\n'
         'kindz = ["new"]\n', "unknown key 'kindz'"),  # in a destination
        ("warn_days = 3\n[zgwatch]\nwarn_days = 4\n", "both at the top level and under"),
    ],
)
def test_every_key_of_the_file_is_checked_wherever_it_sits(text, named, tmp_path):
    (tmp_path / "zgwatch.toml").write_text(text, encoding="utf-8")
    line = one_line_error(zgwatch("diff", "--db", str(tmp_path / "w.duckdb"), cwd=tmp_path), 2)
    assert named in line and "zgwatch.toml" in line


def test_the_zgwatch_table_and_the_destinations_are_both_read(tmp_path):
    cfg = tmp_path / "zg.toml"
    cfg.write_text('[zgwatch]\nwarn_days = 5\n\n[[destinations]]\nurl = "json://127.0.0.1:9/z"\n'
                   'kinds = ["new"]\n', encoding="utf-8")
    s = load_settings({}, env={}, config_file=cfg)
    assert s.warn_days == 5
    assert [d.url for d in s.destinations] == ["json://127.0.0.1:9/z"]


def test_a_config_file_that_is_not_utf8_exits_2_with_one_line(tmp_path):
    (tmp_path / "zgwatch.toml").write_bytes('source = "栏目"\n'.encode("gbk"))
    line = one_line_error(zgwatch("diff", "--db", str(tmp_path / "w.duckdb"), cwd=tmp_path), 2)
    assert line.startswith("zgwatch: config file zgwatch.toml: not UTF-8 text (byte 0x")


def test_each_error_says_what_it_got_once():
    with pytest.raises(ConfigError) as err:
        load_settings({"source": "gopher://x/"}, env={})
    assert str(err.value) == ("--source: must be an http(s) URL of the column's index "
                              "(got 'gopher://x/')")


# -- the same column, however its address is written ---------------------------------------

HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True)
PATHS = st.from_regex(r"(/[a-z0-9_]{1,8}){0,3}", fullmatch=True)


@given(host=HOSTS, path=PATHS, scheme=st.sampled_from(["http", "https"]))
def test_urls_that_name_one_column_have_one_key(host, path, scheme):
    port = {"http": 80, "https": 443}[scheme]
    plain = f"{scheme}://{host}{path}/"
    key = column_key(plain)
    for same in (f"{scheme}://{host}{path}", f"{scheme}://{host}{path}/index.html",
                 f"{scheme.upper()}://{host.upper()}{path}/", f"{scheme}://{host}:{port}{path}/",
                 f"  {plain}  ", f"{plain}index.htm#top"):
        assert column_key(same) == key, same
    assert column_key(f"{scheme}://{host}{path}/other/") != key
    assert column_key(f"{scheme}://{host}:8081{path}/") != key
    assert column_url(plain) == plain


def test_another_refusal_of_the_file_system_is_one_line_naming_the_path(tmp_path):
    """Not only a full disk: any OS error of a stage is one line with the path (exit 1)."""
    db = tmp_path / "w.duckdb"
    assert zgwatch("diff", "--db", str(db), cwd=tmp_path).returncode == 0
    publish_analyst_copy(db)  # what export reads (a cycle's last step)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    line = one_line_error(zgwatch("export", "--db", str(db), str(blocker / "out"), env=QUIET,
                                  cwd=tmp_path), 1)
    assert line == f"zgwatch: export: {blocker / 'out'}: Not a directory"
