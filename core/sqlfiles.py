"""Named SQL statements kept in ``.sql`` files, beside the code that runs them.

A file holds statements each headed by a ``-- name: <name>`` line (the
convention of yesql and aiosql); ``statements(path)`` maps each name to its
SQL, and ``SqlFile(path).execute(con, name, **params)`` runs one with the
parameters it names. Data-changing SQL lives in such files as the warehouse's views live in
theirs, so it reads, diffs and lints as SQL. No other module runs a named statement
by hand. ``transaction(con)`` is the one way a stage groups statements into one
transaction.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

_NAME = re.compile(r"^-- name:\s*([A-Za-z_]\w*)\s*$", re.MULTILINE)


@cache
def statements(path: Path) -> dict[str, str]:
    """``{name: sql}`` of the file at ``path``; text before the first name is a comment.

    The comment lines right under a name (what the statement is for) are not
    part of its SQL.
    """
    text = Path(path).read_text(encoding="utf-8")
    parts = _NAME.split(text)
    names, bodies = parts[1::2], parts[2::2]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: a statement name is used twice")
    return {name: _strip(body) for name, body in zip(names, bodies, strict=True)}


def _strip(body: str) -> str:
    """The statement without the comment lines that head it, or the trailing semicolon."""
    lines = body.strip().rstrip(";").strip().splitlines()
    while lines and lines[0].lstrip().startswith("--"):
        lines.pop(0)
    return "\n".join(lines).strip()


_PARAM = re.compile(r"\$([A-Za-z_]\w*)")


def used_params(sql: str, params: dict) -> dict:
    """The entries of ``params`` that ``sql`` names as ``$name`` (DuckDB refuses extra ones)."""
    names = set(_PARAM.findall(sql))
    return {k: v for k, v in params.items() if k in names}


class SqlFile:
    """The named statements of one ``.sql`` file, to look up or run by name."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._sql = statements(self.path)

    def __getitem__(self, name: str) -> str:
        return self._sql[name]

    def items(self) -> list[tuple[str, str]]:
        """Every statement as (name, text), in name order."""
        return sorted(self._sql.items())

    def text(self, name: str, /, **idents: str) -> str:
        """Statement ``name`` with each ``{key}`` of ``idents`` replaced by its value: an
        identifier the caller has quoted (a table, a schema), never a value."""
        sql = self._sql[name]
        for key, ident in idents.items():
            sql = sql.replace("{" + key + "}", ident)
        return sql

    def execute(self, con, name: str, /, *, idents: Mapping[str, str] | None = None,
                **params):
        """Run statement ``name`` on ``con`` with the entries of ``params`` it names
        (``idents``: its ``{key}`` identifiers, ``text``)."""
        sql = self.text(name, **(idents or {}))
        return con.execute(sql, used_params(sql, params))

    def changed(self, con, name: str, /, **params) -> int:
        """Run the INSERT, UPDATE or DELETE ``name``; the number of rows it changed."""
        return self.execute(con, name, **params).fetchone()[0]

    def rows(self, con, name: str, /, **params) -> list[tuple]:
        """Run the query ``name``; all its rows."""
        return self.execute(con, name, **params).fetchall()


@contextlib.contextmanager
def transaction(con, *, commit: bool = True) -> Iterator:
    """Run the block in one transaction: committed at its end, rolled back if it raises.

    ``commit=False`` rolls back even a block that succeeds (a dry run). The
    rollback never hides the error that caused it: a failed COMMIT (a full
    disk refusing the write-ahead log) has already ended the transaction, and
    the "no transaction is active" its ROLLBACK would raise is dropped.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        _rollback(con)
        raise
    if commit:
        try:
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
    else:
        _rollback(con)


def _rollback(con) -> None:
    with contextlib.suppress(Exception):  # the error being raised is the one that matters
        con.execute("ROLLBACK")
