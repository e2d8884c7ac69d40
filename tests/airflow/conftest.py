"""Airflow test fixtures: an AIRFLOW_HOME under a temporary directory, set up once.

Airflow is only ever imported in subprocesses (its import configures logging
and global state that the other test areas should not inherit), with the same
environment the launcher gives its components (``zgwatch.airflow_local``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.cli.test_registry import TWO
from zgwatch.airflow import launcher as airflow_local

HERE = Path(__file__).parent


def clean_env() -> dict[str, str]:
    """This process's environment without any Airflow or zgwatch setting."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW", "ZGWATCH_", "_AIRFLOW"))}


def airflow_env(home: Path, port: int = 8080, **zgwatch: str) -> dict[str, str]:
    """The launcher's environment for ``home``, plus ``ZGWATCH_<NAME>`` settings."""
    env = airflow_local.airflow_env(home, port, base=clean_env())
    env.update({f"ZGWATCH_{k.upper()}": v for k, v in zgwatch.items()})
    return env


def run_python(script: Path, *args: str, env: Mapping[str, str], timeout: float = 240,
               cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``script`` with this interpreter; fail the test with its output if it fails."""
    proc = subprocess.run([sys.executable, str(script), *args], env=dict(env), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"{script.name} exited {proc.returncode}\n{proc.stdout[-3000:]}\n"
                    f"{proc.stderr[-6000:]}")
    return proc


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> Path:
    """An AIRFLOW_HOME set up by the launcher's own set-up (db migrate, pools)."""
    home = tmp_path_factory.mktemp("airflow") / "home"
    airflow_local.setup(airflow_env(home), home.parent / "setup.log")
    return home


# Three sources: two columns of one site (one host), and a site on another port whose
# warehouse is on another machine (its Celery queue).
REGISTRY = TWO + """
[[sources]]
id = "qy-xszg"
url = "http://127.0.0.1:8001/trs/xszg/"
name = "清远廉政网 · 巡察整改"
queue = "machine-b"
"""


@pytest.fixture(scope="session")
def dag_report(airflow_home, tmp_path_factory) -> dict:
    """What ``probe_dags.py`` found in ``dags/`` (see its docstring), also with ``REGISTRY``."""
    out = tmp_path_factory.mktemp("probe") / "report.json"
    registry = tmp_path_factory.mktemp("registry") / "zgwatch.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    run_python(HERE / "probe_dags.py", str(out), str(registry), env=airflow_env(airflow_home),
               cwd=out.parent)
    return json.loads(out.read_text(encoding="utf-8"))
