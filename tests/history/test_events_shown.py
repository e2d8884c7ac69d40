"""What the site says of events and periods, on a warehouse built from synthetic batches.

The site shows an edit's summary as the mails do (deletions and insertions, never the
``[-…-]{+…+}`` marks), lists on ``changes.html`` only what people are told, and gives a
notice's days left while its period runs (docs/site.md).
"""

from __future__ import annotations

from datetime import date

from lxml import html as lxml_html

from core import sitemap
from history import build_site
from testkit.batches import FakeColumn
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_pending


def _cycle(con, column: FakeColumn, as_of: date) -> None:
    column.crawl()
    load_pending(con, column.batches_dir)
    detect_changes(con, as_of=as_of, warn_days=3)


def _page(site, path: str):
    return lxml_html.fromstring((site / path).read_text(encoding="utf-8"))


def _warehouse(tmp_path):
    column = FakeColumn(tmp_path / "batches")
    column.add(202101, published_on=date(2024, 9, 26), period_days=30)  # ends 10-25
    column.add(202102, published_on=date(2024, 9, 1), period_days=30)  # ends 09-30
    return column, connect(tmp_path / "w.duckdb")


def test_an_edit_summary_is_marked_up_on_the_changes_and_notice_pages(tmp_path):
    column, con = _warehouse(tmp_path)
    with con:
        _cycle(con, column, date(2024, 9, 27))
        column.edit(202101, "第一时间召开", "及时召开")
        _cycle(con, column, date(2024, 9, 27))
        build_site(con, tmp_path / "raw", tmp_path / "site")
    for path in (sitemap.CHANGES, sitemap.notice_page("202101")):
        page = _page(tmp_path / "site", path)
        summary = page.xpath("//li[span[contains(@class, 'edited')]]//div[@class='summary']")[0]
        assert "[-" not in summary.text_content() and "{+" not in summary.text_content()
        assert [d.text_content() for d in summary.xpath(".//del")] == ["第一时间"]
        assert [i.text_content() for i in summary.xpath(".//ins")] == ["及时"]


def test_the_changes_page_lists_only_the_kinds_people_are_told_of(tmp_path):
    """A period that passes after the baseline is recorded (expired), not alerted: not listed."""
    column, con = _warehouse(tmp_path)
    with con:
        _cycle(con, column, date(2024, 9, 27))
        _cycle(con, column, date(2024, 10, 2))  # 202102's period (to 09-30) has passed
        expired = con.execute("SELECT change_id FROM change_events WHERE kind = 'expired' "
                              "AND NOT baseline").fetchall()  # fmt: skip
        build_site(con, tmp_path / "raw", tmp_path / "site")
    assert expired
    page = _page(tmp_path / "site", sitemap.CHANGES)
    assert not page.xpath("//li[span[contains(@class, 'expired')]]")
    assert not page.xpath(f"//li[@id='change-{expired[0][0]}']")


def test_a_notice_page_shows_its_days_left_and_is_rewritten_as_they_move(tmp_path):
    column, con = _warehouse(tmp_path)
    site = tmp_path / "site"
    shown = []
    with con:
        for as_of in (date(2024, 10, 22), date(2024, 10, 25), date(2024, 10, 28),
                      date(2024, 10, 29)):  # fmt: skip
            _cycle(con, column, as_of)
            build_site(con, tmp_path / "raw", site)
            fields = _page(site, sitemap.notice_page("202101")).xpath("//section[@class='fields']")
            shown.append((fields[0].text_content(), (site / sitemap.notice_page("202101"))
                           .stat().st_ino))  # fmt: skip
    assert "剩 3 天" in shown[0][0] and "2024年10月22日" in shown[0][0]
    assert "今日截止" in shown[1][0] and shown[1][1] != shown[0][1]
    assert "已截止" in shown[2][0] and "剩" not in shown[2][0]
    assert shown[3][1] == shown[2][1]  # a period over: the page is not rewritten every day
