"""Fixtures for the warehouse tests: a fake column, a warehouse file, one-call cycles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from testkit.batches import FakeColumn
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_pending

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def column(tmp_path: Path) -> FakeColumn:
    return FakeColumn(tmp_path / "batches")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "zgwatch.duckdb"


@pytest.fixture
def con(db: Path):
    with connect(db, lock_wait=5) as c:
        yield c


@pytest.fixture
def cycle(con, column):
    """Crawl the fake column, load, diff; return the DiffResult."""

    def run(as_of: date = date(2024, 10, 1), warn_days: int = 3, **crawl):
        column.crawl(**crawl)
        load_pending(con, column.batches_dir)
        return detect_changes(con, as_of=as_of, warn_days=warn_days)

    return run


@pytest.fixture
def events(con):
    """The events recorded so far as (kind, notice_id) pairs, optionally only some kinds."""

    def get(*kinds: str, baseline: bool | None = None) -> list[tuple[str, str]]:
        rows = con.execute(
            "SELECT kind, notice_id, baseline FROM change_events ORDER BY change_id"
        ).fetchall()
        return [
            (k, n) for k, n, b in rows
            if (not kinds or k in kinds) and (baseline is None or b == baseline)
        ]  # fmt: skip

    return get


class Watch:
    """zgwatch's real stages (crawler subprocess, load, diff) pointed at a served replica."""

    def __init__(self, replica, tmp_path: Path, **options):
        from zgwatch.config import load_settings

        self.replica, self.site = replica, replica.site
        flags = {
            "source": replica.url,
            "db": tmp_path / "data" / "zgwatch.duckdb",
            "data_dir": tmp_path / "data",
            "as_of": replica.site.today,
            "delay": 0,
            "timeout": 2,
            "recent_days": 100_000,  # every notice is due every cycle
            "lock_wait": 10,
            "absence_interval": 0,  # cycles seconds apart, each a cycle (not a rerun)
            **options,
        }
        self.settings = load_settings(flags, env={})

    def cycle(self, **options):
        """Crawl, load and diff once; return the DiffResult."""
        from zgwatch import pipeline

        settings = self.settings.model_copy(update=options)
        pipeline.crawl(settings)
        pipeline.load(settings)
        return pipeline.diff(settings)

    def events(self, *kinds: str) -> list[tuple[str, str, str]]:
        """(kind, notice_id, summary) of every event so far, oldest first."""
        with connect(self.settings.db, lock_wait=10) as con:
            rows = con.execute(
                "SELECT kind, notice_id, summary FROM changes ORDER BY change_id"
            ).fetchall()
        return [r for r in rows if not kinds or r[0] in kinds]


@pytest.fixture
def watch(replica, tmp_path) -> Watch:
    return Watch(replica, tmp_path)
