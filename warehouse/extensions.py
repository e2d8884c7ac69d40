"""DuckDB extensions loaded by file path from their locked wheels (``INSTALL`` needs the network).

Each ``duckdb-extension-<name>`` wheel holds
``extensions/v<duckdb version>/<name>.duckdb_extension``; it must be built for the
installed DuckDB (the pins in pyproject.toml keep them equal).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import duckdb

from core.errors import StageFailed


def extension_path(name: str, purpose: str) -> Path:
    """The file of extension ``name`` for the installed DuckDB; ``StageFailed`` naming
    ``purpose`` ("full-text search", "the lake") when the wheel or the file is missing."""
    package = f"duckdb-extension-{name.replace('_', '-')}"
    try:
        module = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError:
        raise StageFailed(f"{purpose}: the {package} package is not installed "
                          "(run scripts/bootstrap.sh)") from None
    path = (Path(module.__file__).parent / "extensions" / f"v{duckdb.__version__}"
            / f"{name}.duckdb_extension")
    if not path.is_file():
        raise StageFailed(f"{purpose}: no {name} extension for DuckDB {duckdb.__version__} at "
                          f"{path} (duckdb and {package} must be the same version)")
    return path


def load_extension(con: duckdb.DuckDBPyConnection, name: str, purpose: str) -> None:
    """``LOAD`` extension ``name`` into ``con`` from its wheel's file."""
    con.execute(f"LOAD '{quoted(extension_path(name, purpose))}'")


def quoted(text: object) -> str:
    """``text`` inside a single-quoted SQL string literal."""
    return str(text).replace("'", "''")
