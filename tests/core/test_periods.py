"""Period facts written once (core.periods): Python, the SQL macros, alerts and site agree."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.events import Contacts
from alerts.messages import notice_facts
from core.periods import PeriodFacts, Phase, period_facts
from crawler.parsing.periods import parse_period
from history.build import index_row
from history.read import NoticeSummary
from warehouse.db import connect

AS_OF = date(2024, 10, 10)
DAYS = st.one_of(st.none(), st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    """A real warehouse: its macros come from migrate(), as the analysts' do."""
    with connect(tmp_path_factory.mktemp("w") / "w.duckdb", lock_wait=5) as c:
        yield c


def _sql(con, start, end, as_of) -> PeriodFacts:
    phase, days, label = con.execute(
        "SELECT period_phase($s, $e, $a), days_left($e, $a), days_label($s, $e, $a)",
        {"s": start, "e": end, "a": as_of},
    ).fetchone()
    return PeriodFacts(Phase(phase), days, label)


def _alerts(start, end, as_of) -> PeriodFacts:
    facts = notice_facts(notice_id="1", url=None, title="t", issuer=None, publicity_start=start,
                         publicity_end=end, as_of=as_of, version_no=1, contacts=Contacts())
    return PeriodFacts(Phase(facts["period"]), facts["days_left"], facts["days_label"])


def _site(start, end, as_of) -> PeriodFacts:
    summary = NoticeSummary("1", "u", "t", None, None, start, end, "active", 1, None, None, "f")
    row = index_row(summary, as_of, -1)
    return PeriodFacts(Phase(row.phase), row.days, row.days_label)


@given(DAYS, DAYS, st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_python_and_sql_give_one_answer_for_any_window(con, start, end, as_of):
    assert _sql(con, start, end, as_of) == period_facts(start, end, as_of)


def test_each_phase_and_label(con):
    cases = [
        ((date(2024, 10, 1), date(2024, 10, 13)), Phase.OPEN, 3, "剩 3 天"),
        ((date(2024, 10, 1), AS_OF), Phase.OPEN, 0, "今日截止"),
        ((date(2024, 10, 1), date(2024, 10, 8)), Phase.CLOSED, -2, "已过 2 天"),
        ((date(2024, 10, 11), date(2024, 10, 20)), Phase.UPCOMING, 10, "未开始"),
        ((None, date(2024, 10, 11)), Phase.OPEN, 1, "剩 1 天"),
    ]
    for (start, end), phase, days, label in cases:
        assert period_facts(start, end, AS_OF) == PeriodFacts(phase, days, label)


# The windows a page can leave us with, as the parser reads them (published 2024-09-26).
WINDOWS = {
    "start after end": "公示时间:2024年10月26日至2024年10月5日。",
    "yearless": "公示时间:9月26日至10月25日。",
    "missing": "欢迎广大干部群众对巡视整改落实情况进行监督。",
}
EXPECTED = {  # on each day: the one answer
    ("start after end", date(2024, 10, 1)): PeriodFacts(Phase.UPCOMING, 4, "未开始"),
    ("start after end", date(2024, 10, 10)): PeriodFacts(Phase.CLOSED, -5, "已过 5 天"),
    ("start after end", date(2024, 10, 30)): PeriodFacts(Phase.CLOSED, -25, "已过 25 天"),
    ("yearless", date(2024, 10, 1)): PeriodFacts(Phase.OPEN, 24, "剩 24 天"),
    ("yearless", date(2024, 10, 30)): PeriodFacts(Phase.CLOSED, -5, "已过 5 天"),
    ("missing", date(2024, 10, 1)): PeriodFacts(Phase.UNKNOWN, None, "—"),
}


@pytest.mark.parametrize("window,as_of", list(EXPECTED))
def test_odd_windows_get_one_answer_from_alerts_site_and_sql(con, window, as_of):
    period = parse_period(WINDOWS[window], date(2024, 9, 26))
    start, end = period.start, period.end
    answers = {
        "python": period_facts(start, end, as_of),
        "alerts": _alerts(start, end, as_of),
        "site": _site(start, end, as_of),
        "sql": _sql(con, start, end, as_of),
    }
    assert answers == dict.fromkeys(answers, EXPECTED[window, as_of])


def test_a_yearless_window_without_a_publication_date_is_missing():
    period = parse_period(WINDOWS["yearless"], None)
    assert period_facts(period.start, period.end, AS_OF).phase == Phase.UNKNOWN


def test_before_the_first_cycle_sql_has_no_phase(con):
    assert con.execute("SELECT period_phase(DATE '2024-10-01', DATE '2024-10-05', NULL::DATE), "
                       "days_label(NULL, DATE '2024-10-05', NULL::DATE)").fetchone() == (None, None)


def test_contacts_stay_open_until_the_end_has_passed():
    end = AS_OF + timedelta(days=1)
    facts = notice_facts(notice_id="1", url=None, title="t", issuer=None,
                         publicity_start=end + timedelta(days=5), publicity_end=end,
                         as_of=AS_OF + timedelta(days=2), version_no=1,
                         contacts=Contacts(phones=("020-1",)))
    assert facts["period"] == "closed" and not facts["show_contacts"]
