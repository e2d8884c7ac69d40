"""``zgwatch export --format parquet DIR``: every analyst relation as a Parquet file."""

from __future__ import annotations

import os
from pathlib import Path

from warehouse.db import connect


def analyst_relations(con) -> list[str]:
    """The views analysts query (``notices``, ``changes``, ``deliveries``, …), by name."""
    rows = con.execute(
        "SELECT view_name FROM duckdb_views() "
        "WHERE NOT internal AND schema_name = 'main' ORDER BY view_name"
    ).fetchall()
    return [name for (name,) in rows]


def export_parquet(db_path: Path, out_dir: Path, *, lock_wait: float = 120.0) -> list[Path]:
    """Write ``<relation>.parquet`` for each analyst relation into ``out_dir``; return the files.

    The warehouse is opened read-only (waiting up to ``lock_wait`` seconds for a
    running stage). Each file is written beside its target and renamed into
    place, so a reader never sees a half-written file. Instants are stored as
    UTC timestamps, JSON columns as text.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with connect(db_path, read_only=True, lock_wait=lock_wait) as con:
        for name in analyst_relations(con):
            target = out_dir / f"{name}.parquet"
            tmp = out_dir / f".{name}.parquet.tmp"
            try:
                con.execute(
                    f"COPY (SELECT * FROM \"{name}\") TO '{_quote(tmp)}' "
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)  # a full disk leaves no half-written file
            written.append(target)
    return written


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
