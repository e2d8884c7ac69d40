"""``dag.test()`` runs the whole cycle against the replica; the warehouse holds the events."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.airflow.conftest import HERE, airflow_env, run_python
from zgwatch.sinks import WebhookSink

ALL_DONE = {t: "success" for t in
            ("snapshot_known", "crawl", "load", "diff", "alert", "verify_column", "cycle_health")}

pytestmark = pytest.mark.slow  # end to end: tiers in docs/development.md


def dag_test(env, tmp: Path, dag_id: str, logical_date: datetime, conf: dict | None = None
             ) -> dict:
    out = tmp / f"{dag_id}-{logical_date:%Y%m%dT%H%M}.json"
    run_python(HERE / "run_dag_test.py", dag_id, logical_date.isoformat(),
               json.dumps(conf or {}), str(out), env=env, cwd=tmp)
    return json.loads(out.read_text(encoding="utf-8"))


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.timeout(400)
def test_dag_test_runs_two_cycles_and_the_warehouse_holds_the_events(
        airflow_home, replica, tmp_path):
    data = tmp_path / "data"
    db = data / "zgwatch.duckdb"
    with WebhookSink() as sink:
        env = airflow_env(airflow_home, source=replica.url, db=str(db), data_dir=str(data),
                          delay="0", notify=sink.url())
        # 17:00 UTC is 01:00 the next day in Shanghai: as_of is the replica's "today"
        day1 = datetime.combine(replica.site.today - timedelta(days=1), time(17), tzinfo=UTC)

        first = dag_test(env, tmp_path, "zgwatch_monitor", day1)
        assert first["state"] == "success", first
        assert first["tasks"] == ALL_DONE
        assert first["xcom"]["crawl"]["column_readable"] is True
        assert first["xcom"]["diff"]["baseline"] is True

        # a period far from its end: one event (new), whatever phrasing the replica drew
        today = replica.site.today
        new_id = replica.site.add_notice(title="关于测试整改进展情况的通报",
                                         period=(today, today + timedelta(days=60)))
        second = dag_test(env, tmp_path, "zgwatch_monitor", day1 + timedelta(days=1),
                          {"warn_days": 5})
        assert second["state"] == "success", second
        assert second["tasks"] == ALL_DONE

        published = dag_test(env, tmp_path, "zgwatch_publish", day1 + timedelta(days=1, hours=1))
        assert published["state"] == "success", published

        # the run's logical date, in Shanghai, is each cycle's as_of
        as_of = {row[0] for row in query(db, "SELECT DISTINCT as_of FROM changes")}
        assert as_of <= {replica.site.today, replica.site.today + timedelta(days=1)}
        assert replica.site.today in as_of
        baseline = query(db, "SELECT count(*) FROM changes WHERE baseline")[0][0]
        assert baseline >= 45  # one `new` event per notice of the first cycle
        new = query(db, f"SELECT change_id, kind, baseline FROM changes "
                        f"WHERE notice_id = '{new_id}'")
        assert [(kind, base) for _, kind, base in new] == [("new", False)]
        sent = query(db, f"SELECT status, channel FROM deliveries "
                         f"WHERE change_id = {new[0][0]}")
        assert [s for s, _ in sent] == ["sent"]
        titles = [json.dumps(m["json"], ensure_ascii=False) for m in sink.wait_for(1)]
        assert any("关于测试整改进展情况的通报" in t for t in titles)
        assert Path(published["xcom"]["publish"]["analyst_copy"]).exists()


@pytest.mark.timeout(400)
def test_airflow_dags_test_runs_every_task_for_a_day_before_the_dag_existed(
        airflow_home, replica, tmp_path):
    """`airflow dags test zgwatch_monitor 2024-10-20`, as an operator types it: the cycle as of
    that day, every task run (no start_date leaves a green run with no task)."""
    data = tmp_path / "data"
    db = data / "zgwatch.duckdb"
    env = airflow_env(airflow_home, source=replica.url, db=str(db), data_dir=str(data),
                      delay="0")
    proc = subprocess.run([str(Path(sys.executable).parent / "airflow"), "dags", "test",
                           "zgwatch_monitor", "2024-10-20"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=380)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # a bare date is midnight in Shanghai (AIRFLOW__CORE__DEFAULT_TIMEZONE): as_of 20 October
    with sqlite3.connect(airflow_home / "airflow.db") as meta:
        (run_id, state), = meta.execute(
            "SELECT run_id, state FROM dag_run WHERE dag_id = 'zgwatch_monitor'"
            " AND logical_date LIKE '2024-10-19 16:00:00%'").fetchall()
        tasks = dict(meta.execute("SELECT task_id, state FROM task_instance"
                                  " WHERE dag_id = 'zgwatch_monitor' AND run_id = ?",
                                  [run_id]).fetchall())
    assert state == "success" and tasks == ALL_DONE
    assert query(db, "SELECT DISTINCT as_of FROM changes") == [(date(2024, 10, 20),)]

    # A backfill of an old range (docs/operators.md, "Rerunning a day"): Airflow 3 plans one
    # run per hour of it, nothing refused for being before any deployment (no start_date).
    backfill = subprocess.run([str(Path(sys.executable).parent / "airflow"), "backfill",
                               "create", "--dag-id", "zgwatch_monitor",
                               "--from-date", "2024-10-20T00:00:00+08:00",
                               "--to-date", "2024-10-20T03:00:00+08:00",
                               "--reprocess-behavior", "completed", "--dry-run"],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert backfill.returncode == 0, backfill.stdout[-3000:] + backfill.stderr[-3000:]
    table = backfill.stdout.split("Runs to be attempted", 1)[1]  # not the printed params
    planned = {datetime.fromisoformat(p).astimezone(UTC) for p in re.findall(
        r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[+-]\d\d:\d\d", table)}
    assert sorted(planned) == [datetime(2024, 10, 19, h, tzinfo=UTC) for h in (16, 17, 18, 19)
                               ], backfill.stdout[-3000:]
