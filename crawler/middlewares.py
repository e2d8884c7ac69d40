"""Downloader middleware: every request on the column's origin; retries with exponential backoff."""

from __future__ import annotations

import asyncio
import logging

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest

from core.vocabulary import origin

log = logging.getLogger(__name__)


class SameOriginMiddleware:
    """No request leaves the column's scheme, host and port: not robots.txt, not a redirect.

    Scrapy's offsite check compares host names only, so a redirect to another port of
    the same host (another service there) or to another scheme was followed. First in
    the chain, so a request refused here is never sent.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        source = self.crawler.spider.source
        if origin(request.url) != origin(source) or origin(source)[2] is None:
            log.warning("not fetched, another origin than the column's (%s): %s",
                        "://".join(origin(source)[:2]), request.url)
            raise IgnoreRequest(f"another origin than the column's: {request.url}")
        return None


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
