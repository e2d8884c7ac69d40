"""Faults switched on per path: each one as the crawler will meet it."""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.replica.conftest import ENTRY

ARTICLE = "/xunshizgls/content/post_202033.html"
LIST_2 = "/xunshizgls/index_2.html"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_on_one_page_only(replica, client, status):
    replica.site.set_fault(ARTICLE, str(status))
    failed = client.get(ARTICLE)
    assert failed.status == status and "nginx" in failed.text
    assert client.get("/xunshizgls/index.html").status == 200
    replica.site.clear_faults()
    assert client.get(ARTICLE).status == 200


def test_a_one_shot_fault_fails_once_then_the_page_is_back(replica, client):
    replica.site.set_fault(LIST_2, "502", times=1)
    assert [client.get(LIST_2).status for _ in range(2)] == [502, 200]


def test_a_glob_fault_hits_every_article_and_no_list_page(replica, client):
    replica.site.set_fault("/xunshizgls/content/*", "503")
    assert {
        client.get(replica.site.article_path(i)).status for i in replica.site.notice_ids()[:5]
    } == {503}
    assert client.get("/xunshizgls/").status == 200


def test_a_fault_on_the_column_folder_also_hits_index_html(replica, client):
    replica.site.set_fault("/xunshizgls/index.html", "500")
    assert client.get("/xunshizgls/").status == 500


def test_hang_answers_nothing_while_other_pages_are_served(replica, client):
    replica.site.set_fault(ARTICLE, "hang", seconds=2)
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        client.get(ARTICLE, timeout=0.5)
    assert client.get("/xunshizgls/index.html", timeout=5).status == 200  # while the hang holds


def test_hang_closes_the_connection_without_an_answer_when_its_time_is_up(replica):
    replica.site.set_fault(ARTICLE, "hang", seconds=1)
    with socket.create_connection((replica.server.host, replica.server.port), timeout=10) as sock:
        sock.sendall(f"GET {ARTICLE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(1024) == b""  # closed, nothing said


def test_stopping_the_server_ends_a_hang(make_replica):
    running = make_replica(hang_seconds=300)
    running.site.set_fault(ARTICLE, "hang")
    with socket.create_connection((running.server.host, running.server.port)) as sock:
        sock.sendall(f"GET {ARTICLE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(1024)  # the hang holds
        started = time.monotonic()
        running.server.stop()
        sock.settimeout(10)
        with contextlib.suppress(ConnectionResetError):  # as good as a close
            assert sock.recv(1024) == b""
        assert time.monotonic() - started < 10  # not the 300 s of the hang


@pytest.mark.parametrize(("kind", "status"), [("blocked", 412), ("blocked200", 200)])
def test_the_bot_shield_serves_obfuscated_script_instead_of_the_page(replica, client, kind, status):
    replica.site.set_fault(ARTICLE, kind)
    shield = client.get(ARTICLE)
    assert shield.status == status
    assert "$_ts" in shield.text and shield.text.count("<script") >= 2
    assert "所在位置" not in shield.text and "金湾" not in shield.text
    assert shield.headers["Set-Cookie"].startswith("FSSBBIl1UgzbN7N80S=")


def test_truncated_sends_the_first_half_with_a_matching_length(replica, client):
    whole = client.get(ARTICLE).body
    replica.site.set_fault(ARTICLE, "truncated")
    cut = client.get(ARTICLE)
    assert cut.status == 200 and int(cut.headers["Content-Length"]) == len(cut.body)
    assert whole.startswith(cut.body) and len(cut.body) == len(whole) // 2
    assert b"</html>" not in cut.body


def test_dropped_promises_the_whole_page_and_breaks_off(replica, client):
    whole = client.get(ARTICLE).body
    replica.site.set_fault(ARTICLE, "dropped")
    host, port = replica.server.base_url.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", ARTICLE)
    answer = conn.getresponse()
    assert answer.status == 200 and int(answer.headers["Content-Length"]) == len(whole)
    with pytest.raises(http.client.IncompleteRead) as broke:
        answer.read()
    assert broke.value.partial == whole[: len(whole) // 2]
    conn.close()


@pytest.mark.parametrize("path", [ARTICLE, LIST_2])
def test_gbk_serves_the_same_text_declared_gb2312(replica, client, path):
    whole = client.get(path).body.decode("utf-8")
    replica.site.set_fault(path, "gbk")
    page = client.get(path)
    assert page.headers["Content-Type"] == "text/html; charset=gb2312"
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    decoded = page.body.decode("gbk")
    assert 'content="text/html; charset=gb2312"' in decoded
    assert decoded == whole.replace("charset=utf-8", "charset=gb2312")


def test_empty_list_keeps_the_page_structure_with_no_items(replica, client):
    replica.site.set_fault(LIST_2, "empty")
    page = client.get(LIST_2).text
    assert client.get(LIST_2).status == 200
    assert "所在位置:" in page and '<span class="current">2</span>' in page
    assert re.search(r'<ul class="list">\s*</ul>', page)
    assert "post_" not in page
    assert len(client.listed(1)) == 20


def test_an_unknown_fault_kind_is_refused(replica):
    with pytest.raises(ValueError, match="unknown fault kind"):
        replica.site.set_fault(ARTICLE, "teapot")


def test_gbk_as_utf8_sends_gbk_bytes_under_a_utf8_label(replica, client):
    whole = client.get(LIST_2).body.decode("utf-8")
    replica.site.set_fault(LIST_2, "gbk_as_utf8")
    page = client.get(LIST_2)
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    decoded = page.body.decode("gbk")
    assert 'content="text/html; charset=utf-8"' in decoded and decoded == whole


PAGER = re.compile(r'<a href="\./index_(\d+)\.html">(下一页|尾页)</a>')


def _pager_links(text: str) -> dict[str, int]:
    return {word: int(n) for n, word in PAGER.findall(text)}


def test_pager_endless_links_a_next_page_forever_repeating_the_last(replica, client):
    last = client.listed(3)
    replica.site.set_fault("/xunshizgls/index*", "pager_endless")
    assert _pager_links(client.get("/xunshizgls/").text) == {"下一页": 2, "尾页": 2}
    for page_no in (3, 4, 50):
        page = client.get(f"/xunshizgls/index_{page_no}.html")
        assert page.status == 200
        assert _pager_links(page.text) == {"下一页": page_no + 1, "尾页": page_no + 1}
        assert ENTRY.findall(page.text) == last  # past the end: the last page again
    replica.site.clear_faults()
    assert client.get("/xunshizgls/index_4.html").status == 404


def test_pager_far_last_points_to_page_a_million_that_does_not_exist(replica, client):
    replica.site.set_fault("/xunshizgls/index*", "pager_far_last")
    for path in ("/xunshizgls/", "/xunshizgls/index_3.html"):
        assert _pager_links(client.get(path).text)["尾页"] == 1_000_000
    assert client.get("/xunshizgls/index_4.html").status == 404
    assert client.get("/xunshizgls/index_1000000.html").status == 404


def test_hostile_pagers_can_be_set_through_the_admin_api(replica, client):
    request = urllib.request.Request(
        replica.url_for("/_replica/set_fault"), method="POST",
        data=b'{"path": "/xunshizgls/index*", "kind": "pager_far_last"}')
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    assert _pager_links(client.get("/xunshizgls/").text)["尾页"] == 1_000_000
