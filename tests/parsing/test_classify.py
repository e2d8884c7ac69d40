"""Every fetch outcome, for list and article pages; a fault never yields content."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from crawler.parsing.classify import classify_article, classify_list

DATA = Path(__file__).resolve().parents[1] / "data" / "parsing"
LIST_URL = "https://www.gdjct.gd.gov.cn/xunshizgls/index.html"
ARTICLE_URL = "https://www.gdjct.gd.gov.cn/xunshizgls/content/post_202033.html"
HTML = {"content-type": "text/html; charset=utf-8"}


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()


def cut(name: str) -> bytes:
    body = page(name)
    return body[: len(body) // 2]


def gbk(name: str) -> bytes:
    return page(name).decode("utf-8").replace('charset="utf-8"', 'charset="gb2312"').encode("gbk")


def no_body_end(name: str) -> bytes:
    return page(name).replace(b"</body>", b"")


# (status, body, headers, expected outcome)
LIST_CASES = {
    "template A": (200, page("list_a_page2.html"), HTML, "ok"),
    "template B": (200, page("list_b_page1.html"), HTML, "ok"),
    "gbk declared gb2312": (
        200,
        gbk("list_a_page2.html"),
        {"Content-Type": "text/html; charset=gb2312"},
        "ok",
    ),
    "304": (304, b"", {}, "not_modified"),
    "404": (404, b"<html><body>Not Found</body></html>", HTML, "not_found"),
    "410": (410, b"", {}, "not_found"),
    "500": (500, b"<html><body>Internal Server Error</body></html>", HTML, "server_error"),
    "502": (502, b"", {}, "server_error"),
    "503": (503, b"", {}, "server_error"),
    "412 shield": (412, page("shield.html"), HTML, "blocked"),
    "200 shield": (200, page("shield.html"), HTML, "blocked"),
    "cut off": (200, cut("list_a_page2.html"), HTML, "truncated"),
    "no </body>": (200, no_body_end("list_a_page2.html"), HTML, "truncated"),
    "empty 200": (200, b"", HTML, "truncated"),
    "home page": (200, page("home.html"), HTML, "wrong_page"),
    "error page as 200": (200, page("error_200.html"), HTML, "wrong_page"),
    "an article": (200, page("seed_a.html"), HTML, "wrong_page"),
    "a PDF": (200, b"%PDF-1.7", {"Content-Type": "application/pdf"}, "wrong_page"),
    "maintenance": (200, page("list_a_empty.html"), HTML, "empty_list"),
    "403": (403, b"<html><body>Forbidden</body></html>", HTML, "error"),
    "429": (429, b"", {}, "error"),
    "unfollowed redirect": (302, b"", {"Location": "/"}, "error"),
}

ARTICLE_CASES = {
    "template A": (200, page("seed_a.html"), HTML, "ok"),
    "template B": (200, page("seed_b.html"), HTML, "ok"),
    "gbk declared gb2312": (
        200,
        gbk("seed_a.html"),
        {"Content-Type": "text/html; charset=gb2312"},
        "ok",
    ),
    "scrapy headers": (200, page("seed_a.html"), {b"Content-Type": [b"text/html"]}, "ok"),
    "304": (304, b"", {}, "not_modified"),
    "404": (404, b"<html><body>Not Found</body></html>", HTML, "not_found"),
    "410": (410, b"", {}, "not_found"),
    "500": (500, b"", {}, "server_error"),
    "503": (503, b"", {}, "server_error"),
    "412 shield": (412, page("shield.html"), HTML, "blocked"),
    "200 shield": (200, page("shield.html"), HTML, "blocked"),
    "cut off": (200, cut("seed_a.html"), HTML, "truncated"),
    "no </body>": (200, no_body_end("seed_a.html"), HTML, "truncated"),
    "empty 200": (200, b"  \n", HTML, "truncated"),
    "home page": (200, page("home.html"), HTML, "wrong_page"),
    "error page as 200": (200, page("error_200.html"), HTML, "wrong_page"),
    "a list page": (200, page("list_a_page2.html"), HTML, "wrong_page"),
    "403": (403, b"", {}, "error"),
    "429": (429, b"", {}, "error"),
}


@pytest.mark.parametrize("case", LIST_CASES.values(), ids=LIST_CASES.keys())
def test_classify_list(case) -> None:
    status, body, headers, expected = case
    outcome, reason, list_page = classify_list(status, body, LIST_URL, headers)
    assert outcome == expected, reason
    assert reason
    assert (list_page is not None) == (outcome == "ok")
    if list_page is not None:
        assert list_page.entries


@pytest.mark.parametrize("case", ARTICLE_CASES.values(), ids=ARTICLE_CASES.keys())
def test_classify_article(case) -> None:
    status, body, headers, expected = case
    outcome, reason, notice = classify_article(status, body, ARTICLE_URL, headers)
    assert outcome == expected, reason
    assert reason
    assert (notice is not None) == (outcome == "ok")
    if notice is not None:
        assert notice.title == "中共珠海市金湾区委关于巡视整改进展情况的通报"
        assert notice.body.startswith("根据省委统一部署")


def test_article_redirected_to_another_url_is_wrong_page() -> None:
    outcome, _, notice = classify_article(200, page("list_a_page2.html"), LIST_URL, HTML)
    assert (outcome, notice) == ("wrong_page", None)


def test_gbk_article_reads_the_same_text_as_utf8() -> None:
    utf8 = classify_article(200, page("seed_a.html"), ARTICLE_URL, HTML)[2]
    gb = classify_article(
        200, gbk("seed_a.html"), ARTICLE_URL, {"content-type": "text/html; charset=gb2312"}
    )[2]
    assert gb.text_sha256 == utf8.text_sha256


def _mangled() -> list[bytes]:
    """Odd bodies: noise, a lone tag, an XML prolog, and the seed with random cuts."""
    rng = random.Random(20240926)
    seed = page("seed_a.html")
    bodies = [
        b"\x00\x01\x02",
        b"<html>",
        bytes(rng.randrange(256) for _ in range(2000)),
        b"<div>" * 3000,
        b"<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        "<html><body><p>日期:2024-13-45 来源:x</p></body></html>".encode(),
    ]
    for _ in range(50):
        start = rng.randrange(len(seed))
        bodies.append(seed[:start] + seed[start + rng.randrange(1, 400) :])
    return bodies


def test_mangled_pages_never_raise() -> None:
    for body in _mangled():
        for classify, url in ((classify_list, LIST_URL), (classify_article, ARTICLE_URL)):
            outcome, reason, content = classify(200, body, url, HTML)
            assert reason
            assert (content is not None) == (outcome == "ok")
