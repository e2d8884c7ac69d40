"""What a test needs from the machine, and what happens when it is missing.

On a developer's machine without root or without Chromium, the tests that
need them are skipped, saying why. In CI (``CI=true``) the set-up
(``scripts/bootstrap.sh --browser``, run as root) provides both, so a missing
prerequisite there is a failure, never a skip that would hide one.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(why: str) -> NoReturn:
    """Skip the test for a missing prerequisite, or fail it in CI."""
    if in_ci():
        pytest.fail(f"{why} (CI=true: the set-up must provide it)")
    pytest.skip(why)
