"""One notice id grammar for crawler, warehouse and site (issue 29, item 1).

``post_<25 digits>.html`` used to be crawled and loaded, then broke every later
publish with a traceback; full-width and Arabic-Indic digits made look-alike pages.
An id is ASCII digits, 1 to 20 of them (``vocabulary.NOTICE_ID``); a link with any
other id is recorded as a fault, never fetched, never loaded.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import sitemap
from core.vocabulary import ARTICLE_URL, NOTICE_ID, is_notice_id
from crawler.parsing.article import notice_id_of
from crawler.parsing.listing import parse_list
from replica.faults import HOSTILE_IDS
from tests.cli.test_cli import zgwatch

LIST = "http://x.org/xunshizgls/index.html"


def list_page(*ids: str) -> bytes:
    items = "".join(f'<li><a href="./content/post_{i}.html">中共某委关于巡视整改进展情况的通报{n}'
                    f'</a><span>2024-09-2{n % 10}</span></li>' for n, i in enumerate(ids))
    return (f'<html><body><div>所在位置:<a href="/">首页</a> &gt; <span>整改落实</span></div>'
            f'<ul>{items}</ul><div><a href="./index_2.html">2</a>'
            f'<a href="./index_2.html">下一页</a></div></body></html>').encode()


@pytest.mark.parametrize("bad", [*HOSTILE_IDS, "1" * 21, "", "12\n", "٣", "12 3"])
def test_what_is_not_a_notice_id(bad):
    assert not is_notice_id(bad)
    if "\n" not in bad:  # (urlsplit drops a line break from a URL, as browsers do)
        assert notice_id_of(f"http://x.org/xunshizgls/content/post_{bad}.html") == ""
    with pytest.raises(ValueError):
        sitemap.notice_page(bad)


@given(st.text(min_size=1, max_size=24))
def test_a_notice_id_is_1_to_20_ascii_digits_and_nothing_else(text):
    ascii_digits = 1 <= len(text) <= 20 and all(c in "0123456789" for c in text)
    assert is_notice_id(text) is ascii_digits
    m = ARTICLE_URL.search(f"/content/post_{text}.html")
    assert (m is not None and m.group(1) == text) is all(c in "0123456789" for c in text)


@given(st.from_regex(NOTICE_ID, fullmatch=True))
def test_every_notice_id_has_a_page_and_is_read_from_its_url(notice_id):
    assert sitemap.notice_page(notice_id) == f"notices/{notice_id}.html"
    assert notice_id_of(f"http://x.org/xunshizgls/content/post_{notice_id}.html") == notice_id


def test_a_list_page_keeps_notice_ids_and_rejects_the_rest():
    page = parse_list(list_page("202033", *HOSTILE_IDS, "202034"), LIST)
    assert [e.notice_id for e in page.entries] == ["202033", "202034"]
    assert [u.rsplit("post_", 1)[1] for u in page.rejected] == [f"{i}.html" for i in HOSTILE_IDS]


def test_a_crawl_records_a_bad_id_as_a_fault_and_never_asks_for_it(replica, crawl):
    replica.site.set_fault("/xunshizgls/index.html", "hostile_ids")
    batch = crawl(replica.url)
    faults = [f for f in batch.fetches if f["reason"] and "not a notice id" in f["reason"]]
    assert len(faults) == len(HOSTILE_IDS)
    assert {f["outcome"] for f in faults} == {"error"}
    assert all(f["notice_id"] is None and f["http_status"] is None for f in faults)
    asked = " ".join(str(r) for r in replica.site.requests)
    assert "post_111111111111111111111" not in asked and "202033abc" not in asked
    assert all(is_notice_id(e["notice_id"]) for e in batch.listings)
    assert len(batch.listings) == 45 and batch.summary["list_complete"] is True
    assert (batch.dir / "DONE").exists()


def test_a_cycle_over_a_hostile_list_publishes_and_the_next_one_too(replica, tmp_path):
    replica.site.set_fault("/xunshizgls/index.html", "hostile_ids")
    args = ("run", "--source", replica.url, "--delay", "0", "--timeout", "5",
            "--data-dir", str(tmp_path / "data"), "--db", str(tmp_path / "w.duckdb"))
    env = {"ZGWATCH_LOG_LEVEL": "ERROR"}
    for _ in range(2):
        proc = zgwatch(*args, env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT notice_id FROM notice_state").fetchall()]
        faults = con.execute("SELECT count(*) FROM fetches WHERE reason LIKE 'not a notice id%'"
                             ).fetchone()[0]
    assert len(ids) == 45 and all(map(is_notice_id, ids))
    assert faults == 2 * len(HOSTILE_IDS)  # seen by operators in fetch_failures, each cycle


def test_the_load_refuses_a_bad_id_a_batch_holds(replica, crawl, tmp_path):
    """Defence in depth: a batch written by anything else is still held to the grammar."""
    from core.batch import new_batch_id
    from warehouse.db import connect
    from warehouse.load import load_batch

    batch = crawl(replica.url)
    forged = tmp_path / new_batch_id()
    shutil.copytree(batch.dir, forged)
    listing = json.loads((forged / "listings.jsonl").read_text().splitlines()[0])
    notice = json.loads((forged / "notices.jsonl").read_text().splitlines()[0])
    with (forged / "listings.jsonl").open("a") as fh:
        for bad in HOSTILE_IDS:
            fh.write(json.dumps({**listing, "notice_id": bad}, ensure_ascii=False) + "\n")
    with (forged / "notices.jsonl").open("a") as fh:
        fh.write(json.dumps({**notice, "notice_id": "9" * 25}) + "\n")
    with (forged / "fetches.jsonl").open("a") as fh:
        fh.write(json.dumps({"url": "http://x/post_1.html", "page_kind": "article",
                             "outcome": "ok", "fetched_at": "2024-10-01T00:00:00+00:00",
                             "notice_id": "１"}, ensure_ascii=False) + "\n")
    with connect(tmp_path / "w.duckdb") as con:
        result = load_batch(con, forged)
        assert result.listings == 45 and result.new_notices == 45
        ids = {r[0] for r in con.execute(
            "SELECT notice_id FROM notice_state UNION SELECT notice_id FROM listing_entries "
            "UNION SELECT notice_id FROM notice_versions "
            "UNION SELECT notice_id FROM fetches WHERE notice_id IS NOT NULL").fetchall()}
    assert len(ids) == 45 and all(map(is_notice_id, ids))


def test_a_site_built_from_an_older_warehouse_with_a_bad_id_leaves_it_out(replica, tmp_path):
    """A warehouse an earlier version filled with a 25-digit id: the site is built without it."""
    from zgwatch import pipeline
    from zgwatch.config import Settings

    settings = Settings(source=replica.url, db=tmp_path / "w.duckdb", data_dir=tmp_path / "d",
                        delay=0, timeout=5)
    pipeline.run(settings)
    with duckdb.connect(str(settings.db)) as con:
        con.execute("INSERT INTO notice_state (notice_id, url, first_seen, first_seen_batch, "
                    "last_seen) SELECT '1' || repeat('0', 24), url, first_seen, "
                    "first_seen_batch, last_seen FROM notice_state LIMIT 1")
    report = pipeline.publish(settings)
    assert report.site.notices == 45
    assert not any("0" * 24 in p.name for p in (settings.site_folder / "notices").iterdir())
    batch = pipeline.snapshot_known(settings)  # nor is it the crawler's to revisit
    known = (batch / "known.jsonl").read_text(encoding="utf-8")
    assert len(known.splitlines()) == 45 and "0" * 24 not in known


def test_a_stage_that_fails_unexpectedly_is_one_line(tmp_path):
    from core.errors import StageFailed
    from zgwatch.config import Settings
    from zgwatch.pipeline import one_line

    with pytest.raises(StageFailed) as err, one_line("site", Settings(db=tmp_path / "w.duckdb")):
        sitemap.notice_page("1" * 25)
    assert str(err.value) == (f"site: ValueError: not a notice id: '{'1' * 25}' "
                              "(where: ZGWATCH_LOG_LEVEL=DEBUG logs the traceback)")
