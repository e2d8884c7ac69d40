"""rectification_timeline, and its dates the parser could not read in parse_gaps."""

from __future__ import annotations

from datetime import date

TIMELINE = ("inspection_group, inspection_start, inspection_end, inspection_days, feedback_on, "
            "days_to_feedback, published_on, days_to_publication, publicity_end, "
            "days_to_publicity_end")  # fmt: skip
ROUND = {"group": "省委第十一巡视组", "start": "2023-04-24", "end": "2023-07-26",
         "feedback_on": "2023-10-26"}  # fmt: skip
NOTHING = {"group": None, "start": None, "end": None, "feedback_on": None}


TIMELINE_FIELDS = ("inspection_group", "inspection_start", "inspection_end", "feedback_on",
                   "published_on", "publicity_period", "publicity_end")  # fmt: skip


def gaps(con) -> list[tuple]:
    """The timeline's gaps of the notices' current versions: (id, version, field, detail)."""
    return con.execute(
        "SELECT notice_id, version_no, field, detail FROM parse_gaps "
        "WHERE latest AND list_contains(?, field) ORDER BY ALL",
        [list(TIMELINE_FIELDS)],
    ).fetchall()


def test_each_notice_gets_its_dates_and_the_days_between(column, cycle, con):
    column.add(1, inspection=ROUND)  # published 2024-09-26
    cycle()
    row = con.execute(
        f"SELECT {TIMELINE} FROM rectification_timeline WHERE notice_id = '1'"
    ).fetchone()
    assert row == (
        "省委第十一巡视组", date(2023, 4, 24), date(2023, 7, 26), 94,
        date(2023, 10, 26), 92, date(2024, 9, 26), 336, date(2024, 10, 25), 365,
    )  # fmt: skip


def test_issuers_and_rounds_compare_their_notices(column, cycle, con):
    issuer = "中共测试市第1区委"
    column.add(1, inspection=ROUND, issuer=issuer, published_on=date(2024, 1, 25))  # 91 days
    column.add(2, inspection=ROUND, issuer=issuer, published_on=date(2024, 9, 26))  # 336
    column.add(3, inspection=ROUND, published_on=date(2024, 2, 24))  # 121, same round
    column.add(4, inspection={**ROUND, "start": "2023-09-01", "end": "2023-10-01"},
               published_on=date(2024, 2, 24))  # another round  # fmt: skip
    cycle()
    got = con.execute(
        "SELECT notice_id, days_to_publication, issuer_notices, issuer_median_days, "
        "issuer_max_days, round_notices, round_median_days, days_behind_round "
        "FROM rectification_timeline ORDER BY notice_id"
    ).fetchall()
    assert got == [
        ("1", 91, 2, 213.5, 336, 3, 121.0, -30.0),
        ("2", 336, 2, 213.5, 336, 3, 121.0, 215.0),
        ("3", 121, 1, 121.0, 121, 3, 121.0, 0.0),
        ("4", 121, 1, 121.0, 121, 1, 121.0, 0.0),
    ]
    # "which units published late" is one query
    slowest = con.execute(
        "SELECT issuer FROM rectification_timeline GROUP BY issuer "
        "ORDER BY max(issuer_median_days) DESC LIMIT 1"
    ).fetchone()
    assert slowest == (issuer,)


def test_missing_dates_are_listed_with_why(column, cycle, con):
    column.add(1, inspection=ROUND)
    column.add(2, inspection=NOTHING, period_days=None,
               body="现将整改进展情况予以公布。\n一、整改情况\n中共测试市第3区委")  # fmt: skip
    column.add(3, inspection={**ROUND, "feedback_on": None})
    cycle()
    assert gaps(con) == [
        ("2", 1, "feedback_on",
         "the opening does not say when the findings were fed back (no 反馈)"),
        ("2", 1, "inspection_end", "the opening does not mention an inspection (巡视/巡察)"),
        ("2", 1, "inspection_group", "the opening does not mention an inspection (巡视/巡察)"),
        ("2", 1, "inspection_start", "the opening does not mention an inspection (巡视/巡察)"),
        ("2", 1, "publicity_period", "no publicity window could be read"),
        ("3", 1, "feedback_on", "no date before 反馈 in its sentence"),
    ]  # fmt: skip
    raw = con.execute(
        "SELECT DISTINCT raw FROM parse_gaps WHERE notice_id = '3' AND field = 'feedback_on'"
    ).fetchall()
    assert len(raw) == 1 and "反馈" in raw[0][0]  # the opening the date was looked for in
    nulls = con.execute(
        "SELECT notice_id, feedback_on, days_to_publication FROM rectification_timeline "
        "WHERE notice_id IN ('2', '3') ORDER BY notice_id"
    ).fetchall()
    assert nulls == [("2", None, None), ("3", None, None)]


def test_gaps_follow_the_latest_version(column, cycle, con):
    column.add(1, inspection={**ROUND, "feedback_on": None})
    cycle()
    assert [g[:3] for g in gaps(con)] == [("1", 1, "feedback_on")]
    column.notices["1"].inspection = ROUND
    column.edit(1, "第一时间", "及时")
    cycle()
    assert gaps(con) == []
