"""``zgwatch airflow``'s parts that need no running Airflow (the e2e test runs the rest)."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import ConfigError
from core.sources import host_pool
from core.vocabulary import REAL_COLUMN
from zgwatch.airflow import launcher as airflow_local
from zgwatch.airflow.sources import declared_pool, pools_for, registry
from zgwatch.airflow.tasks import POOLS
from zgwatch.cli import build_parser, main
from zgwatch.config import load_settings


def test_airflow_env_is_local_authenticated_unpaused_and_modest(tmp_path):
    env = airflow_local.airflow_env(tmp_path / "airflow", 18080, base={"PATH": "/usr/bin"})
    assert env["AIRFLOW_HOME"] == str(tmp_path / "airflow")
    assert Path(env["AIRFLOW__CORE__DAGS_FOLDER"]) == airflow_local.REPO / "dags"
    assert (Path(env["AIRFLOW__CORE__DAGS_FOLDER"]) / "zgwatch_monitor.py").exists()
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1" and env["AIRFLOW__API__PORT"] == "18080"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "2"
    assert env["AIRFLOW__API__WORKERS"] == "1"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "False"
    assert env["PATH"].startswith(str(Path(sys.executable).parent))
    # a task waits for the scheduler's idle sleep after the one before it: half a second
    assert env["AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME"] == "0.5"
    assert airflow_local.airflow_env(tmp_path, 18080, base={
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "2"})[
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME"] == "2"  # an operator's own kept


def test_the_executor_forks_its_workers_with_what_every_task_imports(tmp_path, monkeypatch):
    """The launcher's executor is the LocalExecutor whose start() imports WARM first."""
    import importlib

    from airflow.executors.local_executor import LocalExecutor

    path = airflow_local.airflow_env(tmp_path, 18080, base={})["AIRFLOW__CORE__EXECUTOR"]
    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, LocalExecutor)
    calls = []
    monkeypatch.setattr(importlib, "import_module", calls.append)
    monkeypatch.setattr(LocalExecutor, "start", lambda self: calls.append("fork the workers"))
    cls.__new__(cls).start()
    assert calls == [*cls.WARM_MODULES, "fork the workers"]
    assert {"duckdb", "airflow.sdk.execution_time.task_runner"} <= set(cls.WARM_MODULES)


def test_ready_asks_the_execution_api_once_so_the_first_task_does_not_wait(tmp_path):
    """The API server builds the Task Execution API on its first request (~2 s)."""
    from testkit.answering import Answering

    healthy = {k: {"status": "healthy"} for k in airflow_local.HEALTH}
    with Answering(json.dumps(healthy).encode()) as api:
        airflow_local.LocalAirflow(tmp_path, api.port, {}).wait_ready(timeout=10)
    assert api.seen == ["/api/v2/monitor/health", "/execution/health"]


def test_stop_leaves_the_api_server_to_the_last(tmp_path):
    """The components that run tasks stop while the API server still answers them."""
    log = tmp_path / "stopped"
    script = ("import signal, sys, time\n"
              "def bye(*_):\n"
              f"    open({str(log)!r}, 'a').write(sys.argv[1] + '\\n'); sys.exit(0)\n"
              "signal.signal(signal.SIGTERM, bye)\n"
              "open(sys.argv[2], 'w').close()\n"
              "while True: time.sleep(0.05)\n")
    group = airflow_local.LocalAirflow(tmp_path, 9, {})
    for name in ("api-server", "scheduler", "dag-processor", "triggerer"):
        ready = tmp_path / f"{name}.ready"
        group.procs[name] = subprocess.Popen([sys.executable, "-c", script, name, str(ready)],
                                             start_new_session=True)
        while not ready.exists():
            time.sleep(0.02)
    group.stop(grace=10)
    order = log.read_text().split()
    assert sorted(order) == ["api-server", "dag-processor", "scheduler", "triggerer"]
    assert order[-1] == "api-server"


def test_the_password_is_generated_once_kept_private_and_can_be_chosen(tmp_path):
    first = airflow_local.ensure_password(tmp_path)
    assert len(first) >= 12 and airflow_local.ensure_password(tmp_path) == first
    path = airflow_local.password_file(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"admin": first}
    assert airflow_local.ensure_password(tmp_path, "chosen") == "chosen"
    assert airflow_local.ensure_password(tmp_path) == "chosen"


def test_the_api_token_key_is_long_enough_for_hs512_made_once_and_kept_private(tmp_path):
    """Airflow's own key is 16 bytes: PyJWT warned on every token the API server signed."""
    secret = airflow_local.ensure_jwt_secret(tmp_path)
    assert len(bytes.fromhex(secret)) >= 64
    assert airflow_local.ensure_jwt_secret(tmp_path) == secret
    assert stat.S_IMODE((tmp_path / "jwt_secret").stat().st_mode) == 0o600


REGISTRY = """
[[sources]]
id = "gd-zgls"
url = "http://127.0.0.1:8000/xunshizgls/"
name = "整改落实"
[[sources]]
id = "gd-xsgg"
url = "http://127.0.0.1:8000/swxsnew/xsgg/"
name = "巡视公告"
[[sources]]
id = "qy"
url = "http://127.0.0.1:8001/trs/xszg/"
name = "清远"
"""


def test_the_set_up_imports_exactly_the_declared_pools(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no zgwatch.toml: the default source alone
    sources, only_default, *_ = registry({})
    pools = pools_for(sources, only_default=only_default)  # its warehouse and its host
    assert set(pools) == {*POOLS, host_pool(REAL_COLUMN)}
    data = json.loads(airflow_local.pools_file(tmp_path, pools).read_text())
    assert data == {n: {"slots": p.slots, "description": p.description} for n, p in pools.items()}


def test_a_registry_gets_a_pool_per_warehouse_and_one_per_host(tmp_path):
    cfg = tmp_path / "zgwatch.toml"
    cfg.write_text(REGISTRY, encoding="utf-8")
    sources, only_default, *_ = registry({"ZGWATCH_CONFIG": str(cfg)})
    assert [s.id for s in sources] == ["gd-zgls", "gd-xsgg", "qy"] and not only_default
    pools = pools_for(sources, only_default=only_default)
    one_host, other = host_pool(sources[0].url), host_pool(sources[2].url)
    assert host_pool(sources[1].url) == one_host != other  # two columns of one site: one host
    assert set(pools) == {*POOLS, one_host, other, "zgwatch_duckdb_gd-zgls",
                          "zgwatch_duckdb_gd-xsgg", "zgwatch_duckdb_qy"}
    assert {p.slots for p in pools.values()} == {1}
    assert all(declared_pool(name) for name in pools)
    assert not declared_pool("zgwatch_duckbd") and not declared_pool("zgwatch_host_x")


def test_the_launcher_hands_its_settings_file_to_airflow(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZGWATCH_CONFIG", raising=False)
    (tmp_path / "zgwatch.toml").write_text(REGISTRY, encoding="utf-8")
    settings = load_settings({}, env={})
    env = airflow_local.zgwatch_env(settings, {})  # ./zgwatch.toml: the DAG file reads it too
    assert env["ZGWATCH_CONFIG"] == str(tmp_path / "zgwatch.toml")
    other = tmp_path / "other.toml"
    other.write_text(REGISTRY, encoding="utf-8")
    env = airflow_local.zgwatch_env(settings, {"config": Path("other.toml")})
    assert env["ZGWATCH_CONFIG"] == str(other)


def test_zgwatch_settings_reach_airflow_as_absolute_paths_and_given_flags(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    given = {"source": "http://127.0.0.1:9/xunshizgls/", "delay": "0",
             "notify": ["json://127.0.0.1:9/a", "json://127.0.0.1:9/b"]}
    settings = load_settings({**given, "data_dir": "d"}, env={})
    env = airflow_local.zgwatch_env(settings, given)
    assert env["ZGWATCH_DATA_DIR"] == str(tmp_path / "d")
    assert env["ZGWATCH_DB"] == str(tmp_path / "data" / "zgwatch.duckdb")
    assert env["ZGWATCH_SOURCE"] == given["source"] and env["ZGWATCH_DELAY"] == "0.0"
    assert env["ZGWATCH_NOTIFY"] == "json://127.0.0.1:9/a json://127.0.0.1:9/b"
    assert "ZGWATCH_WARN_DAYS" not in env and "ZGWATCH_AS_OF" not in env


def test_env_sh_gives_an_operators_shell_the_workers_settings_and_only_its_owner_reads_it(
        tmp_path):
    """An ``airflow …`` or ``zgwatch …`` typed after ``source env.sh`` reads the column, the
    warehouse, the destinations, the schedule and the API connection the workers read."""
    env = airflow_local.airflow_env(tmp_path, 18080, base={"PATH": "/usr/bin:/bin"})
    workers = {"ZGWATCH_SOURCE": "http://127.0.0.1:9/xunshizgls/", "ZGWATCH_SCHEDULE": "none",
               "ZGWATCH_DB": "/srv/z w/zgwatch.duckdb", "ZGWATCH_NOTIFY": "mailto://u:pw@x.org",
               "AIRFLOW_CONN_ZGWATCH_AIRFLOW_API":
                   airflow_local.api_connection("http://x", "s'cret")}
    env.update(workers)
    (tmp_path / "env.sh").write_text("old\n")
    (tmp_path / "env.sh").chmod(0o644)
    path = airflow_local._write_env_sh(tmp_path, {**env, "HOME": "/nowhere"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shell = subprocess.run(["/bin/sh", "-c", f". '{path}' && env"], env={}, capture_output=True,
                           text=True, check=True)
    seen = dict(line.split("=", 1) for line in shell.stdout.splitlines() if "=" in line)
    assert {k: seen.get(k) for k in workers} == workers
    assert seen["AIRFLOW_HOME"] == str(tmp_path) and seen["PATH"] == env["PATH"]
    assert seen["AIRFLOW__CORE__DAGS_FOLDER"] == env["AIRFLOW__CORE__DAGS_FOLDER"]
    assert "HOME" not in seen  # the launcher's own environment is not copied wholesale


def test_the_ui_page_and_its_time_zone_come_with_the_launcher(tmp_path):
    env = airflow_local.airflow_env(tmp_path, 18080, base={})
    assert Path(env["AIRFLOW__CORE__PLUGINS_FOLDER"]) == airflow_local.REPO / "plugins"
    assert (Path(env["AIRFLOW__CORE__PLUGINS_FOLDER"]) / "zgwatch_plugin.py").exists()
    # Airflow 3 has no default UI zone: the plugin's middleware reads ZGWATCH_UI_TIMEZONE
    assert env["ZGWATCH_UI_TIMEZONE"] == env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Shanghai"
    conn = json.loads(airflow_local.api_connection(env["AIRFLOW__API__BASE_URL"], "pw"))
    assert conn == {"conn_type": "http", "host": "http://127.0.0.1:18080", "login": "admin",
                    "password": "pw"}


def test_descendants_finds_the_whole_tree():
    proc = subprocess.Popen(["sh", "-c", "sleep 30 & sleep 30; wait"])
    try:
        deadline = time.monotonic() + 5
        while len(kids := airflow_local.descendants(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the shell is still starting its two children
        assert len(kids) == 2
    finally:
        for pid in airflow_local.descendants(proc.pid):
            os.kill(pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_cli_has_the_airflow_command():
    args = build_parser().parse_args(["airflow", "--port", "18080", "--source",
                                      "http://127.0.0.1:9/xunshizgls/"])
    assert (args.command, args.port, args.source) == ("airflow", 18080, "http://127.0.0.1:9/xunshizgls/")


def test_with_a_statsd_collector_airflow_metrics_go_there_under_zgwatchs_prefix():
    settings = load_settings(env={"ZGWATCH_STATSD": "127.0.0.1:8125",
                                  "ZGWATCH_STATSD_PREFIX": "ops.zg"})
    env = airflow_local.metrics_env(settings)
    assert env["AIRFLOW__METRICS__STATSD_ON"] == "True"
    assert (env["AIRFLOW__METRICS__STATSD_HOST"], env["AIRFLOW__METRICS__STATSD_PORT"]) == (
        "127.0.0.1", "8125")
    assert env["AIRFLOW__METRICS__STATSD_PREFIX"] == "ops.zg.airflow"
    assert env["ZGWATCH_STATSD"] == "127.0.0.1:8125" and env["ZGWATCH_STATSD_PREFIX"] == "ops.zg"
    assert airflow_local.metrics_env(load_settings(env={})) == {}


def test_airflow_help_offers_what_the_dags_read_and_not_as_of(tmp_path, monkeypatch):
    """``--as-of`` is each run's logical date, never a setting; operators' destinations are."""
    helptext = build_parser()._subparsers._group_actions[0].choices["airflow"].format_help()
    assert "--operators-notify" in helptext and "--as-of" not in helptext
    monkeypatch.chdir(tmp_path)
    ops = ["json://127.0.0.1:9/ops", "json://127.0.0.1:9/ops2"]
    args = build_parser().parse_args(["airflow", "--operators-notify", ops[0],
                                      "--operators-notify", ops[1]])
    given = vars(args)
    settings = load_settings({"operators_notify": given["operators_notify"]}, env={})
    env = airflow_local.zgwatch_env(settings, given)
    assert env["ZGWATCH_OPERATORS_NOTIFY"] == " ".join(ops)


@pytest.mark.parametrize("argv", [["airflow", "--port", "70000"],
                                  ["airflow", "--source", "ftp://x/"]])
def test_bad_airflow_options_exit_2_before_starting_anything(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--data-dir", str(tmp_path)]) == 2
    assert not (tmp_path / "airflow").exists()
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_port_in_use_is_one_line_and_exit_2_before_any_set_up(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["airflow", "--port", str(port), "--data-dir", str(tmp_path)]) == 2
    assert f"127.0.0.1:{port} is not free" in capsys.readouterr().err
    assert not (tmp_path / "airflow").exists()


def test_a_source_names_its_queue_in_one_word(tmp_path):
    cfg = tmp_path / "zgwatch.toml"
    cfg.write_text(REGISTRY.replace('name = "清远"', 'name = "清远"\nqueue = "machine-b"'),
                   encoding="utf-8")
    sources, *_ = registry({"ZGWATCH_CONFIG": str(cfg)})
    assert [s.queue for s in sources] == [None, None, "machine-b"]
    cfg.write_text(REGISTRY.replace('name = "清远"', 'name = "清远"\nqueue = "machine b"'),
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="source 3 queue"):
        registry({"ZGWATCH_CONFIG": str(cfg)})
