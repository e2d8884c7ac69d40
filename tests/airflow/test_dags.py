"""The DAG files: they import cleanly and cheaply, and say what docs/operators.md says."""

from __future__ import annotations

import itertools

import pytest

from core.sources import host_pool
from core.vocabulary import REAL_COLUMN
from tests.airflow.conftest import REGISTRY
from zgwatch import steps
from zgwatch.airflow.tasks import DUCKDB_POOL, POOLS

MONITOR = "zgwatch_monitor"
PUBLISH = "zgwatch_publish"
CYCLE = list(steps.task_ids(steps.MONITOR))  # the cycle's one description (zgwatch.steps)
# Tasks that open the DuckDB file (crawl does not: it reads known.jsonl).
WAREHOUSE_TASKS = {MONITOR: {"snapshot_known", "load", "diff", "alert"}, PUBLISH: {"publish"}}
# Reading the time-zone database (Asia/Shanghai) is the only file a parse may open.
TZ_DATA = ("/usr/share/zoneinfo/", "/tzdata/zoneinfo/")

pytestmark = pytest.mark.slow  # end to end: tiers in docs/development.md


def test_every_dag_file_imports_without_errors(dag_report):
    assert dag_report["import_errors"] == {}
    assert dag_report["files"] == ["zgwatch_monitor.py"]  # the factory package is ignored
    assert set(dag_report["dags"]) == {MONITOR, PUBLISH}


@pytest.mark.parametrize("name", ["zgwatch_monitor.py"])
def test_parsing_does_no_io_and_imports_nothing_heavy(dag_report, name):
    parse = dag_report["parse"][name]
    io = [e for e in parse["events"] if not any(tz in e for tz in TZ_DATA)]
    assert io == [], "the DAG file does I/O at parse time"
    assert parse["heavy_modules"] == [], "the DAG file imports stage code at parse time"
    assert parse["seconds"] < 2.0


def test_every_dag_serializes_as_the_dag_processor_stores_it(dag_report):
    # probe_dags.py round-trips each DAG through DagSerialization; it got here, so it worked
    assert all(d["fileloc"].endswith("/dags/zgwatch_monitor.py")
               for d in dag_report["dags"].values())


def test_monitor_runs_the_cycle_in_order(dag_report):
    tasks = dag_report["dags"][MONITOR]["tasks"]
    assert CYCLE == ["snapshot_known", "crawl", "load", "diff", "alert", "verify_column",
                     "cycle_health"]
    assert list(tasks) == CYCLE
    assert list(dag_report["dags"][PUBLISH]["tasks"]) == list(steps.task_ids(steps.PUBLISH))
    # a partial failure is a pink square at the cycle's end (tasks.cycle_health)
    assert tasks["cycle_health"]["upstream"] == ["crawl", "verify_column"]
    for before, after in itertools.pairwise(CYCLE):
        assert before in tasks[after]["upstream"]
    assert tasks["verify_column"]["upstream"] == ["alert", "crawl"]  # reads crawl's XCom
    assert tasks["alert"]["upstream"] == ["crawl", "diff"]  # sums up the crawl's batch
    assert all(t["doc"] for t in tasks.values())


def test_monitor_schedule_and_run_limits(dag_report):
    dag = dag_report["dags"][MONITOR]
    # hourly unless ZGWATCH_SCHEDULE, or on the watcher's asset event (ZGWATCH_WATCH=off: not)
    assert dag["timetable"] == "AssetOrTimeSchedule"
    assert "timetable=CronTriggerTimetable(expression='0 * * * *'" in dag["timetable_repr"]
    assert "Asset(name='zgwatch_source'" in dag["timetable_repr"]
    assert "<zgwatch.airflow.watcher.FirstPageTrigger url=" in dag["timetable_repr"]
    assert "timezone='Asia/Shanghai'" in dag["timetable_repr"]
    assert dag["catchup"] is False
    assert dag["max_active_runs"] == 1
    # Late runs are told, counted from the queueing: Airflow counts dagrun_timeout from a
    # run's start, which `airflow dags test … 2024-10-20` sets to the logical date, so such
    # a run timed out at once and went green with every task skipped.
    assert dag["dagrun_timeout"] is None
    assert dag["deadlines"] == [{"reference": "DagRunQueuedAtDeadline", "seconds": 3 * 3600,
                                 "callback": "zgwatch.airflow.tasks.cycle_late",
                                 "kwargs": {"column_settings": {}}}]
    assert dag["tags"] == ["zgwatch"]
    schedules = dag_report["schedules"]
    assert schedules["none"] == schedules["manual"] == "None"
    assert "expression='0 8 * * *'" in schedules["0 8 * * *"]
    assert "timezone='Asia/Shanghai'" in schedules["0 8 * * *"]


def test_manual_runs_take_source_and_warn_days(dag_report):
    dag = dag_report["dags"][MONITOR]
    assert dag["param_defaults"] == {"source": None, "warn_days": None}
    assert dag["params"]["source"]["type"] == ["null", "string"]
    assert dag["params"]["warn_days"]["type"] == ["null", "integer"]
    assert dag["params"]["warn_days"]["minimum"] == 0


def test_any_logical_date_runs_the_cycle(dag_report):
    """No start_date: Airflow would create no task for a logical date before it (a green run
    that did nothing)."""
    for dag in dag_report["dags"].values():
        assert dag["start_date"] is None
        assert all(t["start_date"] is None for t in dag["tasks"].values())


def test_task_logs_do_not_repeat_the_return_value(dag_report):
    for dag in dag_report["dags"].values():
        assert {t["show_return_value_in_logs"] for t in dag["tasks"].values()} == {False}


def test_the_dag_docs_link_the_runbook_and_the_zgwatch_page(dag_report):
    doc = dag_report["dags"][MONITOR]["doc_md"]
    # AIRFLOW__API__BASE_URL of the test environment (the launcher's): real, absolute links
    assert "[The runbook](http://127.0.0.1:8080/zgwatch/runbook)" in doc
    assert "[the zgwatch page](http://127.0.0.1:8080/zgwatch/)" in doc


def test_known_failures_that_a_retry_cannot_mend_are_not_retried(dag_report):
    assert dag_report["retry_decisions"] == {
        "FinalTaskFailed": "fail", "ColumnUnreadable": "fail",  # bad settings, dead column
        "TaskFailed": "default", "RuntimeError": "default"}  # retried: 3 times, backing off


def test_the_plugins_folder_holds_the_zgwatch_page(dag_report):
    plugins = dag_report["plugins"]
    assert plugins["names"] == ["zgwatch"] and plugins["errors"] == {}
    assert plugins["fastapi_apps"] == ["/zgwatch"]
    (view,) = plugins["external_views"]
    assert view["href"] == "zgwatch/" and view["destination"] == "nav"


def test_retries_back_off_exponentially_and_every_task_has_a_timeout(dag_report):
    for dag in dag_report["dags"].values():
        for task_id, t in dag["tasks"].items():
            assert t["execution_timeout"] and t["execution_timeout"] <= 3600, task_id
            if task_id in ("verify_column", "cycle_health"):
                assert t["retries"] == 0  # a retry cannot make the column readable (or whole)
                continue
            assert t["retries"] == 3
            assert t["retry_exponential_backoff"] == 2.0
            assert t["retry_delay"] == 60 and t["max_retry_delay"] == 900
            assert t["retry_policy"] == "ExceptionRetryPolicy"


def test_failures_reach_the_operators(dag_report):
    for dag in dag_report["dags"].values():
        for task_id, t in dag["tasks"].items():
            if task_id == "cycle_health":  # the note and the incidents tell of it
                assert t["on_failure_callback"] == t["on_success_callback"] == 0
                continue
            last = task_id == "verify_column"
            assert t["on_failure_callback"] == (0 if last else 1), task_id  # the alert stage's
            assert t["on_success_callback"] == 1, task_id  # verify_column's: the cycle ended


def test_every_task_that_opens_the_warehouse_uses_the_one_slot_pool(dag_report):
    assert POOLS[DUCKDB_POOL].slots == 1
    for dag_id, wanted in WAREHOUSE_TASKS.items():
        tasks = dag_report["dags"][dag_id]["tasks"]
        assert {t for t, spec in tasks.items() if spec["pool"] == DUCKDB_POOL} == wanted


def test_every_pool_a_task_names_is_created_by_the_set_up(dag_report):
    """A task asking for a missing pool waits for ever; the set-up makes that impossible."""
    named = {t["pool"] for d in dag_report["dags"].values() for t in d["tasks"].values()}
    named.discard("default_pool")
    assert named == {DUCKDB_POOL, host_pool(REAL_COLUMN)}  # the warehouse's, the host's
    created = dag_report["db_pools"]  # after airflow_local.setup(), read from the metadata DB
    for name in named:
        assert created.get(name) == 1, f"set-up did not create pool {name}"
    assert POOLS[DUCKDB_POOL].slots == 1 and set(POOLS) <= set(created)
    # Airflow's own check agrees (DagBag's pool warnings, given the DB's pools; the DAG
    # processor of Airflow 3 does not run it, so a missing pool would go unnoticed)
    assert dag_report["dag_warnings"] == []


def test_the_crawl_takes_the_one_slot_pool_of_its_host(dag_report):
    tasks = dag_report["dags"][MONITOR]["tasks"]
    assert tasks["crawl"]["pool"] == host_pool(REAL_COLUMN)
    assert {t for t, spec in tasks.items() if spec["pool"].startswith("zgwatch_host_")} == {
        "crawl"}  # the only task that requests the site


def test_a_dag_naming_an_undeclared_pool_fails_to_import_instead_of_waiting(dag_report):
    assert dag_report["undeclared_pool"] == (
        "pool 'zgwatch_duckbd' is not in zgwatch.airflow.tasks.POOLS: no set-up creates it")


def test_the_warehouse_is_an_asset_that_publish_follows(dag_report):
    monitor, publish = dag_report["dags"][MONITOR], dag_report["dags"][PUBLISH]
    assert monitor["tasks"]["alert"]["outlets"] == ["zgwatch_warehouse"]
    assert publish["timetable"] == "AssetTriggeredTimetable"
    assert publish["assets"] == ["zgwatch_warehouse"]
    assert publish["tasks"]["publish"]["outlets"] == ["zgwatch_analyst_copy"]
    assert publish["max_active_runs"] == 1 and publish["catchup"] is False


def test_another_column_gets_its_own_dags_assets_and_settings(dag_report):
    other = dag_report["second_column"]
    assert other["dag_ids"] == ["zgwatch_monitor__other", "zgwatch_publish__other"]
    assert other["monitor"]["tasks"]["alert"]["outlets"] == ["zgwatch_warehouse__other"]
    assert other["publish"]["assets"] == ["zgwatch_warehouse__other"]
    assert "expression='30 * * * *'" in other["monitor"]["timetable_repr"]
    column_settings = {"source": "http://127.0.0.1:9/other/", "db": "/srv/other.duckdb"}
    assert other["op_args"]["load"] == [column_settings]  # every task gets the column's settings
    assert other["monitor"]["deadlines"][0]["kwargs"] == {"column_settings": column_settings}
    assert other["op_args"]["crawl"][1] == column_settings


# ---- a registry of sources (tests/airflow/conftest.py: REGISTRY) ---------------------------


def test_a_registry_gets_one_dag_pair_per_source(dag_report):
    reg = dag_report["registry"]
    assert reg["import_errors"] == {} and reg["dag_warnings"] == []
    assert set(reg["dags"]) == {"zgwatch_gd-zgls", "zgwatch_gd-zgls_publish",
                                "zgwatch_gd-xsgg", "zgwatch_gd-xsgg_publish",
                                "zgwatch_qy-xszg", "zgwatch_qy-xszg_publish"}
    assert REGISTRY.count("[[sources]]") == 3
    for source in ("gd-zgls", "gd-xsgg", "qy-xszg"):
        monitor = reg["dags"][f"zgwatch_{source}"]
        publish = reg["dags"][f"zgwatch_{source}_publish"]
        assert list(monitor["tasks"]) == CYCLE
        assert monitor["tags"] == sorted(["zgwatch", f"source:{source}"])
        # every task reads its source's settings (tasks.dag_source: Settings.for_source)
        assert monitor["op_args"]["load"] == [{"source_id": source}]
        assert monitor["op_args"]["crawl"][1] == {"source_id": source}
        assert monitor["deadlines"][0]["kwargs"] == {"column_settings": {"source_id": source}}
        # its asset's URI carries its id, and its publish DAG follows that asset
        assert monitor["outlet_uris"] == [f"zgwatch://{source}/warehouse"]
        assert publish["assets"] == [f"zgwatch_warehouse_{source}"]
        assert publish["outlet_uris"] == [f"zgwatch://{source}/analyst_copy"]
        # its own warehouse's pool; a registry source takes no other URL in the Trigger form
        assert {t["pool"] for n, t in monitor["tasks"].items()
                if n in WAREHOUSE_TASKS[MONITOR]} == {f"zgwatch_duckdb_{source}"}
        assert publish["tasks"]["publish"]["pool"] == f"zgwatch_duckdb_{source}"
        assert list(monitor["param_defaults"]) == ["warn_days"]
        assert f"source `{source}`" in monitor["doc_md"]


def test_sources_on_one_host_share_its_pool_and_every_pool_is_created(dag_report):
    reg = dag_report["registry"]
    crawl = {d: reg["dags"][d]["tasks"]["crawl"]["pool"]
             for d in ("zgwatch_gd-zgls", "zgwatch_gd-xsgg", "zgwatch_qy-xszg")}
    assert crawl["zgwatch_gd-zgls"] == crawl["zgwatch_gd-xsgg"] == host_pool(
        "http://127.0.0.1:8000/")  # two columns of one site: one host, one slot
    assert crawl["zgwatch_qy-xszg"] == host_pool("http://127.0.0.1:8001/")  # another host
    named = {t["pool"] for d in reg["dags"].values() for t in d["tasks"].values()}
    named.discard("default_pool")
    assert named <= set(reg["pools"]) and set(reg["pools"].values()) == {1}


def test_a_source_with_a_queue_sends_every_task_there(dag_report):
    dags = dag_report["registry"]["dags"]
    assert dags["zgwatch_qy-xszg"]["queues"] == dags["zgwatch_qy-xszg_publish"]["queues"] == [
        "machine-b"]
    assert dags["zgwatch_gd-zgls"]["queues"] == ["default"]


def test_parsing_a_registry_reads_its_file_and_nothing_else(dag_report):
    parse = dag_report["registry"]["parse"]
    io = [e for e in parse["events"] if not any(tz in e for tz in TZ_DATA)]
    assert len(io) == 1 and io[0].startswith("open ") and io[0].split()[1].endswith(
        "/zgwatch.toml"), io
    assert parse["seconds"] < 2.0
