"""change_hunks: each edit's changed passages as rows, cut exactly as the alerts cut them."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from core.textdiff import MAX_RUN, compute_diff, hunk_to_text, hunks, parse_diff, widen_numbers
from warehouse.diff import detect_changes
from warehouse.summaries import passages, section_of

PASSAGE = ("change_id, notice_id, seq, section, before, after, context_before, context_after, "
           "marked, position")  # fmt: skip


def rows(con, notice_id: str) -> list[tuple]:
    return con.execute(
        f"SELECT {PASSAGE} FROM change_hunks WHERE notice_id = ? ORDER BY change_id, seq",
        [notice_id],
    ).fetchall()


def test_a_one_character_edit_is_one_row_with_that_character(column, cycle, con):
    column.add(1)
    cycle()
    column.edit(1, "第一时间召开", "第一时间召集")
    cycle()
    ((change_id, notice_id, seq, section, before, after, lead, trail, marked, _),) = rows(con, "1")
    assert (notice_id, seq, before, after) == ("1", 1, "开", "集")
    assert section == "(一)统一思想认识,强化整改政治担当"
    assert lead.endswith("第一时间召") and trail.startswith("常委会会议")
    assert marked == f"{lead}[-开-]{{+集+}}{trail}"
    kind, detected_at = con.execute(
        "SELECT kind, detected_at FROM changes WHERE change_id = ?", [change_id]
    ).fetchone()
    assert kind == "edited"
    issuer = "中共测试市第2区委"
    assert con.execute(
        "SELECT detected_at, title, issuer FROM change_hunks WHERE change_id = ?", [change_id]
    ).fetchone() == (detected_at, f"{issuer}关于巡视整改进展情况的通报", issuer)


def test_passages_are_the_alerts_hunks_with_their_sections(column, cycle, con):
    column.add(1)
    cycle()
    column.edit(1, "第一时间", "及时")  # in (一)
    column.edit(1, "开展专项整治", "深入开展专项整治")  # in 2., far below
    column.edit(1, "电子邮箱", "邮箱")  # in the contacts, a deletion
    cycle()
    got = rows(con, "1")
    (diff_json,) = con.execute(
        "SELECT diff FROM change_events WHERE kind = 'edited'"
    ).fetchone()
    diff = parse_diff(diff_json)
    new_text = "".join(text for op, text in diff if op >= 0)
    assert [r[8] for r in got] == [hunk_to_text(h) for h in hunks(diff)]  # what alerts show
    assert [r[3] for r in got] == [section_of(new_text, r[9]) for r in got]
    assert [(r[2], r[4], r[5]) for r in got] == [
        (1, "第一时间", "及时"), (2, "", "深入"), (3, "电子", "")
    ]  # fmt: skip
    assert [r[3] for r in got] == [
        "(一)统一思想认识,强化整改政治担当", "2.关于全面从严治党方面", "联系方式"
    ]  # fmt: skip


def test_a_rerun_adds_no_passage_and_missing_ones_are_filled(column, cycle, con):
    column.add(1)
    cycle()
    column.edit(1, "第一时间", "及时")
    cycle()
    before = rows(con, "1")
    detect_changes(con, as_of=column.clock.date(), warn_days=3)
    assert rows(con, "1") == before
    # an event recorded before edit_hunks existed (migration 005) gets its rows on the next run
    con.execute("DELETE FROM edit_hunks")
    detect_changes(con, as_of=column.clock.date(), warn_days=3)
    assert rows(con, "1") == before


def text_strategy():
    paragraph = st.text(alphabet="巡视整改落实情况通报一二三、。,", min_size=0, max_size=80)
    return st.lists(paragraph, min_size=1, max_size=5).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(old=text_strategy(), new=text_strategy())
def test_passages_rebuild_both_texts_around_each_change(old, new):
    """Each passage's context + before + context is in the old text; with after, in the new."""
    diff = compute_diff(old, new)
    got = passages(diff)
    assert len(got) == len(hunks(diff))
    for p, hunk in zip(got, hunks(diff), strict=True):
        assert p.marked == hunk_to_text(hunk)
        lead, trail = p.context_before.removeprefix("…"), p.context_after.removesuffix("…")
        if len(p.before) <= MAX_RUN and len(p.after) <= MAX_RUN:
            assert lead + p.before + trail in old
            assert lead + p.after + trail in new
            assert new[p.position :].startswith(p.after + trail)
        assert p.before != p.after


def test_a_changed_digit_gives_the_whole_date_as_alerts_show_it(column, cycle, con):
    column.add(1)
    cycle()
    column.edit(1, "10月26日,省委巡视组反馈", "10月28日,省委巡视组反馈")  # one digit
    cycle()
    ((_, _, _, section, before, after, _, _, marked, _),) = rows(con, "1")
    assert (before, after) == ("2023年10月26日", "2023年10月28日")
    assert section == "导语"
    (diff_json,) = con.execute("SELECT diff FROM change_events WHERE kind = 'edited'").fetchone()
    (hunk,) = hunks(widen_numbers(parse_diff(diff_json)))  # what the alert shows
    assert marked == hunk_to_text(hunk)


def test_version_history_lists_whole_dates_as_what_was_deleted_and_inserted(cycle, con, column):
    """A moved end reads 10月25日 → 2月18日, never a date cut before its 日 (2月18)."""
    column.add(1)  # to 10月25日
    cycle()
    column.set_period_end(1, date(2025, 2, 18))
    cycle()
    rows = con.execute("SELECT version_no, deleted, inserted FROM version_history "
                       "WHERE notice_id = '1' ORDER BY version_no").fetchall()  # fmt: skip
    assert rows == [(1, None, None), (2, ["10月25日"], ["2月18日"])]
