"""The Airflow watcher (zgwatch/airflow/watcher.py) without a triggerer: its identity, its
parse-time settings, and its run loop over the replica with the asset state store's two
calls (``aget``/``aset``) kept in a dict. The real triggerer: test_watcher_e2e.py."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import pytest

from zgwatch.airflow import watcher
from zgwatch.airflow.watcher import STATE_KEY, FirstPageTrigger, watched_asset, with_watcher

REAL_SLEEP = asyncio.sleep


class Store:
    """What ``self.asset_state_store`` answers for one asset: aget/aset, kept in a dict."""

    def __init__(self, values: dict | None = None) -> None:
        self.values = dict(values or {})
        self.writes = 0

    async def aget(self, key, default=None):
        return self.values.get(key, default)

    async def aset(self, key, value):
        self.writes += 1
        self.values[key] = value


def _trigger(url: str, store: Store, **kw) -> FirstPageTrigger:
    trigger = FirstPageTrigger(url, source_id="zgls", poll=0.01, every=0.04, timeout=2, **kw)
    trigger.asset_state_store = store
    return trigger


class Runner:
    """Steps a trigger's run loop from a test: ``until`` lets it run until it yields an event
    (returned) or ``condition`` holds (None), leaving it suspended where it was."""

    def __init__(self, trigger: FirstPageTrigger) -> None:
        self.gen = trigger.run()
        self.task: asyncio.Future | None = None

    async def until(self, condition, limit: int = 1000):
        if self.task is None:
            self.task = asyncio.ensure_future(self.gen.__anext__())
        for _ in range(limit):
            if self.task.done():
                done, self.task = self.task, None
                return done.result()
            if condition():
                return None
            await REAL_SLEEP(0.01)
        raise AssertionError("no event, and the condition never held")

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await self.task
        await self.gen.aclose()


def test_identity_is_the_class_path_and_its_arguments():
    a = FirstPageTrigger("http://h/x/", source_id="s", poll=300)
    b = FirstPageTrigger("http://h/x/", source_id="s", poll=300.0)
    path, kwargs = a.serialize()
    assert path == "zgwatch.airflow.watcher.FirstPageTrigger"
    assert a.serialize() == b.serialize()  # identical watchers share one trigger
    assert FirstPageTrigger(**kwargs).serialize() == a.serialize()
    assert FirstPageTrigger("http://h/y/").serialize() != a.serialize()


def test_the_watcher_is_on_by_default_and_off_on_request():
    env = {"ZGWATCH_SOURCE": "http://127.0.0.1:9/xunshizgls/", "ZGWATCH_POLL": "120"}
    asset = watched_asset("zgwatch_source", {}, env)
    (w,) = asset.watchers
    assert w.trigger.url == env["ZGWATCH_SOURCE"] and w.trigger.poll == 120.0
    assert watched_asset("a", {"source": "http://h/y/", "poll": 5}, env).watchers[0].trigger \
        .url == "http://h/y/"
    for off in ("off", "OFF", "false", "0", "none"):
        assert watched_asset("zgwatch_source", {}, {**env, "ZGWATCH_WATCH": off}) is None
    assert with_watcher("cron", None) == "cron" and with_watcher(None, asset) == [asset]


def test_a_registry_sources_watcher_watches_its_own_list(monkeypatch):
    """Each registry source's DAG has its own watched asset, probing that source's URL with
    its profile (never the default column of the environment)."""
    from airflow.sdk import AssetOrTimeSchedule

    from core.sources import Source
    from zgwatch.airflow.factory import source_dags

    monkeypatch.setenv("ZGWATCH_SOURCE", "http://127.0.0.1:9/xunshizgls/")
    monkeypatch.delenv("ZGWATCH_WATCH", raising=False)
    source = Source(id="trs-xszg", url="http://127.0.0.1:9/trs/xszg/", name="TRS",
                    profile="trs")
    monitor, _ = source_dags(source, only_default=False, schedule="@hourly",
                             watch={"data_dir": "/srv/zgwatch", "delay": 0.0})
    assert isinstance(monitor.timetable, AssetOrTimeSchedule)
    (asset,) = monitor.timetable.asset_condition.objects
    assert asset.name == "zgwatch_source_trs-xszg"
    (w,) = asset.watchers
    assert (w.trigger.url, w.trigger.source_id, w.trigger.profile) == (
        source.url, "trs-xszg", "trs")
    # its probes take the crawls' host lock, under the registry's data root, no delay
    assert (w.trigger.lock_root, w.trigger.delay) == ("/srv/zgwatch", 0.0)


def test_the_registry_gives_the_watchers_the_host_locks_root(tmp_path, monkeypatch):
    from zgwatch.airflow.factory import registry_dags

    config = tmp_path / "zgwatch.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\ndelay = 0\n[[sources]]\nid = "a"\n'
                      'url = "http://127.0.0.1:9/a/"\nname = "A"\n', encoding="utf-8")
    monkeypatch.delenv("ZGWATCH_WATCH", raising=False)
    dags = registry_dags({"ZGWATCH_CONFIG": str(config)})
    (asset,) = dags["zgwatch_a"].timetable.asset_condition.objects
    assert asset.watchers[0].trigger.lock_root == str(tmp_path / "data")


@pytest.mark.parametrize("bad", ["0", "-3", "soon"])
def test_a_bad_poll_fails_the_dag_import_loudly(bad):
    with pytest.raises(ValueError, match="ZGWATCH_POLL"):
        watched_asset("a", {}, {"ZGWATCH_POLL": bad})


def test_no_stored_state_is_a_baseline_then_a_change_fires_before_it_is_saved(replica):
    store = Store()

    async def scenario():
        run = Runner(_trigger(replica.url, store))
        assert await run.until(lambda: store.writes == 1) is None  # baseline: saved, no event
        baseline = store.values[STATE_KEY]
        published = datetime.now(UTC)
        replica.site.add_notice()
        event = await run.until(lambda: False)
        assert event.payload["source"] == "zgls" and event.payload["digest"] != baseline["digest"]
        # when the probe that saw it was sent: after the publication, before the event
        assert published <= datetime.fromisoformat(event.payload["probed_at"]) \
            <= datetime.now(UTC)
        assert store.values[STATE_KEY] == baseline  # yielded before saving
        await run.until(lambda: store.writes == 2)
        assert store.values[STATE_KEY]["digest"] == event.payload["digest"]
        await run.close()

    asyncio.run(scenario())


def test_a_restart_fires_once_for_a_change_while_down_and_never_without(replica):
    async def started(store: Store):
        """A (re)started trigger over a few probes: its event, if any."""
        run = Runner(_trigger(replica.url, store))
        asked = len(replica.site.requests)
        event = await run.until(lambda: len(replica.site.requests) >= asked + 3)
        if event is not None:  # the triggerer takes it and the loop goes on: saved then
            writes = store.writes
            await run.until(lambda: store.writes > writes)
        await run.close()
        return event

    async def scenario():
        store = Store()
        assert await started(store) is None and store.writes == 1  # baseline
        assert await started(store) is None  # a restart without a change
        replica.site.add_notice()  # while down
        assert await started(store) is not None  # caught after the restart
        assert await started(store) is None  # once: saved when the loop went on
        assert store.writes == 2

    asyncio.run(scenario())


def test_a_triggerer_killed_between_the_event_and_the_save_fires_again(replica):
    """Yield first, save after: a crash in between repeats the event (the cycle is
    idempotent), it never loses one."""
    async def scenario():
        store = Store()
        run = Runner(_trigger(replica.url, store))
        await run.until(lambda: store.writes == 1)
        replica.site.add_notice()
        assert await run.until(lambda: False) is not None
        await run.close()  # killed with the event taken, the state not yet saved
        again = Runner(_trigger(replica.url, store))
        assert await again.until(lambda: False) is not None
        await again.close()

    asyncio.run(scenario())


def test_a_failing_first_page_never_fires_and_backs_off(replica, monkeypatch):
    waits: list[float] = []

    async def sleep(seconds):
        waits.append(seconds)
        await REAL_SLEEP(0.001)

    monkeypatch.setattr(watcher.asyncio, "sleep", sleep)
    store = Store()

    async def scenario():
        run = Runner(_trigger(replica.url, store))
        await run.until(lambda: store.writes == 1)
        replica.site.faults.set("/xunshizgls/index.html", "503")
        replica.site.add_notice()
        waits.clear()
        assert await run.until(lambda: waits.count(0.04) >= 3) is None  # no event
        failing = waits[waits.index(0.02):]
        assert failing[:4] == [0.02, 0.04, 0.04, 0.04]  # doubling from poll up to every
        replica.site.faults.clear()
        assert await run.until(lambda: False) is not None
        await run.close()

    asyncio.run(scenario())
