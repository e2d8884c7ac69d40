"""The watcher in Airflow: an event trigger the triggerer runs for each source's asset.

``FirstPageTrigger`` probes a source's first list page every ``poll`` seconds
(``crawler.watch.probe``: one conditional request, else a hash of its entries)
and fires a ``TriggerEvent`` when it changed (its payload: the source, the URL,
the reason, the entries' hash and ``probed_at``, when the probe that saw the
change was sent, which the asset event's own timestamp follows by the
triggerer's round trip, about a second); the asset it watches
(``zgwatch_source…``, ``factory.watched_asset``) then gets an asset event and
the source's monitor DAG runs, quick (``tasks.crawl``), beside its schedule.

Its state (validators, the entries' hash) lives in the asset's state store,
``self.asset_state_store`` (Airflow 3.3), which the triggerer sets before
``run``: with none stored it records a baseline and fires nothing; a change
while the triggerer was down is seen at the first probe after it starts again.
The event is yielded **before** the state is saved: a triggerer killed in
between fires again after restart, never loses a change (the cycle is
idempotent). A failing first page (shield, 5xx, time-out, cut off) never fires;
the probes back off, doubling from ``poll`` up to ``every``.

It must be importable by the triggerer: it lives in the installed package,
never in the DAGs folder. Its identity is its class path and its arguments
(``serialize``), so two identical watchers share one trigger.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import Asset, AssetOrTimeSchedule, AssetWatcher
from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from core import vocabulary as v
from core.sources import DEFAULT_SOURCE_ID, Source

STATE_KEY = "zgwatch_probe"  # the key of the probe's state in the asset's state store
WATCH_ENV = "ZGWATCH_WATCH"  # "off": the DAGs have no watcher, only their schedule
OFF = ("off", "no", "false", "0", "none")


class FirstPageTrigger(BaseEventTrigger):
    """Fires when the first list page at ``url`` lists other entries than last time."""

    def __init__(self, url: str, *, source_id: str = "", profile: str = "auto",
                 poll: float = v.POLL, every: float = v.EVERY, timeout: float = v.TIMEOUT,
                 user_agent: str = v.USER_AGENT, lock_root: str | None = None,
                 delay: float = v.DELAY) -> None:
        super().__init__()
        self.url, self.source_id, self.profile = url, source_id, profile
        self.poll, self.every, self.timeout = float(poll), float(every), float(timeout)
        self.user_agent = user_agent
        # the data root whose host locks the crawls take (zgwatch.lock.host_lock): a probe
        # takes its host's turn too, ``delay`` after the last request; None: no lock
        self.lock_root, self.delay = lock_root, float(delay)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}", {
            "url": self.url, "source_id": self.source_id, "profile": self.profile,
            "poll": self.poll, "every": self.every, "timeout": self.timeout,
            "user_agent": self.user_agent, "lock_root": self.lock_root, "delay": self.delay,
        })

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # imported in a thread: lxml and the parsers take a moment the triggerer's loop
        # (every trigger's) must not wait for
        await asyncio.to_thread(importlib.import_module, "zgwatch.watch")
        from crawler.watch import FAILED, ProbeState
        from zgwatch.watch import backoff

        state = ProbeState.from_json(await self._stored())
        failures = 0
        while True:
            asked = datetime.now(UTC)  # in the event: when the change was seen
            result = await asyncio.to_thread(self._probe, state)
            if result is None:  # the host is a crawl's for longer than a poll: next poll
                await asyncio.sleep(self.poll)
                continue
            self.log.debug("%s", result.line(self.url))
            if result.outcome == FAILED:
                failures += 1
                self.log.warning("first list page failed (%s: %s)", result.fetch, result.reason)
            else:
                failures = 0
            if result.fires:
                self.log.info("the first list page changed (%s)", result.reason)
                yield TriggerEvent({"source": self.source_id, "url": self.url,
                                    "reason": result.reason, "digest": result.state.digest,
                                    "probed_at": asked.isoformat()})
            if result.outcome != FAILED and result.state != state:
                await self.asset_state_store.aset(STATE_KEY, result.state.to_json())
                state = result.state
            await asyncio.sleep(backoff(self.poll, self.every, failures))

    def _probe(self, state):
        """``zgwatch.watch.probe_in_turn`` (a thread: the lock and the request block); no
        host lock without a data root."""
        from crawler.profiles import profile_named
        from crawler.watch import probe
        from zgwatch.watch import probe_in_turn

        if self.lock_root is None:
            return probe(self.url, state, profile=profile_named(self.profile),
                         timeout=self.timeout, user_agent=self.user_agent)
        return probe_in_turn(self.lock_root, self.url, state, profile=self.profile,
                             wait=self.poll, timeout=self.timeout, user_agent=self.user_agent,
                             delay=self.delay)

    async def _stored(self) -> Any:
        store = getattr(self, "asset_state_store", None)
        return None if store is None else await store.aget(STATE_KEY)


def watched_asset(name: str, column_settings: Mapping[str, Any],
                  env: Mapping[str, str] | None = None, *, source: Source | None = None,
                  uri: str | None = None) -> Asset | None:
    """The asset ``name`` (``uri``) with a ``FirstPageTrigger`` watching ``source`` (a
    registry's: its URL, id and profile), else the column of ``column_settings`` (its
    ``source``, else ``ZGWATCH_SOURCE``, else the real column), every ``ZGWATCH_POLL``
    seconds, backing off up to ``ZGWATCH_EVERY``; None when ``ZGWATCH_WATCH`` is off. Read at
    parse time, like the schedule: a bad number fails the DAG's import."""
    env = os.environ if env is None else env
    if (env.get(WATCH_ENV) or "").strip().lower() in OFF:
        return None

    def setting(key: str, default):
        value = next((x for x in (column_settings.get(key), env.get(f"ZGWATCH_{key.upper()}"))
                      if x is not None and x != ""), default)  # 0 (no delay) is a value
        return value.strip() if isinstance(value, str) else value

    numbers = {}
    for key, default in (("poll", v.POLL), ("every", v.EVERY), ("timeout", v.TIMEOUT),
                         ("delay", v.DELAY)):
        try:
            numbers[key] = float(setting(key, default))
        except (TypeError, ValueError):
            numbers[key] = 0.0
        if numbers[key] <= 0 and not (key == "delay" and numbers[key] == 0):
            raise ValueError(f"ZGWATCH_{key.upper()}: seconds > 0, got {setting(key, '')!r}")
    if source is not None:
        url, source_id, profile = source.url, source.id, source.profile
    else:
        url = v.column_url(setting("source", v.REAL_COLUMN))
        source_id = str(setting("source_id", DEFAULT_SOURCE_ID))
        profile = str(setting("profile", "auto"))
    root = setting("data_dir", None)
    trigger = FirstPageTrigger(url, source_id=source_id, profile=profile,
                               lock_root=str(root) if root else None, **numbers)
    return Asset(name, **({"uri": uri} if uri else {}), group="zgwatch",
                 watchers=[AssetWatcher(name=f"{name}_watcher", trigger=trigger)])


def with_watcher(schedule, watched: Asset | None):
    """The monitor's schedule with the watcher's asset: a run on its event **or** on the
    time table (``AssetOrTimeSchedule``); the event alone when the DAG has no time table."""
    if watched is None:
        return schedule
    if schedule is None:
        return [watched]
    return AssetOrTimeSchedule(timetable=schedule, assets=[watched])
