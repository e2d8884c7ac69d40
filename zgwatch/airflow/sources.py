"""The sources zgwatch's DAGs are built for, as the DAG file reads them, and their pools.

Imports nothing heavy (no Airflow): the DAG factory reads it at every parse, the
launcher (``zgwatch airflow``) to create the pools those DAGs name before any
task can wait for one that does not exist.

Pools, each one slot: ``zgwatch_duckdb`` (the default source's warehouse: DuckDB
allows one writing process), ``zgwatch_duckdb_<id>`` (a registry source's own
warehouse: sources write their warehouses at the same time), and one per host,
``zgwatch_host_<host>`` (``core.sources.host_pool``): sources on one host never
crawl at the same time, whatever DAG runs them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from core import sources as src
from core.sources import SOURCE_ID, Source, host_key, host_pool
from core.vocabulary import CONFIG_FILE, REAL_COLUMN
from zgwatch.airflow.tasks import DUCKDB_POOL, POOLS, SETTINGS_VARIABLE, PoolSpec

VARIABLE_ENV = f"AIRFLOW_VAR_{SETTINGS_VARIABLE.upper()}"  # Airflow's environment form of it
SOURCE_POOL_PREFIX = "zgwatch_duckdb_"  # + a source's id: the pool of its own warehouse
HOST_POOL_PREFIX = "zgwatch_host_"  # + a host's slug (core.sources.host_pool)
_HOST_POOL = re.compile(re.escape(HOST_POOL_PREFIX) + r"[a-z0-9_]+_[0-9a-f]{6}")


class Registry(NamedTuple):
    """What the DAG file builds from: the sources, whether the default source is all there
    is, and for the watchers' probes the host locks' root and the delay (None, None when
    no settings were read: the watcher then reads ``ZGWATCH_DATA_DIR``/``ZGWATCH_DELAY``)."""

    sources: tuple[Source, ...]
    only_default: bool
    lock_root: Path | None = None
    delay: float | None = None


def registry(env: Mapping[str, str] | None = None) -> Registry:
    """The sources to build DAGs for, and whether the default source is all there is.

    Read as the tasks read their settings, minus the metadata database (no query at
    every parse): the file of ``ZGWATCH_CONFIG`` (else ``./zgwatch.toml``), the Variable
    when it is in the environment (``AIRFLOW_VAR_ZGWATCH_SETTINGS``), the ``ZGWATCH_*``
    environment. Without a file or such a Variable nothing is read or validated: the
    default source is ``$ZGWATCH_SOURCE``, else the real column. Bad settings raise
    ``ConfigError`` (in the DAG file: an import error, its one line in the UI).
    """
    env = os.environ if env is None else env
    variable = env.get(VARIABLE_ENV)
    if not (env.get("ZGWATCH_CONFIG") or variable or Path(CONFIG_FILE).exists()):
        url = env.get("ZGWATCH_SOURCE") or REAL_COLUMN
        return Registry((Source(id=env.get("ZGWATCH_SOURCE_ID") or src.DEFAULT_SOURCE_ID,
                                url=url),), True)
    from core.errors import ConfigError
    from zgwatch.airflow.tasks import variable_layer
    from zgwatch.config import load_settings

    try:
        layers = [variable_layer(json.loads(variable))] if variable else []
    except ValueError:
        raise ConfigError(f"{VARIABLE_ENV}: not JSON") from None
    settings = load_settings(env=env, layers=layers)
    return Registry(settings.source_list, not settings.has_registry,
                    settings.data_root or settings.data_dir, settings.delay)


def warehouse_pool(source_id: str | None = None) -> str:
    """The one-slot pool of a source's warehouse: ``zgwatch_duckdb`` for the default source
    alone (``None``), else ``zgwatch_duckdb_<id>``."""
    return DUCKDB_POOL if source_id is None else SOURCE_POOL_PREFIX + source_id


def pools_for(sources: Iterable[Source], *, only_default: bool) -> dict[str, PoolSpec]:
    """Every pool the DAGs of ``sources`` name (``POOLS`` among them): one per warehouse,
    one per host."""
    pools = dict(POOLS)
    for source in sources:
        if not only_default:
            pools[warehouse_pool(source.id)] = PoolSpec(
                1, f"zgwatch: one task at a time opens the warehouse of source {source.id}")
        pools[host_pool(source.url)] = PoolSpec(
            1, f"zgwatch: one crawl at a time to {host_key(source.url)}")
    return pools


def declared_pool(name: str) -> bool:
    """Whether ``name`` is a pool the set-up creates: one of ``POOLS``, or of the shapes
    ``pools_for`` makes (a source's warehouse, a host)."""
    if name in POOLS:
        return True
    if name.startswith(SOURCE_POOL_PREFIX):
        return SOURCE_ID.fullmatch(name.removeprefix(SOURCE_POOL_PREFIX)) is not None
    return _HOST_POOL.fullmatch(name) is not None
