"""Where a source's work runs past one machine: the Celery queue of its warehouse's machine.

Imports nothing heavy: the DAG factory and the launcher both read it.
"""

from __future__ import annotations

import os

QUEUE_ENV = "ZGWATCH_QUEUE"
DEFAULT_QUEUE = "default"


def source_queue(queue: str | None = None) -> str:
    """The Celery queue of a source's tasks: the queue of the machine whose disk holds the
    source's warehouse and data dir (``queue``: the ``queue`` of its ``[[sources]]`` entry,
    or ``column_dags(queue=…)``), else ``$ZGWATCH_QUEUE``, else ``default``.

    Queue per warehouse location (docs/scale.md): only that machine's workers serve the
    queue, so each warehouse has one writer at a time on a local disk (the cycle lock and
    the pools keep its tasks in turn), and no warehouse sits on a shared file system.
    """
    return queue or os.environ.get(QUEUE_ENV) or DEFAULT_QUEUE
