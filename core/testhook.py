"""A test hook: stop a process at a named point of a cycle, so a test can kill it there.

Only the fault-injection tests (tests/reliability/) use it. ``pause_point(name)``
does nothing unless ``ZGWATCH_TEST_PAUSE`` names that point; then it creates
the file ``ZGWATCH_TEST_PAUSE_FILE`` (so the test knows the point is reached)
and waits until the process is killed. The variable is read only at these
points, never elsewhere, and an operator never sets it.

Points (docs/reliability.md): ``before:crawl``, ``before:load``, ``before:diff``,
``before:alert``, ``before:publish`` (between stages, in ``zgwatch.pipeline.run``);
``load:commit``, ``diff:commit`` (the stage's work done, not committed);
``alert:sent`` (a message accepted by its destination, not yet recorded as sent);
``publish:copied`` (the analysts' copy written, not yet renamed into place).
"""

from __future__ import annotations

import os
import threading

ENV = "ZGWATCH_TEST_PAUSE"
ENV_FILE = "ZGWATCH_TEST_PAUSE_FILE"


def pause_point(name: str) -> None:
    """Wait here for ever if ``$ZGWATCH_TEST_PAUSE`` is ``name`` (see the module docstring)."""
    if os.environ.get(ENV) != name:
        return
    marker = os.environ.get(ENV_FILE)
    if marker:
        with open(marker, "w", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {name}\n")
    threading.Event().wait()  # until killed
