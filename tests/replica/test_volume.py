"""Twenty thousand notices: the first and last list pages and an article all answer."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("replica", [{"notices": 20_000}], indirect=True)
def test_twenty_thousand_notices_are_served(replica, client):
    assert replica.site.page_count() == 1000
    first = client.get("/xunshizgls/index.html").text
    assert '<a href="./index_1000.html">尾页</a>' in first
    assert len(client.listed(1)) == 20
    assert client.listed(1000) == replica.site.notice_ids()[-20:]
    middle = replica.site.notice_ids()[10_000]
    title = client.article(middle)[0]
    assert re.fullmatch("中共.+关于巡视整改进展情况的通报", title)
    assert client.article("202033")[0] == "中共珠海市金湾区委关于巡视整改进展情况的通报"
