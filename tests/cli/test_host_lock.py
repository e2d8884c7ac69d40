"""One host, one politeness budget: the host lock every crawl holds (zgwatch/lock.py).

docs/sources.md, "Politeness: one host, one budget". The lock is a real ``flock``
held by a real second process; the crawls are real ``zgwatch`` commands
against the replica.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import HostBusy
from core.sources import host_key
from tests.support.processes import clean_env, start
from zgwatch.config import load_settings
from zgwatch.lock import HOSTS_FOLDER, _pause_after, host_lock, host_lock_path

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def hold_host(tmp_path):
    """``hold_host(url)``: the host lock of ``url`` under ``tmp_path/data`` held by another
    process until the test ends (a stand-in for another source's crawl)."""
    holders: list[subprocess.Popen] = []

    def hold(url: str) -> subprocess.Popen:
        code = ("import sys; from zgwatch.lock import host_lock\n"
                f"with host_lock({str(tmp_path / 'data')!r}, {url!r}):\n"
                "    print('held', flush=True); sys.stdin.read()\n")
        holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, cwd=REPO)
        holders.append(holder)
        assert holder.stdout.readline() == "held\n"
        return holder

    yield hold
    for holder in holders:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_one_lock_file_per_host_under_the_data_root(tmp_path):
    a = host_lock_path(tmp_path, "http://127.0.0.1:8000/xunshizgls/")
    assert a == host_lock_path(tmp_path, "http://127.0.0.1:8000/swxsnew/xsgg/")  # one host
    assert a != host_lock_path(tmp_path, "http://127.0.0.1:8001/xunshizgls/")  # another port
    assert a.parent == tmp_path / HOSTS_FOLDER and a.suffix == ".lock"


_HOSTS = st.sampled_from(["127.0.0.1", "www.gdjct.gd.gov.cn", "WWW.GDJCT.GD.GOV.CN",
                          "qyljw.gov.cn", "a-b.example.org"])
_PORTS = st.one_of(st.none(), st.integers(1, 65535))
_PATHS = st.from_regex(r"/[a-z0-9/_-]{0,30}", fullmatch=True)


@given(host=_HOSTS, port=_PORTS, path=_PATHS, other_host=_HOSTS, other_port=_PORTS,
       other_path=_PATHS, scheme=st.sampled_from(["http", "https"]))
def test_two_urls_share_a_lock_file_exactly_when_they_share_a_host(
        host, port, path, other_host, other_port, other_path, scheme):
    def url(h, p, rest):
        return f"{scheme}://{h}{f':{p}' if p else ''}{rest}"

    a, b = url(host, port, path), url(other_host, other_port, other_path)
    same_host = host_key(a) == host_key(b)
    assert (host_lock_path(Path("/d"), a) == host_lock_path(Path("/d"), b)) is same_host
    assert same_host is (host.lower() == other_host.lower() and port == other_port)


def test_a_busy_host_is_refused_past_the_wait_naming_the_holder(tmp_path, hold_host):
    url = "http://127.0.0.1:8000/xunshizgls/"
    holder = hold_host(url)
    with pytest.raises(HostBusy) as busy, host_lock(tmp_path / "data", url, wait=0.2):
        pass
    line = str(busy.value)
    assert f"pid {holder.pid} " in line and "127.0.0.1:8000" in line and "host_wait" in line
    assert "\n" not in line
    # another host (another port) is not held by it
    with host_lock(tmp_path / "data", "http://127.0.0.1:8001/xunshizgls/", wait=0) as turn:
        assert turn.fds


def test_the_next_turn_waits_for_the_holder_to_let_go(tmp_path, hold_host):
    url = "http://127.0.0.1:8000/xunshizgls/"
    holder = hold_host(url)
    holder.stdin.close()  # it lets go while this one waits
    with host_lock(tmp_path / "data", url, wait=60) as turn:
        facts = json.loads(turn.path.read_text())
    assert facts["url"] == url and facts["pid"] != holder.pid
    holder.wait(timeout=30)


def test_the_delay_counts_from_the_previous_holder_letting_go(tmp_path):
    url = "http://127.0.0.1:8000/xunshizgls/"
    with host_lock(tmp_path, url, wait=0) as first:
        pass
    released = json.loads(first.path.read_text())["released_at"]
    with host_lock(tmp_path, url, wait=0, delay=0.3):
        started = time.time()
    assert started >= released + 0.3  # not before the host's delay after the last request


def test_settings_give_the_data_root_the_wait_and_the_delay(tmp_path):
    cfg = tmp_path / "zg.toml"
    cfg.write_text('host_wait = 0\ndelay = 0\n[[sources]]\nid = "a"\n'
                   'url = "http://127.0.0.1:8000/xunshizgls/"\nname = "A"\n', encoding="utf-8")
    settings = load_settings({"data_dir": tmp_path / "d"}, env={}, config_file=cfg)
    one = settings.for_source(settings.source_list[0])
    with host_lock(one, one.source) as turn:  # under the root, not the source's folder
        assert turn.path == host_lock_path(tmp_path / "d", one.source)
        with host_lock(one, one.source) as again:  # re-entrant: already this process's
            assert again.fds == ()


def test_the_default_host_wait_outlasts_a_crawl():
    settings = load_settings(env={})
    assert settings.host_wait > settings.crawl_budget  # a crawl ahead stops itself by then
    assert load_settings(env={"ZGWATCH_HOST_WAIT": "5"}).host_wait == 5


@given(delay=st.floats(0, 3600), ago=st.floats(-100, 10_000), killed=st.booleans())
def test_the_pause_is_never_more_than_the_delay(delay, ago, killed):
    facts = {"pid": 1} if killed else {"pid": 1, "released_at": time.time() - ago}
    pause = _pause_after(facts, delay)
    assert 0 <= pause <= delay
    if killed:  # a holder killed mid-crawl said nothing: its last request may be now
        assert pause == delay
    elif ago >= delay + 1:
        assert pause == 0
    assert _pause_after(None, delay) == 0  # a host nobody requested yet


def test_a_crawl_waiting_past_host_wait_exits_1_in_one_line(replica, tmp_path, hold_host):
    holder = hold_host(replica.url)
    proc = start("crawl", "--source", replica.url, "--data-dir", str(tmp_path / "data"),
                 "--db", str(tmp_path / "w.duckdb"), "--delay", "0", cwd=tmp_path,
                 env=clean_env(ZGWATCH_HOST_WAIT="0.2"))
    _out, err = proc.communicate(timeout=120)
    lines = [line for line in err.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, err
    assert lines[0].startswith(f"zgwatch: host {host_key(replica.url)} is busy")
    assert f"pid {holder.pid} " in lines[0]
    assert not replica.site.requests  # nothing asked of the site


def test_two_threads_of_one_process_take_turns(tmp_path):
    """The triggerer probes its sources in threads of one process: re-entrant in one thread
    only, so a second thread waits for the first as a second process would."""
    import threading

    inside, overlaps = [], []
    url = "http://127.0.0.1:9/a/"

    def probe(other: str) -> None:
        # the second is re-entrant in the thread: the same host
        with host_lock(tmp_path, url, wait=10), host_lock(tmp_path, other):
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            time.sleep(0.2)
            inside.pop()

    threads = [threading.Thread(target=probe, args=(f"http://127.0.0.1:9/{n}/",))
               for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert overlaps == [] and not any(t.is_alive() for t in threads)
