"""``zgwatch airflow``: Airflow on this machine for zgwatch, started and stopped as one.

Set-up first (``airflow db migrate`` and every pool the DAGs name, ``zgwatch.airflow.tasks.POOLS``
and each source's warehouse and host pools (``zgwatch.airflow.sources.pools_for``), so no
task can wait for a pool that does not exist), then the four components
(api-server, scheduler, dag-processor, triggerer), with
``AIRFLOW_HOME`` at ``<data_dir>/airflow``, the repository's ``dags/`` and
``plugins/`` (the zgwatch page), the API on 127.0.0.1, the simple auth manager
with user ``admin`` and a generated password (kept in ``AIRFLOW_HOME``; the
tasks use it to write each run's note), the UI in Asia/Shanghai time, DAGs
unpaused, parallelism 2. Ctrl-C or
SIGTERM stops every process it started, task processes included (the
launcher is their subreaper, so none escapes by re-parenting).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from core.errors import ConfigError, StageFailed
from zgwatch.airflow import logfiles
from zgwatch.airflow.notes import CONNECTION
from zgwatch.airflow.plugin import UI_TIMEZONE_ENV
from zgwatch.airflow.sources import pools_for, registry
from zgwatch.airflow.tasks import PoolSpec
from zgwatch.config import DEFAULT_CONFIG, ENV

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
PLUGINS = REPO / "plugins"
UI_TIMEZONE = "Asia/Shanghai"  # the column's readers' time: as_of is a date in Shanghai
USER = "admin"
PASSWORD_ENV = "ZGWATCH_AIRFLOW_PASSWORD"  # optional: the admin password to use
COMPONENTS = {
    "api-server": ["api-server"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}
SENSITIVE_KEYS = "notify,destinations"  # matched inside names: operators_notify too
HEALTH = ("metadatabase", "scheduler", "dag_processor", "triggerer")
LAST = "api-server"  # stopped last: the tasks being stopped still report through it
# Cycle options handed to the Airflow processes as ZGWATCH_* (as_of comes from each run).
PASSED_ON = ("source", "notify", "operators_notify", "warn_days", "delay", "timeout")


def airflow_env(home: Path, port: int, *, parallelism: int = 2,
                base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every Airflow process the launcher starts."""
    env = dict(os.environ if base is None else base)
    url = f"http://127.0.0.1:{port}"
    bindir = str(Path(sys.executable).parent)
    env.update({
        "PATH": bindir + os.pathsep + env.get("PATH", ""),
        "AIRFLOW_HOME": str(home),
        # the repository's dags/, unless a folder of one's own DAG files is set (several columns)
        "AIRFLOW__CORE__DAGS_FOLDER": env.get("AIRFLOW__CORE__DAGS_FOLDER") or str(DAGS),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS),
        # A date typed without a zone (the CLI's `airflow dags test … 2024-10-20`) is
        # Shanghai's; the UI's default zone is set by the zgwatch plugin (Airflow 3 has
        # no [webserver] default_ui_timezone any more).
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": UI_TIMEZONE,
        UI_TIMEZONE_ENV: UI_TIMEZONE,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "zgwatch.airflow.executor.WarmLocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__AUTH_MANAGER":
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file(home)),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": url,
        "AIRFLOW__API__WORKERS": "1",
        # The scheduler's sleep when a loop had nothing to do, which a task waits for
        # after the one before it ended: 1 s by default, ~0.6 s a task of a run's seven
        # (bench/airflow_start.py); 0.5 s costs ~2 % of a CPU at idle (3 % against 1.5 %).
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME":
            env.get("AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME") or "0.5",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        # The keys of the Variable zgwatch_settings that hold destinations (and so passwords,
        # bot keys): the UI and the API show them as *** (docs/operators.md, "Secrets").
        "AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES": SENSITIVE_KEYS,
    })
    return env


def api_connection(url: str, password: str) -> str:
    """The Airflow connection the tasks write run notes with (``AIRFLOW_CONN_…``, JSON)."""
    return json.dumps({"conn_type": "http", "host": url, "login": USER, "password": password})


def password_file(home: Path) -> Path:
    return home / "simple_auth_manager_passwords.json"


def ensure_password(home: Path, wanted: str | None = None) -> str:
    """The admin password: ``wanted``, else the one kept in AIRFLOW_HOME, else a new one."""
    path = password_file(home)
    try:
        users = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        users = {}
    if wanted or not users.get(USER):
        users[USER] = wanted or secrets.token_urlsafe(12)
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(users) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return users[USER]


JWT_SECRET_BYTES = 64  # HS512's key size: Airflow's generated 16 bytes made PyJWT warn per token


def ensure_jwt_secret(home: Path) -> str:
    """The key every component signs and checks the API's tokens with: made once
    (``JWT_SECRET_BYTES`` random bytes, hex) and kept in ``<home>/jwt_secret``, mode 600."""
    path = home / "jwt_secret"
    try:
        secret = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        secret = ""
    if len(secret) < 2 * JWT_SECRET_BYTES:
        secret = secrets.token_hex(JWT_SECRET_BYTES)
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secret + "\n")
    return secret


def pools_file(home: Path, pools: Mapping[str, PoolSpec]) -> Path:
    """Write ``pools`` as ``airflow pools import`` reads it."""
    path = home / "zgwatch-pools.json"
    path.write_text(json.dumps({name: {"slots": p.slots, "description": p.description}
                                for name, p in pools.items()}, indent=1), encoding="utf-8")
    return path


def setup(env: Mapping[str, str], log_path: Path,
          pools: Mapping[str, PoolSpec] | None = None) -> None:
    """``airflow db migrate`` and ``airflow pools import`` (in one process: it saves seconds).

    ``pools`` default to those of the DAGs the DAG file builds in ``env`` (its sources).
    """
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if pools is None:
        sources, only_default, *_ = registry(env)
        pools = pools_for(sources, only_default=only_default)
    cmd = [sys.executable, "-m", "zgwatch.airflow.launcher", "--setup",
           str(pools_file(home, pools))]
    with log_path.open("ab") as out:
        rc = subprocess.run(cmd, env=dict(env), stdout=out, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        raise StageFailed(f"Airflow set-up failed (exit {rc}); see {log_path}")


def _setup_in_process(pools_json: str) -> None:
    """Run in the set-up subprocess: the two Airflow CLI commands, one after the other."""
    from airflow.cli import cli_parser
    from airflow.configuration import write_default_airflow_configuration_if_needed

    # As ``airflow``'s own entry point does: airflow.cfg (with its JWT secret and Fernet key)
    # must exist before the components start, or each would generate a different one.
    write_default_airflow_configuration_if_needed()
    parser = cli_parser.get_parser()
    for argv in (["db", "migrate"], ["pools", "import", pools_json]):
        args = parser.parse_args(argv)
        args.func(args)


# ---- processes ---------------------------------------------------------------------------------


def _become_subreaper() -> None:
    """Orphaned descendants (task processes) re-parent to us, so we can find and stop them."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (Linux /proc)."""
    kids, out, todo = _children_map(), [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


class LocalAirflow:
    """The Airflow components of one AIRFLOW_HOME, as one process group."""

    def __init__(self, home: Path, port: int, env: Mapping[str, str],
                 workers: Mapping[str, list[str]] | None = None,
                 log_bytes: int = logfiles.MAX_BYTES):
        self.home, self.port, self.env = home, port, dict(env)
        self.workers = dict(workers or {})  # name -> whole command (celery_stack)
        self.logs = home / "logs" / "components"
        self.log_bytes = log_bytes  # each component's log rotates at this size
        self.procs: dict[str, subprocess.Popen] = {}
        self.seen: dict[int, str] = {}  # pid -> start time: every process below the components

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the components, each in a session of its own (a terminal's Ctrl-C reaches
        only the launcher, which then stops them in order)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        airflow = str(Path(sys.executable).parent / "airflow")
        for name, argv in {**{n: [airflow, *a] for n, a in COMPONENTS.items()},
                           **self.workers}.items():
            self.spawn(name, argv)

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        """Start one process of the group, its output in ``<logs>/<name>.log`` (rotated at
        ``log_bytes``)."""
        log = logfiles.RotatingLog(self.logs / f"{name}.log", self.log_bytes)
        self.procs[name] = subprocess.Popen(
            argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        logfiles.pump(self.procs[name].stdout, log)
        return self.procs[name]

    def health(self) -> dict:
        """``/api/v2/monitor/health`` ({} while the API is not up)."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as r:
                return json.load(r)
        except (OSError, ValueError):
            return {}

    def warm_execution_api(self) -> None:
        """Ask the Task Execution API (``/execution/``) once: the API server builds it on
        its first request, about 2 s that the first task of the first run waited
        (bench/airflow_start.py); a failure here is the first task's to report."""
        try:
            with urllib.request.urlopen(f"{self.url}/execution/health", timeout=30) as r:
                r.read()
        except OSError:
            pass

    def dead(self) -> str | None:
        """The name of a component that exited, if any; a worker only once no worker is left
        (the others take over its queue, and Airflow retries what it was running)."""
        gone = [n for n, p in self.procs.items() if p.poll() is not None]
        workers_left = any(n not in gone for n in self.workers)
        return next((n for n in gone if n not in self.workers or not workers_left), None)

    def wait_ready(self, timeout: float = 180.0, stop=lambda: False) -> float:
        """Block until every component reports healthy (or ``stop()``); seconds waited."""
        start = time.monotonic()
        while time.monotonic() - start < timeout and not stop():
            if name := self.dead():
                raise StageFailed(f"Airflow {name} exited (code {self.procs[name].returncode});"
                                  f" see {self.logs / (name + '.log')}")
            h = self.health()
            if h and all((h.get(k) or {}).get("status") == "healthy" for k in HEALTH):
                self.warm_execution_api()
                return time.monotonic() - start
            time.sleep(0.5)
        if stop():
            return time.monotonic() - start
        raise StageFailed(f"Airflow not healthy after {timeout:.0f} s; logs in {self.logs}")

    def track(self) -> None:
        """Remember every process below the components (by pid and start time)."""
        for proc in self.procs.values():
            for pid in (proc.pid, *descendants(proc.pid)):
                if (started := _start_time(pid)) is not None:
                    self.seen.setdefault(pid, started)

    def alive(self) -> list[int]:
        """The tracked processes still running (not the same pid reused, not a zombie)."""
        return [pid for pid, started in self.seen.items()
                if _start_time(pid) == started and not _is_zombie(pid)]

    def reap(self) -> None:
        """Collect tracked orphans that re-parented to us and exited."""
        ours = {p.pid for p in self.procs.values()}
        for pid in self.seen.keys() - ours:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        for proc in self.procs.values():
            proc.poll()

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM every component but the API server and wait up to ``grace`` for them:
        the tasks they run (the scheduler's LocalExecutor, the Celery workers) finish
        or say they were stopped through the API server, which still answers (stopped
        with the rest, a task's client retried until killed, ~20 s); then SIGTERM each
        component's group and every tracked process, and SIGKILL what is left after
        ``grace``."""
        self.track()
        runners = [p for n, p in self.procs.items() if n != LAST]
        for proc in runners:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(p.poll() is None for p in runners):
            self.track()
            time.sleep(0.2)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for proc in self.procs.values():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, sig)
            for pid in self.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                self.reap()
                self.track()
                if not self.alive():
                    return
                time.sleep(0.2)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _start_time(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[19] if fields else None  # field 22 of stat: start time since boot


def _is_zombie(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is None or fields[0] in ("Z", "X")


# ---- the command --------------------------------------------------------------------------------


def zgwatch_env(settings, given: Mapping[str, object]) -> dict[str, str]:
    """ZGWATCH_* for the Airflow processes: absolute paths, plus the options given as flags,
    and the settings file (``--config``, ``ZGWATCH_CONFIG`` or ``./zgwatch.toml``) as an
    absolute ``ZGWATCH_CONFIG``: the DAG file builds one DAG per source of its registry."""
    env = {ENV["data_dir"]: str(settings.data_dir.resolve()), ENV["db"]: str(settings.db.resolve())}
    config = given.get("config") or os.environ.get("ZGWATCH_CONFIG") or (
        DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    if config:
        env["ZGWATCH_CONFIG"] = str(Path(config).resolve())
    for name in PASSED_ON:
        if given.get(name) is not None:
            value = getattr(settings, name)
            env[ENV[name]] = " ".join(value) if isinstance(value, tuple) else str(value)
    return env


def metrics_env(settings) -> dict[str, str]:
    """With a StatsD collector (``statsd``): Airflow's own metrics on, sent there under
    ``<statsd_prefix>.airflow``, beside zgwatch's per-cycle counts (``zgwatch.metrics``)."""
    if not settings.statsd:
        return {}
    host, _, port = settings.statsd.rpartition(":")
    return {ENV["statsd"]: settings.statsd, ENV["statsd_prefix"]: settings.statsd_prefix,
            "AIRFLOW__METRICS__STATSD_ON": "True",
            "AIRFLOW__METRICS__STATSD_HOST": host.strip("[]"),
            "AIRFLOW__METRICS__STATSD_PORT": port,
            "AIRFLOW__METRICS__STATSD_PREFIX": f"{settings.statsd_prefix}.airflow"}


def airflow_home(settings) -> Path:
    """AIRFLOW_HOME of the data directory: ``<data_dir>/airflow``."""
    return (settings.data_dir / "airflow").resolve()


def _write_env_sh(home: Path, env: Mapping[str, str]) -> Path:
    """``<home>/env.sh``: source it and an operator's shell is the workers' (``airflow …``,
    ``zgwatch …``): the same Airflow settings, connections, ``ZGWATCH_*`` settings (column,
    warehouse, destinations, schedule) and PATH. It holds the API login and the destinations'
    secrets, so only its owner may read it (mode 600, set before anything is written)."""
    keys = sorted(k for k in env if k in ("AIRFLOW_HOME", "PATH")
                  or k.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_", "ZGWATCH_")))
    path = home / "env.sh"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older env.sh may have been readable by others
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("".join(f"export {k}={shlex.quote(env[k])}\n" for k in keys))
    return path


def _check_port_free(port: int) -> None:
    """Fail at once (exit 2) when the port is taken, not after the api-server's start-up."""
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is fine
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            raise ConfigError(f"--port {port}: 127.0.0.1:{port} is not free ({exc.strerror})"
                              ) from None


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number from ``env[name]`` (default when unset); exit 2 when it is not one."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{name}: must be a number > 0 (got {raw!r})")
    return value


def run(settings, given: Mapping[str, object], *, port: int = 8080, parallelism: int = 2,
        stack=None) -> int:
    """Set up and start Airflow, print where and how to log in, run until stopped.

    ``stack`` (``celery_stack.CeleryStack``) adds the CeleryExecutor's settings and workers.
    """
    log_bytes = int(_number(os.environ, logfiles.LOG_MAX_MB_ENV,
                            logfiles.MAX_BYTES / 2**20) * 2**20)
    task_log_days = _number(os.environ, logfiles.TASK_LOG_DAYS_ENV, logfiles.TASK_LOG_DAYS)
    _check_port_free(port)
    home = airflow_home(settings)
    env = airflow_env(home, port, parallelism=parallelism)
    env.update(zgwatch_env(settings, given))
    env.update(metrics_env(settings))
    if stack is not None:  # its own JWT secret and keys, through files every worker reads
        env.update(stack.env(home))
    password = ensure_password(home, env.pop(PASSWORD_ENV, None))
    if stack is None:
        env["AIRFLOW__API_AUTH__JWT_SECRET"] = ensure_jwt_secret(home)
    env[f"AIRFLOW_CONN_{CONNECTION.upper()}"] = api_connection(env["AIRFLOW__API__BASE_URL"],
                                                               password)
    started = time.monotonic()
    pools = pools_for(settings.source_list, only_default=not settings.has_registry)
    print(f"zgwatch airflow: AIRFLOW_HOME {home}; setting up (db migrate, pools "
          f"{', '.join(pools)})", flush=True)
    airflow = LocalAirflow(home, port, env, stack.workers(home) if stack else None, log_bytes)
    airflow.logs.mkdir(parents=True, exist_ok=True)
    setup(env, airflow.logs / "setup.log", pools)
    stop_now: list[int] = []

    def _on_signal(signum, _frame):
        stop_now.append(signum)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    _become_subreaper()
    try:
        airflow.start()
        airflow.wait_ready(stop=lambda: bool(stop_now))
        if stop_now:
            return 0
        print(f"zgwatch airflow: ready in {time.monotonic() - started:.0f} s\n"
              f"  UI:     {airflow.url}/\n"
              f"  login:  {USER} / {password}\n"
              f"  logs:   {airflow.logs}\n"
              f"  CLI:    source {_write_env_sh(home, env)}\n"
              + (stack.describe(home, env) if stack else "")
              + "Ctrl-C stops Airflow.", flush=True)
        pruned_at = -logfiles.PRUNE_EVERY
        while not stop_now:
            if name := airflow.dead():
                raise StageFailed(f"Airflow {name} exited; see {airflow.logs / (name + '.log')}")
            airflow.reap()
            airflow.track()
            if time.monotonic() - pruned_at >= logfiles.PRUNE_EVERY:
                logfiles.prune_task_logs(home / "logs", task_log_days)
                pruned_at = time.monotonic()
            time.sleep(0.5)
        return 0
    finally:
        print("zgwatch airflow: stopping", flush=True)
        airflow.stop()
        print("zgwatch airflow: stopped", flush=True)


if __name__ == "__main__" and sys.argv[1:2] == ["--setup"]:
    _setup_in_process(sys.argv[2])
