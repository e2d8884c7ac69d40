"""Whatever the column publishes, the site shows it as text: property tests of the escaping."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from history.archive import sanitise
from history.pages import hunk_html, json_script, render

NASTY = st.sampled_from([
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</p>", "<!--", "-->",
    "&amp;", "&", '"', "'", "</script>", "<b>", "javascript:alert(1)", "\n", "整改", "　",
    "<svg onload=alert(1)>", "<a href='javascript:alert(1)'>x</a>", "<style>*{}</style>",
    "<iframe src=//x.org>", "<object data=x>", "<base href=//x.org/>", "]]>", "\u2028",
])  # fmt: skip
# What a page can hold as text once parsed: no control characters but the line break
# (HTML parsers turn a carriage return into one, and NUL into U+FFFD).
CHARS = st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\n")
TEXT = st.lists(st.one_of(NASTY, st.text(CHARS, max_size=8)), max_size=12).map("".join)
OPS = st.lists(st.tuples(st.sampled_from([-1, 0, 1]), TEXT.filter(bool)), max_size=8)


def marked_text(node) -> str:
    out = [node.text or ""]
    for child in node:
        assert child.tag in ("del", "ins", "br"), child.tag
        out.append("\n" if child.tag == "br" else marked_text(child))
        out.append(child.tail or "")
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_a_diff_passage_is_its_text_and_only_del_ins_br(ops):
    shown = lxml_html.fragment_fromstring(f"<p>{hunk_html(ops)}</p>")
    assert marked_text(shown) == "".join(text for _, text in ops)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.integers(), TEXT),
                    lambda inner: st.lists(inner, max_size=4), max_leaves=12))  # fmt: skip
def test_json_in_a_page_reads_back_as_itself_and_never_ends_its_block(value):
    page = lxml_html.fromstring(
        f'<html><body><script type="application/json" id="d">{json_script(value)}</script>'
        "<p id='after'>after</p></body></html>")  # fmt: skip
    assert json.loads(page.get_element_by_id("d").text) == value
    assert page.get_element_by_id("after").text == "after"


DANGEROUS = "//script | //style | //iframe | //object | //embed | //link | //base | //svg | //form"


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_a_sanitised_page_has_nothing_that_runs_or_loads(page):
    clean = sanitise(page, "http://127.0.0.1:8000/xunshizgls/content/post_1.html")
    tree = lxml_html.fromstring(f"<div>{clean}</div>")
    assert not tree.xpath(DANGEROUS)
    for node in tree.iter():
        for name, value in node.attrib.items():
            assert not name.lower().startswith("on"), clean
            assert name in ("href", "title", "alt", "rel", "colspan", "rowspan", "scope",
                            "start"), clean  # fmt: skip
            if name == "href":
                assert value.lower().startswith(("http://", "https://", "mailto:")), clean


@settings(max_examples=100, deadline=None)
@given(TEXT, TEXT)
def test_titles_and_bodies_are_escaped_in_the_archived_banner_and_index(title, url):
    from datetime import UTC, datetime

    from history.archive import StoredPage
    from history.read import Version

    version = Version("1", 1, datetime(2026, 1, 1, tzinfo=UTC), "b", url, title, "", "t",
                      "0" * 64, None, None, None)  # fmt: skip
    page = render("archive.html.j2", v=version, stored=StoredPage("0" * 64, None, problem="缺"),
                  content="", raw_name="raw/00/x.html.gz", csp="default-src 'none'")
    tree = lxml_html.fromstring(page)
    assert not tree.xpath("//script | //img | //iframe | //svg | //b | //object")
    assert title.strip() in tree.xpath("//title")[0].text_content() or not title.strip()
