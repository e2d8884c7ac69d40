"""``zgwatch watch``: the watchers in the foreground, one per source (docs/operators.md).

Every ``poll`` seconds each source's first list page is probed once
(``crawler.watch.probe``: a conditional GET, else a hash of its entries). A
change runs the source's cycle at once, **quick**: its crawl reads the list
only up to the first known notice and the due articles listed there
(``pipeline.run(quick=True)``). Every ``every`` seconds the source's **full**
cycle runs, as ``zgwatch run`` would: edits of older notices, removals and
publicity periods stay its business. Each cycle takes the source's cycle lock
(``zgwatch.lock``), as ``zgwatch run`` and the Airflow tasks do; a cycle
already running elsewhere leaves the change for the next poll, which sees it
again (the state is saved only after a cycle that covered it), and the cycle
is idempotent, so a watcher and a scheduled cycle at one moment alert once.

A failing first page (shield page, 5xx, time-out, cut off) is no change: the
probes back off, doubling from ``poll`` up to ``every``, until it answers.
The state (``crawler.watch.ProbeState``) lives in the source's data folder
(``watch.json``): a change while the watcher was down is caught at the first
probe after a restart, once; a restart without one fires nothing; no state
at all records a baseline and fires nothing. The first start (no full cycle on
record) runs the full cycle at once; after that, every ``every`` seconds from
the last one, across restarts. Sources on one host share its
politeness budget (``zgwatch.lock.host_lock``, the crawls' too): never two
requests at once, across processes, ``delay`` seconds apart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.errors import CycleRunning, HostBusy, ZgwatchError
from core.sources import Source
from crawler.profiles import profile_named
from crawler.watch import (
    FAILED,
    ProbeResult,
    ProbeState,
    probe,
    read_state,
    state_path,
    write_state,
)
from zgwatch.config import Settings

log = logging.getLogger("zgwatch.watch")

Cycle = Callable[[Settings, bool], object]  # (settings of one source, quick) -> a cycle run


def probe_in_turn(where, url: str, state: ProbeState | None, *, profile: str, wait: float,
                  timeout: float, user_agent: str,
                  delay: float | None = None) -> ProbeResult | None:
    """One probe of ``url`` in its host's turn (``zgwatch.lock.host_lock(where, …)``: one
    request at a time to a host across sources, threads and processes, ``delay`` after
    the last), by ``zgwatch watch`` and the Airflow trigger alike; None when another
    source's crawl holds the host for more than ``wait`` seconds (the probe is skipped)."""
    from zgwatch.lock import host_lock

    try:
        with host_lock(where, url, wait=wait, delay=delay):
            return probe(url, state, profile=profile_named(profile), timeout=timeout,
                         user_agent=user_agent)
    except HostBusy as exc:
        log.info("probe of %s skipped: %s", url, exc)
        return None


def backoff(poll: float, every: float, failures: int) -> float:
    """Seconds to the next probe after ``failures`` failed probes in a row: ``poll``, then
    doubling, never more than ``every`` (the full cycle's interval)."""
    return min(poll * 2 ** min(failures, 60), max(poll, every))


@dataclass
class Watched:
    """One source under watch: its cycle's settings, its state and when it is next due."""

    source: Source
    settings: Settings
    state: ProbeState | None
    next_probe: float  # epoch seconds
    next_full: float
    failures: int = 0  # failed probes in a row

    @property
    def state_file(self) -> Path:
        return state_path(self.settings.data_dir)

    @property
    def due(self) -> float:
        """When this source is next due: its probe, or its full cycle if sooner."""
        return min(self.next_probe, self.next_full)


def _run_cycle(settings: Settings, quick: bool) -> object:
    from zgwatch import pipeline

    return pipeline.run(settings, quick=quick)


class Watch:
    """The watchers of ``sources``; ``cycle(settings, quick)`` runs one cycle (the real
    ``pipeline.run``; tests may count calls around it), ``clock`` is epoch seconds."""

    def __init__(self, settings: Settings, sources: tuple[Source, ...], *,
                 cycle: Cycle = _run_cycle, clock: Callable[[], float] = time.time) -> None:
        self.settings, self.cycle, self.clock = settings, cycle, clock
        self.stop = threading.Event()  # set: no further probe or cycle begins
        now = clock()
        self.watched = []
        for source in sources:
            own = settings.for_source(source)
            state = read_state(state_path(own.data_dir))
            # no full cycle on record (a first start): one now, as `zgwatch run` would
            full = state.full_at + settings.every if state and state.full_at else now
            self.watched.append(Watched(source, own, state, next_probe=now, next_full=full))

    def run(self, stop: threading.Event) -> None:
        """Probe and cycle until ``stop`` is set (or an exception: SIGTERM, Ctrl-C)."""
        log.info("watching %d source%s: a probe every %g s, a full cycle every %g s",
                 len(self.watched), "" if len(self.watched) == 1 else "s",
                 self.settings.poll, self.settings.every)
        self.stop = stop
        while not stop.is_set():
            stop.wait(max(0.0, self.step() - self.clock()))

    def step(self) -> float:
        """Do what is due now for every source, in turn (until ``stop`` is set); when the
        next thing is due."""
        for w in self.watched:
            if self.stop.is_set():
                break
            if w.due <= self.clock():
                self.tend(w)
        return min(w.due for w in self.watched)

    def tend(self, w: Watched) -> None:
        """One probe of ``w`` and, on a change or when its full cycle is due, a cycle."""
        result = self._probe(w)
        now = self.clock()
        if result is None:  # the host is another source's for now: the next poll
            w.next_probe = now + self.settings.poll
            return
        full = now >= w.next_full
        log.debug("%s: %s", w.source.id, result.line(w.source.url))
        if result.outcome == FAILED:
            w.failures += 1
            w.next_probe = now + backoff(self.settings.poll, self.settings.every, w.failures)
            if w.failures == 1 or full:
                log.warning("%s: first list page failed (%s: %s); next probe in %g s",
                            w.source.id, result.fetch, result.reason, w.next_probe - now)
        else:
            w.failures = 0
            w.next_probe = now + self.settings.poll
        if result.fires and not full:
            log.info("%s: the first list page changed (%s); a quick cycle", w.source.id,
                     result.reason)
        if not (full or result.fires):
            self._keep(w, result.state)
            return
        if full:
            log.info("%s: the full cycle (every %g s)", w.source.id, self.settings.every)
            w.next_full = now + self.settings.every
        if self._cycle(w, quick=not full) and result.state is not None:
            state = result.state
            if full:
                state = ProbeState(**{**state.to_json(), "full_at": now})
            self._keep(w, state)

    def _probe(self, w: Watched) -> ProbeResult | None:
        """``probe_in_turn`` of ``w`` with these settings."""
        return probe_in_turn(w.settings, w.source.url, w.state, profile=w.source.profile,
                             wait=self.settings.poll, timeout=self.settings.timeout,
                             user_agent=self.settings.user_agent)

    def _cycle(self, w: Watched, *, quick: bool) -> bool:
        """One cycle of ``w`` under its cycle lock; whether it ran to its end."""
        from zgwatch.lock import cycle_lock

        what = "quick" if quick else "full"
        started = time.monotonic()
        try:
            with cycle_lock(w.settings.data_dir):
                self.cycle(w.settings, quick)
            log.info("%s: the %s cycle done in %.1f s", w.source.id, what,
                     time.monotonic() - started)
            return True
        except CycleRunning as exc:
            log.info("%s: %s cycle not started: %s; the next probe looks again", w.source.id,
                     what, exc)
        except ZgwatchError as exc:  # told to operators by the cycle itself; one line here
            log.warning("%s: %s cycle failed: %s", w.source.id, what, exc)
        except Exception as exc:  # a bug must not end the other sources' watch
            log.debug("%s cycle of %s failed", what, w.source.id, exc_info=True)
            log.warning("%s: %s cycle failed: %s: %s", w.source.id, what,
                        type(exc).__name__, " ".join(str(exc).split())[:300])
        return False

    def _keep(self, w: Watched, state: ProbeState | None) -> None:
        if state is None or state == w.state:
            return
        try:
            write_state(w.state_file, state)
        except OSError as exc:
            log.warning("%s: watcher state not saved in %s (%s); it is kept in memory",
                        w.source.id, w.state_file, exc.strerror or exc)
        w.state = state
