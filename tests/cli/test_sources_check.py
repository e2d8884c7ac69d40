"""``zgwatch sources check URL``: one request, what zgwatch reads, or one line and exit 2."""

from __future__ import annotations

import re

import pytest

from replica.columns import COLUMNS
from tests.cli.test_cli import _closed_port, one_line_error, zgwatch

PATHS = ["/xunshizgls/", *(c.path for c in COLUMNS)]
EXPECTED_PROFILE = {"/xunshizgls/": "gdjct", "/swxsnew/xsgg/": "gdjct",
                    "/swxsnew/xsfk/": "gdjct", "/trs/xszg/": "trs"}


@pytest.mark.parametrize("path", PATHS)
def test_each_replica_column_prints_its_profile_pager_and_a_sample(replica, path) -> None:
    proc = zgwatch("sources", "check", replica.url_for(path))
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
    assert lines["source"] == replica.url_for(path)
    assert lines["profile"].split(" ")[0] == EXPECTED_PROFILE.get(path, "auto")
    column = next((c for c in COLUMNS if c.path == path), None)
    if column is None:  # the 整改落实 column: 45 notices, twenty a page
        entries, pager, pages, first = 20, "numbered", 3, replica.site.notice_ids()[0]
    else:
        listings = replica.site.columns.all[path].listings
        entries, pages, first = 10, 3, listings[0].notice_id
        pager = {"currentpage": "query"}.get(column.pager, column.pager)
    assert lines["list"] == f"{entries} entries on this page"
    assert re.match(rf"{pager}, {pages} pages, next http://", lines["pager"]), lines["pager"]
    assert lines["sample"].startswith(f"{first} 20")


def test_a_named_profile_is_the_one_used(replica) -> None:
    proc = zgwatch("sources", "check", "--profile", "page-query",
                   replica.url_for("/variant/currentpage/"))
    assert proc.returncode == 0, proc.stderr
    assert "profile: page-query (detected:" in proc.stdout
    assert "pager: query, 3 pages" in proc.stdout


@pytest.mark.parametrize(("path", "needle"), [("/", "wrong_page"),
                                              ("/nowhere/", "not_found")])
def test_a_page_without_a_list_exits_2_with_one_line(replica, path, needle) -> None:
    line = one_line_error(zgwatch("sources", "check", replica.url_for(path)), 2)
    assert f"no list of notices at {replica.url_for(path)}" in line
    assert needle in line


def test_an_empty_list_page_exits_2(replica) -> None:
    replica.site.set_fault("/trs/xszg/", "empty")
    line = one_line_error(zgwatch("sources", "check", replica.url_for("/trs/xszg/")), 2)
    assert "empty_list" in line


@pytest.mark.parametrize(("args", "needle"), [
    (["sources", "check", "ftp://example.org/x/"], "http(s) URL"),
    (["sources", "check", "--profile", "nosuch", "http://127.0.0.1/x/"], "unknown profile"),
    (["sources", "check"], "required: URL"),
    (["sources", "frob"], "invalid choice"),
])
def test_bad_usage_exits_2(args, needle, tmp_path) -> None:
    assert needle in one_line_error(zgwatch(*args, cwd=tmp_path), 2)


def test_no_answer_exits_1_with_one_line() -> None:
    port = _closed_port()
    line = one_line_error(zgwatch("sources", "check", f"http://127.0.0.1:{port}/x/"), 1)
    assert "cannot fetch" in line
