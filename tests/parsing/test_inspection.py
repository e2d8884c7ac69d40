"""Inspection facts of a notice's opening: one row, one case."""

from __future__ import annotations

from datetime import date

from crawler.parsing.inspection import parse_inspection


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def test_inspection(inspection_case: dict) -> None:
    row = inspection_case
    found = parse_inspection(row["text"])
    assert found.group == row["expected_group"]
    assert (found.start, found.end) == (_date(row["expected_start"]), _date(row["expected_end"]))
    assert found.feedback_on == _date(row["expected_feedback_on"])
