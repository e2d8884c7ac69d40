"""One host, one politeness budget on the command line: two sources, two processes, one host.

docs/sources.md, "Politeness: one host, one budget". Two columns of one replica
server (one host) are two sources of one registry; two ``zgwatch run --only``
processes start together and the replica counts the requests it answers at
once. Every answer takes 150 ms, so each crawl lasts seconds and the two would
overlap without the host lock (they do: remove the lock and this fails).
"""

from __future__ import annotations

import json

from core.sources import host_key
from tests.support.processes import clean_env, start
from zgwatch.lock import host_lock_path

SOURCES = {"gd-zgls": ("/xunshizgls/", "南粤清风网 · 整改落实"),
           "gd-xsgg": ("/swxsnew/xsgg/", "南粤清风网 · 巡视公告")}


def test_two_sources_on_one_host_never_have_two_requests_in_flight(make_replica, tmp_path):
    replica = make_replica(notices=15, latency=0.15)
    config = tmp_path / "zgwatch.toml"
    config.write_text("delay = 0\ntimeout = 10\n\n" + "".join(
        f'[[sources]]\nid = "{sid}"\nurl = "{replica.url_for(folder)}"\nname = "{name}"\n\n'
        for sid, (folder, name) in SOURCES.items()), encoding="utf-8")
    data = tmp_path / "data"
    runs = [start("run", "--config", str(config), "--data-dir", str(data), "--only", sid,
                  cwd=tmp_path, env=clean_env()) for sid in SOURCES]
    for proc in runs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err

    paths = [path for _method, path, _agent in replica.site.requests]
    for folder, _name in SOURCES.values():  # both sources crawled their column in full
        assert sum(p.startswith(folder + "content/") for p in paths) >= 15
    assert replica.site.max_active == 1  # never two requests in flight at the host
    # one lock file for the host, under the data root; its last holder said when it let go
    lock = host_lock_path(data, replica.url)
    assert lock.parent == data / "hosts" and host_key(replica.url) in lock.read_text()
    assert json.loads(lock.read_text())["released_at"] > 0
