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


PAIR_COLUMNS = ("notice_id, seq, section, before, after, context_before, context_after, marked, "
                "position, from_version, to_version")


def _pair(con, notice_id, a, b) -> list[tuple]:
    return con.execute(f"SELECT {PAIR_COLUMNS} FROM diff_versions(?, ?, ?)",
                       [notice_id, a, b]).fetchall()  # fmt: skip


def _texts(con, notice_id) -> dict[int, str]:
    rows = con.execute("SELECT version_no, title || chr(10) || body FROM notice_versions "
                       "WHERE notice_id = ?", [notice_id]).fetchall()  # fmt: skip
    return dict(rows)


def test_diff_versions_gives_change_hunks_rows_for_an_edit_and_the_same_cut_for_any_pair(
        cycle, con, column):  # fmt: skip
    column.add(1)
    cycle()
    edits = [("第一时间召开", "及时召开"), ("主要负责同志", "党委书记"), ("查处一批", "严肃查处")]
    for old, new in edits:
        column.edit(1, old, new)
        cycle()
    texts = _texts(con, "1")
    assert sorted(texts) == [1, 2, 3, 4]
    for a in range(1, 5):
        for b in range(a + 1, 5):
            rows = _pair(con, "1", a, b)
            expected = [("1", p.seq, p.section, p.before, p.after, p.context_before,
                         p.context_after, p.marked, p.position, a, b)
                        for p in passages(compute_diff(texts[a], texts[b]))]  # fmt: skip
            assert rows == expected, (a, b)
            assert rows  # every pair of these versions differs
        if a < 4:  # consecutive: exactly the edit's rows in change_hunks
            hunks_of_edit = con.execute(
                f"SELECT {PAIR_COLUMNS} FROM change_hunks WHERE notice_id = '1' AND "
                "to_version = ? ORDER BY seq", [a + 1]).fetchall()  # fmt: skip
            assert _pair(con, "1", a, a + 1) == hunks_of_edit
    assert _pair(con, "1", 3, 1) == _pair(con, "1", 2, 2) == _pair(con, "1", 1, 9) == []
    assert _pair(con, 1, 1, 3) == _pair(con, "1", 1, 3)  # an id typed as a number
    for a, b in ((1, 2), (1, 3)):  # source_id names the notice's source (docs/analysts.md)
        mine, other = (con.execute(f"SELECT {PAIR_COLUMNS} FROM diff_versions('1', ?, ?, "
                                   f"source_id := '{sid}')", [a, b]).fetchall()
                       for sid in ("default", "gd-other"))
        assert (mine, other) == (_pair(con, "1", a, b), [])


def test_a_rerun_adds_no_pair_twice_and_a_reverted_text_has_no_passages(cycle, con, column):
    column.add(1)
    cycle()
    column.edit(1, "第一时间召开", "及时召开")
    cycle()
    column.edit(1, "及时召开", "第一时间召开")  # back to version 1's text
    cycle()
    cycle()
    assert _pair(con, "1", 1, 3) == []
    assert con.execute("SELECT count(*) FROM version_pair_hunks").fetchone()[0] == 0


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11),
                          st.text("巡视整改落实监督0123456789年月日", min_size=1, max_size=6)),
                min_size=2, max_size=4))
def test_diff_versions_matches_the_passages_of_any_two_texts(tmp_path_factory, edits):
    """Whatever the edits, each pair's rows are the passages of the two texts' diff."""
    from testkit.batches import FakeColumn
    from warehouse.db import connect
    from warehouse.load import load_pending

    tmp = tmp_path_factory.mktemp("pairs")
    column = FakeColumn(tmp / "batches")
    column.add(1)
    with connect(tmp / "w.duckdb") as con:
        for i, (at, text) in enumerate([(0, ""), *edits]):
            if i:
                body = column.notices["1"].body
                column.notices["1"].body = body[: at * 7] + text + body[at * 7 :]
            column.crawl()
            load_pending(con, column.batches_dir)
            detect_changes(con, as_of=date(2024, 10, 1), warn_days=3)
        texts = _texts(con, "1")
        for a in texts:
            for b in texts:
                if a < b:
                    expected = [(p.before, p.after, p.marked)
                                for p in passages(compute_diff(texts[a], texts[b]))]  # fmt: skip
                    got = [(*r[3:5], r[7]) for r in _pair(con, "1", a, b)]
                    assert got == expected
