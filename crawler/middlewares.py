"""Downloader middleware: retries with exponential backoff."""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but waiting ``RETRY_BACKOFF_BASE * 2**n`` seconds before retry n+1.

    A server in trouble gets room to recover instead of three requests in a row.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    async def _pause(self, result):
        if isinstance(result, Request) and self.base > 0:
            tries = result.meta.get("retry_times", 1)
            await asyncio.sleep(min(self.cap, self.base * 2 ** (tries - 1)))
        return result

    async def process_response(self, request, response, spider=None):
        return await self._pause(super().process_response(request, response))

    async def process_exception(self, request, exception, spider=None):
        return await self._pause(super().process_exception(request, exception))
