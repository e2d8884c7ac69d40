"""Schema: migrations in order with a recorded version, views, the columns of docs/interfaces.md."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import warehouse.db as wdb
from core.errors import StageFailed, WarehouseMissing
from warehouse.db import connect, migrations, schema_version, view_files

INTERFACE_COLUMNS = {
    "notices": ["notice_id", "url", "title", "issuer", "published_on", "publicity_start",
                "publicity_end", "status", "first_seen", "last_seen", "versions"],
    "changes": ["change_id", "notice_id", "url", "title", "kind", "detected_at", "as_of",
                "summary", "baseline"],
    "deliveries": ["change_id", "channel", "status", "attempts", "last_error", "sent_at"],
}  # fmt: skip
CHANGE_EVENT_COLUMNS = {
    "change_id": "BIGINT", "event_key": "VARCHAR", "notice_id": "VARCHAR", "kind": "VARCHAR",
    "batch_id": "VARCHAR", "detected_at": "TIMESTAMP WITH TIME ZONE", "as_of": "DATE",
    "baseline": "BOOLEAN", "summary": "VARCHAR", "from_version": "INTEGER",
    "to_version": "INTEGER", "diff": "JSON", "publicity_start": "DATE", "publicity_end": "DATE",
}  # fmt: skip


def columns(con, relation: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = ? ORDER BY ordinal_position",
        [relation],
    ).fetchall()
    return dict(rows)


def test_every_migration_is_applied_once_in_order(db):
    with connect(db) as con:
        applied = con.execute("SELECT version, name FROM schema_version ORDER BY 1").fetchall()
        assert applied == [(m.version, m.name) for m in migrations()]
        assert schema_version(con) == migrations()[-1].version
    with connect(db) as con:  # reopening applies nothing again
        assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(applied)


SOURCE_COLUMNS = ["source_id", "source_name"]  # first in every relation analysts read


@pytest.mark.parametrize("relation", sorted(INTERFACE_COLUMNS))
def test_interface_relations_have_their_columns(con, relation):
    wanted = SOURCE_COLUMNS + INTERFACE_COLUMNS[relation]
    assert list(columns(con, relation))[: len(wanted)] == wanted


def test_every_analyst_view_starts_with_its_source(con):
    views = [v.name for v in view_files() if v.name != "diff_versions"]  # a table macro
    assert {"notices", "parse_gaps", "change_hunks", "sources", "pair_hunks"} <= set(views)
    for view in views:
        assert list(columns(con, view))[:2] == SOURCE_COLUMNS, view
    assert con.execute("SELECT source_id, source_name, source_kind FROM sources").fetchall() == [
        ("default", "南粤清风网 · 整改落实", "rectification")]


def test_change_events_is_the_contract_with_alerts(con):
    assert columns(con, "change_events") == CHANGE_EVENT_COLUMNS
    assert columns(con, "notices")["first_seen"] == "TIMESTAMP WITH TIME ZONE"
    assert columns(con, "notices")["published_on"] == "DATE"


def test_every_view_file_is_a_view_or_a_table_macro(con):
    rows = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    views = {n for (n,) in rows}
    macros = {n for (n,) in con.execute("SELECT function_name FROM duckdb_functions() "
                                        "WHERE function_type = 'table_macro'").fetchall()}
    assert {v.name for v in view_files()} <= views | macros
    assert "diff_versions" in macros


@pytest.fixture
def sql_dir(tmp_path, monkeypatch) -> Path:
    """A private copy of warehouse/sql that a test may add files to."""
    copy = tmp_path / "sql"
    shutil.copytree(wdb.SQL_DIR, copy)
    monkeypatch.setattr(wdb, "SQL_DIR", copy)
    monkeypatch.setattr(wdb, "VIEWS_DIR", copy / "views")
    return copy


def test_a_migration_numbered_into_a_gap_still_runs(db, sql_dir):
    (sql_dir / "090_later.sql").write_text("CREATE TABLE later (x INTEGER);")
    with connect(db):
        pass
    (sql_dir / "089_gap.sql").write_text("CREATE TABLE gap (x INTEGER);")
    with connect(db) as con:
        rows = con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        versions = [v for (v,) in rows]
        assert versions[-2:] == [89, 90]
        con.execute("SELECT * FROM gap")


def test_a_failing_migration_leaves_nothing_behind(db, sql_dir):
    with connect(db):
        pass
    (sql_dir / "091_broken.sql").write_text("CREATE TABLE half (x INTEGER);\nSELECT nonsense;")
    with pytest.raises(StageFailed, match=r"091_broken\.sql"):
        connect(db)
    (sql_dir / "091_broken.sql").unlink()
    with connect(db) as con:
        assert schema_version(con) < 91
        assert not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'half'").fetchone()


def test_views_follow_their_files_and_dependencies(db, sql_dir):
    (sql_dir / "views" / "aaa_recent.sql").write_text(
        "-- depends: publicity_periods\n"
        "CREATE OR REPLACE VIEW aaa_recent AS SELECT notice_id FROM publicity_periods;"
    )
    with connect(db) as con:
        con.execute("SELECT * FROM aaa_recent")
    (sql_dir / "views" / "aaa_recent.sql").write_text(
        "CREATE OR REPLACE VIEW aaa_recent AS SELECT 1 AS one;"
    )
    with connect(db) as con:
        assert con.execute("SELECT * FROM aaa_recent").fetchall() == [(1,)]
    (sql_dir / "views" / "aaa_recent.sql").unlink()
    with connect(db) as con:
        assert not con.execute(
            "SELECT 1 FROM duckdb_views() WHERE view_name = 'aaa_recent'"
        ).fetchone()


def test_read_only_open_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(WarehouseMissing, match="does not exist"):
        connect(tmp_path / "nowhere.duckdb", read_only=True)
    assert not (tmp_path / "nowhere.duckdb").exists()


def test_the_session_is_utc(con):
    assert con.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
