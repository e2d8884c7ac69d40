"""Fixtures shared by every test area (the replica server lives here)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from replica import RunningReplica, running


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
