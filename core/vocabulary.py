"""The words every layer shares, each written once: kinds, outcomes, zone, URL shapes, defaults."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

# -- time -----------------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the column's, and its readers', time zone


def today_in_shanghai() -> date:
    """Today's date in Guangdong: the default ``as_of`` of a cycle."""
    return datetime.now(SHANGHAI).date()


def shanghai_date(instant: datetime) -> date:
    """The calendar day in Asia/Shanghai of an aware instant (a DAG run's logical date)."""
    return instant.astimezone(SHANGHAI).date()


def shanghai_time(instant: datetime) -> str:
    """An instant as people in Guangdong read it (北京时间), to the minute."""
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# -- change events ------------------------------------------------------------------------------


class Kind(StrEnum):
    """``changes.kind``: what happened to a notice (see docs/interfaces.md)."""

    NEW = "new"
    EDITED = "edited"
    REMOVED = "removed"
    RESTORED = "restored"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    PERIOD_EXTENDED = "period_extended"  # a new version moves the 公开期限's end later
    PERIOD_SHORTENED = "period_shortened"  # ... or earlier
    # the inspection cycle (docs/inspection.md)
    STATIONED = "stationed"  # a stationing announcement: group, unit, letters deadline
    LETTERS_EXPIRING = "letters_expiring"  # its letters deadline is near (as warn_days)
    PROGRESS_OVERDUE = "progress_overdue"  # no progress notice by progress_expected_months


# The words people read (subject lines, chat headlines).
KIND_LABELS: dict[Kind, str] = {
    Kind.NEW: "新通报",
    Kind.EDITED: "内容修改",
    Kind.REMOVED: "已撤下",
    Kind.RESTORED: "恢复发布",
    Kind.EXPIRING: "公开期限将至",
    Kind.EXPIRED: "公开期限已过",
    Kind.PERIOD_EXTENDED: "公开期限延长",
    Kind.PERIOD_SHORTENED: "公开期限缩短",
    Kind.STATIONED: "巡视进驻",
    Kind.LETTERS_EXPIRING: "信访受理将截止",
    Kind.PROGRESS_OVERDUE: "整改公开逾期",
}
# A moved deadline, in a subject line, with its new date: 期限延长至12月20日.
MOVED_PERIOD_WORDS: dict[Kind, str] = {
    Kind.PERIOD_EXTENDED: "期限延长至",
    Kind.PERIOD_SHORTENED: "期限缩短至",
}
# Alerted unless a destination's `kinds` says otherwise; `expired` is only
# recorded by default (it follows an `expiring` alert a few days earlier).
ALERTED_KINDS = frozenset(KIND_LABELS) - {Kind.EXPIRED}
# Of the first cycle's (baseline) events, the kinds alerted one by one; the rest is one summary.
BASELINE_ALERTED = frozenset({Kind.EXPIRING, Kind.LETTERS_EXPIRING})

# -- documents ------------------------------------------------------------------------------------


class DocumentKind(StrEnum):
    """``notice_versions.document_kind``: what a page of the column is (docs/warehouse.md).

    The window stored in ``publicity_start``/``publicity_end`` means, for each kind:
    a rectification notice's 公开期限 (when the public may comment on the progress);
    a stationing announcement's letters deadline (when the inspection group takes
    letters, calls and visits, usually 截止到 a date before it leaves: ``Window.LETTERS``,
    never a 公开期限); a feedback announcement states none; for other documents,
    whatever window the text offers the public, if any.
    """

    RECTIFICATION = "rectification"  # 关于巡视整改进展情况的通报
    INSPECTION = "inspection_announcement"  # stationing: 巡视组进驻…, 受理信访时间截止到…
    FEEDBACK = "feedback_announcement"  # 巡视组向…反馈巡视情况
    OTHER = "other"


# Kinds that state a window for the public: a version of one without it is a parse gap.
KINDS_WITH_WINDOW = frozenset({DocumentKind.RECTIFICATION, DocumentKind.INSPECTION})


class Window(StrEnum):
    """What the window of a version is (``readings.publicity_end.window``), by its kind."""

    PUBLICITY = "publicity"  # 公开期限: the public may comment on a rectification
    LETTERS = "letters"  # 受理信访截止: the inspection group takes letters until then


# What a message calls a notice's window, by what it is.
WINDOW_LABELS: dict[Window, str] = {Window.PUBLICITY: "公开期限", Window.LETTERS: "受理信访"}


def window_of(kind: str) -> Window:
    """The window a document of ``kind`` states: a stationing announcement's is the letters
    deadline, every other kind's the publicity period."""
    return Window.LETTERS if kind == DocumentKind.INSPECTION else Window.PUBLICITY


# -- fetches --------------------------------------------------------------------------------------


class Outcome(StrEnum):
    """What one fetch of a page was (``fetches.outcome``; docs/architecture.md)."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"  # 304
    NOT_FOUND = "not_found"  # 404, 410
    SERVER_ERROR = "server_error"  # 5xx
    TIMEOUT = "timeout"
    BLOCKED = "blocked"  # 412 bot shield, or a page of script with no content
    TRUNCATED = "truncated"  # cut off mid-page
    WRONG_PAGE = "wrong_page"  # a whole page without the structure asked for
    EMPTY_LIST = "empty_list"  # a list page with no entries
    LIST_RUNAWAY = "list_runaway"  # the pager went past its bound: the walk stopped there
    ERROR = "error"  # anything else


# Only these carry content: every other outcome is a fault, never a change.
CONTENT_OUTCOMES = frozenset({Outcome.OK, Outcome.NOT_MODIFIED})


class PageKind(StrEnum):
    """Why a page was fetched (``fetches.page_kind``)."""

    LIST = "list"
    ARTICLE = "article"
    PROBE = "probe"  # a known notice missing from a complete list: is its page gone?


# -- the site -----------------------------------------------------------------------------------

REAL_COLUMN = "https://www.gdjct.gd.gov.cn/xunshizgls/"
# A notice's id: the number in post_<id>.html, ASCII digits only (a full-width １ or an
# Arabic-Indic ١ makes a look-alike page), at most 20 of them (the site's paths, a
# BIGINT). The one grammar of the crawler, the warehouse's load and the site's paths;
# ``NOTICE_ID.pattern`` is also a valid regular expression for DuckDB (RE2).
NOTICE_ID = re.compile(r"[0-9]{1,20}", re.ASCII)
# The platform's URL shapes: an article is post_<id>.html, a further list page index_<n>.html
# (the built-in profile ``gdjct`` of crawler/profiles.py; other sites have theirs).
ARTICLE_URL = re.compile(r"post_(?P<id>[0-9]+)\.s?html?$", re.ASCII)
# What looks like an article link whatever its id: one whose id is not a NOTICE_ID is a fault.
ARTICLE_LIKE_URL = re.compile(r"post_([^/]+?)\.s?html?$")
LIST_PAGE_URL = re.compile(r"index_(\d+)\.s?html?$")
_INDEX_PAGE = re.compile(r"(?<=/)index\.s?html?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_notice_id(text: object) -> bool:
    """Whether ``text`` is a notice id (``NOTICE_ID``, the whole of it)."""
    return isinstance(text, str) and NOTICE_ID.fullmatch(text) is not None


def column_url(text: str) -> str:
    """A column's index URL as it is fetched and stored: scheme and host in lower case,
    no default port, no fragment; ``ValueError`` (saying why, never echoing it) when it is
    not an http(s) URL with a host and a valid port, or when it holds a user name or password,
    a space or a control character (``urlsplit`` would quietly drop a line break).
    """
    text = text.strip()
    if any(c.isspace() or not c.isprintable() for c in text):
        raise ValueError("must not hold a space or control character")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or "://" not in text:
        raise ValueError("must be an http(s) URL of the column's index")
    if "@" in parts.netloc:  # user:password@host: a secret would be stored in every batch
        raise ValueError("must not hold a user name or password")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has a port that is not a number from 1 to 65535") from None
    if port == 0:
        raise ValueError("has a port that is not a number from 1 to 65535")
    host = parts.hostname
    if not host:
        raise ValueError("has no host")
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the default port spelt out; a bad port is None.
    Nothing the crawler asks for leaves the column's origin."""
    parts = urlsplit(url)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or ""), port


def column_key(url: str) -> str:
    """What identifies a column whatever way its address is written: ``column_url`` without
    a trailing ``index.html`` or query, ending in ``/``. Two URLs with the same key are the
    same column (``http://Host/x`` = ``http://host/x/`` = ``http://host/x/index.html``)."""
    parts = urlsplit(column_url(url))
    path = _INDEX_PAGE.sub("", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") + "/", "", ""))


# -- defaults -------------------------------------------------------------------------------------

USER_AGENT = "zgwatch/0.1 (+https://github.com/zgwatch/zgwatch; watches the 整改落实 column)"
CONFIG_FILE = "zgwatch.toml"  # the settings file read when none is named (zgwatch.config)
DELAY = 1.0  # seconds between two requests to the site
TIMEOUT = 30.0  # seconds one request may take
RECENT_DAYS = 30  # notices published this recently are fetched every cycle
REVISIT_DAYS = 7.0  # every other notice at least once per this many days
WARN_DAYS = 3  # warn this many days before a publicity period ends
LOCK_WAIT = 120.0  # seconds a stage waits for the warehouse's write lock
# seconds a crawl waits for its host's lock, held by another source's crawl (zgwatch.lock): a
# crawl stops itself at its budget (CRAWL_BUDGET), so this outlasts one crawl ahead of it
HOST_WAIT = 3600.0
# Seconds the publish step may take (analyst copy, search index, site): past them it
# stops between two pieces of work and the next cycle finishes what is left.
PUBLISH_BUDGET = 60.0
MAX_ATTEMPTS = 8  # failed runs after which a delivery is given up (failed)
# More messages than this for one destination in one alert run is a flood (a column
# inventing notices): that destination gets the run's one digest instead, and operators
# an incident. A real cycle brings a handful of notices.
FLOOD_MESSAGES = 20
# A removal takes two absences (off a complete list, 404/410) on distinct cycles: an
# absence counts only this long after the last one counted, so a rerun minutes later
# (after a killed run, or by hand) never confirms one. Hourly cycles are an hour apart.
ABSENCE_INTERVAL = timedelta(minutes=30)
# The list walk's hard cap: 40,000 notices at 20 a page, a hundred times the real column.
MAX_LIST_PAGES = 2000
# The inspection cycle (docs/inspection.md). Article 27 of the 2015 巡视工作条例: the unit
# reports its rectification to the inspection office within 2 months of feedback (not public).
REPORT_DUE_MONTHS = 2
# No rule sets a public deadline for the progress notice; on real cases it came 3 to 12 months
# after feedback (the seed's unit: 11). When to call one overdue is the user's rule
# (`progress_expected_months`, with the warehouse part); this is its default.
PROGRESS_EXPECTED_MONTHS = 6
# A unit's documents more than this many months apart (by the visit's start, else the
# feedback day) belong to two rounds: a round's documents are months apart, its rounds years.
ROUND_GAP_MONTHS = 12
# Seconds one crawl may take before it stops with what it has (list incomplete, a
# crawl_runaway incident): a runaway walk at the cap was 11.7 h at the default delay.
# Under an hour, so an hourly cycle never runs into the next.
CRAWL_BUDGET = 3000.0
# The watchers (zgwatch watch, the Airflow trigger): seconds between two probes of a
# source's first list page (12 requests an hour), and between two full cycles.
POLL = 300.0
EVERY = 3600.0
# List pages in a row that add no notice (all repeats, empty, 404) end the walk: a pager
# naming pages past them is running away.
BARREN_LIST_PAGES = 3
