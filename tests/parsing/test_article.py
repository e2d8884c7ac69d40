"""The seed notice read from its article page, in both templates and under markup noise."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from crawler.parsing.article import parse_article
from crawler.parsing.model import Attachment

URL = "https://www.gdjct.gd.gov.cn/xunshizgls/content/post_202033.html"
TITLE = "中共珠海市金湾区委关于巡视整改进展情况的通报"


def test_seed_in_template_a_reads_right(seed_a: bytes) -> None:
    notice = parse_article(seed_a, URL)
    assert notice.notice_id == "202033"
    assert notice.title == TITLE
    assert notice.published_on == date(2024, 9, 26)
    assert notice.published_at == datetime(2024, 9, 26, 11, 0)
    assert notice.source == "南粤清风网"
    assert notice.issuer == "中共珠海市金湾区委"
    assert notice.signed_on == date(2024, 9, 26)
    assert (notice.publicity.start, notice.publicity.end) == (date(2024, 9, 26), date(2024, 10, 25))
    assert not notice.publicity.end_derived
    assert notice.contacts.phones == ("0756-7263766",)
    assert notice.contacts.emails == ("jwxszgb108@zhuhai.gov.cn",)
    assert notice.contacts.postcode == "519090"
    assert notice.contacts.address == "珠海市金湾区行政办公中心8号楼108室"
    assert notice.inspection.group == "省委第十一巡视组"
    assert (notice.inspection.start, notice.inspection.end) == (
        date(2023, 4, 24),
        date(2023, 7, 26),
    )
    assert notice.inspection.feedback_on == date(2023, 10, 26)
    assert notice.attachments == ()


def test_seed_body_is_the_text_a_reader_sees(seed_a: bytes) -> None:
    lines = parse_article(seed_a, URL).body.split("\n")
    assert lines[0].startswith("根据省委统一部署,2023年4月24日至7月26日")
    # headings are paragraphs of their own
    for heading in (
        "一、区委履行巡视整改主体责任情况",
        "二、巡视整改任务落实情况",
        "三、下一步工作打算",
        "1.深入学习贯彻习近平总书记重要讲话重要指示精神",
    ):
        assert heading in lines
    assert lines[-2:] == ["中共珠海市金湾区委", "2024年9月26日"]
    # nothing of the page around the article
    body = "\n".join(lines)
    for chrome in ("所在位置", "来源:", "【打印】", "主办", "新闻中心", TITLE):
        assert chrome not in body


def test_template_b_gives_the_same_text(seed_a: bytes, seed_b: bytes) -> None:
    a, b = parse_article(seed_a, URL), parse_article(seed_b, URL)
    assert b.text == a.text
    assert b.text_sha256 == a.text_sha256
    assert (b.issuer, b.signed_on, b.publicity, b.contacts, b.inspection) == (
        a.issuer,
        a.signed_on,
        a.publicity,
        a.contacts,
        a.inspection,
    )
    assert b.published_on == date(2024, 9, 26)
    assert b.published_at is None  # template B prints the day only


def _in_content(page: str, change) -> str:
    """Apply ``change`` to the content box of template A only."""
    start = page.index('<div class="content"')
    end = page.index("</div>", start)
    return page[:start] + change(page[start:end]) + page[end:]


def _reverse_attributes(page: str) -> str:
    attr = r'[\w:-]+="[^"]*"'

    def flip(m: re.Match) -> str:
        return f"<{m[1]} " + " ".join(reversed(re.findall(attr, m[2]))) + ">"

    return re.sub(rf"<(\w+)((?:\s+{attr}){{2,}})\s*>", flip, page)


MARKUP_ONLY = {
    "compact": lambda p: re.sub(r">\s+<", "><", p),
    "crlf": lambda p: p.replace("\n", "\r\n"),
    "reflowed": lambda p: _in_content(
        p, lambda c: c.replace(",", ",\n        ").replace("。", "。\n   ")
    ),
    "attribute order": _reverse_attributes,
    "nbsp indent": lambda p: p.replace("<p>  ", "<p>&nbsp;&nbsp;"),
    "ideographic indent": lambda p: p.replace("<p>  ", '<p style="text-indent:2em">\u3000\u3000'),
    "counter script": lambda p: _in_content(
        p,
        lambda c: c.replace(
            "</p>",
            '</p><span id="visits"></span><script>document.getElementById("visits")'
            '.innerHTML="访问量:1024";</script>',
            1,
        ),
    ),
    "hidden box": lambda p: _in_content(
        p, lambda c: c.replace("</p>", '</p><div style="display: none">分享到微信</div>', 1)
    ),
    "extra wrappers": lambda p: _in_content(
        p,
        lambda c: (
            re.sub(
                r"<p([^>]*)>(.*?)</p>",
                r'<p\1><span style="font-family:仿宋_GB2312"><font size="3">\2</font></span></p>',
                c,
            ).replace(">\n", '><div class="TRS_Editor"><div class="Custom_UnionStyle">\n', 1)
            + "</div></div>"
        ),
    ),
    "br paragraphs": lambda p: _in_content(
        p, lambda c: re.sub(r"<p[^>]*>", "", c).replace("</p>", "<br><br>")
    ),
    "uppercase tags": lambda p: p.replace("<p>", "<P>").replace("</p>", "</P>"),
    "character references": lambda p: p.replace("根据省委统一部署", "&#26681;&#x636E;省委统一部署"),
    "page chrome": lambda p: p.replace(
        '<div class="footer">',
        '<div class="share">分享到:<a href="#">微信</a></div>'
        '<div class="footer"><p>您是第<span>12345</span>位访客</p>',
    ),
}


@pytest.mark.parametrize("change", MARKUP_ONLY.values(), ids=MARKUP_ONLY.keys())
def test_markup_only_changes_keep_the_text(seed_a: bytes, change) -> None:
    varied = change(seed_a.decode("utf-8"))
    assert varied != seed_a.decode("utf-8"), "the variant must change the markup"
    assert parse_article(varied.encode("utf-8"), URL).text_sha256 == (
        parse_article(seed_a, URL).text_sha256
    )


def test_one_character_edit_changes_the_hash(seed_a: bytes) -> None:
    edited = seed_a.decode("utf-8").replace("8号楼108室", "8号楼109室")
    before, after = parse_article(seed_a, URL), parse_article(edited.encode("utf-8"), URL)
    assert after.text_sha256 != before.text_sha256
    assert after.contacts.address == "珠海市金湾区行政办公中心8号楼109室"


def test_a_changed_period_is_read(seed_a: bytes) -> None:
    edited = seed_a.decode("utf-8").replace("至10月25日", "至10月27日")
    assert parse_article(edited.encode("utf-8"), URL).publicity.end == date(2024, 10, 27)


@pytest.mark.parametrize("declared", ["meta", "header"])
def test_gbk_page_declared_gb2312(seed_a: bytes, declared: str) -> None:
    page = seed_a.decode("utf-8").replace("统一部署", "统一部署喆", 1)  # 喆: GBK, not GB2312
    if declared == "meta":
        page = page.replace('<meta charset="utf-8">', '<meta charset="gb2312">')
    else:
        page = page.replace('<meta charset="utf-8">', "")
    notice = parse_article(page.encode("gbk"), URL, "gb2312" if declared == "header" else None)
    assert notice.title == TITLE
    assert notice.body.startswith("根据省委统一部署喆,")
    assert notice.body.replace("喆", "", 1) == parse_article(seed_a, URL).body


def test_undeclared_gbk_page_is_sniffed(seed_a: bytes) -> None:
    page = seed_a.decode("utf-8").replace('<meta charset="utf-8">', "")
    assert parse_article(page.encode("gbk"), URL).title == TITLE


def test_attachments_are_read_with_absolute_urls(seed_a: bytes) -> None:
    page = seed_a.decode("utf-8").replace(
        "</div>\n</div>\n</div>",
        '</div>\n<div class="attach"><a href="./P020240926512345.pdf">附件:整改落实台账.pdf</a>'
        '<a href="/attach/2024/09/bd.docx"></a></div>\n</div>\n</div>',
        1,
    )
    notice = parse_article(page.encode("utf-8"), URL)
    assert notice.attachments == (
        Attachment(
            "整改落实台账.pdf",
            "https://www.gdjct.gd.gov.cn/xunshizgls/content/P020240926512345.pdf",
        ),
        Attachment("bd.docx", "https://www.gdjct.gd.gov.cn/attach/2024/09/bd.docx"),
    )
    assert notice.text == parse_article(seed_a, URL).text  # a file link outside the body


def test_title_without_a_heading_is_the_block_before_the_info_line(seed_a: bytes) -> None:
    page = (
        seed_a.decode("utf-8")
        .replace('<h1 class="title">', '<div class="tit">')
        .replace('</h1>\n  <div class="info">', '</div>\n  <div class="info">')
    )
    assert parse_article(page.encode("utf-8"), URL).title == TITLE


def test_info_line_inside_the_content_box_is_not_body(seed_a: bytes) -> None:
    page = seed_a.decode("utf-8")
    info = re.search(r'  <div class="info">.*?</div>\n', page).group()
    page = page.replace(info, "").replace(
        '<div class="content" id="zoom">\n', '<div class="content" id="zoom">\n' + info
    )
    notice = parse_article(page.encode("utf-8"), URL)
    assert notice.published_at == datetime(2024, 9, 26, 11, 0)
    assert notice.text == parse_article(seed_a, URL).text


def test_without_signature_the_issuer_comes_from_the_title(seed_a: bytes) -> None:
    page = re.sub(r'    <p style="text-align:right">.*?</p>\n', "", seed_a.decode("utf-8"))
    notice = parse_article(page.encode("utf-8"), URL)
    assert notice.issuer == "中共珠海市金湾区委"
    assert notice.signed_on is None
    assert notice.publicity.end == date(2024, 10, 25)


@pytest.mark.parametrize(
    ("signature", "issuer", "signed_on"),
    [
        (["中共珠海市金湾区委", "2024年9月26日"], "中共珠海市金湾区委", date(2024, 9, 26)),
        (["中共珠海市金湾区委 2024年9月26日"], "中共珠海市金湾区委", date(2024, 9, 26)),
        (
            ["中共广东省某某厅党组", "二〇二四年九月二十六日"],
            "中共广东省某某厅党组",
            date(2024, 9, 26),
        ),
        (
            ["中共某某市委", "某某市人民政府", "2024年9月26日"],
            "中共某某市委 某某市人民政府",
            date(2024, 9, 26),
        ),
    ],
)
def test_signature_shapes(
    seed_a: bytes, signature: list[str], issuer: str, signed_on: date
) -> None:
    page = re.sub(r'    <p style="text-align:right">.*?</p>\n', "", seed_a.decode("utf-8"))
    lines = "".join(f'<p style="text-align:right">{line}</p>' for line in signature)
    page = page.replace("  </div>\n</div>\n</div>", lines + "</div>\n</div>\n</div>", 1)
    notice = parse_article(page.encode("utf-8"), URL)
    assert (notice.issuer, notice.signed_on) == (issuer, signed_on)
