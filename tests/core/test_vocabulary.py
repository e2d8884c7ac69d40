"""One word for each thing: the SQL files use only the vocabulary's kinds and outcomes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.vocabulary import KIND_LABELS, Kind, Outcome, PageKind

REPO = Path(__file__).resolve().parents[2]
SQL_FILES = sorted(p for top in ("warehouse", "alerts", "history") if (REPO / top).exists()
                   for p in (REPO / top).rglob("*.sql"))
# `outcome = 'x'`, `kind IN ('a', 'b')`, `e.kind = 'x'`, `'x' AS kind`, …
COMPARED = re.compile(r"\b(outcome|page_kind|kind)\s*(?:=|<>|!=|IN)\s*\(?((?:'[a-z_]+'\s*,?\s*)+)")
NAMED = re.compile(r"'([a-z_]+)'\s+AS\s+(kind)\b")
WORDS = {"outcome": {o.value for o in Outcome}, "page_kind": {p.value for p in PageKind},
         "kind": {k.value for k in Kind}}


def literals(sql: str) -> list[tuple[str, str]]:
    """(column, word) of every quoted word the SQL compares a kind or outcome with."""
    found = [(col, word) for col, words in COMPARED.findall(sql)
             for word in re.findall(r"'([a-z_]+)'", words)]
    return found + [(col, word) for word, col in NAMED.findall(sql)]


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_sql_speaks_the_vocabulary(path):
    stray = [(col, word) for col, word in literals(path.read_text(encoding="utf-8"))
             if word not in WORDS[col]]
    assert stray == [], f"{path.name} uses words core/vocabulary.py does not define"


def test_the_check_sees_a_stray_word():
    sql = "WHERE outcome = 'okay' AND page_kind IN ('list', 'lists') AND e.kind = 'edit'"
    assert [(c, w) for c, w in literals(sql) if w not in WORDS[c]] == [
        ("outcome", "okay"), ("page_kind", "lists"), ("kind", "edit")]


def test_every_kind_has_its_label():
    assert set(KIND_LABELS) == set(Kind)
