"""The crawl batch's one home (core.batch): ids, files, done, summary, a retry's fresh copy."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import batch as b
from core.batch import Batch, batch_started_at, fresh_batch, is_batch_id, new_batch_id
from core.errors import BatchError

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("core", "crawler", "warehouse", "alerts", "history", "zgwatch", "dags", "bench")


INSTANTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1),
                       timezones=st.just(UTC))


def _to_ms(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


@given(INSTANTS, INSTANTS)
def test_an_id_names_its_start_to_the_millisecond_and_sorts_in_time_order(one, two):
    a, b = new_batch_id(one), new_batch_id(two)
    assert is_batch_id(a) and batch_started_at(a) == _to_ms(one)
    if _to_ms(one) != _to_ms(two):
        assert (a < b) == (one < two)


def test_old_seconds_only_ids_are_still_ids():
    assert batch_started_at("20260302T010000Z-aaaaaa") == datetime(2026, 3, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize("name", ["failed", "20260302T010000Z", "20260302T010000Z-AAAAAA",
                                  "2026-03-02T010000Z-aaaaaa", ".20260302T010000Z-aaaaaa"])
def test_other_names_are_not_ids(name):
    assert not is_batch_id(name)
    with pytest.raises(BatchError, match="is not a batch id"):
        batch_started_at(name)


def test_a_batch_is_done_only_once_marked_and_its_summary_reads_back(tmp_path):
    batch = Batch(tmp_path / new_batch_id())
    batch.dir.mkdir()
    assert not batch.is_done() and batch.is_snapshot_only()
    batch.write_summary({"list_complete": True, "source": "https://例.cn/"})
    assert batch.read_summary() == {"list_complete": True, "source": "https://例.cn/"}
    assert not batch.is_snapshot_only()
    batch.mark_done()
    assert batch.is_done()
    assert sorted(p.name for p in batch.dir.iterdir()) == [b.DONE, b.SUMMARY]


def test_a_retried_crawl_gets_a_fresh_batch_with_the_same_snapshot(tmp_path):
    batch = Batch(tmp_path / "20260302T010000Z-aaaaaa")
    batch.dir.mkdir()
    batch.known.write_text('{"notice_id": "1"}\n')
    assert fresh_batch(batch.dir) == batch.dir  # first try: the snapshot's own batch
    batch.fetches.write_text("partial\n")  # the first try wrote here, then died
    fresh = Batch(fresh_batch(batch.dir))
    assert fresh.dir != batch.dir and fresh.dir.parent == batch.dir.parent
    assert is_batch_id(fresh.id)
    assert fresh.known.read_text() == '{"notice_id": "1"}\n'
    assert fresh.is_snapshot_only()


def test_a_retried_crawl_finds_its_snapshot_in_failed_after_a_cleanup(tmp_path):
    """A CLI run between two tries moved the first try's batch to failed/ (crawler.leftovers)."""
    batches, failed = tmp_path / "batches", tmp_path / "failed"
    moved = Batch(failed / "20260302T010000Z-aaaaaa")
    moved.dir.mkdir(parents=True)
    batches.mkdir()
    moved.known.write_text('{"notice_id": "1"}\n')
    fresh = Batch(fresh_batch(batches / moved.id, failed))
    assert fresh.dir.parent == batches and fresh.known.read_text() == '{"notice_id": "1"}\n'


def _batch_file_names() -> list[str]:
    return [value for name, value in vars(b).items()
            if name.isupper() and isinstance(value, str)]


def test_no_product_code_spells_a_batch_file_name_but_its_module():
    """Each file of the batch is named once, in core/batch.py (docstrings and comments aside)."""
    names = _batch_file_names()
    assert {"known.jsonl", "DONE", "summary.json", "fetches.jsonl"} <= set(names)
    literal = re.compile("|".join(rf"""["']{re.escape(n)}["']""" for n in names))
    found = []
    for top in PRODUCT:
        for path in sorted((REPO / top).rglob("*.py")):
            if path == REPO / "core" / "batch.py":
                continue
            for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if literal.search(code):
                    found.append(f"{path.relative_to(REPO)}:{no}: {line.strip()}")
    assert found == []
