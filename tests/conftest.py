"""Fixtures shared by every test area (the replica server lives here)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from replica import RunningReplica, running

REPO = Path(__file__).resolve().parents[1]

# The unit tier (`-m unit`, docs/development.md): parsing, core, rendering and SQL on
# small fixtures; no server, no subprocess, no cycle. A module or folder listed here is in it.
UNIT = (
    "tests/core/",
    "tests/parsing/",
    "tests/test_layers.py",
    "tests/alerts/test_render.py",
    "tests/alerts/test_destinations.py",
    "tests/history/test_safety.py",
    "tests/warehouse/test_summaries.py",
    "tests/warehouse/test_hunks.py",
    "tests/warehouse/test_schema.py",
    "tests/crawler/test_revisit.py",
    "tests/cli/test_steps.py",
)
NOT_UNIT = ("tests/parsing/test_replica_fidelity.py",)  # renders the replica's whole column


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the unit tier's tests ``unit`` (by where they live: see ``UNIT``)."""
    for item in items:
        where = item.path.resolve().relative_to(REPO).as_posix()
        if where.startswith(UNIT) and not where.startswith(NOT_UNIT):
            item.add_marker(pytest.mark.unit)


@pytest.fixture
def make_replica() -> Iterator[Callable[..., RunningReplica]]:
    """A factory: ``make_replica(notices=45, seed=1, **Replica options)`` serves a fresh
    replica on a free loopback port; every one made is stopped after the test."""
    with contextlib.ExitStack() as stack:

        def make(notices: int = 45, seed: int = 1, **options: Any) -> RunningReplica:
            return stack.enter_context(running(notices, seed, **options))

        yield make


@pytest.fixture
def replica(request: pytest.FixtureRequest, make_replica) -> RunningReplica:
    """A served replica: ``.site`` (the ``Replica`` to change), ``.server``, ``.url``.

    45 notices (three list pages) unless parametrized indirectly, e.g.
    ``@pytest.mark.parametrize("replica", [{"notices": 200, "seed": 7}], indirect=True)``.
    """
    return make_replica(**getattr(request, "param", {}))
