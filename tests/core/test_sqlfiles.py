"""Named SQL statements in .sql files (core.sqlfiles)."""

import duckdb
import pytest

from core.sqlfiles import SqlFile, statements

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
