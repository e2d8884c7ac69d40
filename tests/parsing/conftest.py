"""Case tables for the parser tests: the project's phrase files plus this repo's own rows.

``tests/data/parsing/phrases/`` holds the phrase tables the project was
specified with (its README says where they come from and what each row
means); ``*_extra.jsonl`` beside them are rows of our own.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# The Hypothesis profiles ("ci" when the environment variable CI is set, else "dev") are
# set in tests/conftest.py; "ci" runs the no-invention property 10,000 times.
EXAMPLES = (
    {"found": 3_000, "no_invention": 10_000}
    if os.environ.get("CI")
    else {"found": 300, "no_invention": 500}
)

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "parsing"
PHRASES = DATA / "phrases"


def _rows(*paths: Path) -> list[dict]:
    rows = []
    for path in paths:
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                row["_id"] = f"{path.stem}:{number}"
                rows.append(row)
    return rows


CASE_FILES = {
    "period_case": (PHRASES / "periods.jsonl", DATA / "periods_extra.jsonl"),
    "contact_case": (PHRASES / "contacts.jsonl", DATA / "contacts_extra.jsonl"),
    "inspection_case": (DATA / "inspection.jsonl",),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One parametrized test per case table: every row of every file is a case."""
    for name, paths in CASE_FILES.items():
        if name in metafunc.fixturenames:
            rows = _rows(*paths)
            metafunc.parametrize(name, rows, ids=[row["_id"] for row in rows])


def date_row(ref) -> list | None:
    """A ``crawler.parsing.daterefs.DateRef`` as the case tables write it:
    [precision, value (ISO day, YYYY-MM month, a gap's reason, or null)(, repair)]."""
    if ref is None:
        return None
    value = {
        "day": lambda: ref.day.isoformat(),
        "month": lambda: f"{ref.month[0]}-{ref.month[1]:02d}",
        "gap": lambda: ref.reason,
        "relative": lambda: None,
    }[ref.precision]()
    return [str(ref.precision), value] + ([ref.repair] if ref.repair else [])


@pytest.fixture(scope="session")
def seed_a() -> bytes:
    """The seed notice as template A serves it."""
    return (DATA / "seed_a.html").read_bytes()


@pytest.fixture(scope="session")
def seed_b() -> bytes:
    """The same notice after the redesign (template B)."""
    return (DATA / "seed_b.html").read_bytes()
