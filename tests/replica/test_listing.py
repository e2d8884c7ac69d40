"""List pages: twenty a page, newest first, a pager to find them all, additions shifting down."""

from __future__ import annotations

import re

import pytest


def test_list_pages_hold_twenty_notices_newest_first(replica, client):
    pages = [client.listed(n) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [20, 20, 5]
    assert [i for page in pages for i in page] == replica.site.notice_ids()
    dates = re.findall(
        r'<span class="time">(\d{4}-\d\d-\d\d)</span>', client.get("/xunshizgls/index_2.html").text
    )
    assert len(dates) == 20 and dates == sorted(dates, reverse=True)
    assert client.get("/xunshizgls/").body == client.get("/xunshizgls/index.html").body
    assert client.get("/xunshizgls/index_4.html").status == 404
    assert client.get("/xunshizgls/index_1.html").status == 404  # page 1 is index.html only


def test_the_pager_links_pages_relatively_and_marks_the_current_one(client):
    first = client.get("/xunshizgls/index.html").text
    assert '<span class="disabled">上一页</span>' in first
    assert '<span class="current">1</span>' in first
    assert '<a href="./index_2.html">下一页</a> <a href="./index_3.html">尾页</a>' in first
    middle = client.get("/xunshizgls/index_2.html").text
    assert '<a href="./index.html">首页</a> <a href="./index.html">上一页</a>' in middle
    assert (
        '<a href="./index.html">1</a> <span class="current">2</span> <a href="./index_3.html">3</a>'
        in middle
    )
    assert '<a href="./index_3.html">下一页</a>' in middle
    last = client.get("/xunshizgls/index_3.html").text
    assert '<span class="disabled">下一页</span> <span class="disabled">尾页</span>' in last


@pytest.mark.parametrize("replica", [{"notices": 230}], indirect=True)
def test_a_long_pager_is_cut_with_an_ellipsis_and_reaches_every_page(replica, client):
    page = client.get("/xunshizgls/index_6.html").text
    pager = re.search(r'<div class="page">(.*?)</div>', page).group(1)
    labels = re.findall(r">([^<>]+)</", pager)
    assert labels == ["首页", "上一页", "…", "4", "5", "6", "7", "8", "…", "下一页", "尾页"]
    assert '<a href="./index_12.html">尾页</a>' in pager
    assert client.all_listed() == replica.site.notice_ids()


def test_a_new_notice_goes_on_top_and_pushes_the_rest_across_page_boundaries(replica, client):
    before = [client.listed(n) for n in (1, 2, 3)]
    new_id = replica.site.add_notice()
    after = [client.listed(n) for n in (1, 2, 3)]
    assert after[0] == [new_id, *before[0][:19]]
    assert after[1] == [before[0][19], *before[1][:19]]
    assert after[2] == [before[1][19], *before[2]]
    assert int(new_id) > max(int(i) for page in before for i in page)
    assert client.article(new_id)[0] == replica.site.notice(new_id).title


def test_a_new_notice_takes_what_the_test_asks_for(replica, client):
    new_id = replica.site.add_notice(issuer="深圳市委", attachment=True)
    notice = replica.site.notice(new_id)
    assert notice.title == "中共深圳市委关于巡视整改进展情况的通报"
    assert notice.published_on == replica.site.today
    assert notice.contacts.phones == () or notice.contacts.phones[0].startswith("0755-")
    page = client.get(replica.site.article_path(new_id)).text
    assert f'href="./{notice.attachments[0].filename}"' in page
    pdf = client.get(f"/xunshizgls/content/{notice.attachments[0].filename}")
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-") and pdf.body.rstrip().endswith(b"%%EOF")
