"""Scrapy settings of the zgwatch crawler: polite by default, for the real site.

``crawler.process`` overrides the per-run values (delay, timeout, user agent, paths).
"""

from core import vocabulary as v

BOT_NAME = "zgwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
USER_AGENT = v.USER_AGENT
CONCURRENT_REQUESTS = 8
CONCURRENT_ITEMS = 1  # one item a page (crawler.items.Page); the default 100 starts 100 tasks
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # one request at a time to the host
DOWNLOAD_DELAY = v.DELAY
AUTOTHROTTLE_ENABLED = True  # slows down further when the site answers slowly
AUTOTHROTTLE_START_DELAY = v.DELAY
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = v.TIMEOUT
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"  # a page that stays down is recorded, not an error
DOWNLOADER_MIDDLEWARES = {
    # nothing leaves the column's scheme, host and port (robots.txt and redirects included)
    "crawler.middlewares.SameOriginMiddleware": 50,
    # a page is classified as served: a <meta refresh> page (a shield's, say) is not followed
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,  # the column is public
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
# one request at a time must hold at DOWNLOAD_DELAY = 0 too (see crawler/downloader.py)
DOWNLOADER = "crawler.downloader.PoliteDownloader"
ITEM_PIPELINES = {"crawler.pipelines.BatchWriterPipeline": 300}

COOKIES_ENABLED = False  # a column needs none; cookies are how bot shields track crawlers
# No listener, and nothing written outside the batch and the raw-page folder. Scrapy 2.19's
# remote control is an HTTP server that runs any code given its token, and writes the token
# to ~/.local/state/scrapy/job_files (left there when a crawl is killed); the telnet console
# is a shell into the crawl. Neither is for an unattended crawl (tests/reliability).
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False  # conditional requests come from the warehouse's validators
JOBDIR = None  # no pause/resume state on disk: a killed crawl is started again from scratch
LOG_LEVEL = "INFO"
# Scrapy would read each callback's source (inspect) to warn about `return` in generators
WARN_ON_GENERATOR_RETURN_VALUE = False
FEED_EXPORT_ENCODING = "utf-8"
