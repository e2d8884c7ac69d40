"""Where the operators' runbook (``docs/operators.md``) is, for whoever links to it.

The Airflow UI serves it (``zgwatch.airflow.plugin``, at ``/zgwatch/runbook``);
messages sent outside any Airflow link the file itself. Links are absolute when
Airflow knows its own address (``[api] base_url``), else relative to the UI's root.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

RUNBOOK = Path(__file__).resolve().parents[1] / "docs" / "operators.md"
PATH = "zgwatch/runbook"  # under the API server's root, served by zgwatch.airflow.plugin


def base_url() -> str:
    """The API server's address without a trailing slash ('' when not configured)."""
    url = os.environ.get("AIRFLOW__API__BASE_URL")
    if url is None and "airflow.sdk" in sys.modules:  # inside Airflow: airflow.cfg as well
        from airflow.sdk.configuration import conf

        url = conf.get("api", "base_url", fallback="")
    return (url or "").rstrip("/")


def url(anchor: str = "") -> str:
    """The runbook (or one section of it) as the UI serves it."""
    return f"{base_url()}/{PATH}" + (f"#{anchor}" if anchor else "")


def location() -> str:
    """Where a message sends operators: the runbook as the UI serves it when Airflow knows
    its address, else the file beside the code (a section's anchor is added after it)."""
    return url() if base_url() else str(RUNBOOK)
