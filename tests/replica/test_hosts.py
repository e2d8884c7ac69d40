"""A second site on a host of its own (the TRS site on a second port), requests in flight per
host, and the admin API changing a notice in any column, through either host."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.sources import host_key
from replica import Replica, running
from replica.admin import handle_admin
from replica.columns import COLUMNS
from replica.routes import respond
from replica.state import COLUMN
from tests.support.processes import wait_until

from .conftest import SiteClient

TRS = "/trs/xszg/"
ALL_COLUMNS = (COLUMN, *(c.path for c in COLUMNS))


def post(base_url: str, operation: str, **args) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base_url}/_replica/{operation}",
                                     data=json.dumps(args).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_the_trs_site_has_a_host_of_its_own(replica) -> None:
    own = replica.hosts["清远廉政网"]
    assert host_key(replica.column_url(TRS)) != host_key(replica.url)  # two politeness budgets
    assert replica.column_url(TRS) == own.url == own.base_url + TRS
    assert replica.column_url("/swxsnew/xsgg/") == replica.url_for("/swxsnew/xsgg/")
    trs, first = SiteClient(replica, own.base_url), SiteClient(replica)
    page = trs.get(TRS)
    assert page.status == 200 and "createPageHTML(3, 0" in page.text
    article = re.search(r'href="\.(/\d{6}/t\d{8}_\d+\.html)"', page.text).group(1)
    assert trs.get(TRS + article.lstrip("/")).status == 200
    assert trs.get("/trs/xszg/index_2.html").text == first.get("/trs/xszg/index_2.html").text
    assert "Disallow: /_replica/" in trs.get("/robots.txt").text
    # the other site's pages are not on this host
    for path in (COLUMN, replica.site.article_path(replica.site.notice_ids()[0]),
                 "/swxsnew/xsfk/", "/variant/next/", "/"):
        assert trs.get(path).status == 404, path
    assert first.get(TRS).status == 200  # the first host serves every page still


def test_one_state_two_hosts_faults_by_path(replica) -> None:
    own = SiteClient(replica, replica.hosts["清远廉政网"].base_url)
    replica.site.set_fault("/trs/xszg/index_1.html", "503")
    assert own.get("/trs/xszg/index_1.html").status == 503
    assert own.get("/trs/xszg/index_2.html").status == 200
    assert SiteClient(replica).get(COLUMN).status == 200  # the fault is the TRS site's own


def test_requests_in_flight_are_counted_per_host() -> None:
    with running(10, 1, latency=30.0) as rep:  # every answer waits until the servers stop
        own = rep.hosts["清远廉政网"]
        answers: list[int] = []

        def fetch(url: str) -> None:
            try:
                with urllib.request.urlopen(url, timeout=60) as answer:
                    answers.append(answer.status)
            except OSError:  # the server stopping closes the connection
                answers.append(0)

        threads = [threading.Thread(target=fetch, args=(url,))
                   for url in (rep.url, rep.column_url(TRS), rep.column_url(TRS))]
        for thread in threads:
            thread.start()
        wait_until(lambda: rep.site.active == 3, 20, "three requests in flight")
        assert rep.server.in_flight.active == 1 and own.in_flight.active == 2
        assert own.in_flight.max_active == 2 and rep.site.max_active == 3
    for thread in threads:
        thread.join(timeout=20)
    assert len(answers) == 3


@pytest.mark.parametrize("path", ALL_COLUMNS)
def test_the_admin_api_adds_edits_removes_in_any_column(replica, path) -> None:
    base = replica.server_for(path).base_url  # the column's own host, where it has one
    status, added = post(base, "column_add_notice", path=path)
    assert status == 200
    new_id = added["result"]
    assert replica.site.column(path).notice_ids()[0] == new_id
    status, edited = post(base, "column_edit", path=path, notice_id=new_id)
    assert status == 200 and edited["result"]["notice_id"] == new_id
    column = replica.site.column(path)
    assert edited["result"]["paragraphs"] == list(column.notice(new_id).paragraphs)
    assert post(base, "column_remove", path=path, notice_id=new_id)[0] == 200
    assert new_id not in replica.site.column(path).notice_ids()
    assert post(base, "column_restore", path=path, notice_id=new_id)[0] == 200


def test_the_admin_api_names_the_columns_for_a_path_that_is_none(replica) -> None:
    status, answer = post(replica.server.base_url, "column_add_notice", path="/nowhere/")
    assert status == 400 and "/trs/xszg/" in answer["error"] and COLUMN in answer["error"]
    status, answer = post(replica.server.base_url, "column_remove", path=TRS, notice_id="9")
    assert status == 404 and "9" in answer["error"]


@settings(max_examples=60, deadline=None)
@given(path=st.one_of(st.text(max_size=40), st.sampled_from(ALL_COLUMNS).map(lambda p: p + "x"),
                      st.none(), st.integers()),
       operation=st.sampled_from(("column_add_notice", "column_edit", "column_remove")))
def test_any_other_path_is_a_400_naming_the_columns(path, operation) -> None:
    site = _SITE
    answer = handle_admin(site, "POST", f"/_replica/{operation}",
                          json.dumps({"path": path, "notice_id": "1"}).encode())
    if path in ALL_COLUMNS:
        return
    assert answer.status == 400
    assert TRS in json.loads(answer.body)["error"]


@given(path=st.text(max_size=30).map(lambda p: "/" + p))
def test_a_host_of_one_site_serves_its_folders_and_robots_only(path) -> None:
    answer = respond(_SITE, path, {}, folders=(TRS,))
    if not (path.startswith(TRS) or path == "/robots.txt"):
        assert answer.status == 404
    else:
        assert answer == respond(_SITE, path, {})  # what the first host answers


_SITE = Replica(10, 1)
