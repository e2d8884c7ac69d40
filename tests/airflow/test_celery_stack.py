"""The pieces of ``zgwatch airflow --executor celery`` without Airflow: the broker and the
database from their wheels (real servers on free loopback ports), the settings every
process shares, and the commands' answers to bad input and to servers out of reach."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg2
import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ConfigError
from tests.airflow.conftest import clean_env
from tests.support.processes import ZGWATCH
from zgwatch.airflow import celery_stack, launcher
from zgwatch.airflow.placement import source_queue
from zgwatch.airflow.servers import PG_USER, Broker, Database, free_port


@pytest.fixture
def own_folder():
    """A folder under /tmp (PostgreSQL's own user cannot enter pytest's under root)."""
    folder = Path(tempfile.mkdtemp(prefix="zgwatch-stack-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_queued_work_survives_a_restart_of_the_broker(tmp_path):
    port = free_port()
    broker = Broker(tmp_path / "valkey", port)
    broker.start()
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        client.lpush("default", b"a queued task")
        client.close()
        broker.stop()
        assert not broker.ping()
        broker.start()  # same folder, same port: the append-only file is replayed
        client = redis.Redis(host="127.0.0.1", port=port)
        assert client.lrange("default", 0, -1) == [b"a queued task"]
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        client.close()
    finally:
        broker.stop()
    assert broker.proc is None


def test_the_database_listens_on_loopback_only_and_not_as_root(own_folder):
    db = Database(own_folder / "cluster", free_port())
    db.start()
    try:
        db.create("airflow")
        db.create("airflow")  # twice: nothing to do
        con = psycopg2.connect(db.url("airflow"))
        with con.cursor() as cur:
            cur.execute("SHOW listen_addresses")
            assert cur.fetchone() == ("127.0.0.1",)
            cur.execute("SHOW unix_socket_directories")
            assert cur.fetchone() == ("",)
        con.close()
        owner = (own_folder / "cluster" / "PG_VERSION").stat().st_uid
        if os.geteuid() == 0:
            assert pwd.getpwuid(owner).pw_name == PG_USER
    finally:
        db.stop()
    assert not (own_folder / "cluster" / "postmaster.pid").exists()


def test_secrets_are_long_stable_and_private(tmp_path):
    first = celery_stack.ensure_secrets(tmp_path)
    assert first == celery_stack.ensure_secrets(tmp_path)
    assert len(first["jwt_secret"]) >= 86  # 64 random bytes, URL-safe base64
    for name in first:
        assert stat.S_IMODE((tmp_path / "secrets" / name).stat().st_mode) == 0o600


def stack_env(home: Path) -> dict[str, str]:
    stack = celery_stack.CeleryStack(workers_count=3, broker_url="redis://127.0.0.1:1/0",
                                     database_url="postgresql://zg:pw@127.0.0.1:2/airflow")
    env = launcher.airflow_env(home, 8080, base=clean_env())
    env.update(stack.env(home))
    return env


def test_every_process_gets_the_same_settings_and_env_sh_holds_no_secret(tmp_path):
    home = tmp_path / "airflow"
    env = stack_env(home)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8080/execution/"
    for option in celery_stack.SECRET_OPTIONS.values():
        assert option not in env and env[f"{option}_CMD"].startswith("cat ")
    assert (home / "secrets" / "sql_alchemy_conn").read_text() == \
        "postgresql+psycopg2://zg:pw@127.0.0.1:2/airflow"
    env_sh = launcher._write_env_sh(home, env).read_text()
    assert "pw@" not in env_sh
    assert celery_stack.ensure_secrets(home)["jwt_secret"] not in env_sh

    worker_env = celery_stack.write_worker_env(home, env)
    text = worker_env.read_text()
    assert stat.S_IMODE(worker_env.stat().st_mode) == 0o600
    values = dict(line.split("=", 1) for line in text.splitlines())
    assert values["AIRFLOW__CORE__FERNET_KEY"] == celery_stack.ensure_secrets(home)["fernet_key"]
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD" not in values
    assert values["AIRFLOW_HOME"] == str(home)  # a worker here logs where the UI reads


@pytest.mark.parametrize(("url", "error"), [
    ("mysql://u@h/db", "--database-url: must be postgresql://"),
    ("postgresql:/h/db", "--database-url: must be postgresql://"),
])
def test_a_database_url_that_is_not_postgresql_is_bad_usage(url, error):
    with pytest.raises(ConfigError, match=re.escape(error)):
        celery_stack.sqlalchemy_url(url)


@given(st.text(alphabet="abcdefghij0123456789-", min_size=1, max_size=20))
def test_a_named_worker_shows_its_name_on_the_tasks_it_runs(name):
    os.environ[celery_stack.WORKER_NAME_ENV] = name
    try:
        assert celery_stack.worker_hostname().endswith(f"-{name}")
    finally:
        del os.environ[celery_stack.WORKER_NAME_ENV]


def test_a_source_goes_to_its_machines_queue(monkeypatch):
    monkeypatch.delenv("ZGWATCH_QUEUE", raising=False)
    assert source_queue() == "default"
    monkeypatch.setenv("ZGWATCH_QUEUE", "machine-a")
    assert source_queue() == "machine-a"
    assert source_queue("machine-b") == "machine-b"


def zgwatch(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(ZGWATCH), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("args", "line"), [
    (["--workers", "0"], "zgwatch: --workers: must be 1 or more"),
    (["--broker-url", "amqp://h/"], "zgwatch: --broker-url: must be redis://"),
    (["--database-url", "sqlite:///x.db"], "zgwatch: --database-url: must be postgresql://"),
])
def test_bad_usage_is_one_line_and_exit_2(tmp_path, args, line):
    done = zgwatch("airflow", "--executor", "celery", "--data-dir", str(tmp_path / "d"), *args,
                   env=clean_env(), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(line) and done.stderr.count("\n") == 1


def test_a_database_out_of_reach_is_one_line_exit_1_and_nothing_set_up(tmp_path):
    closed = free_port()
    with Broker(tmp_path / "valkey", free_port()) as broker:
        done = zgwatch("airflow", "--executor", "celery", "--data-dir", str(tmp_path / "d"),
                       "--broker-url", broker.url, "--database-url",
                       f"postgresql://zg:s3cret@127.0.0.1:{closed}/airflow",
                       env=clean_env(), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"zgwatch: database postgresql://zg:***@127.0.0.1:{closed}/"
                                  "airflow: unreachable (")
    assert done.stderr.count("\n") == 1 and "s3cret" not in done.stderr
    assert not (tmp_path / "d" / "airflow" / "airflow.cfg").exists()  # no set-up began


def test_a_worker_without_the_stacks_settings_is_bad_usage(tmp_path):
    done = zgwatch("worker", env=clean_env(), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == ("zgwatch: zgwatch worker: AIRFLOW__CORE__EXECUTION_API_SERVER_URL "
                           "is not set (load the worker.env that `zgwatch airflow --executor "
                           "celery` wrote)\n")


def test_a_worker_that_cannot_reach_the_broker_says_so_in_one_line(tmp_path):
    env = clean_env() | {option: "x" for option in celery_stack.WORKER_NEEDS}
    env["AIRFLOW__CELERY__BROKER_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    done = zgwatch("worker", "--queue", "machine-b", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert re.fullmatch(r"zgwatch: broker redis://127\.0\.0\.1:\d+/0: unreachable \(.+\)\n",
                        done.stderr)


def test_a_worker_serves_no_logs_unless_given_a_port_and_shows_its_name_when_given_one():
    argv, env = celery_stack.worker_command(None, "machine-b", 2, None)
    assert argv[1:] == ["celery", "worker", "--queues", "machine-b", "--concurrency", "2",
                        "--skip-serve-logs"]
    assert env == {}
    argv, env = celery_stack.worker_command("w1", "default", 1, 8793)
    assert "--skip-serve-logs" not in argv and argv[-2] == "--celery-hostname"
    assert env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] == "8793"
    assert env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] == celery_stack.HOSTNAME_CALLABLE
