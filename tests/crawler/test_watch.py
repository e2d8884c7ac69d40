"""The watcher's probe (crawler/watch.py) over HTTP against the replica, and its properties."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from crawler.parsing.model import ListEntry, ListPage
from crawler.watch import (
    BASELINE,
    CHANGED,
    FAILED,
    UNCHANGED,
    ProbeState,
    entries_digest,
    judge,
    probe,
    read_state,
    write_state,
)


def _first_page(replica) -> str:
    return replica.url + "index.html"


def test_no_state_records_a_baseline_and_fires_nothing(replica):
    result = probe(replica.url, None, timeout=5)
    assert result.outcome == BASELINE and not result.fires
    assert result.state.digest and result.state.etag is None  # the replica sends none on lists


def test_a_new_notice_on_the_first_page_is_a_change_and_nothing_else_is(replica):
    base = probe(replica.url, None, timeout=5).state
    again = probe(replica.url, base, timeout=5)
    assert again.outcome == UNCHANGED and again.state == base
    replica.site.set_template("B")  # a redesign: the same entries in other markup
    assert probe(replica.url, base, timeout=5).outcome == UNCHANGED
    replica.site.add_notice()
    changed = probe(replica.url, base, timeout=5)
    assert changed.outcome == CHANGED and changed.fires
    assert changed.state.digest != base.digest
    assert probe(replica.url, changed.state, timeout=5).outcome == UNCHANGED


def test_validators_are_sent_and_a_304_is_unchanged(make_replica):
    replica = make_replica(list_validators=True)
    base = probe(replica.url, None, timeout=5).state
    assert base.etag
    result = probe(replica.url, base, timeout=5)
    assert (result.outcome, result.fetch) == (UNCHANGED, "not_modified")
    replica.site.add_notice()
    result = probe(replica.url, base, timeout=5)
    assert result.outcome == CHANGED and result.state.etag != base.etag


@pytest.mark.parametrize(("fault", "fetch"), [
    ("503", "server_error"), ("500", "server_error"), ("blocked", "blocked"),
    ("blocked200", "blocked"), ("truncated", "truncated"), ("dropped", "truncated"),
    ("empty", "empty_list"), ("hang", "timeout"),
])
def test_a_failing_first_page_is_never_a_change_and_keeps_the_state(make_replica, fault, fetch):
    replica = make_replica(hang_seconds=3)
    base = probe(replica.url, None, timeout=5).state
    replica.site.add_notice()  # a real change hides behind the fault: still no fire
    replica.site.faults.set("/xunshizgls/index.html", fault)
    result = probe(replica.url, base, timeout=1)
    assert (result.outcome, result.fetch) == (FAILED, fetch)
    assert not result.fires and result.state == base
    replica.site.faults.clear()
    assert probe(replica.url, base, timeout=5).outcome == CHANGED  # seen once it answers


def test_a_refused_connection_fails(tmp_path):
    result = probe("http://127.0.0.1:9/xunshizgls/", ProbeState(digest="x"), timeout=2)
    assert (result.outcome, result.fetch) == (FAILED, "error")


def test_the_state_file_round_trips_and_a_bad_one_is_no_state(tmp_path):
    path = tmp_path / "src" / "watch.json"
    assert read_state(path) is None
    state = ProbeState(digest="ab", etag='"1"', last_modified="Mon", full_at=12.5)
    write_state(path, state)
    assert read_state(path) == state
    for bad in ("{", "[]", '{"digest": 3}', '{"full_at": "soon"}'):
        path.write_text(bad, encoding="utf-8")
        assert read_state(path) is None


# -- properties -----------------------------------------------------------------------------

_TEXT = st.text(min_size=1, max_size=12)
_ENTRY = st.builds(ListEntry, notice_id=st.from_regex(r"[0-9]{1,8}", fullmatch=True),
                   url=_TEXT.map(lambda t: f"http://h/x/content/post_{abs(hash(t))}.html"),
                   title=_TEXT, listed_on=st.none() | st.dates(date(2000, 1, 1)))


@hsettings(max_examples=200)
@given(st.lists(_ENTRY, max_size=6), st.lists(_ENTRY, max_size=6))
def test_the_digest_differs_exactly_when_the_entries_do(a, b):
    same = entries_digest(ListPage(url="u1", entries=tuple(a))) == \
        entries_digest(ListPage(url="u2", page_no=3, entries=tuple(b)))
    assert same == (a == b)


@hsettings(max_examples=100)
@given(st.integers(100, 599).filter(lambda s: s not in (200, 203)),
       st.binary(max_size=200), st.booleans())
def test_no_status_but_a_page_read_ok_ever_fires(status, body, stateful):
    state = ProbeState(digest="d" * 64) if stateful else None
    result = judge(status, body, "http://h/x/index.html", {}, state)
    assert not result.fires and result.state == state


@hsettings(max_examples=100)
@given(data=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda kids: st.lists(kids, max_size=3)
                    | st.dictionaries(st.sampled_from(["digest", "etag", "full_at", "x"]),
                                      kids, max_size=4), max_leaves=8))
def test_any_json_is_a_state_or_no_state_never_an_error(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("s") / "watch.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    state = read_state(path)
    assert state is None or isinstance(state, ProbeState)
