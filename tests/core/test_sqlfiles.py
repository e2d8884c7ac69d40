"""Named SQL statements in .sql files (core.sqlfiles)."""

import re
from pathlib import Path

import duckdb
import pytest

from core.sqlfiles import SqlFile, statements, transaction

TEXT = """-- what this file is for (not a statement)

-- name: create
-- a table of numbers
CREATE TABLE t (n INTEGER);

-- name: add
INSERT INTO t VALUES ($n);

-- name: between
SELECT n FROM t WHERE n >= $low AND n <= $high ORDER BY n;
"""


@pytest.fixture
def sql_file(tmp_path):
    path = tmp_path / "t.sql"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_each_name_maps_to_its_statement_without_its_comments(sql_file):
    assert statements(sql_file) == {
        "create": "CREATE TABLE t (n INTEGER)",
        "add": "INSERT INTO t VALUES ($n)",
        "between": "SELECT n FROM t WHERE n >= $low AND n <= $high ORDER BY n",
    }


def test_a_statement_runs_by_name_with_only_the_parameters_it_names(sql_file):
    sql = SqlFile(sql_file)
    con = duckdb.connect()
    sql.execute(con, "create", n=99)  # DuckDB would refuse a parameter the SQL does not name
    for n in (1, 5, 9):
        sql.execute(con, "add", n=n, low=0)
    assert sql.execute(con, "between", low=2, high=9, n=0).fetchall() == [(5,), (9,)]
    assert sql["add"] == "INSERT INTO t VALUES ($n)"


def test_a_name_used_twice_is_refused(tmp_path):
    path = tmp_path / "twice.sql"
    path.write_text("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n", encoding="utf-8")
    with pytest.raises(ValueError, match="used twice"):
        statements(path)


def test_changed_counts_the_rows_a_write_changed_and_rows_reads_a_query(sql_file):
    sql = SqlFile(sql_file)
    con = duckdb.connect()
    sql.execute(con, "create")
    assert sql.changed(con, "add", n=4) == 1
    assert sql.rows(con, "between", low=0, high=9) == [(4,)]


def _numbers(con) -> list[int]:
    return [n for (n,) in con.execute("SELECT n FROM t ORDER BY n").fetchall()]


def test_a_transaction_keeps_its_block_only_when_the_block_succeeds():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n INTEGER)")
    with transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(KeyError), transaction(con):
        con.execute("INSERT INTO t VALUES (2)")
        raise KeyError("stop")
    with transaction(con, commit=False):  # a dry run
        con.execute("INSERT INTO t VALUES (3)")
        assert _numbers(con) == [1, 3]
    assert _numbers(con) == [1]


def test_a_transaction_already_ended_does_not_hide_the_error_that_ended_it():
    """A failed COMMIT ends DuckDB's transaction; the ROLLBACK after it must not raise instead."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    with pytest.raises(duckdb.ConstraintException), transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(ZeroDivisionError), transaction(con):
        con.execute("ROLLBACK")  # the transaction is gone, as after a failed COMMIT
        raise ZeroDivisionError
    assert _numbers(con) == []


PRODUCT = ("core", "crawler", "warehouse", "alerts", "history", "zgwatch", "dags")
BY_HAND = re.compile(r"used_params\(|\bstatements\(|\bSQL\[|BEGIN TRANSACTION|\"COMMIT\"|"
                     r"\"ROLLBACK\"|\.begin\(\)|\.commit\(\)|\.rollback\(\)")


def test_no_product_module_runs_a_named_statement_or_a_transaction_by_hand():
    """Named statements run through SqlFile, transactions through transaction(con)."""
    repo = Path(__file__).resolve().parents[2]
    found = [f"{path.relative_to(repo)}:{no}: {line.strip()}"
             for top in PRODUCT for path in sorted((repo / top).rglob("*.py"))
             if path != repo / "core" / "sqlfiles.py"
             for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if BY_HAND.search(line.split("#", 1)[0])]
    assert found == []
