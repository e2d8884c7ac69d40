"""The site's other columns, the TRS site and the variant: paths, pagers, wording, faults."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from replica import Replica
from replica.columns import COLUMNS, list_target
from replica.feedback import OFFICE

HREF = re.compile(r'href="\.(/[^"]+?\.html)"')


def _column(path: str):
    return next(c for c in COLUMNS if c.path == path)


@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.path)
def test_every_list_page_and_article_answers_and_nothing_past_them(replica, client,
                                                                   column) -> None:
    listings = replica.site.columns.all[column.path].listings
    seen = []
    for page_no in (1, 2, 3):
        page = client.get(list_target(column, page_no))
        assert page.status == 200, (page_no, page.status)
        seen += [column.path + href.lstrip("/") for href in HREF.findall(page.text)
                 if "/show/" in href or "/content/" in href or "/t20" in href]
    assert len(seen) == len(listings) == 25
    for path in seen[:3]:
        assert client.get(path).status == 200
    assert client.get(list_target(column, 4)).status == 404
    assert client.get(column.path + "index_999.html").status == 404


def test_the_script_pager_counts_from_zero(client) -> None:
    first = client.get("/trs/xszg/").text
    assert 'createPageHTML(3, 0, "index", "html");' in first
    assert 'createPageHTML(3, 2, "index", "html");' in client.get("/trs/xszg/index_2.html").text
    assert client.get("/trs/xszg/index_3.html").status == 404
    assert client.get("/trs/xszg/index_0.html").status == 404  # page 0 is index.html
    assert '<ul class="list_news_dl2">' in first
    assert re.search(r'href="\./\d{6}/t\d{8}_\d+\.html"', first)


def test_query_pagers_answer_their_own_key_only(client) -> None:
    assert client.get("/variant/query/?page=2").status == 200
    assert client.get("/variant/query/?page=1").text == client.get("/variant/query/").text
    assert client.get("/variant/query/?currentPage=2").status == 404
    assert client.get("/variant/currentpage/?currentPage=3").status == 200
    assert client.get("/variant/currentpage/?currentPage=4").status == 404


def test_next_links_stand_for_plain_pages(client) -> None:
    page = client.get("/variant/next/").text
    assert '<a href="javascript:next(2)">2</a>' in page
    assert 'window.location.href = "list_" + p + ".html"' in page
    assert client.get("/variant/next/list_2.html").status == 200


def test_the_variant_uses_no_class_name_or_url_shape_of_a_built_in_profile(client) -> None:
    for column in (c for c in COLUMNS if c.skin == "variant"):
        page = client.get(column.path).text
        for known in ("list_news_dl2", "post_", "TRS_Editor", 'class="list"', "所在位置",
                      "下一页", "来源:"):
            assert known not in page, (column.path, known)
        article = client.get(column.path + HREF.search(page).group(1).lstrip("/")).text
        assert "信息来源：" in article and "发表时间：" in article and "您现在的位置" in article


def test_feedback_announcements_in_their_wording() -> None:
    site = Replica(10, 3)
    column = site.columns.all["/swxsnew/xsfk/"]
    notices = [column.notice(lst) for lst in column.listings]
    for notice in notices:
        assert re.fullmatch(r"省委第.+巡视组向.+反馈巡视情况", notice.title)
        assert notice.issuer == OFFICE
        lead = notice.paragraphs[0].translate(str.maketrans("視組饋況", "视组馈况"))
        assert re.match(r"[^,]+,省委第.+巡视组向.+反馈巡视情况", lead)
        assert any("2个月内" in p for p in notice.paragraphs)
    # batches: several groups, or one group to several units, in one announcement
    assert any(n.paragraphs[0].count("反馈") > 1 or "、" in n.paragraphs[0] for n in notices)


def test_stationing_announcements_carry_the_letters_deadline() -> None:
    column = Replica(10, 3).columns.all["/swxsnew/xsgg/"]
    for listing in column.listings[:5]:
        notice = column.notice(listing)
        assert re.fullmatch(r"省委第.+巡视组进驻.+开展常规巡视的公告", notice.title)
        assert notice.period.end is not None and notice.contacts.phones


def test_the_columns_are_the_same_for_a_seed_and_differ_between_seeds() -> None:
    a, b, c = Replica(10, 1), Replica(10, 1), Replica(10, 2)
    for path in ("/trs/xszg/", "/variant/next/"):
        assert a.columns.list_page(path, "") == b.columns.list_page(path, "")
        assert a.columns.list_page(path, "") != c.columns.list_page(path, "")


def test_faults_and_validators_apply_to_the_new_pages(replica, client) -> None:
    replica.site.set_fault("/trs/xszg/index_1.html", "503")
    assert client.get("/trs/xszg/index_1.html").status == 503
    replica.site.set_fault("/variant/query/", "empty")
    assert "xw-row" not in client.get("/variant/query/?page=2").text
    replica.site.set_fault("/variant/next/*", "blocked")
    assert client.get("/variant/next/list_2.html").status == 412
    path = "/swxsnew/xsgg/" + HREF.search(client.get("/swxsnew/xsgg/").text).group(1).lstrip("/")
    page = client.get(path)
    assert client.get(path, {"If-None-Match": page.headers["ETag"]}).status == 304


def test_changes_to_a_column_through_the_admin_api(replica, client) -> None:
    path = "/variant/next/"
    column = replica.site.columns.all[path]
    top, second = column.listings[0], column.listings[1]

    def post(operation: str, **args) -> dict:
        request = urllib.request.Request(replica.url_for(f"/_replica/{operation}"),
                                         data=json.dumps(args).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    new_id = post("column_add_notice", path=path)["result"]
    assert [lst.notice_id for lst in column.listings[:2]] == [new_id, top.notice_id]
    assert new_id in client.get(path).text  # on top of page 1, the rest one place down
    assert len(HREF.findall(client.get("/variant/next/list_3.html").text)) == 6

    article = next(p for p, nid in column.paths.items() if nid == second.notice_id)
    before = client.get(article)
    edited = post("column_edit", path=path, notice_id=second.notice_id)["result"]
    after = client.get(article)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
    untouched = Replica(45, 1).columns.all[path].notice(second)
    changed = [p for p, q in zip(edited["paragraphs"], untouched.paragraphs, strict=True)
               if p != q]
    assert len(changed) == 1 and changed[0] in after.text  # one character, served

    post("column_remove", path=path, notice_id=top.notice_id)
    assert top.notice_id not in client.get(path).text
    assert client.get(next(p for p, nid in column.paths.items()
                           if nid == top.notice_id)).status == 404
    post("column_restore", path=path, notice_id=top.notice_id)
    assert top.notice_id in client.get(path).text
    with pytest.raises(urllib.error.HTTPError) as unknown:
        post("column_remove", path=path, notice_id="1")
    assert unknown.value.code == 404  # no such notice (no such column: 400, test_hosts.py)
