"""The inspection cycle across sources: the replica's three columns crawled for real, each into
its own warehouse (``settings.for_source``) and published, which brings the copy across
sources up to date; its documents are the union ``build_inspection`` runs on (the copy's own
relations are the pipeline's); compared with the replica's rounds."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from alerts.events import load_events
from alerts.messages import notice_message
from alerts.render import render
from core.errors import ConfigError
from replica import running
from replica.columns import batch_of
from replica.model import INSPECTION
from replica.rounds import Round, overdue, plan
from tests.warehouse.conftest import REPO
from warehouse.db import connect
from warehouse.inspection import build_inspection, read_aliases
from zgwatch import pipeline
from zgwatch.config import load_settings

SEED = 1
COLUMNS = {"xsgg": ("/swxsnew/xsgg/", "stationing"), "xsfk": ("/swxsnew/xsfk/", "feedback"),
           "zgls": ("/xunshizgls/", "rectification")}
ANALYSTS = (REPO / "docs" / "analysts.md").read_text(encoding="utf-8")


@dataclass
class Union:
    con: duckdb.DuckDBPyConnection
    site: object  # the replica.Replica
    as_of: date
    copies: dict[str, Path]
    settings: dict  # each source's Settings (for_source)
    across: Path  # the copy across sources the publishes brought up to date


def registry(base: str) -> str:
    return "".join(f'[[sources]]\nid = "{sid}"\nurl = "{base}{path}"\nname = "{sid}"\n'
                   f'kind = "{kind}"\n\n' for sid, (path, kind) in COLUMNS.items())


def union_of(across: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the documents of the copy across sources (every source's
    ``inspection_documents``), for ``build_inspection`` with rules of a test's own."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{across}' AS across (READ_ONLY)")
    con.execute("CREATE TABLE inspection_documents AS FROM across.inspection_documents")
    con.execute("DETACH across")
    return con


@pytest.fixture(scope="module")
def union(tmp_path_factory) -> Union:
    tmp = tmp_path_factory.mktemp("cycle")
    with running(45, SEED) as served:
        config = tmp / "zgwatch.toml"
        config.write_text(registry(served.url_for("/").rstrip("/")), encoding="utf-8")
        settings = load_settings({"data_dir": tmp / "data", "as_of": served.site.today,
                                  "delay": 0, "timeout": 5, "recent_days": 100_000,
                                  "lock_wait": 10}, env={}, config_file=config)
        copies, each = {}, {}
        for source in settings.source_list:
            one = each[source.id] = settings.for_source(source)
            pipeline.crawl(one)
            pipeline.load(one)
            pipeline.diff(one)
            copies[source.id] = pipeline.publish(one).analyst_copy
    across = settings.across_copy
    con = union_of(across)
    build_inspection(con, as_of=served.site.today)
    yield Union(con, served.site, served.site.today, copies, each, across)
    con.close()


def test_the_copy_across_sources_holds_every_sources_relations(union) -> None:
    """The publishes left in the copy across sources what a build on the union gives."""
    with duckdb.connect(str(union.across), read_only=True) as con:
        for table in ("units", "inspection_rounds", "rectification_due"):
            sql = f"FROM {table} ORDER BY ALL"
            assert con.execute(sql).fetchall() == union.con.execute(sql).fetchall(), table
        assert con.execute("SELECT count(DISTINCT source_id) FROM round_documents"
                           ).fetchone() == (3,)


def events(settings, *kinds: str) -> list[tuple]:
    """(kind, event_key, notice_id, summary) of a source's events of ``kinds``."""
    with connect(settings.db, lock_wait=10) as con:
        return con.execute("SELECT kind, event_key, notice_id, summary FROM change_events "
                           "WHERE list_contains(?, kind) ORDER BY change_id", [list(kinds)]
                           ).fetchall()


def truth(site, url: str) -> list[Round]:
    """The rounds the replica wrote the document at ``url`` from."""
    path = re.sub(r"^https?://[^/]+", "", url)
    rounds = plan(SEED)
    for column in site.columns.all.values():
        if path in column.paths:
            listing = column._all[column.paths[path]]
            if column.spec.kind == INSPECTION:
                return [rounds.round_near(listing.issuer, listing.published_at.date())]
            return list(batch_of(rounds, listing).rounds)
    listing = next(x for x in site._listings.values() if path.endswith(f"post_{x.notice_id}.html"))
    day = listing.published_at.date()
    if listing.kind == INSPECTION:
        return [rounds.round_near(listing.issuer, day)]
    return [rounds.round_before(listing.issuer, day)]


def test_every_document_is_linked_to_its_unit_and_round(union) -> None:
    rows = union.con.execute(
        "SELECT round_id, unit_id, url, count(*) OVER (PARTITION BY url) FROM round_documents"
    ).fetchall()
    documents = union.con.execute("SELECT count(DISTINCT url) FROM inspection_documents"
                                  ).fetchone()[0]
    assert documents == 25 + 25 + 45  # every document of the three columns names a unit
    rounds_of: dict[str, set[Round]] = {}
    ids_of: dict[Round, set[str]] = {}
    for round_id, unit_id, url, units in rows:
        written = truth(union.site, url)
        assert units == len(written), url  # each unit of a batch read, none invented
        (found,) = [r for r in written if r.unit_key == unit_id]  # name variants: one unit
        rounds_of.setdefault(round_id, set()).add(found)
        ids_of.setdefault(found, set()).add(round_id)
    assert all(len(r) == 1 for r in rounds_of.values())  # no two rounds in one
    assert all(len(i) == 1 for i in ids_of.values())  # no round split in two
    kinds = union.con.execute("SELECT count(DISTINCT document_kind) FROM round_documents"
                              ).fetchone()[0]
    assert kinds == 3
    linked = union.con.execute(
        "SELECT count(*) FROM (SELECT round_id FROM round_documents GROUP BY round_id "
        "HAVING count(DISTINCT document_kind) > 1)").fetchone()[0]
    assert linked > 10  # rounds told by two or three columns, linked across sources


def test_rectification_due_lists_exactly_the_units_the_replica_made_overdue(union) -> None:
    rounds_in = {}
    for url, unit_id in union.con.execute(
            "SELECT DISTINCT url, unit_id FROM round_documents").fetchall():
        for r in truth(union.site, url):
            if r.unit_key == unit_id:
                rounds_in.setdefault(r, set()).add(url)
    stated, published = set(), {}
    rounds = plan(SEED)
    for listing in union.site._listings.values():
        if listing.kind != INSPECTION:
            r = rounds.round_before(listing.issuer, listing.published_at.date())
            stated.add(r)
            published[r] = min(published.get(r, date.max), listing.published_at.date())
    feedback = union.site.columns.all["/swxsnew/xsfk/"]
    for listing in feedback.listings:
        batch = batch_of(rounds, listing)
        if batch.states_day:
            stated.update(batch.rounds)
    expected = overdue(list(rounds_in), published, stated, union.as_of, 6)
    found = union.con.execute(
        "SELECT unit_id, feedback_on, progress_expected_by, days_overdue FROM rectification_due "
        "WHERE days_overdue > 0").fetchall()
    assert {(u, f) for u, f, _, _ in found} == {(r.unit_key, r.feedback_on) for r in expected}
    assert len(expected) >= 5  # units that never published, past the six months
    for _, _, by, days in found:
        assert days == (union.as_of - by).days
    statuses = dict(union.con.execute(
        "SELECT status, count(*) FROM inspection_rounds GROUP BY ALL").fetchall())
    assert statuses["overdue"] == len(expected)
    assert {"progress_published", "feedback_given", "stationed"} <= set(statuses)


def test_a_round_has_the_facts_each_column_states(union) -> None:
    (row,) = union.con.execute(
        "SELECT group_name, stationed_from, stationed_to, feedback_on, first_progress_on, "
        "progress_notices, status FROM inspection_rounds WHERE unit_id = '珠海市金湾区委' "
        "AND feedback_on = DATE '2023-10-26'").fetchall()
    assert row == ("省委第十一巡视组", date(2023, 4, 24), date(2023, 7, 26), date(2023, 10, 26),
                   date(2024, 9, 26), 1, "progress_published")
    (stationing,) = union.con.execute(
        "SELECT r.round_id, r.group_name, r.letters_until, r.contacts FROM inspection_rounds r "
        "JOIN round_documents d USING (round_id) "
        "WHERE d.document_kind = 'inspection_announcement' AND d.source_id = 'xsgg' "
        "ORDER BY d.published_on DESC LIMIT 1").fetchall()
    rid, group, letters, contacts = stationing
    url = union.con.execute("SELECT url FROM round_documents WHERE round_id = ? AND "
                            "source_id = 'xsgg'", [rid]).fetchone()[0]
    (written,) = truth(union.site, url)
    assert (group, letters) == (written.group_name, written.letters_until)
    assert '"phones"' in contacts
    due = union.con.execute("SELECT report_due, progress_expected_by FROM rectification_due "
                            "WHERE unit_id = '珠海市金湾区委' AND feedback_on = "
                            "DATE '2023-10-26'").fetchone()
    assert due == (date(2023, 12, 26), date(2024, 4, 26))


def test_a_stationing_alert_says_who_where_until_when_and_how(union) -> None:
    xsgg = union.settings["xsgg"]
    stationed = events(xsgg, "stationed")
    assert len(stationed) == 25  # one per announcement, with (not instead of) its `new`
    assert len(events(xsgg, "new")) == 25
    listing = union.site.columns.all["/swxsnew/xsgg/"].listings[0]
    notice_id = listing.notice_id
    (summary,) = [s for _, _, n, s in stationed if n == notice_id]
    (written,) = truth(union.site, f"http://x/swxsnew/xsgg/content/post_{notice_id}.html")
    day = f"{written.letters_until.year}年{written.letters_until.month}月"
    assert written.group_name in summary and written.unit_key in summary and day in summary
    with connect(xsgg.db, lock_wait=10) as con:
        ids = [i for (i,) in con.execute("SELECT change_id FROM change_events WHERE notice_id "
                                         "= ? ORDER BY change_id", [notice_id]).fetchall()]
        found = list(load_events(con, ids).values())
    # as the cycle of a day when letters are taken sees it
    while_open = written.letters_until - timedelta(days=10)
    message = notice_message([replace(e, as_of=while_open) for e in found])
    assert message.subject.startswith("[zgwatch] 巡视进驻")
    html, text = render(message, "html"), render(message, "txt")
    spec = union.site.columns.all["/swxsnew/xsgg/"].notice(listing)
    for phone in spec.contacts.phones:
        assert f'href="tel:{phone.replace("-", "")}' in html or f"tel:{phone}" in html
    assert "受理信访" in text and "公开期限" not in text  # its window named as what it is
    assert written.unit_key in text and written.group_name in text


def test_a_letters_deadline_is_letters_expiring_never_a_publicity_period(union) -> None:
    xsgg = union.settings["xsgg"]
    newest = union.site.columns.all["/swxsnew/xsgg/"].listings[0]
    (written,) = truth(union.site, f"http://x/swxsnew/xsgg/content/post_{newest.notice_id}.html")
    pipeline.diff(xsgg.model_copy(update={"as_of": written.letters_until - timedelta(days=2)}))
    warned = events(xsgg, "letters_expiring", "expiring", "expired")
    assert (("letters_expiring", f"letters_expiring:{newest.notice_id}:{written.letters_until}")
            in [w[:2] for w in warned])
    assert {w[0] for w in warned} == {"letters_expiring"}  # never 公开期限将至 / 已过


def test_progress_overdue_is_recorded_once_per_round_by_the_feedback_source(union) -> None:
    """Judged only once every other source is in the copy across sources: the fixture's
    diff of xsfk ran when only xsgg had published (zgls, which holds the progress notices,
    had not), and called no round overdue."""
    xsfk = union.settings["xsfk"]
    assert events(xsfk, "progress_overdue") == []  # zgls not in the copy yet: not judged
    pipeline.diff(xsfk)  # every source is in it now
    first = events(xsfk, "progress_overdue")
    pipeline.diff(xsfk)
    assert events(xsfk, "progress_overdue") == first  # never repeated
    due = union.con.execute("SELECT unit_id || ':' || feedback_on FROM rectification_due "
                            "WHERE days_overdue > 0").fetchall()
    assert sorted(k.removeprefix("progress_overdue:") for _, k, _, _ in first) == sorted(
        d for (d,) in due)
    assert all("个月计" in summary for *_, summary in first)  # the rule said to be the user's


def test_the_analysts_queries_answer_on_the_union(union) -> None:
    overdue_sql, rounds_sql = (m.group(1) for m in re.finditer(
        r"<!-- cycle:\w+ -->\n```sql\n(.*?)```", ANALYSTS, re.DOTALL))
    found = union.con.execute(overdue_sql).fetchall()
    assert found and all(row[-1] > 0 for row in found)
    unit = found[0][0]
    rounds = union.con.execute(rounds_sql.replace("'珠海市金湾区委'", f"'{unit}'")).fetchall()
    assert rounds and all(r[0].startswith(unit) for r in rounds)


def test_hand_added_aliases_map_a_name_onto_its_unit(union, tmp_path) -> None:
    aliases = tmp_path / "unit_aliases.csv"
    aliases.write_text("alias,canonical\n湛江市委,中共珠海市金湾区委\n", encoding="utf-8")
    con = union_of(union.across)
    try:
        build_inspection(con, as_of=union.as_of, aliases=read_aliases(aliases))
        assert con.execute("SELECT count(*) FROM units WHERE unit_id = '湛江市委'"
                           ).fetchone()[0] == 0
        names = con.execute("SELECT aliases FROM units WHERE unit_id = '珠海市金湾区委'"
                            ).fetchone()[0]
        assert "湛江市委" in names
        moved = con.execute("SELECT count(*) FROM round_documents WHERE unit = '湛江市委'"
                            ).fetchone()[0]
        assert moved and con.execute(
            "SELECT count(*) FROM round_documents WHERE unit = '湛江市委' "
            "AND unit_id = '珠海市金湾区委'").fetchone()[0] == moved
    finally:
        con.close()
    assert union.con.execute("SELECT count(*) FROM units WHERE unit_id = '湛江市委'"
                             ).fetchone()[0] == 1  # a rebuild without them undoes nothing else


@pytest.mark.parametrize(("text", "why"), [
    ("name,unit\n", "first line"), ("alias,canonical\n甲\n", "line 2"),
    ("alias,canonical\n,乙\n", "line 2"), (b"\xff\xfe", "cannot read")])
def test_a_malformed_aliases_file_is_one_line(tmp_path, text, why) -> None:
    path = tmp_path / "unit_aliases.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=why) as caught:
        read_aliases(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_the_span_is_the_users_rule(union) -> None:
    """progress_expected_months moves progress_expected_by and who is overdue."""
    con = union_of(union.across)
    try:
        build_inspection(con, as_of=union.as_of, expected_months=12)
        longer = dict(con.execute("SELECT round_id, progress_expected_by FROM rectification_due"
                                  ).fetchall())
    finally:
        con.close()
    for round_id, feedback_on, by in union.con.execute(
            "SELECT round_id, feedback_on, progress_expected_by FROM rectification_due"
            ).fetchall():
        assert by < longer[round_id] and longer[round_id] - feedback_on > timedelta(days=364)


def test_the_site_has_a_page_per_unit_and_their_index_by_status(union) -> None:
    """A source's publish links its rounds with the other sources' documents of the copy
    across sources; the site's top shows each unit's timeline judged on every source, its
    documents linking into their sources' folders, and the units by status."""
    xsfk = union.settings["xsfk"]
    published = pipeline.publish(xsfk)
    assert published.site.units > 50
    site = xsfk.site_folder
    index = (site / "units" / "index.html").read_text(encoding="utf-8")
    overdue = union.con.execute("SELECT count(DISTINCT unit_id) FROM inspection_rounds r "
                                "WHERE status = 'overdue' AND round_id = (SELECT max(round_id) "
                                "FROM inspection_rounds WHERE unit_id = r.unit_id)").fetchone()[0]
    assert f"整改公开逾期 <small>{overdue} 个单位</small>" in index
    jinwan = (site / "units" / "珠海市金湾区委.html").read_text(encoding="utf-8")
    for fact in ("省委第十一巡视组", "2023-04-24 至 2023-07-26", "<b>反馈</b> 2023-10-26",
                 "2023-12-26", "整改进展通报</b> 2024-09-26", 'href="../sources/xsfk/notices/',
                 'href="../sources/zgls/notices/'):
        assert fact in jinwan, fact
    assert "（另一来源）" not in jinwan  # every source's pages are on this site
    own = (site / "sources" / "xsfk" / "units" / "珠海市金湾区委.html").read_text(encoding="utf-8")
    assert "（另一来源）" in own and 'href="../notices/' in own  # the source's part: its own
    with duckdb.connect(str(published.analyst_copy), read_only=True) as con:
        own = con.execute("SELECT count(*) FILTER (own), count(*) FILTER (NOT own) "
                          "FROM round_documents").fetchone()
    assert own[0] > 0 and own[1] > 0  # its own documents, and the other sources'


@pytest.mark.parametrize("sid", ["xsgg", "xsfk", "zgls"])
def test_versions_read_before_the_facts_get_them_from_their_text(union, sid) -> None:
    """A warehouse from before migration 023 (every cycle NULL): the next load reads each
    version's facts from its stored text, the same facts the crawl gave."""
    one = union.settings[sid]
    with connect(one.db, lock_wait=10) as con:
        before = con.execute("SELECT notice_id, version_no, cycle::VARCHAR FROM "
                             "notice_versions ORDER BY ALL").fetchall()
        con.execute("UPDATE notice_versions SET cycle = NULL")
    pipeline.load(one)
    with connect(one.db, lock_wait=10) as con:
        after = con.execute("SELECT notice_id, version_no, cycle::VARCHAR FROM "
                            "notice_versions ORDER BY ALL").fetchall()
    assert [json.loads(c) for *_, c in after] == [json.loads(c) for *_, c in before]
