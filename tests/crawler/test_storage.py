"""A crawl that cannot store what it reads stops at once and says where, in one line."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from core.errors import StageFailed
from crawler.runner import CrawlOptions, _StderrTail, run_crawl


def test_a_raw_folder_that_cannot_be_written_stops_the_crawl_before_any_request(replica,
                                                                                tmp_path):
    blocker = tmp_path / "raw"
    blocker.write_text("a file where the raw pages should go")
    batch = tmp_path / "batches" / "20260101T000000000Z-000001"
    options = CrawlOptions(source=replica.url, raw_dir=blocker, as_of=date(2026, 1, 1), delay=0)
    with pytest.raises(StageFailed) as failed:
        run_crawl(options, batch, None)
    text = str(failed.value)
    assert text.startswith(f"raw pages folder {blocker}: cannot write to it") and "\n" not in text
    assert not (batch / "DONE").exists()
    assert replica.site.requests == type(replica.site.requests)()  # not one request


def test_raw_pages_that_cannot_be_stored_mid_crawl_stop_it_naming_the_path(replica, tmp_path):
    """The folder passes the check, its sub-folders cannot be made: the first page stops it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(256):
        (raw / f"{n:02x}").write_text("not a folder")
    batch = tmp_path / "batches" / "20260101T000000000Z-000001"
    options = CrawlOptions(source=replica.url, raw_dir=raw, as_of=date(2026, 1, 1), delay=0)
    with pytest.raises(StageFailed) as failed:
        run_crawl(options, batch, None)
    text = str(failed.value)
    assert text.startswith(f"crawl of {replica.url} did not finish (exit 1): cannot store "
                           f"pages: {raw}/")
    assert "File exists" in text and "\n" not in text
    assert not (batch / "DONE").exists()
    # it stopped at the first page it could not store, not after reading the whole column
    assert len(replica.site.requests) < len(replica.site.notice_ids())


def test_a_crawl_that_dies_is_described_by_its_last_error_not_no_output(tmp_path):
    crash = "import sys; print('noise', file=sys.stderr); raise OSError(28, 'No space left')"
    proc = subprocess.Popen([sys.executable, "-c", crash], stderr=subprocess.PIPE)
    tail = _StderrTail(proc.stderr, tmp_path / "crawl.stderr")
    proc.wait()
    tail.join()
    proc.stderr.close()
    assert tail.reason() == "OSError: [Errno 28] No space left"
    assert "noise" in (tmp_path / "crawl.stderr").read_text()
