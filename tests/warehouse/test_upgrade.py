"""A warehouse written by the previous release (commit 418771a, before sources) upgrades in
place: every row is kept and belongs to its source (tests/data/upgrade/make.sh made it)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from core.errors import SourceMismatch
from zgwatch.adopt import adopt_previous
from zgwatch.config import load_settings
from zgwatch.pipeline import snapshot_known

DATA = Path(__file__).parents[1] / "data" / "upgrade"
EXPECTED = json.loads((DATA / "previous_release.expected.json").read_text(encoding="utf-8"))
COLUMN = EXPECTED["column"]
RELATIONS = tuple(EXPECTED["counts"])
TABLES = ("fetches", "notice_versions")  # the pipeline's own: counted; the views carry sources


def previous_release(path: Path) -> Path:
    """The previous release's warehouse, unpacked at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(DATA / "previous_release.duckdb.gz", "rb") as src, path.open("wb") as out:
        shutil.copyfileobj(src, out)
    return path


def rows_by_source(db: Path) -> dict[str, dict]:
    """Each relation's row count and its (source_id, source_name) pairs; the notice ids."""
    with duckdb.connect(str(db), read_only=True) as con:
        seen = {r: (con.execute(f"SELECT count(*) FROM {r}").fetchone()[0],
                    set() if r in TABLES else set(con.execute(
                        f"SELECT DISTINCT source_id, source_name FROM {r}").fetchall()))
                for r in RELATIONS}
        ids = sorted(r[0] for r in con.execute("SELECT notice_id FROM notices").fetchall())
        kinds = sorted(r[0] for r in con.execute("SELECT kind FROM changes").fetchall())
    return {"relations": seen, "notice_ids": ids, "change_kinds": kinds}


def assert_every_row_is_of(db: Path, source: tuple[str, str]) -> None:
    found = rows_by_source(db)
    for relation, (count, sources) in found["relations"].items():
        assert count == EXPECTED["counts"][relation], relation
        assert sources == ({source} if count and relation not in TABLES else set()), relation
    assert found["notice_ids"] == EXPECTED["notice_ids"]
    assert found["change_kinds"] == EXPECTED["change_kinds"]


def test_the_fixture_is_the_previous_release():
    assert EXPECTED["schema_version"] == 28  # its highest migration: no 022 yet
    assert all(EXPECTED["counts"][r] for r in ("notices", "changes", "change_hunks"))


def test_upgraded_without_a_registry_its_rows_are_the_default_source(tmp_path):
    db = previous_release(tmp_path / "data" / "zgwatch.duckdb")
    settings = load_settings({"source": COLUMN, "db": str(db),
                              "data_dir": str(tmp_path / "data")}, env={})
    snapshot_known(settings)  # the first step of a cycle: migrates, checks, records
    assert_every_row_is_of(db, ("default", "南粤清风网 · 整改落实"))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT source_id, source_url FROM sources").fetchall() == [
            ("default", COLUMN)]


def registry(tmp_path: Path) -> Path:
    cfg = tmp_path / "zgwatch.toml"
    cfg.write_text(f'''data_dir = "{tmp_path / "data"}"
db = "{tmp_path / "data" / "zgwatch.duckdb"}"
[[sources]]
id = "gd-xsgg"
url = "{COLUMN.replace("xunshizgls", "swxsnew/xsgg")}"
name = "南粤清风网 · 巡视公告"
kind = "stationing"

[[sources]]
id = "gd-zgls"
url = "{COLUMN}index.html"
name = "整改落实"
''', encoding="utf-8")
    return cfg


def test_a_registry_source_of_its_column_adopts_it_with_every_row(tmp_path):
    old = previous_release(tmp_path / "data" / "zgwatch.duckdb")
    (tmp_path / "data" / "raw" / "ab").mkdir(parents=True)
    settings = load_settings({}, env={}, config_file=registry(tmp_path))
    line = adopt_previous(settings)
    own = tmp_path / "data" / "sources" / "gd-zgls"
    assert line is not None and "gd-zgls" in line and COLUMN in line
    assert not old.exists() and (own / "zgwatch.duckdb").exists()
    assert (own / "raw" / "ab").is_dir()  # its raw pages went with it
    assert not (tmp_path / "data" / "sources" / "gd-xsgg").exists()
    assert adopt_previous(settings) is None  # once
    one = settings.for_source(settings.select("gd-zgls")[0])
    snapshot_known(one)
    assert_every_row_is_of(one.db, ("gd-zgls", "整改落实"))


def test_a_warehouse_of_another_source_is_refused(tmp_path):
    db = previous_release(tmp_path / "w.duckdb")
    base = {"source": COLUMN, "db": str(db), "data_dir": str(tmp_path / "d")}
    snapshot_known(load_settings(base, env={}))
    with pytest.raises(SourceMismatch, match=r"holds the source 'default'; asked to run as "
                                             r"'gd-zgls'") as err:
        snapshot_known(load_settings({**base, "source_id": "gd-zgls"}, env={}))
    assert err.value.exit_code == 2
    assert len(list((tmp_path / "d" / "batches").iterdir())) == 1  # the refused made none
