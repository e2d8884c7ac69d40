"""A source: one list of notices zgwatch watches (a column of a site), named once.

A source is configuration, not code (docs/sources.md): its ``id`` keys
everything it owns (its warehouse, its batches, its DAG, its feed, the
``source_id`` on every row analysts read), its ``url`` is the list's index,
``name`` is what people read in alerts and on the site, ``kind`` says which
document of the inspection cycle it publishes, ``profile`` which site profile
reads it (``crawler.profiles``; ``auto`` detects).

Without a registry (``[[sources]]`` in zgwatch.toml), the one column of
``--source`` is the **default source**, id ``default`` unless
``source_id`` says otherwise; it keeps the paths a warehouse had before
sources existed (``data/zgwatch.duckdb``). A registry source keeps its own
under ``<data_dir>/sources/<id>/``, unless its ``db`` names a warehouse.

Sources on one **host** share one politeness budget: one request in flight at
a time and the delay between two requests (``host_key``, ``host_pool``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SOURCE_ID = re.compile(r"[a-z0-9-]{1,40}")
DEFAULT_SOURCE_ID = "default"
# What a source publishes, of the inspection cycle (docs/inspection.md).
SOURCE_KINDS = ("rectification", "stationing", "feedback", "other")
DEFAULT_KIND = "rectification"
DEFAULT_NAME = "南粤清风网 · 整改落实"
# The DAG of the default source when it is all there is (docs/interfaces.md).
SINGLE_DAG_ID = "zgwatch_monitor"
SOURCES_FOLDER = "sources"


def is_source_id(value: object) -> bool:
    """Whether ``value`` is a source id: 1 to 40 of a-z, 0-9 and '-'."""
    return isinstance(value, str) and SOURCE_ID.fullmatch(value) is not None


def host_key(url: str) -> str:
    """The host whose politeness budget a URL spends: its host name in lower case, with the
    port when one is given (``127.0.0.1:8000``), so two replicas on two ports are two hosts."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def host_slug(host: str) -> str:
    """A host as a name for files and Airflow pools: ``[a-z0-9_]`` only, and a short digest
    of the host so two hosts that map to one spelling stay apart (``127_0_0_1_8000_1a2b3c``)."""
    readable = re.sub(r"[^a-z0-9]+", "_", host.lower()).strip("_")[:60] or "host"
    return f"{readable}_{hashlib.sha256(host.encode('utf-8')).hexdigest()[:6]}"


def host_pool(url: str) -> str:
    """The Airflow pool (one slot) every crawl of ``url``'s host takes."""
    return f"zgwatch_host_{host_slug(host_key(url))}"


@dataclass(frozen=True)
class Source:
    """One watched list. Built from configuration by the application (``zgwatch.config``),
    which checks every field; this type only carries them."""

    id: str
    url: str
    name: str = DEFAULT_NAME
    kind: str = DEFAULT_KIND
    profile: str = "auto"
    db: Path | None = None  # a warehouse file of its own choosing; else the default layout
    queue: str | None = None  # the Celery queue of its warehouse's machine; else the default

    @property
    def host(self) -> str:
        return host_key(self.url)

    def data_dir(self, data_dir: Path, *, implicit: bool) -> Path:
        """The folder of this source's batches, raw pages and cycle lock: ``data_dir`` itself
        for the implicit default source, else ``<data_dir>/sources/<id>``."""
        return Path(data_dir) if implicit else Path(data_dir) / SOURCES_FOLDER / self.id

    def dag_id(self, *, only_default: bool) -> str:
        """``zgwatch_monitor`` for the default source when it is all there is, else
        ``zgwatch_<id>`` (a source id is a valid DAG id's tail: a-z, 0-9, '-')."""
        return SINGLE_DAG_ID if only_default else f"zgwatch_{self.id}"

    def as_payload(self) -> dict[str, str]:
        """The ``source`` object of a webhook payload and of an asset event's ``extra``."""
        return {"id": self.id, "name": self.name, "kind": self.kind, "url": self.url}
