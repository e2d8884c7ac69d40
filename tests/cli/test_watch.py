"""The watchers of ``zgwatch watch`` (zgwatch/watch.py): real probes and real cycles over the
replica, alerts caught by a webhook sink. A restart is a new ``Watch`` on the same folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.batch import Batch
from crawler.watch import read_state, state_path
from zgwatch import pipeline
from zgwatch.config import load_settings
from zgwatch.sinks import WebhookSink
from zgwatch.watch import Watch, backoff


@pytest.fixture
def hook():
    with WebhookSink() as sink:
        yield sink


def _settings(replica, tmp_path: Path, hook: WebhookSink, **extra):
    flags = {"source": replica.url, "db": tmp_path / "w.duckdb", "data_dir": tmp_path / "data",
             "notify": [hook.url()], "delay": "0", "timeout": "5", "poll": "300",
             "every": "3600", **extra}
    return load_settings(flags, env={})


class Recorder:
    """The real cycle, with a note of each one run (quick or full)."""

    def __init__(self) -> None:
        self.runs: list[str] = []

    def __call__(self, settings, quick: bool):
        self.runs.append("quick" if quick else "full")
        return pipeline.run(settings, quick=quick)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _watch(settings, cycles: Recorder, clock=None) -> Watch:
    return Watch(settings, settings.select(), cycle=cycles, **({"clock": clock} if clock else {}))


def _alerts_of(hook: WebhookSink, notice_id: str) -> int:
    return sum(notice_id in json.dumps(m["json"], ensure_ascii=False) for m in hook.accepted)


def _latest_batch(settings) -> Batch:
    return Batch(max(settings.batches_dir.iterdir()))


def test_a_change_while_down_is_caught_after_restart_once(replica, tmp_path, hook):
    settings = _settings(replica, tmp_path, hook)
    cycles = Recorder()
    first = _watch(settings, cycles)
    first.tend(first.watched[0])  # a first start: the full cycle at once, the probe's baseline
    assert cycles.runs == ["full"]
    assert read_state(state_path(settings.data_dir)).full_at is not None

    notice_id = replica.site.add_notice()  # published while the watcher is down
    restarted = _watch(settings, cycles)
    restarted.tend(restarted.watched[0])
    assert cycles.runs == ["full", "quick"]
    assert _alerts_of(hook, notice_id) == 1
    summary = _latest_batch(settings).read_summary()
    assert summary["quick"] and summary["list_pages"] == 1 and not summary["list_complete"]
    assert summary["page_kinds"].get("probe", 0) == 0  # nothing asked of missing notices

    restarted.tend(restarted.watched[0])  # the next poll: nothing new
    again = _watch(settings, cycles)  # and a second restart
    again.tend(again.watched[0])
    assert cycles.runs == ["full", "quick"]
    assert _alerts_of(hook, notice_id) == 1


def test_a_restart_without_a_change_fires_nothing_and_asks_one_page(replica, tmp_path, hook):
    settings = _settings(replica, tmp_path, hook)
    cycles = Recorder()
    first = _watch(settings, cycles)
    first.tend(first.watched[0])
    sent = len(hook.accepted)
    asked = len(replica.site.requests)
    restarted = _watch(settings, cycles)
    restarted.tend(restarted.watched[0])
    assert cycles.runs == ["full"] and len(hook.accepted) == sent
    assert [path for _, path, _ in list(replica.site.requests)[asked:]] == ["/xunshizgls/"]


def test_no_state_records_a_baseline_without_firing(replica, tmp_path, hook):
    settings = _settings(replica, tmp_path, hook)
    pipeline.run(settings)  # a warehouse made by `zgwatch run`, no watcher state yet
    cycles = Recorder()
    state_path(settings.data_dir).write_text('{"digest": 7}', encoding="utf-8")  # not one
    replica.site.add_notice()
    watch = _watch(settings, cycles)
    watch.watched[0].next_full = float("inf")  # a full cycle is not due
    watch.tend(watch.watched[0])
    assert cycles.runs == [] and read_state(state_path(settings.data_dir)).digest


def test_a_failing_first_page_never_fires_and_backs_off(replica, tmp_path, hook):
    settings = _settings(replica, tmp_path, hook, poll="10", every="70")
    cycles, clock = Recorder(), Clock()
    watch = _watch(settings, cycles, clock)
    w = watch.watched[0]
    watch.tend(w)  # the first full cycle
    notice_id = replica.site.add_notice()
    waits = []
    for fault in ("503", "blocked", "truncated", "empty"):
        replica.site.faults.set("/xunshizgls/index.html", fault)
        clock.now = w.next_probe
        watch.tend(w)
        waits.append(w.next_probe - clock.now)
    # never a quick cycle; the full one stays on schedule (and reads the fault too)
    assert "quick" not in cycles.runs and _alerts_of(hook, notice_id) == 0
    assert waits == [20, 40, 70, 70]  # doubling from the poll, up to the full cycle's interval

    replica.site.faults.clear()
    clock.now = w.next_probe
    w.next_full = clock.now + 70
    runs = len(cycles.runs)
    watch.tend(w)
    assert cycles.runs[runs:] == ["quick"] and _alerts_of(hook, notice_id) == 1
    assert w.next_probe - clock.now == 10  # back to the poll


def test_the_full_cycle_stays_on_schedule(replica, tmp_path, hook):
    settings = _settings(replica, tmp_path, hook, poll="10", every="25")
    cycles, clock = Recorder(), Clock()
    watch = _watch(settings, cycles, clock)
    for _ in range(4):  # full at +0, probes at +10 and +20, full at +25
        clock.now = watch.step()
    assert cycles.runs.count("full") == 2 and "quick" not in cycles.runs


def test_sources_of_one_host_are_watched_each_with_its_own_state(replica, tmp_path, hook):
    toml = tmp_path / "zgwatch.toml"
    toml.write_text(
        f'[[sources]]\nid = "zgls"\nurl = "{replica.url}"\nname = "整改落实"\n'
        f'[[sources]]\nid = "other"\nurl = "{replica.url_for("/swxsnew/xsgg/")}"\n'
        'name = "另一栏目"\nkind = "other"\n', encoding="utf-8")
    settings = load_settings({"data_dir": tmp_path / "data", "notify": [hook.url()],
                              "delay": "0", "timeout": "5"}, env={}, config_file=toml)
    cycles = Recorder()
    watch = _watch(settings, cycles)
    for w in watch.watched:
        watch.tend(w)
    assert cycles.runs == ["full", "full"]
    folders = {w.source.id: w.settings.data_dir for w in watch.watched}
    assert folders["zgls"] != folders["other"]
    assert all(read_state(state_path(f)).digest for f in folders.values())
    replica.site.add_notice()
    for w in watch.watched:
        w.next_probe = 0
        watch.tend(w)
    assert cycles.runs == ["full", "full", "quick"]  # only the column that changed


@pytest.mark.parametrize(("failures", "expected"), [(0, 300), (1, 600), (2, 1200), (3, 2400),
                                                    (4, 3600), (500, 3600)])
def test_backoff_doubles_up_to_the_full_cycle(failures, expected):
    assert backoff(300, 3600, failures) == expected


def test_quick_cycles_in_a_row_are_no_incomplete_list(replica, tmp_path, hook):
    """A quick crawl reads the list only up to the first known notice, on purpose: however
    many come in a row, operators hear of no list_incomplete incident, and nothing is
    counted towards a removal."""
    from alerts.operators import LIST_INCOMPLETE_CYCLES

    settings = _settings(replica, tmp_path, hook)
    pipeline.run(settings)
    gone = replica.site.notice_ids()[-1]
    replica.site.remove(gone)  # off the last list page: a quick crawl never reads it
    for _ in range(LIST_INCOMPLETE_CYCLES + 1):
        report = pipeline.run(settings, quick=True)
        assert not report.crawl.summary["list_complete"]
    import duckdb

    with duckdb.connect(str(settings.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM incidents").fetchone() == (0,)
        assert con.execute("SELECT status FROM notices WHERE notice_id = ?",
                           [gone]).fetchone() == ("active",)


@pytest.mark.parametrize(("args", "env", "named"), [
    (["--poll", "0"], {}, "--poll"), (["--every", "soon"], {}, "--every"),
    ([], {"ZGWATCH_POLL": "-5"}, "ZGWATCH_POLL"), (["--only", "nope"], {}, "--only nope"),
])
def test_bad_watch_settings_are_one_line_and_exit_2(tmp_path, args, env, named):
    from tests.cli.test_cli import one_line_error, zgwatch

    proc = zgwatch("watch", "--source", "http://127.0.0.1:9/xunshizgls/", "--data-dir",
                   str(tmp_path / "data"), *args, env=env, cwd=tmp_path)
    assert named in one_line_error(proc, 2)
    assert not (tmp_path / "data" / "watch.json").exists()  # nothing was probed
