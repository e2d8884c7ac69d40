"""HTTP behaviour: robots.txt, validators and 304, keep-alive, 404s, the admin API."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
import urllib.robotparser
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from replica.server import ReplicaServer, running
from replica.state import Replica

ARTICLE = "/xunshizgls/content/post_202033.html"


def test_robots_txt_allows_the_column_and_disallows_the_admin_api(replica, client):
    robots = client.get("/robots.txt")
    assert robots.status == 200 and robots.headers["Content-Type"].startswith("text/plain")
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(robots.text.splitlines())
    assert parser.can_fetch("zgwatch", replica.url_for("/xunshizgls/index_2.html"))
    assert parser.can_fetch("zgwatch", replica.url_for(ARTICLE))
    assert not parser.can_fetch("zgwatch", replica.url_for("/_replica/state"))
    assert not parser.can_fetch("zgwatch", replica.url_for("/admin/login"))


def test_article_validators_answer_304_to_either_condition(client):
    page = client.get(ARTICLE)
    etag, modified = page.headers["ETag"], page.headers["Last-Modified"]
    assert etag.startswith('"') and parsedate_to_datetime(modified).year == 2024
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    by_tag = client.get(ARTICLE, {"If-None-Match": etag})
    assert by_tag.status == 304 and by_tag.body == b"" and by_tag.headers["ETag"] == etag
    assert client.get(ARTICLE, {"If-Modified-Since": modified}).status == 304
    assert client.get(ARTICLE, {"If-None-Match": '"other"'}).status == 200
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2023), usegmt=True)
    assert client.get(ARTICLE, {"If-Modified-Since": earlier}).status == 200
    # If-None-Match decides when both are sent (RFC 9110).
    assert (
        client.get(ARTICLE, {"If-None-Match": '"other"', "If-Modified-Since": modified}).status
        == 200
    )


def test_an_edit_moves_both_validators(replica, client):
    page = client.get(ARTICLE)
    etag, modified = page.headers["ETag"], page.headers["Last-Modified"]
    replica.site.edit("202033")
    assert client.get(ARTICLE, {"If-None-Match": etag}).status == 200
    again = client.get(ARTICLE, {"If-Modified-Since": modified})
    assert again.status == 200 and again.headers["ETag"] != etag
    assert parsedate_to_datetime(again.headers["Last-Modified"]) > parsedate_to_datetime(modified)
    assert client.get(ARTICLE, {"If-None-Match": again.headers["ETag"]}).status == 304


def test_a_template_switch_moves_the_validators_of_every_article(replica, client):
    before = client.get(ARTICLE).headers
    replica.site.set_template("B")
    assert client.get(ARTICLE, {"If-None-Match": before["ETag"]}).status == 200
    assert client.get(ARTICLE, {"If-Modified-Since": before["Last-Modified"]}).status == 200


def test_validators_are_the_same_after_a_restart(make_replica, client_for):
    first, second = (client_for(make_replica(45, 9)).get(ARTICLE).headers for _ in range(2))
    assert (first["ETag"], first["Last-Modified"]) == (second["ETag"], second["Last-Modified"])


def test_unknown_pages_answer_404_as_html(client):
    for path in (
        "/xunshizgls/content/post_1.html",
        "/nowhere.html",
        "/xunshizgls/content/P0202409260000000000.pdf",
    ):
        missing = client.get(path)
        assert (
            missing.status == 404 and missing.headers["Content-Type"] == "text/html; charset=utf-8"
        )


def test_connections_are_kept_alive(replica):
    connection = http.client.HTTPConnection(replica.server.host, replica.server.port, timeout=10)
    try:
        for path in ("/xunshizgls/index.html", ARTICLE, "/xunshizgls/index_2.html"):
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200 and response.read()
            assert not response.will_close
    finally:
        connection.close()


def admin(replica, operation: str, payload: dict | None = None) -> tuple[int, dict]:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(replica.url_for(f"/_replica/{operation}"), data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def test_the_admin_api_changes_the_replica_from_another_process(replica, client):
    status, added = admin(replica, "add_notice", {"issuer": "广州市委"})
    assert status == 200 and client.listed(1)[0] == added["result"]
    assert (
        admin(
            replica,
            "set_period",
            {"notice_id": "202033", "start": "2026-11-20", "end": "2026-12-19"},
        )[0]
        == 200
    )
    assert "公开期限:2026年11月20日至12月19日。" in client.article("202033")[-3]
    assert (
        admin(
            replica, "set_fault", {"path": "/xunshizgls/index_2.html", "kind": "503", "times": 1}
        )[0]
        == 200
    )
    assert client.get("/xunshizgls/index_2.html").status == 503
    status, state = admin(replica, "state")
    assert status == 200 and state["notice_ids"][0] == added["result"] and state["faults"] == []
    assert admin(replica, "notice/202033")[1]["period"]["start"] == "2026-11-20"
    assert admin(replica, "set_template", {"template": "C"})[0] == 400
    assert admin(replica, "remove", {"notice_id": "1"})[0] == 404


def test_latency_delays_the_site_but_not_the_admin_api():
    with running(3, 1, latency=0.2) as r:
        conn = http.client.HTTPConnection(r.server.host, r.server.port, timeout=10)
        t0 = time.perf_counter()
        conn.request("GET", ARTICLE.replace("202033", r.site.notice_ids()[0]))
        assert conn.getresponse().read()
        page = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.request("GET", "/_replica/state")
        assert json.loads(conn.getresponse().read())["pages"] == 1
        admin = time.perf_counter() - t0
        conn.close()
    assert page >= 0.2 > admin
    with pytest.raises(ValueError, match="latency"):
        ReplicaServer(Replica(1, 1), latency=-1)
