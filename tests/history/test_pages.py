"""The site's pages, read as HTML, against the warehouse they were built from."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from datetime import UTC, date, datetime

import pytest
from lxml import html as lxml_html

from core import sitemap
from core.errors import ConfigError
from core.textdiff import hunk_to_text, hunks, parse_diff
from core.vocabulary import shanghai_time
from history import build_site
from history.build import archived_copy
from history.diffs import CONTEXT
from history.files import MANIFEST, read_manifest, write_atomic
from history.read import Version
from tests.history.conftest import HEAD_SCRIPT, MARKUP_TEXT, MARKUP_TITLE


def doc(text: str):
    return lxml_html.fromstring(text)


def texts(nodes) -> list[str]:
    return [n.text_content() for n in nodes]


def marked(node) -> str:
    """A diff passage as shown, back in the plain-text convention ``[-deleted-]{+inserted+}``."""
    out = [node.text or ""]
    for child in node:
        inner = "\n" if child.tag == "br" else marked(child)
        out.append({"del": "[-{}-]", "ins": "{{+{}+}}"}.get(child.tag, "{}").format(inner))
        out.append(child.tail or "")
    return "".join(out)


def index_of(page) -> list[dict]:
    """The rows of the index's JSON as dicts (its ``columns`` name the fields)."""
    index = json.loads(page.xpath("//script[@id='notice-index']")[0].text)
    return [dict(zip(index["columns"], row, strict=True)) for row in index["rows"]]


def test_the_index_lists_every_notice_with_its_status(story):
    with story.con() as con:
        notices = dict(con.execute("SELECT notice_id, status FROM notices").fetchall())
        newest = [r[0] for r in con.execute(
            "SELECT notice_id FROM notices ORDER BY published_on DESC NULLS LAST, notice_id DESC"
        ).fetchall()]  # fmt: skip
    page = doc(story.page(sitemap.INDEX))
    index = index_of(page)
    assert [r["id"] for r in index] == newest  # every notice, newest first
    assert {r["id"]: r["status"] for r in index} == notices
    # the newest rows are in the HTML too, for a reader without script (here: all 46)
    rows = page.xpath("//table[@id='notices']/tbody/tr")
    assert [r.get("data-id") for r in rows] == newest[:200]
    assert {r.get("data-id"): r.get("class").removeprefix("status-") for r in rows} == notices
    assert notices[story.ids["REMOVED"]] == "removed"
    removed = page.xpath(f"//tr[@data-id='{story.ids['REMOVED']}']")[0]
    assert "已撤下" in removed.text_content()
    link = removed.xpath(".//a/@href")[0]
    assert link == sitemap.notice_page(story.ids["REMOVED"])
    assert (story.site_dir / link).exists()


def test_days_left_count_from_the_latest_cycles_as_of(story):
    with story.con() as con:
        as_of = con.execute("SELECT as_of FROM diff_runs ORDER BY ran_at DESC LIMIT 1"
                            ).fetchone()[0]  # fmt: skip
        end = con.execute("SELECT publicity_end FROM notices WHERE notice_id = ?",
                          [story.ids["EXPIRING"]]).fetchone()[0]  # fmt: skip
    assert (end - as_of).days == 2
    page = doc(story.page(sitemap.INDEX))
    row = page.xpath(f"//tr[@data-id='{story.ids['EXPIRING']}']")[0]
    assert row.xpath("td[5]")[0].text_content() == "剩 2 天"
    index = json.loads(page.xpath("//script[@id='notice-index']")[0].text)
    assert index["as_of"] == as_of.isoformat()
    entry = next(r for r in index_of(page) if r["id"] == story.ids["EXPIRING"])
    assert (entry["days"], entry["phase"], entry["days_label"]) == (2, "open", "剩 2 天")


def _versions(story, notice_id):
    with story.con() as con:
        return con.execute(
            "SELECT version_no, first_seen_at, raw_sha256 FROM notice_versions "
            "WHERE notice_id = ? ORDER BY version_no", [notice_id]).fetchall()  # fmt: skip


def test_a_notice_page_lists_every_version_with_its_time_and_archived_copy(story):
    notice_id = story.ids["EDITED"]
    versions = _versions(story, notice_id)
    assert [v[0] for v in versions] == [1, 2, 3]
    page = doc(story.page(sitemap.notice_page(notice_id)))
    for version_no, seen_at, _ in versions:
        row = page.xpath(f"//tr[@id='v{version_no}']")[0]
        assert shanghai_time(seen_at) in row.text_content()
        href = row.xpath(".//a/@href")[0]
        assert href == "../" + sitemap.archived_copy(notice_id, version_no)
        assert (story.site_dir / "notices" / href).resolve().is_file()


def test_every_pair_of_versions_is_diffed_and_the_latest_edit_shows_first(story):
    notice_id = story.ids["EDITED"]
    page = doc(story.page(sitemap.notice_page(notice_id)))
    pairs = {s.get("id"): s for s in page.xpath("//section[@class='pair']")}
    assert set(pairs) == {"diff-1-2", "diff-1-3", "diff-2-3"}
    assert [k for k, s in pairs.items() if s.get("hidden") is None] == ["diff-2-3"]
    (old1, new1), (old2, new2) = story.edits
    whole = pairs["diff-1-3"]
    assert old1 in "".join(texts(whole.xpath(".//del")))
    assert new1 in "".join(texts(whole.xpath(".//ins")))
    assert old2 in "".join(texts(whole.xpath(".//del")))
    assert new2 in "".join(texts(whole.xpath(".//ins")))
    # two consecutive versions read as the edited event that the diff stage stored
    with story.con() as con:
        stored = con.execute("SELECT diff FROM change_events WHERE kind = 'edited' AND "
                             "notice_id = ? AND to_version = 2", [notice_id]).fetchone()[0]
    expected = [hunk_to_text(h) for h in hunks(parse_diff(stored), CONTEXT)]
    shown = [marked(p) for p in pairs["diff-1-2"].xpath("p[@class='hunk']")]
    assert shown == expected


def test_a_notice_page_shows_the_parsed_fields_and_contacts(story):
    notice_id = story.ids["EDITED"]
    with story.con() as con:
        issuer, phones, emails, end = con.execute(
            "SELECT issuer, phones, emails, publicity_end FROM notices WHERE notice_id = ?",
            [notice_id]).fetchone()  # fmt: skip
    assert phones or emails
    page = doc(story.page(sitemap.notice_page(notice_id)))
    contacts = page.xpath("//section[@id='contacts']")[0]
    assert texts(contacts.xpath(".//li[@class='phone']")) == phones
    assert texts(contacts.xpath(".//li[@class='email']")) == emails
    fields = page.xpath("//section[@class='fields']")[0].text_content()
    assert issuer in fields
    if end:
        assert f"{end.year}年{end.month}月{end.day}日" in fields


def test_text_from_the_site_is_escaped_everywhere(story):
    index = story.page(sitemap.INDEX)
    assert "<b>测试</b>" not in index
    assert "&lt;b&gt;测试&lt;/b&gt;&amp;&#34;引号&#34;" in index
    row = doc(index).xpath(f"//tr[@data-id='{story.ids['MARKUP']}']")[0]
    assert MARKUP_TITLE in row.text_content() and not row.xpath(".//b")
    edited = story.page(sitemap.notice_page(story.ids["EDITED"]))
    assert "<img src=x" not in edited and "&lt;img src=x onerror=alert(1)&gt;" in edited
    assert MARKUP_TEXT in doc(edited).xpath("//article[@class='body']")[0].text_content()
    for page in story.site_dir.glob("notices/*.html"):
        tree = doc(page.read_text(encoding="utf-8"))
        assert not tree.xpath("//img | //iframe | //*[@onerror] | //*[@onclick]"), page
        assert tree.xpath("//script/@src") == ["../assets/site.js"], page


def test_an_archived_copy_keeps_the_evidence_and_drops_every_script(story):
    notice_id = story.ids["HOSTILE"]
    raw = story.raw_bytes(notice_id, 1)
    assert HEAD_SCRIPT in raw and b"onerror" in raw  # the stored page had scripts
    (_, seen_at, sha), = _versions(story, notice_id)
    assert hashlib.sha256(raw).hexdigest() == sha
    text = story.page(sitemap.archived_copy(notice_id, 1))
    page = doc(text)
    banner = page.xpath("//header[@id='evidence']")[0].text_content()
    assert sha in banner and shanghai_time(seen_at) in banner
    assert f"post_{notice_id}.html" in banner and "一致" in banner
    csp = page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "script" not in csp
    assert not page.xpath("//script | //iframe | //link[@href != 'data:,'] | //*[@onerror] "
                          "| //img[@src]")  # fmt: skip
    assert "javascript:" not in text and "SCRIPT RAN" not in text
    # the page's own words are there
    with story.con() as con:
        title = con.execute("SELECT title FROM notices WHERE notice_id = ?",
                            [notice_id]).fetchone()[0]  # fmt: skip
    assert title in page.xpath("//main")[0].text_content()


def _version(tmp_path, data: bytes, sha: str) -> tuple[Version, object]:
    raw = tmp_path / "raw"
    (raw / sha[:2]).mkdir(parents=True, exist_ok=True)
    (raw / sha[:2] / f"{sha}.html.gz").write_bytes(gzip.compress(data))
    version = Version("42", 1, datetime(2026, 11, 26, 2, 0, tzinfo=UTC), "b", "http://x/post_42.html",
                      "标题", "正文", "t", sha, None, None, None)  # fmt: skip
    return version, raw


def test_an_archived_copy_says_when_the_stored_bytes_no_longer_match(tmp_path):
    real = b"<html><body><p>\xe5\x8e\x9f\xe6\x96\x87</p></body></html>"
    sha = hashlib.sha256(real).hexdigest()
    version, raw = _version(tmp_path, b"<html><body><p>tampered</p></body></html>", sha)
    banner = doc(archived_copy(version, raw)).xpath("//header")[0].text_content()
    assert "不一致" in banner and hashlib.sha256(b"<html><body><p>tampered</p></body></html>"
                                              ).hexdigest() in banner  # fmt: skip
    version, raw = _version(tmp_path, real, sha)
    page = doc(archived_copy(version, raw))
    assert "一致" in page.xpath("//header")[0].text_content()
    assert page.xpath("//main/p")[0].text_content() == "原文"
    (raw / sha[:2] / f"{sha}.html.gz").unlink()
    assert "不存在" in doc(archived_copy(version, raw)).xpath("//header")[0].text_content()


def test_an_archived_copy_reads_the_page_in_the_encoding_the_crawl_used(tmp_path):
    data = "<html><head><meta charset='utf-8'></head><body><p>整改落实</p></body></html>"
    sha = hashlib.sha256(data.encode("gbk")).hexdigest()
    version, raw = _version(tmp_path, data.encode("gbk"), sha)
    from dataclasses import replace

    page = doc(archived_copy(replace(version, encoding="gbk"), raw))
    assert page.xpath("//main/p")[0].text_content() == "整改落实"


def test_the_changes_page_lists_events_newest_first_per_cycle(story):
    with story.con() as con:
        events = con.execute(
            "SELECT change_id, batch_id, kind FROM changes WHERE NOT baseline OR kind = "
            "'expiring' ORDER BY change_id DESC").fetchall()  # fmt: skip
        baseline = con.execute("SELECT count(*) FROM changes WHERE baseline AND kind = 'new'"
                               ).fetchone()[0]  # fmt: skip
    page = doc(story.page(sitemap.CHANGES))
    shown = [int(li.get("id").removeprefix("change-")) for li in page.xpath("//ul/li")]
    assert shown == [e[0] for e in events]
    for change_id, batch_id, _ in events:
        section = page.xpath(f"//li[@id='change-{change_id}']/ancestor::section")[0]
        assert section.get("id") == f"cycle-{batch_id}"
    cycles = [s.get("id") for s in page.xpath("//section[@class='cycle']")]
    assert cycles == sorted(cycles, reverse=True)
    assert f"新通报 {baseline} 个" in page.xpath(f"//section[@id='cycle-{story.batches[0]}']"
                                                )[0].text_content()  # fmt: skip
    edit = page.xpath("//li[span[@class='kind edited']]/a/@href")
    assert sitemap.diff_anchor(story.ids["EDITED"], 2, 3) in edit


def test_the_health_page_has_every_cycle_and_its_failed_fetches(story):
    page = doc(story.page(sitemap.HEALTH))
    rows = page.xpath("//table[@class='health']/tbody/tr")
    assert [r.get("id") for r in rows] == [f"cycle-{b}" for b in reversed(story.batches)]
    faulted = rows[0]
    assert faulted.xpath("td[@data-label='服务器错误 (5xx)']")[0].text_content() == "1"
    assert all(r.xpath("td[@data-label='服务器错误 (5xx)']")[0].text_content() == "0"
               for r in rows[1:])  # fmt: skip
    failures = page.xpath("//details[@class='failures']")[0].text_content()
    assert f"post_{story.ids['FAULTED']}.html" in failures and "HTTP 503" in failures


def _events_of(story, batch_id: str) -> set[str]:
    with story.con() as con:
        return {r[0] for r in con.execute(
            "SELECT DISTINCT notice_id FROM change_events WHERE batch_id = ?", [batch_id]
        ).fetchall()}  # fmt: skip


def test_a_cycle_rewrites_only_the_pages_of_notices_that_changed(story):
    first = story.reports[0]
    assert first.full and first.pages_written == first.notices == 45
    for i in (1, 2, 3):
        before, after = story.inodes[i - 1], story.inodes[i]
        rewritten = {p.removeprefix("notices/").removesuffix(".html") for p in after
                     if p.startswith("notices/") and before.get(p) != after[p]}  # fmt: skip
        assert rewritten == _events_of(story, story.batches[i]), i
        assert story.reports[i].pages_written == len(rewritten) and not story.reports[i].full
        assert before[sitemap.HEALTH] != after[sitemap.HEALTH], i  # each cycle is on it
        # the index and the changes: rewritten when notices changed; after a fault they
        # hold the same bytes, and a file that holds them is not written again
        for page in (sitemap.INDEX, sitemap.CHANGES):
            assert (before[page] != after[page]) == (i != 3), (i, page)
    assert story.reports[3].pages_written == 0  # a fault changes no notice
    assert {story.ids["EDITED"], story.ids["EXPIRING"]} <= _events_of(story, story.batches[1])
    # a new version's archived copy is written once, the old ones stay as they were
    v2 = sitemap.archived_copy(story.ids["EDITED"], 2)
    assert v2 not in story.inodes[0] and story.inodes[1][v2] == story.inodes[3][v2]


@pytest.fixture
def site_copy(story, tmp_path):
    shutil.copytree(story.site_dir, tmp_path / "site")
    return tmp_path / "site"


def test_a_build_with_nothing_new_writes_no_notice_page_and_full_writes_all(story, site_copy):
    with story.con() as con:
        again = build_site(con, story.data / "raw", site_copy)
        assert not again.full and again.pages_written == again.archives_written == 0
        full = build_site(con, story.data / "raw", site_copy, full=True)
    assert full.full and full.pages_written == full.notices
    assert full.archives_written == sum(1 for _ in site_copy.glob("archive/*/v*.html"))


def test_a_change_in_the_code_that_draws_the_pages_rebuilds_them_all(story, site_copy):
    manifest = json.loads((site_copy / MANIFEST).read_text())
    manifest["key"]["code"] = "an older build"
    (site_copy / MANIFEST).write_text(json.dumps(manifest))
    with story.con() as con:
        report = build_site(con, story.data / "raw", site_copy)
    assert report.full and report.pages_written == report.notices
    assert read_manifest(site_copy).key["code"] != "an older build"


def test_a_folder_that_is_not_a_site_is_never_written_into(story, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("my own page")
    with story.con() as con, pytest.raises(ConfigError, match="not a zgwatch site"):
        build_site(con, story.data / "raw", mine)
    assert (mine / "index.html").read_text() == "my own page"
    assert sorted(p.name for p in mine.iterdir()) == ["index.html"]


def test_files_are_replaced_whole_or_not_at_all_and_the_same_bytes_not_again(tmp_path):
    target = tmp_path / "a" / "page.html"
    write_atomic(target, "old")
    write_atomic(target, "新的页面")
    assert target.read_text(encoding="utf-8") == "新的页面"
    inode = target.stat().st_ino
    write_atomic(target, "新的页面")  # the same bytes: left as it is
    assert target.stat().st_ino == inode
    write_atomic(target, "新的页面 2")
    assert target.stat().st_ino != inode and target.read_text(encoding="utf-8") == "新的页面 2"
    folder = tmp_path / "a" / "dir.html"
    folder.mkdir()
    with pytest.raises(OSError):
        write_atomic(folder, "cannot replace a folder")
    assert sorted(p.name for p in target.parent.iterdir()) == ["dir.html", "page.html"]


def test_an_empty_warehouse_builds_a_site_with_nothing_in_it(tmp_path):
    from warehouse.db import connect

    with connect(tmp_path / "w.duckdb") as con:
        report = build_site(con, tmp_path / "raw", tmp_path / "site",
                            now=datetime(2026, 11, 26, tzinfo=UTC))  # fmt: skip
    assert report.notices == 0 and report.as_of <= date.today()
    for name in (sitemap.INDEX, sitemap.CHANGES, sitemap.HEALTH, sitemap.FEED):
        assert (tmp_path / "site" / name).stat().st_size > 0


def test_a_notice_listed_but_never_read_gets_a_page_saying_so(tmp_path):
    """Its article answered the shield page from the start: no version, no contacts read."""
    from warehouse.db import connect

    at = datetime(2026, 11, 26, 2, tzinfo=UTC)
    with connect(tmp_path / "w.duckdb") as con:
        con.execute(
            "INSERT INTO notice_state (notice_id, url, list_title, listed_on, first_seen,"
            " first_seen_batch, last_seen, last_fetch_at, last_fetch_outcome)"
            " VALUES ('202118', 'http://x/xunshizgls/content/post_202118.html', '未读通报',"
            " DATE '2026-11-25', ?, 'b1', ?, ?, 'blocked')", [at, at, at])  # fmt: skip
        report = build_site(con, tmp_path / "raw", tmp_path / "site", now=at)
    assert report.notices == 1
    page = doc((tmp_path / "site" / sitemap.notice_page("202118")).read_text(encoding="utf-8"))
    assert "未读通报" in page.xpath("//h1")[0].text_content()
    assert "没有读到联系方式" in page.xpath("//section[@id='contacts']")[0].text_content()


def test_a_warehouse_with_no_cycle_counts_from_the_callers_day(tmp_path):
    """The site has no "today" of its own: before any cycle it counts from the as_of given."""
    from warehouse.db import connect

    db = tmp_path / "w.duckdb"
    connect(db, lock_wait=5).close()
    with connect(db, read_only=True) as con:
        report = build_site(con, tmp_path / "raw", tmp_path / "site", as_of=date(2030, 1, 2))
        assert report.as_of == date(2030, 1, 2)
        later = build_site(con, tmp_path / "raw", tmp_path / "site2",
                           now=datetime(2031, 5, 6, 20, tzinfo=UTC))
        assert later.as_of == date(2031, 5, 7)  # the day of `now` in Asia/Shanghai
