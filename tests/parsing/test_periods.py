"""Every publicity-period phrasing, shared and our own: one row, one case."""

from __future__ import annotations

from datetime import date

from crawler.parsing.periods import parse_period


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def test_period(period_case: dict) -> None:
    row = period_case
    period = parse_period(row["text"], _date(row["published_on"]))
    assert (period.start, period.end) == (_date(row["expected_start"]), _date(row["expected_end"]))
    # Optional columns: only rows that state them check them.
    if "expected_days" in row:
        assert period.days == row["expected_days"]
    if "expected_end_derived" in row:
        assert period.end_derived is row["expected_end_derived"]
    if "expected_working_days" in row:
        assert period.working_days is row["expected_working_days"]
    if "expected_estimated" in row:
        assert period.estimated is row["expected_estimated"]
    if "expected_start_derived" in row:
        assert period.start_derived is row["expected_start_derived"]
    if "expected_source" in row:
        assert period.source == row["expected_source"]
    if period.start or period.end or period.days:
        assert period.raw and period.raw in row["text"]
    else:
        assert period.raw is None and period.source == "none"
