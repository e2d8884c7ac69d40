"""Scrapy's downloader, holding to the per-host concurrency when there is no delay.

Scrapy 2.19 counts a request as transferring only once its download coroutine
runs. Under the asyncio reactor that is on a later turn of the loop, so with
``DOWNLOAD_DELAY = 0`` the loop in ``Downloader._process_queue`` hands out
every queued request at once: ``CONCURRENT_REQUESTS_PER_DOMAIN = 1`` became 5
requests open to the host, each on a new connection. Counting the request when
it leaves the queue keeps the limit. With a delay Scrapy already sends one
request per turn, so that path is Scrapy's own.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall or slot.download_delay():
            super()._process_queue(slot)
            return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = monotonic()
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # now, not when the coroutine starts
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
