"""Site profiles and detection as pure functions: notice ids, URL shapes, pagers, lists."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.vocabulary import NOTICE_ID
from crawler.parsing.classify import classify_article, classify_list
from crawler.parsing.document import parse_html
from crawler.parsing.listing import parse_list
from crawler.parsing.pager import PageScheme, next_links, script_pager, stated_pages
from crawler.profiles import (
    AUTO_PROFILE,
    PROFILES,
    digest_id,
    id_in_url,
    profile_named,
    url_shape,
)
from replica import Replica
from replica.columns import COLUMNS

HOST = "http://sites.example"
segment = st.text("abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=8)
number = st.integers(min_value=0, max_value=10**25)


@st.composite
def article_urls(draw) -> str:
    """Article URLs of any shape: folders, names with or without numbers, a query or none."""
    folders = draw(st.lists(st.one_of(segment, number.map(str)), min_size=0, max_size=4))
    name = draw(st.lists(st.one_of(segment, number.map(str)), min_size=1, max_size=4))
    query = draw(st.one_of(st.just(""), st.builds(lambda k, n: f"?{k}={n}", segment, number)))
    ext = draw(st.sampled_from([".html", ".shtml", ".htm", ".jsp", ""]))
    return f"{HOST}/{'/'.join([*folders, '_'.join(name)])}{ext}{query}"


@given(article_urls())
def test_a_learned_shape_matches_its_url_and_gives_an_id_of_the_grammar(url) -> None:
    shape = url_shape(url)
    learned = AUTO_PROFILE.learned(shape)
    assert learned.is_article(url)
    notice_id = learned.notice_id(url)
    if "(?P<id>" not in shape:  # no number in its name or query: a digest of the URL
        assert notice_id == digest_id(url) and NOTICE_ID.fullmatch(notice_id)
    elif notice_id:  # the number the URL shows
        assert notice_id == id_in_url(url) and NOTICE_ID.fullmatch(notice_id)
    else:  # a number too long for an id: rejected, a fault, never a notice
        assert id_in_url(url) == "" and learned.rejects(url)


DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))


@given(st.integers(min_value=0, max_value=10**20 - 1), DAYS, DAYS)
def test_the_trs_id_is_the_number_after_the_underscore(n, month, day) -> None:
    url = f"{HOST}/xszg/{month:%Y%m}/t{day:%Y%m%d}_{n}.html"
    assert PROFILES["trs"].notice_id(url) == str(n)
    assert id_in_url(url) == str(n)
    assert PROFILES["gdjct"].notice_id(url) == ""  # not the other platform's shape


@given(st.integers(min_value=10**20, max_value=10**40))
def test_a_number_too_long_for_an_id_is_rejected(n) -> None:
    url = f"{HOST}/x/content/post_{n}.html"
    assert PROFILES["gdjct"].notice_id(url) == ""
    assert PROFILES["gdjct"].rejects(url)
    assert PROFILES["gdjct"].rejects(f"{HOST}/x/content/post_１４.html")  # full-width digits
    assert not PROFILES["gdjct"].rejects(f"{HOST}/x/content/post_14.html")


@given(st.text(min_size=1, max_size=60))
def test_a_digest_is_decimal_and_stable(text) -> None:
    assert NOTICE_ID.fullmatch(digest_id(text))
    assert digest_id(text) == digest_id(text)


def test_ids_of_the_platform_shapes() -> None:
    assert PROFILES["gdjct"].notice_id(f"{HOST}/xunshizgls/content/post_202033.html") == "202033"
    assert id_in_url(f"{HOST}/d/detail.jsp?id=77&c=3") == "77"  # the query's id, not c
    assert id_in_url(f"{HOST}/d/about.html") == ""
    slug = AUTO_PROFILE.learned(url_shape(f"{HOST}/col/show/abc-def.html"))
    assert slug.is_article(f"{HOST}/col/show/other-name.html")
    assert slug.notice_id(f"{HOST}/col/show/other-name.html") == \
        digest_id(f"{HOST}/col/show/other-name.html")
    assert not slug.is_article(f"{HOST}/elsewhere/x.html")


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(ValueError, match="auto, gdjct, trs, page-query, next-script"):
        profile_named("drupal")
    assert profile_named("auto") is AUTO_PROFILE


# -- pagers ---------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=5000), st.data())
def test_a_script_pager_counts_from_zero(total, data) -> None:
    current = data.draw(st.integers(min_value=0, max_value=total - 1))
    root = parse_html(f'<html><body><script>createPageHTML({total}, {current}, "index", '
                      f'"html");</script></body></html>'.encode())
    scheme, pages, page_no = script_pager(root, f"{HOST}/col/index.html")
    assert (pages, page_no) == (total, current + 1)
    assert scheme.url(2) == f"{HOST}/col/index_1.html"
    assert scheme.url(total) == f"{HOST}/col/index_{total - 1}.html"
    assert scheme.number(f"{HOST}/col/index_{total - 1}.html") == total


def test_a_script_pager_with_a_leading_container_argument() -> None:
    root = parse_html(b"<html><body><script>createPageHTML('page_div', 7, 2, 'list', 'shtml', "
                      b"20);</script></body></html>")
    scheme, pages, page_no = script_pager(root, f"{HOST}/col/")
    assert (scheme.url(4), pages, page_no) == (f"{HOST}/col/list_3.shtml", 7, 3)


def test_next_links_stand_for_the_url_their_function_opens() -> None:
    root = parse_html(b'<html><body><a href="javascript:next(3)">3</a><a href="javascript:'
                      b'void(0)">x</a><script>function next(page){ location.href = '
                      b"'list_' + page + '.html'; }</script></body></html>")
    assert [url for _, url in next_links(root, f"{HOST}/col/")] == [f"{HOST}/col/list_3.html"]
    assert next_links(parse_html(b'<html><body><a href="javascript:next(3)">3</a></body>'
                                 b"</html>"), HOST) == []  # no function: no page it names


@pytest.mark.parametrize(("text", "count"), [("共12页", 12), ("共 3 页 当前第1页", 3),
                                             ("共120条记录", None)])
def test_stated_page_counts(text, count) -> None:
    assert stated_pages(parse_html(f"<html><body><div>{text}</div></body></html>".encode())) \
        == count


@given(st.integers(min_value=1, max_value=10**6), st.sampled_from([0, -1]))
def test_a_page_scheme_reads_back_its_own_urls(page_no, offset) -> None:
    scheme = PageScheme("query", f"{HOST}/col/?currentPage=", "", offset)
    assert scheme.number(scheme.url(page_no)) == page_no
    assert scheme.number(f"{HOST}/col/?page={page_no}") is None


def _query_pager(labels_to_numbers: dict[int, int]) -> bytes:
    items = "".join(f'<li><a href="./show/{n}.html">第{n}号通报标题</a><span>2024-09-2{n % 9}'
                    f"</span></li>" for n in range(1, 4))
    pager = " ".join(f'<a href="./?page={n}">{label}</a>'
                     for label, n in labels_to_numbers.items())
    return (f"<html><body><ul>{items}</ul><div>{pager} <a href='./?page=1'>下一页</a>"
            f"</div></body></html>").encode()


def test_a_query_pager_counting_from_zero_is_read_so() -> None:
    page = parse_list(_query_pager({1: 0, 2: 1, 3: 2}), f"{HOST}/col/")
    assert page.pager_kind == "query"
    assert page.scheme.url(3) == f"{HOST}/col/?page=2"
    assert [e.notice_id for e in page.entries] == ["1", "2", "3"]


# -- lists of every replica column, without HTTP ----------------------------------------------


@pytest.fixture(scope="module")
def site() -> Replica:
    return Replica(45, 1)


@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.path)
def test_auto_reads_every_column_of_the_replica(site, column) -> None:
    body = site.columns.list_page(column.path, "")
    url = HOST + column.path
    outcome, _, page = classify_list(200, body, url, {})
    listings = site.columns.all[column.path].listings
    assert outcome == "ok"
    assert [e.notice_id for e in page.entries] == [lst.notice_id for lst in listings[:10]]
    assert [e.listed_on for e in page.entries] == [lst.published_at.date()
                                                   for lst in listings[:10]]
    assert [e.title for e in page.entries] == [lst.title for lst in listings[:10]]
    expected = {"gd": "gdjct", "trs": "trs"}.get(column.skin, "auto")
    assert page.profile.name == expected
    assert page.pager_kind == {"currentpage": "query"}.get(column.pager, column.pager)
    assert page.scheme.url(3).endswith(
        {"script": "index_2.html", "query": "?page=3", "currentpage": "?currentPage=3"}.get(
            column.pager, "_3.html"))
    article_path = page.entries[0].url.removeprefix(HOST)
    a_outcome, _, notice = classify_article(200, site.columns.article(article_path).body,
                                            page.entries[0].url, {}, page.profile)
    assert a_outcome == "ok"
    spec = site.columns.all[column.path].notice(listings[0])
    assert notice.title == spec.title
    assert notice.notice_id == listings[0].notice_id
    assert notice.published_on == spec.published_on
    assert notice.issuer == spec.issuer


def test_an_empty_variant_page_is_an_empty_list_with_its_pager(site) -> None:
    body = site.columns.list_page("/variant/query/", "", empty=True)
    outcome, _, _ = classify_list(200, body, HOST + "/variant/query/", {})
    assert outcome == "empty_list"


def test_a_named_profile_of_another_shape_finds_nothing(site) -> None:
    body = site.columns.list_page("/trs/xszg/", "")
    outcome, _, _ = classify_list(200, body, HOST + "/trs/xszg/", {}, PROFILES["gdjct"])
    assert outcome == "empty_list"


def test_dated_links_of_another_column_are_no_entries() -> None:
    """A sidebar of the latest news (dated, in another folder) on a list page in maintenance."""
    body = ("<html><body><div>您现在的位置：首页 » 整改公开</div><ul>"
            + "".join(f'<li><a href="/news/show/{n}.html">要闻标题第{n}条</a><i>2024-09-0{n}</i>'
                      f"</li>" for n in range(1, 6))
            + "</ul></body></html>").encode()
    outcome, _, _ = classify_list(200, body, HOST + "/col/", {})
    assert outcome == "empty_list"
    assert parse_list(body, HOST + "/col/").entries == ()


# -- the dated block, whatever its markup -----------------------------------------------------

CLASS = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10)
LAYOUTS = {  # container, item: (open, close) around "{link}" and "{date}"
    "ul": ("<ul class='{c}'>", "</ul>", "<li class='{i}'>{a}</li>"),
    "div": ("<div class='{c}'>", "</div>", "<div class='{i}'>{a}</div>"),
    "table": ("<table class='{c}'><tbody>", "</tbody></table>", "<tr><td>{a}</td></tr>"),
    "dl": ("<dl class='{c}'>", "</dl>", "<dd class='{i}'>{a}</dd>"),
}
DATE_FORMATS = ("{d:%Y-%m-%d}", "{d:%Y/%m/%d}", "{d:%Y.%m.%d}", "{d.year}年{d.month}月{d.day}日",
                "[{d:%Y-%m-%d}]")


@given(layout=st.sampled_from(sorted(LAYOUTS)), container=CLASS, item=CLASS,
       date_format=st.sampled_from(DATE_FORMATS), date_first=st.booleans(),
       in_link=st.booleans(),
       date_tag=st.sampled_from(["span", "i", "em", "td", "font"]),
       folder=segment, name=segment,
       entries=st.lists(st.tuples(st.integers(1, 10**12), DAYS), min_size=1, max_size=15,
                        unique_by=lambda e: e[0]))
def test_auto_finds_every_dated_link_whatever_the_markup(layout, container, item, date_format,
                                                         date_first, in_link, date_tag, folder,
                                                         name, entries) -> None:
    """Any container and item, class names, date form, date before or after the link or
    inside it (a link wrapping title and date), beside a dated sidebar of another folder."""
    start, end, row = LAYOUTS[layout]
    date_tag = "span" if in_link and date_tag == "td" else date_tag
    rows = []
    for n, day in entries:
        dated = f"<{date_tag}>{date_format.format(d=day)}</{date_tag}>"
        if in_link:
            title = f"<b>{name}通报第{n}号</b>"
            inner = dated + title if date_first else title + dated
            rows.append(row.format(i=item, a=f'<a href="./{folder}/{name}_{n}.html">{inner}</a>'))
            continue
        link = f'<a href="./{folder}/{name}_{n}.html">{name}通报第{n}号</a>'
        if layout == "table":
            dated = f"</td><td>{dated}" if not date_first else f"{dated}</td><td>"
        rows.append(row.format(i=item, a=dated + link if date_first else link + dated))
    sidebar = "".join(f'<li><a href="/other/{n}.html">其他栏目新闻{n}</a><span>2024-01-0{n}</span>'
                      f"</li>" for n in range(1, 4))
    body = (f"<html><body><ul class='side'>{sidebar}</ul>{start.format(c=container)}"
            f"{''.join(rows)}{end}</body></html>").encode()
    page = parse_list(body, f"{HOST}/col/")
    assert [(e.notice_id, e.listed_on) for e in page.entries] == [(str(n), d)
                                                                  for n, d in entries]
    assert [e.title for e in page.entries] == [f"{name}通报第{n}号" for n, _ in entries]
    assert page.profile.is_article(f"{HOST}/col/{folder}/{name}_77.html")
