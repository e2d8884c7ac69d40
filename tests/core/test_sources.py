"""core/sources.py: a source's id, host, folders and DAG id."""

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from core.sources import (
    SINGLE_DAG_ID,
    Source,
    host_key,
    host_pool,
    host_slug,
    is_source_id,
)

IDS = st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True)


@given(IDS)
def test_every_id_of_the_pattern_is_one(value):
    assert is_source_id(value)


@given(st.text(max_size=60))
def test_an_id_is_exactly_the_pattern(value):
    expected = 1 <= len(value) <= 40 and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-"
                                             for c in value)
    assert is_source_id(value) == expected


def test_not_a_string_is_no_id():
    assert not is_source_id(None) and not is_source_id(12)


def test_a_host_is_its_name_and_port():
    assert host_key("https://WWW.gdjct.gd.gov.cn/xunshizgls/") == "www.gdjct.gd.gov.cn"
    assert host_key("http://127.0.0.1:8000/a/") == "127.0.0.1:8000"
    assert host_key("http://127.0.0.1:8000/a/") == host_key("http://127.0.0.1:8000/b/index.html")
    assert host_key("http://127.0.0.1:8000/") != host_key("http://127.0.0.1:8001/")


@given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=80))
def test_host_slugs_are_names_and_keep_hosts_apart(a, b):
    for host in (a, b):
        assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789_" for c in host_slug(host))
    if a != b:
        assert host_slug(a) != host_slug(b)


def test_one_pool_per_host():
    assert host_pool("http://127.0.0.1:8000/a/") == host_pool("http://127.0.0.1:8000/b/")
    assert host_pool("http://127.0.0.1:8000/a/") != host_pool("http://127.0.0.1:8001/a/")
    assert host_pool("http://127.0.0.1:8000/a/").startswith("zgwatch_host_127_0_0_1_8000_")


def test_folders_and_dag_ids():
    s = Source(id="gd-zgls", url="http://127.0.0.1:8000/xunshizgls/")
    assert s.data_dir(Path("data"), implicit=True) == Path("data")
    assert s.data_dir(Path("data"), implicit=False) == Path("data/sources/gd-zgls")
    assert s.dag_id(only_default=True) == SINGLE_DAG_ID
    assert s.dag_id(only_default=False) == "zgwatch_gd-zgls"
    assert s.as_payload()["id"] == "gd-zgls" and s.host == "127.0.0.1:8000"
