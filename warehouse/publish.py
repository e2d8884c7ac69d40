"""The analysts' copy of the warehouse: a whole, read-only snapshot replaced atomically.

DuckDB's write lock also shuts out readers in other processes, so analysts do
not open the pipeline's file. After each cycle the pipeline checkpoints the
warehouse and copies it to ``<db stem>.analyst.duckdb`` beside it: written to a
temporary file in the same folder, flushed, then renamed over the old copy.
A rename is atomic, so an analyst opening the copy gets the old one or the new
one, never half of either; an analyst who holds the old copy open keeps
reading it (the old file lives on until they close it), and nothing an
analyst does can hold up the next cycle.

The copy also gets what only analysts need: the full-text index and
``search_notices`` (``warehouse/search.py``), and the inspection cycle's
relations of this source (``warehouse/inspection.py``, as of the latest cycle),
built on the temporary file after the warehouse's lock is released and before
the rename, so the pipeline's warehouse never holds them and analysts never see a copy without them.

A publish costs what changed (issue 26): the copy a rename replaces is kept as
a spare (``.<copy>.spare``, a hard link), and the next publish but one brings
that spare up to date instead of copying the warehouse: the rows append-only
tables gained are appended, the other tables are rewritten whole, and its own
search index loses the stale notices and gains the new ones. The spare is only
written when nobody can be reading it: it is not the published copy, no
process holds it open (DuckDB's file lock; this process's open files), it is
the very file published (size, modification time and inode recorded in
``.<copy>.published``), and it is made of what the warehouse is made of (same
tables, views, indexes, macros). Anything else means a whole copy, as before.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from pathlib import Path

import duckdb

from core.errors import StageFailed
from core.sqlfiles import SqlFile, transaction
from core.testhook import pause_point
from core.vocabulary import today_in_shanghai
from warehouse.db import connect
from warehouse.extensions import quoted
from warehouse.inspection import DEFAULT_RULES, CycleRules, build_inspection
from warehouse.inspection import RELATIONS as INSPECTION_RELATIONS
from warehouse.search import build_search_index, copy_only

log = logging.getLogger(__name__)
QUERIES = SqlFile(Path(__file__).parent / "sql" / "queries" / "publish.sql")
# Tables whose rows are only ever inserted, never updated nor deleted (but by a
# migration, which changes the schema, so the spare is not used then): a spare
# gets the rows they gained. tests/warehouse/test_publish_spare.py checks the
# code's SQL keeps that promise.
# The most notices a spare's search index may lack beyond the published copy's (they are
# tokenised again: a fraction of a second); more, and the publish copies the warehouse.
SPARE_LAG = 100
APPEND_ONLY = frozenset({"batches", "fetches", "listing_entries", "notice_versions",
                         "change_events", "edit_hunks", "version_pair_hunks", "diff_runs"})


# The one exception to APPEND_ONLY: a column a backfill fills in place, once, in rows it
# finds NULL (load.fill_cycle_facts: the cycle's facts of versions read before migration
# 023). A spare holding a NULL the warehouse has filled since is not used.
FILLED_IN_PLACE = {"notice_versions": "cycle"}


def analyst_copy_path(db_path: Path) -> Path:
    """Where analysts find the copy: ``data/zgwatch.duckdb`` → ``data/zgwatch.analyst.duckdb``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.analyst.duckdb")


def publish_analyst_copy(db_path: Path, *, lock_wait: float = 120.0,
                         deadline: float | None = None,
                         cycle: CycleRules = DEFAULT_RULES) -> Path:
    """Replace the analysts' copy of ``db_path`` with its current state; return the copy's path.

    ``deadline`` (a ``time.monotonic()`` instant) bounds the search index's
    tokenising: notices not reached by then are indexed by the next publish
    (``search_index.unindexed`` says how many). ``cycle``: the rules the inspection
    cycle's relations are built by. The temporary copy never
    outlives this call, whatever fails; one left by a publisher that died (a
    crash, ``kill -9``) is removed here.
    """
    db_path = Path(db_path)
    target = analyst_copy_path(db_path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    record = Published(target)
    # Holding the write connection keeps other writers out while the bytes are
    # copied; CHECKPOINT first folds the write-ahead log into the file.
    with connect(db_path, lock_wait=lock_wait) as con:
        remove_leftovers(target)
        con.execute("CHECKPOINT")
        wal = Path(f"{db_path}.wal")
        if wal.exists() and wal.stat().st_size:  # the file alone would miss what the log holds
            raise StageFailed(f"cannot publish {target}: {wal} was not checkpointed "
                              "(a transaction is still open in this process)")  # fmt: skip
        try:
            if not _spare_brought_up(con, record, tmp, deadline):
                shutil.copyfile(db_path, tmp)
        except BaseException:
            _remove(tmp)
            raise
    # The warehouse's lock is released: the index is built on the copy alone.
    try:
        _add_search(tmp, previous=target, deadline=deadline, cycle=cycle)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        # A log left by someone who wrote to the old copy must not be replayed into the new one.
        Path(f"{target}.wal").unlink(missing_ok=True)
        pause_point("publish:copied")
        record.keep_spare()
        os.replace(tmp, target)
        record.published()
    finally:
        _remove(tmp)
    _fsync_dir(target.parent)
    return target


class Published:
    """The spare of the analysts' copy ``target`` and what says it can be written.

    ``.<copy>.published`` records (inode, size, modification time) of the copy
    as published and of the spare as kept: a file whose record no longer
    matches was written by someone else, and is not used.
    """

    def __init__(self, target: Path):
        self.target = target
        self.spare = target.with_name(f".{target.name}.spare")
        self.path = target.with_name(f".{target.name}.published")

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}


    def spare_usable(self) -> bool:
        """The spare is there, as kept, and this process has no file open on it."""
        kept = _identity(self.spare)
        return kept is not None and kept == self._read().get("spare") and not _open_here(kept)

    def keep_spare(self) -> None:
        """Before the rename: the copy about to be replaced becomes the spare, if it is
        the file published (else no spare: the next publish copies the warehouse)."""
        self.spare.unlink(missing_ok=True)
        copy = _identity(self.target)
        if copy is not None and copy == self._read().get("copy"):
            try:
                os.link(self.target, self.spare)
            except OSError as e:  # a file system without hard links: whole copies
                log.info("analyst copy: no spare kept (%s)", e)

    def published(self) -> None:
        """After the rename: record the copy as published and the spare as kept (a record
        torn by a crash does not read: no spare then)."""
        record = {"copy": _identity(self.target), "spare": _identity(self.spare)}
        self.path.write_text(json.dumps(record), encoding="utf-8")


def _identity(path: Path) -> list[int] | None:
    """(device, inode, size, modification time) of ``path``; None if there is none."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def _open_here(identity: list[int]) -> bool:
    """Whether this process has the file of ``identity`` open (fcntl locks do not keep a
    process from itself); True where that cannot be told (no /proc)."""
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return True
    for fd in fds:
        try:
            st = os.stat(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if [st.st_dev, st.st_ino] == identity[:2]:
            return True
    return False


def _spare_brought_up(con: duckdb.DuckDBPyConnection, record: Published, tmp: Path,
                      deadline: float | None) -> bool:
    """Bring the spare up to date from the warehouse open on ``con``, as ``tmp``; False
    (and no ``tmp``) when it cannot be used: the caller copies the warehouse."""
    if not record.spare_usable():
        return False
    os.rename(record.spare, tmp)  # claimed: if this publisher dies, a leftover like any
    try:
        con.execute(f"ATTACH '{quoted(tmp)}' AS zg_spare")
    except duckdb.Error as e:  # a reader holds it (its lock), or it is not a database
        log.info("analyst copy: spare not used (%s)", str(e).splitlines()[0])
        _remove(tmp)
        return False
    try:
        done = _index_not_behind(con, record.target, deadline) and _bring_up_to_date(con)
    finally:
        con.execute("DETACH zg_spare")
    if not done:
        _remove(tmp)
    return done


def _index_not_behind(con: duckdb.DuckDBPyConnection, published: Path,
                      deadline: float | None) -> bool:
    """Whether the spare's search index lacks at most ``SPARE_LAG`` notices more than the
    published copy's, and none once ``deadline`` is past: a publish from the spare must
    not leave out of search a notice the published copy finds, whatever its budget."""
    try:
        con.execute(f"ATTACH '{quoted(published)}' AS zg_published (READ_ONLY)")
    except duckdb.Error as e:
        log.info("analyst copy: spare not used (%s)", str(e).splitlines()[0])
        return False
    try:
        (lag,) = QUERIES.execute(con, "spare_lag").fetchone()
    except duckdb.Error as e:  # an index missing from either: a build, from the copy
        log.info("analyst copy: spare not used (%s)", str(e).splitlines()[0])
        return False
    finally:
        con.execute("DETACH zg_published")
    allowed = 0 if deadline is not None and time.monotonic() >= deadline else SPARE_LAG
    if lag > allowed:
        log.info("analyst copy: spare not used (its index lacks %d notices more than the "
                 "published copy's)", lag)  # fmt: skip
        return False
    return True


def _bring_up_to_date(con: duckdb.DuckDBPyConnection) -> bool:
    """Make every table of the spare (attached as ``zg_spare``) hold the warehouse's rows,
    in one transaction; False (nothing written) when their schemas differ or an
    append-only table of the spare is not the start of the warehouse's."""
    (db,) = con.execute("SELECT current_database()").fetchone()
    ours = set(QUERIES.rows(con, "schema_objects", db=db))
    spare = set(QUERIES.rows(con, "schema_objects", db="zg_spare"))
    if {row for row in spare if not _analysts_only(row[1])} != ours:
        log.info("analyst copy: spare not used (its schema is not the warehouse's)")
        return False
    try:
        with transaction(con):
            for name in sorted(name for kind, name, _ in ours if kind == "table"):
                if not _table_brought_up(con, name):
                    raise _NotTheSame(name)
    except _NotTheSame as e:
        log.info("analyst copy: spare not used (its %s is not the warehouse's)", e)
        return False
    return True


def _analysts_only(name: str) -> bool:
    """Whether an object of a copy's main schema is one publish adds for analysts (the
    search index's, the inspection cycle's relations): the warehouse holds none."""
    return copy_only(name) or name in INSPECTION_RELATIONS


class _NotTheSame(Exception):
    """A table of the spare is not an earlier state of the warehouse's (rolls back)."""


def _table_brought_up(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Bring one table of the spare up to date; False when an append-only one is not the
    start of the warehouse's (rows were deleted, or it is another warehouse's)."""
    table = '"' + name.replace('"', '""') + '"'
    ours, spare = _table_sql(con, "row_counts", table).fetchone()
    if name in APPEND_ONLY:
        if spare > ours or (spare and _table_sql(con, "differing_ends", table,
                                                 last=spare - 1).fetchone()[0]):
            return False
        if name in FILLED_IN_PLACE and _table_sql(
                con, "filled_since", table, column=FILLED_IN_PLACE[name],
                rows=spare).fetchone()[0]:
            return False
        _table_sql(con, "append_rows", table, start=spare)
    else:
        _table_sql(con, "clear_rows", table)
        _table_sql(con, "all_rows", table)
    return _table_sql(con, "row_counts", table).fetchone() == (ours, ours)


def _table_sql(con: duckdb.DuckDBPyConnection, name: str, table: str, *,
               column: str | None = None, **params):
    """Run statement ``name`` of publish.sql on ``table`` (a quoted identifier) and
    ``column`` (a plain name of ``FILLED_IN_PLACE``)."""
    idents = {"table": table, **({"column": f'"{column}"'} if column else {})}
    return QUERIES.execute(con, name, idents=idents, **params)


def left_over(copy: Path, incident_kind: str) -> tuple[int, bool]:
    """What the published ``copy`` says: (notices its search index left for the next
    publish, whether an incident of ``incident_kind`` was open when it was taken)."""
    with connect(copy, read_only=True, lock_wait=0) as con:
        return QUERIES.execute(con, "left_over", kind=incident_kind).fetchone()


# The copy's connection while its index is built: on a spare brought up to date, reading
# the notices' texts (search.sql's "wanted") needed more than the session's 128 MB at
# 20,000 notices ("Out of Memory"; why that copy and not a byte copy is not known); with
# 256 MB the publish passes, peak RSS ~400 MB (docs/benchmarks.md, issue 26).
INDEX_MEMORY = "256MB"


def _add_search(copy: Path, *, previous: Path, deadline: float | None,
                cycle: CycleRules) -> None:
    """Bring the full-text index and the inspection cycle's relations into ``copy`` and fold
    them into the file (no log left); ``previous``, the copy it replaces, lends its index
    for the notices that did not change."""
    with connect(copy, lock_wait=0) as con:
        con.execute(f"SET memory_limit = '{INDEX_MEMORY}'")
        index = build_search_index(con, previous=previous, deadline=deadline)
        judge_cycle(con, cycle)
        con.execute("CHECKPOINT")
    log.info("%s", index)


def judge_cycle(con, cycle: CycleRules = DEFAULT_RULES) -> None:
    """The inspection cycle's relations (``build_inspection``) in the copy open on ``con``,
    as of its latest cycle's date (today in Shanghai before the first): a source's copy,
    or the copy across sources (``warehouse.across``, its rule's ``across`` None)."""
    as_of = QUERIES.execute(con, "cycle_as_of").fetchone()[0] or today_in_shanghai()
    build_inspection(con, as_of=as_of, expected_months=cycle.expected_months,
                     aliases=cycle.aliases, across=cycle.across)


_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp(?:\.wal)?$")


def _remove(tmp: Path) -> None:
    """The temporary copy and the log its index build may have left."""
    tmp.unlink(missing_ok=True)
    Path(f"{tmp}.wal").unlink(missing_ok=True)


def remove_leftovers(target: Path) -> list[Path]:
    """Remove temporary copies of ``target`` whose writer is dead; return them.

    Called with the warehouse's write lock held, so no other publisher of this
    warehouse is copying; one still building its index (after the lock) is
    alive, and a pid still alive (that publisher, one reused by some other
    program, or a publisher of a same-named copy elsewhere) is left alone.
    """
    removed = []
    for path in target.parent.glob(f".{target.name}.*.tmp*"):
        m = _TMP.match(path.name)
        if m and m["name"] == target.name and not _alive(int(m["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier publish of this very process that did not clean up
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
