"""``zgwatch airflow --executor celery``: Airflow's CeleryExecutor, a broker, a database, workers.

On one machine, from the locked environment alone: Valkey and PostgreSQL 16 from
their wheels (``zgwatch.airflow.servers``), then what ``zgwatch airflow`` starts
(``launcher.run``: set-up, scheduler, API server, DAG processor, triggerer) plus N
Celery workers, each ``zgwatch worker`` (the command that adds a worker on any
machine). Everything listens on 127.0.0.1 and stops with the launcher. With
``--broker-url`` and ``--database-url`` the embedded servers are not started
(production, docs/operators.md).

Every process shares the settings that must agree: the broker, the database, the
JWT secret (64 random bytes: tokens signed by the scheduler are checked by the
API server), the Fernet key and ``execution_api_server_url``. The secrets sit in
files under ``<AIRFLOW_HOME>/secrets`` (mode 600) and reach Airflow as ``…_CMD``
variables, so ``env.sh`` holds none; ``worker.env`` (mode 600) holds them all for
a worker on another machine. Workers skip the log server (it would listen on
every interface, and it has no host setting): their task logs are files under
``AIRFLOW_HOME``, which the API server reads on this machine.
"""

from __future__ import annotations

import base64
import os
import secrets
import shlex
import socket
import sys
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ConfigError, StageFailed
from zgwatch.airflow.placement import source_queue
from zgwatch.airflow.servers import Broker, Database, free_port
from zgwatch.config import ENV

WORKER_NAME_ENV = "ZGWATCH_WORKER_NAME"
HOSTNAME_CALLABLE = "zgwatch.airflow.celery_stack.worker_hostname"
SECRET_OPTIONS = {  # file under <home>/secrets -> the Airflow option it holds
    "jwt_secret": "AIRFLOW__API_AUTH__JWT_SECRET",
    "fernet_key": "AIRFLOW__CORE__FERNET_KEY",
    "sql_alchemy_conn": "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "broker_url": "AIRFLOW__CELERY__BROKER_URL",
    "result_backend": "AIRFLOW__CELERY__RESULT_BACKEND",
}
# What a worker cannot start without (``zgwatch worker`` checks them first).
WORKER_NEEDS = ("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", *SECRET_OPTIONS.values())
# Settings operators may override in the environment (defaults chosen for zgwatch).
TUNABLES = {
    # a worker that died is noticed after this long, and its task retried elsewhere
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
    "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",  # a busy worker holds no queued task
    "AIRFLOW__CELERY__OPERATION_TIMEOUT": "10",
}


def sqlalchemy_url(url: str) -> str:
    """A PostgreSQL URL as Airflow's SQLAlchemy takes it (driver psycopg2)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgresql", "postgres", "postgresql+psycopg2"):
        raise ConfigError(f"--database-url: must be postgresql://user:password@host:port/db "
                          f"(got {mask_url(url)})")
    return f"postgresql+psycopg2://{rest}"


def mask_url(url: str) -> str:
    """``url`` without its password."""
    from warehouse.lake import masked

    return masked(url)


def check_broker_url(url: str) -> str:
    scheme = url.partition("://")[0]
    if scheme not in ("redis", "rediss") or not urllib.parse.urlsplit(url).hostname:
        raise ConfigError(f"--broker-url: must be redis://host:port/0 (Valkey or Redis; "
                          f"got {mask_url(url)})")
    return url


def ensure_secrets(home: Path) -> dict[str, str]:
    """The JWT secret (86 URL-safe characters from 64 random bytes) and the Fernet key,
    kept under ``<home>/secrets``: the same at every start."""
    folder = home / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    made = {"jwt_secret": lambda: secrets.token_urlsafe(64),
            "fernet_key": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()}
    values = {}
    for name, make in made.items():
        path = folder / name
        if not path.exists():
            _write_private(path, make())
        values[name] = path.read_text(encoding="utf-8").strip()
    return values


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)  # as it is: Airflow's ``…_CMD`` keeps a trailing newline in the value


def worker_hostname() -> str:
    """Airflow's ``hostname_callable`` for a named worker: ``<host>-<name>``, so each task
    instance shows the worker that ran it (``ZGWATCH_WORKER_NAME``)."""
    host = socket.getfqdn()
    name = os.environ.get(WORKER_NAME_ENV)
    return f"{host}-{name}" if name else host


@dataclass
class CeleryStack:
    """What ``--executor celery`` adds to ``launcher.run``."""

    workers_count: int = 1
    queue: str = field(default_factory=source_queue)
    broker_url: str | None = None  # given: no embedded broker
    database_url: str | None = None  # given: no embedded database
    lake: tuple[str, str] | None = None  # (catalog, data path) to hand on, if not set already
    broker: Broker | None = None
    database: Database | None = None

    def start_servers(self, home: Path, *, lake_data: Path | None = None) -> None:
        """Start the embedded broker and database (those not given by URL), then check that
        both answer: one line and exit 1 when one does not. With ``lake_data``, the
        embedded database also holds the lake's catalog (database ``lake``)."""
        home.mkdir(parents=True, exist_ok=True)
        if self.broker_url is None:
            self.broker = Broker(home / "valkey", free_port())
            self.broker.start()
            self.broker_url = self.broker.url
        if self.database_url is None:
            self.database = Database(home / "postgres", free_port())
            self.database.start()
            self.database.create("airflow")
            self.database_url = self.database.url("airflow")
            if lake_data is not None:
                self.database.create("lake")
                self.lake = (self.database.url("lake"), str(lake_data))
        check_reachable(self.broker_url, self.database_url)

    def stop_servers(self) -> None:
        for server in (self.broker, self.database):
            if server is not None:
                server.stop()

    def env(self, home: Path) -> dict[str, str]:
        """The CeleryExecutor's settings for every process (secrets as ``…_CMD``)."""
        values = {**ensure_secrets(home), "sql_alchemy_conn": sqlalchemy_url(self.database_url),
                  "broker_url": self.broker_url,
                  "result_backend": "db+" + sqlalchemy_url(self.database_url)}
        env = {k: os.environ.get(k, v) for k, v in TUNABLES.items()}
        env["AIRFLOW__CORE__EXECUTOR"] = "CeleryExecutor"
        if self.lake is not None:
            env[ENV["lake"]], env[ENV["lake_data"]] = self.lake
        for name, option in SECRET_OPTIONS.items():
            path = home / "secrets" / name
            if name not in ("jwt_secret", "fernet_key"):
                _write_private(path, values[name])
            env[f"{option}_CMD"] = f"cat {shlex.quote(str(path))}"
        return env

    def workers(self, home: Path) -> dict[str, list[str]]:
        """``worker-1`` … ``worker-N``: ``zgwatch worker --name wI --queue Q``."""
        zgwatch = str(Path(sys.executable).with_name("zgwatch"))
        return {f"worker-{i}": [zgwatch, "worker", "--name", f"w{i}", "--queue", self.queue]
                for i in range(1, self.workers_count + 1)}

    def describe(self, home: Path, env: Mapping[str, str]) -> str:
        """Lines for the launcher's ready message; writes ``<home>/worker.env``."""
        path = write_worker_env(home, env)
        lake = (f"  lake:   catalog {mask_url(env[ENV['lake']])}, files {env[ENV['lake_data']]}\n"
                if env.get(ENV["lake"]) else "")
        return (lake + f"  broker: {mask_url(self.broker_url)}\n"
                f"  database: {mask_url(self.database_url)}\n"
                f"  workers: {self.workers_count} on queue {self.queue}; another: "
                f"set -a; . {path}; set +a; zgwatch worker --queue {self.queue}\n")


def write_worker_env(home: Path, env: Mapping[str, str]) -> Path:
    """``<home>/worker.env`` (mode 600): every AIRFLOW_* and ZGWATCH_* setting a worker
    needs, the secrets written out (a worker elsewhere has not got this machine's files)."""
    wanted = {k: v for k, v in env.items() if k == "AIRFLOW_HOME"  # its task logs go there
              or k.startswith(("AIRFLOW__", "AIRFLOW_CONN_")) or k in ENV.values()}
    for option in SECRET_OPTIONS.values():
        if f"{option}_CMD" in wanted:
            path = shlex.split(wanted.pop(f"{option}_CMD"))[1]
            wanted[option] = Path(path).read_text(encoding="utf-8").strip()
    path = home / "worker.env"
    _write_private(path, "".join(f"{k}={shlex.quote(v)}\n" for k, v in sorted(wanted.items())))
    return path


def check_reachable(broker_url: str, database_url: str) -> None:
    """``StageFailed`` (exit 1) in one line when the broker or the database does not answer."""
    parts = urllib.parse.urlsplit(broker_url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=5):
            pass
    except OSError as exc:
        raise StageFailed(f"broker {mask_url(broker_url)}: unreachable "
                          f"({exc.strerror or exc})") from None
    import psycopg2

    try:
        psycopg2.connect(database_url.replace("postgresql+psycopg2://", "postgresql://"),
                         connect_timeout=5).close()
    except psycopg2.Error as exc:
        why = " ".join(str(exc).split())
        raise StageFailed(f"database {mask_url(database_url)}: unreachable ({mask_url(why)})"
                          ) from None


def run(settings, given: Mapping[str, object], *, port: int, workers: int,
        broker_url: str | None = None, database_url: str | None = None) -> int:
    """``zgwatch airflow --executor celery``: servers, then Airflow and the workers."""
    from zgwatch.airflow import launcher

    if workers < 1:
        raise ConfigError("--workers: must be 1 or more")
    stack = CeleryStack(workers_count=workers,
                        broker_url=check_broker_url(broker_url) if broker_url else None,
                        database_url=database_url)
    if database_url:
        sqlalchemy_url(database_url)  # bad usage before anything starts
    home = launcher.airflow_home(settings)
    print(f"zgwatch airflow: starting the broker and the database under {home}", flush=True)
    # no lake of one's own (ZGWATCH_LAKE): the embedded database keeps one, files in the data dir
    own_lake = settings.lake is None and not database_url
    try:
        stack.start_servers(home, lake_data=settings.data_dir.resolve() / "lake" if own_lake
                            else None)
        return launcher.run(settings, given, port=port, parallelism=max(2, workers), stack=stack)
    finally:
        stack.stop_servers()


def worker(*, name: str | None, queue: str | None, concurrency: int,
           log_port: int | None = None) -> int:
    """``zgwatch worker``: one Celery worker of an existing stack, on this machine.

    Needs the stack's settings in the environment (``worker.env``), and reach to the
    broker, the database and the API server; its tasks need the data dirs of the
    sources on its queue. Replaces this process with ``airflow celery worker``.
    Without ``log_port`` it serves no logs (the API server reads them from this
    machine's disk); with it, Airflow's log server listens on that port on every
    interface, for an API server on another machine.
    """
    env = dict(os.environ)
    if missing := [k for k in WORKER_NEEDS if k not in env and f"{k}_CMD" not in env]:
        raise ConfigError(f"zgwatch worker: {missing[0]} is not set (load the worker.env "
                          "that `zgwatch airflow --executor celery` wrote)")
    if concurrency < 1:
        raise ConfigError("--concurrency: must be 1 or more")
    check_reachable(_option(env, "AIRFLOW__CELERY__BROKER_URL"),
                    _option(env, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"))
    argv, extra = worker_command(name, queue or source_queue(), concurrency, log_port)
    env.update(extra)
    sys.stdout.flush()
    os.execve(argv[0], argv, env)
    return 0  # not reached


def worker_command(name: str | None, queue: str, concurrency: int,
                   log_port: int | None) -> tuple[list[str], dict[str, str]]:
    """The ``airflow celery worker`` command of ``zgwatch worker``, and what it adds to the
    environment (see ``worker``)."""
    argv = [str(Path(sys.executable).with_name("airflow")), "celery", "worker",
            "--queues", queue, "--concurrency", str(concurrency)]
    env = {}
    if log_port is None:
        argv.append("--skip-serve-logs")
    else:
        env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(log_port)
    if name:
        env[WORKER_NAME_ENV] = name
        env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] = HOSTNAME_CALLABLE
        argv += ["--celery-hostname", f"{name}@{socket.gethostname()}"]
    return argv, env


def _option(env: Mapping[str, str], option: str) -> str:
    """An option's value from the environment, plain or through its ``_CMD`` file."""
    if option in env:
        return env[option]
    path = shlex.split(env[f"{option}_CMD"])[1]
    return Path(path).read_text(encoding="utf-8").strip()
