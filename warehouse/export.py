"""``zgwatch export --format parquet DIR``: every analyst relation as a Parquet file.

The export reads the analysts' copy (``warehouse/publish.py``), never the
pipeline's warehouse: it cannot wait for a running cycle's lock, nor hold one
up, and it exports what analysts see. Each file carries, in its key-value
metadata, the cycle's date the copy speaks for (``as_of``, from
``latest_cycle``: what ``days_left`` and ``phase`` count from) and when it was
written (``exported_at``, UTC).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from core.errors import WarehouseMissing
from warehouse.db import connect

TABLES = ("batches",)  # tables analysts read directly, beside the views


def analyst_relations(con) -> list[str]:
    """The relations analysts query: every view (``notices``, ``changes``, …) and ``batches``;
    in the copy across sources (``warehouse.across``), the tables it lists."""
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
                   "AND table_name = 'analyst_relations'").fetchone()[0]:
        return [n for (n,) in con.execute(
            "SELECT DISTINCT name FROM analyst_relations ORDER BY name").fetchall()]
    rows = con.execute(
        "SELECT view_name FROM duckdb_views() "
        "WHERE NOT internal AND schema_name = 'main' ORDER BY view_name"
    ).fetchall()
    return sorted([name for (name,) in rows] + list(TABLES))


def export_parquet(
    copy_path: Path, out_dir: Path, *, lock_wait: float = 0.0, now: datetime | None = None
) -> list[Path]:
    """Write ``<relation>.parquet`` for each analyst relation of the copy at ``copy_path``.

    The copy is opened read-only. Each file is written beside its target and
    renamed into place, so a reader never sees a half-written file. Instants
    are stored as UTC timestamps, JSON columns as text; the key-value metadata
    holds ``as_of`` (ISO date, empty before the first cycle) and
    ``exported_at`` (ISO instant, UTC). A copy that does not exist is
    ``WarehouseMissing``.
    """
    copy_path, out_dir = Path(copy_path), Path(out_dir)
    if not copy_path.exists():
        raise WarehouseMissing(
            f"analyst copy {copy_path} does not exist (no cycle has published it yet)"
        )
    exported_at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with connect(copy_path, read_only=True, lock_wait=lock_wait) as con:
        as_of = con.execute("SELECT max(as_of) FROM latest_cycle").fetchone()[0]
        meta = {"as_of": as_of.isoformat() if as_of else "", "exported_at": exported_at}
        kv = ", ".join(f"{k}: '{v}'" for k, v in meta.items())
        for name in analyst_relations(con):
            target = out_dir / f"{name}.parquet"
            tmp = out_dir / f".{name}.parquet.tmp"
            try:
                con.execute(
                    f"COPY (SELECT * FROM \"{name}\") TO '{_quote(tmp)}' "
                    f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{kv}}})"
                )
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)  # a full disk leaves no half-written file
            written.append(target)
    return written


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
