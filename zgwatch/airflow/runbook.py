"""The operators' runbook: ``docs/operators.md``, served in the Airflow UI by the zgwatch plugin.

Every failure an operator can meet has a section there; a task that fails for
a known reason logs one line ending with the link to its section, and the
DAG's docs link the whole runbook. Links are absolute when Airflow knows its
own address (``[api] base_url``), else relative to the UI's root.
"""

from __future__ import annotations

import errno
import os
from functools import cache

from core import errors
from zgwatch.runbook import PATH, RUNBOOK, base_url, url

__all__ = ["PATH", "RUNBOOK", "SECTIONS", "base_url", "html", "section_for", "url"]

# The section (its anchor, as GitHub and Python-Markdown both make it) for each failure.
SECTIONS: dict[type[BaseException], str] = {
    errors.ConfigError: "bad-settings",  # ColumnMismatch too: the warehouse's column is a setting
    errors.ColumnUnreadable: "column-unreadable",
    errors.WarehouseBusy: "warehouse-locked",
    errors.WarehouseMissing: "warehouse-missing",
    errors.CycleRunning: "another-cycle-running",
    errors.HostBusy: "a-host-busy-for-too-long",
    errors.BatchError: "a-step-failing",
    errors.StageFailed: "a-step-failing",
}


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def _disk_full(exc: BaseException) -> bool:
    """``exc``, or what it was raised from, is a full disk (or quota).

    The stages report a full disk as ``StageFailed`` raised from the ``OSError``
    (``zgwatch.pipeline.one_line``), or, when DuckDB hit it, carrying only its text.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _DISK_FULL:
            return True
        if isinstance(seen, errors.StageFailed) and any(
                os.strerror(code) in str(seen) for code in _DISK_FULL):
            return True
        seen = seen.__cause__
    return False


def section_for(exc: BaseException) -> str:
    """The anchor of the section that covers ``exc`` (the general one for anything else)."""
    if _disk_full(exc):
        return "disk-full"
    for kind in type(exc).__mro__:
        if kind in SECTIONS:
            return SECTIONS[kind]
    return "a-step-failing"


@cache
def html() -> str:
    """The runbook as an HTML fragment, headings with their anchors (rendered once)."""
    import markdown

    text = RUNBOOK.read_text(encoding="utf-8")
    return markdown.markdown(text, extensions=["tables", "fenced_code", "toc"],
                             extension_configs={"toc": {"permalink": False}})
