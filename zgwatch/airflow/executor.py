"""Airflow's LocalExecutor with warm workers: what every task imports, imported once.

The LocalExecutor forks its workers from the scheduler when it starts; each
task then runs in a process the worker's supervisor forks. A worker's first
task paid for the task runner's imports (``airflow.sdk.execution_time``: about
a second) and zgwatch's, so the first run after ``zgwatch airflow`` started
took seconds more than the next (``bench/airflow_start.py``: its first task
3.0 s against 0.3 s). Importing them in the scheduler before the workers are
forked gives every worker, and every task process it forks, those modules
already loaded (shared, copy-on-write). The scheduler itself only grows by
the modules; it runs none of their code.

``zgwatch airflow`` names this class as ``[core] executor``
(``zgwatch.airflow.executor.WarmLocalExecutor``); anything else is the
LocalExecutor's.
"""

from __future__ import annotations

import importlib

from airflow.executors.local_executor import LocalExecutor

# What a task process imports before and while it runs a zgwatch step.
WARM_MODULES = (
    "airflow.sdk.execution_time.supervisor",
    "airflow.sdk.execution_time.task_runner",
    "zgwatch.airflow.factory",
    "zgwatch.airflow.tasks",
    "zgwatch.pipeline",
    "duckdb",
)


class WarmLocalExecutor(LocalExecutor):
    """A LocalExecutor whose workers are forked with ``WARM_MODULES`` imported."""

    WARM_MODULES = WARM_MODULES

    def start(self) -> None:
        for name in self.WARM_MODULES:
            importlib.import_module(name)
        super().start()
