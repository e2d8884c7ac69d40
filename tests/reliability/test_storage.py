"""Reading nothing is not success: a crawl that cannot store pages fails loudly, and the
list is never called complete (docs/reliability.md, "Pages cannot be stored")."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.support.processes import clean_env, start
from zgwatch.sinks import WebhookSink


@pytest.fixture
def operators():
    with WebhookSink() as sink:
        yield sink


def _run(replica, tmp_path, operators):
    proc = start("run", "--source", replica.url, "--data-dir", str(tmp_path / "data"),
                 "--db", str(tmp_path / "w.duckdb"), "--delay", "0", "--timeout", "5",
                 env=clean_env(ZGWATCH_OPERATORS_NOTIFY=operators.url()), cwd=tmp_path)
    _out, err = proc.communicate(timeout=120)
    lines = [line for line in err.splitlines() if line.strip()]
    assert proc.returncode == 1, err
    assert len(lines) == 1 and lines[0].startswith("zgwatch: ") and "Traceback" not in err
    return lines[0]


def _incident(tmp_path) -> tuple[str, str]:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT kind, detail FROM incidents WHERE ended_at IS NULL").fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def _told(operators) -> str:
    messages = operators.wait_for(1, timeout=30)
    assert len(messages) == 1
    return json.dumps(messages[0]["json"], ensure_ascii=False)


def test_a_raw_folder_that_cannot_be_written_fails_before_any_request(replica, tmp_path,
                                                                      operators):
    raw = tmp_path / "data" / "raw"
    raw.parent.mkdir()
    raw.write_text("a file where the folder should be")  # unwritable even for root
    line = _run(replica, tmp_path, operators)
    assert f"raw pages folder {raw}: cannot write to it" in line
    assert not [p for _, p, _ in replica.site.requests if p.startswith("/xunshizgls")]
    kind, detail = _incident(tmp_path)
    assert kind == "step_failed" and "raw pages folder" in detail
    assert "raw pages folder" in _told(operators)


def test_a_crawl_that_can_store_nothing_stops_at_the_first_page_and_fails(replica, tmp_path,
                                                                           operators):
    """The folder is writable, its sub-folders are not: every page fails to be stored."""
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    for n in range(256):
        (raw / f"{n:02x}").write_text("not a folder")
    line = _run(replica, tmp_path, operators)
    assert f"cannot store pages: {raw}/" in line and "File exists" in line
    # it stopped at once instead of reading the column for nothing
    assert len([p for _, p, _ in replica.site.requests if p.startswith("/xunshizgls")]) <= 3
    batch = next((tmp_path / "data" / "batches").iterdir())
    summary = json.loads((batch / "summary.json").read_text(encoding="utf-8"))
    assert summary["list_complete"] is False and summary["finish_reason"] == "store_failed"
    assert not (batch / "DONE").exists()  # never loaded
    assert [json.loads(x)["outcome"] for x in (batch / "fetches.jsonl").open()] == ["error"]
    assert not (batch / "listings.jsonl").read_text()  # its entries were not kept: not read
    assert _incident(tmp_path)[0] == "step_failed"
    assert "cannot store pages" in _told(operators)
