"""The cycle's steps, in order, written once: ``zgwatch run`` and the DAG factory both read them.

A cycle is crawl → load → diff → alert → publish (docs/architecture.md).
``zgwatch run`` (``zgwatch.pipeline.run``) runs the steps one after the other
in one process. Airflow runs the first four in the monitor DAG and publish in
the publish DAG, which the warehouse asset that ``alert`` updates triggers;
there each step is one or more tasks, in this order:

- ``crawl`` is ``snapshot_known`` then ``crawl``: the snapshot holds the
  warehouse (its pool) for a moment, the crawl holds only the site's pool;
- ``alert`` is ``alert`` then ``verify_column``: the run fails when the
  column was unreadable, after the alert stage has recorded the incident
  (``zgwatch run`` does the same check after publishing).

Imports nothing: the DAG files read it at parse time.
"""

from __future__ import annotations

from dataclasses import dataclass

MONITOR, PUBLISH = "monitor", "publish"  # the two DAGs of a column (zgwatch.airflow.factory)


@dataclass(frozen=True)
class Step:
    """One step of the cycle: its name (the stage's command), its DAG and its tasks there."""

    name: str
    dag: str
    tasks: tuple[str, ...]


CYCLE: tuple[Step, ...] = (
    Step("crawl", MONITOR, ("snapshot_known", "crawl")),
    Step("load", MONITOR, ("load",)),
    Step("diff", MONITOR, ("diff",)),
    Step("alert", MONITOR, ("alert", "verify_column")),
    Step("publish", PUBLISH, ("publish",)),
)


def step_names() -> tuple[str, ...]:
    """The steps ``zgwatch run`` runs, in order."""
    return tuple(step.name for step in CYCLE)


def task_ids(dag: str) -> tuple[str, ...]:
    """The task ids of ``dag`` (``MONITOR`` or ``PUBLISH``), in the order they run."""
    return tuple(task for step in CYCLE if step.dag == dag for task in step.tasks)
