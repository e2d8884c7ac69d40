"""docs/analysts.md: every worked query runs on the analysts' copy of a replica-built warehouse."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from replica import running
from tests.warehouse.conftest import REPO, Watch
from warehouse.publish import publish_analyst_copy
from zgwatch import pipeline

DOC = REPO / "docs" / "analysts.md"
QUERY = re.compile(r"^### (\d+)\. (.+?)\n.*?```sql\n(.*?)```", re.MULTILINE | re.DOTALL)
QUERIES = [(f"{n}. {title}", sql) for n, title, sql in QUERY.findall(DOC.read_text("utf-8"))]

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]  # end to end: several cycles


@pytest.fixture(scope="module")
def analyst_copy(tmp_path_factory):
    """Three real cycles over a 60-notice replica with every kind of change, then publish."""
    today = datetime.now(UTC).date()  # the queries speak of current_date
    with running(60, 3, today=today) as replica:
        # a destination that refuses connections: its deliveries stay pending
        refused = ("json://127.0.0.1:9/",)
        watch = Watch(replica, tmp_path_factory.mktemp("analysts"), notify=refused)
        site = replica.site
        watch.cycle()
        ids = site.notice_ids()
        site.add_notice()
        site.edit("202033")
        site.set_period("202033", today - timedelta(days=25), today + timedelta(days=3))
        site.edit(ids[2])
        site.remove(ids[5])
        site.remove(ids[30])
        site.set_fault(site.article_path(ids[8]), "503")
        watch.cycle()
        site.clear_faults()
        watch.cycle()
        pipeline.alert(watch.settings)
        yield publish_analyst_copy(watch.settings.db)


def test_the_guide_has_at_least_eight_worked_queries():
    assert len(QUERIES) >= 8


@pytest.mark.parametrize(("title", "sql"), QUERIES, ids=[t for t, _ in QUERIES])
def test_worked_query(analyst_copy, title, sql):
    con = duckdb.connect(str(analyst_copy), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    result = con.execute(sql).to_arrow_table()
    assert result.num_rows > 0, f"{title}: no rows"
