"""Changes a test makes between crawls, seen over HTTP."""

from __future__ import annotations

import re
from datetime import date

import pytest


def test_edit_changes_exactly_one_character_of_the_body(replica, client):
    notice_id = replica.site.notice_ids()[5]
    before = client.article(notice_id)
    replica.site.edit(notice_id)
    after = client.article(notice_id)
    assert len(after) == len(before)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1
    old, new = changed[0]
    assert len(old) == len(new)
    assert sum(x != y for x, y in zip(old, new, strict=True)) == 1
    assert after[-3] == before[-3]  # the closing paragraph (period, contacts) is untouched


def test_repeated_edits_keep_changing_the_text(replica, client):
    notice_id = replica.site.notice_ids()[0]
    versions = [client.article(notice_id)]
    for _ in range(3):
        replica.site.edit(notice_id)
        versions.append(client.article(notice_id))
    assert len({tuple(v) for v in versions}) == 4


def test_edit_replaces_a_passage(replica, client):
    replica.site.edit("202033", old="金湾区委坚持", new="金湾区委始终坚持")
    text = client.article("202033")
    assert text[3].startswith("金湾区委始终坚持以习近平新时代中国特色社会主义思想为指导")
    with pytest.raises(ValueError):
        replica.site.edit("202033", old="没有这句话")


def test_set_period_rewrites_the_publicity_sentence_in_its_phrasing(replica, client):
    replica.site.set_period("202033", date(2026, 11, 20), date(2026, 12, 19))
    closing = client.article("202033")[-3]
    assert "公开期限:2026年11月20日至12月19日。" in closing
    assert "公开期限:2024年9月26日" not in closing
    assert closing.startswith("欢迎广大干部群众") and closing.endswith("jwxszgb108@zhuhai.gov.cn。")
    period = replica.site.notice("202033").period
    assert (period.start, period.end) == (date(2026, 11, 20), date(2026, 12, 19))


def test_remove_takes_the_notice_off_the_list_and_its_page_answers_404(replica, client):
    ids = replica.site.notice_ids()
    gone = ids[3]
    replica.site.remove(gone)
    assert client.get(replica.site.article_path(gone)).status == 404
    assert client.all_listed() == [i for i in ids if i != gone]
    assert client.listed(1)[19] == ids[20]  # page 2's first notice moved up


def test_restore_puts_the_notice_back_in_place_unchanged(replica, client):
    ids = replica.site.notice_ids()
    text = client.article(ids[3])
    replica.site.remove(ids[3])
    replica.site.restore(ids[3])
    assert client.all_listed() == ids
    assert client.article(ids[3]) == text


def test_switching_templates_changes_the_markup_not_the_text(replica, client):
    ids = [*replica.site.notice_ids()[:5], "202033"]
    pages_a = {i: client.get(replica.site.article_path(i)).text for i in ids}
    list_a = client.get("/xunshizgls/index.html").text
    replica.site.set_template("B")
    pages_b = {i: client.get(replica.site.article_path(i)).text for i in ids}
    list_b = client.get("/xunshizgls/index.html").text
    for i in ids:
        assert '<h1 class="title">' in pages_a[i] and '<h2 class="art-tit">' in pages_b[i]
        assert '<div class="TRS_Editor">' in pages_b[i] and 'id="zoom"' not in pages_b[i]
        assert client.article_text(pages_a[i]) == client.article_text(pages_b[i])
    published = replica.site.notice("202033").published_at
    assert "<span>日期:2024-09-26 11:00:00</span>" in pages_a["202033"]
    assert f"来源:南粤清风网 | 发布日期:{published:%Y-%m-%d}</div>" in pages_b["202033"]
    assert '<ul class="list">' in list_a and '<ul class="list">' not in list_b
    assert '<div class="crumbs">所在位置:' in list_b
    assert re.search(
        r"<li><span>\d{4}-\d\d-\d\d</span><a href=\"\./content/post_\d+\.html\"", list_b
    )
    assert client.listed(1) == replica.site.notice_ids()[:20]


@pytest.mark.parametrize("replica", [{"template": "mixed"}], indirect=True)
def test_mixed_template_serves_old_articles_in_a_and_new_ones_in_b(replica, client):
    newest = replica.site.notice_ids()[0]
    assert '<h2 class="art-tit">' in client.get(replica.site.article_path(newest)).text
    assert '<h1 class="title">' in client.get(replica.site.article_path("202033")).text
