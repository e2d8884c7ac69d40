"""The replica's state, and the changes tests make to it between crawls.

``Replica`` is the column as it stands: which notices are listed and in what
order, their current text, the template, the faults. Every method is
thread-safe: the HTTP server reads while a test writes.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from replica.columns import Column, Columns
from replica.edits import one_character_changed, replaced, with_period
from replica.faults import FAR_LAST_PAGE, HOSTILE_IDS, FaultBook
from replica.generator import DEFAULT_TODAY, Listing, build_catalog, notice_rng, write_notice
from replica.issuers import ISSUERS, find_issuer
from replica.model import NoticeSpec
from replica.render import PAGE_SIZE, TEMPLATES, page_count, page_name, render_article, render_list
from replica.timing import utc

COLUMN = "/xunshizgls/"


class InFlight:
    """Requests being answered now and the most at once (how polite is the crawler?);
    ``with in_flight():`` counts one. Thread-safe."""

    def __init__(self) -> None:
        self.active = self.max_active = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1


@dataclass(frozen=True)
class Article:
    """A rendered article page with its validators."""

    body: bytes
    etag: str
    last_modified: datetime  # UTC, whole seconds


def article_path(notice_id: str) -> str:
    """The path of a notice's article page."""
    return f"{COLUMN}content/post_{notice_id}.html"


def list_path(page_no: int) -> str:
    """The path of list page ``page_no`` (1-based)."""
    return COLUMN + page_name(page_no)


@lru_cache(maxsize=4096)
def _written(listing: Listing, seed: int) -> NoticeSpec:
    return write_notice(listing, seed)


@lru_cache(maxsize=4096)
def _rendered(template: str, notice: NoticeSpec) -> tuple[bytes, str]:
    body = render_article(template, notice)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class Replica:
    """The 整改落实 column: ``notices`` generated notices for ``seed`` (202033 among them).

    ``today`` is the reference date the column is generated back from; the
    newest notice is at most three days older. ``hang_seconds`` is how long a
    ``hang`` fault holds a connection unless the fault says otherwise.
    ``clock`` (an aware UTC datetime) dates changes for Last-Modified; the
    wall clock by default.
    """

    def __init__(
        self,
        notices: int = 45,
        seed: int = 1,
        *,
        today: date = DEFAULT_TODAY,
        template: str = "A",
        hang_seconds: float = 120.0,
        clock: Callable[[], datetime] | None = None,
        list_validators: bool = False,
    ) -> None:
        if template not in TEMPLATES:
            raise ValueError(f"unknown template {template!r}; one of {', '.join(TEMPLATES)}")
        self.seed, self.today, self.hang_seconds = seed, today, hang_seconds
        # the column's list pages carry an ETag (a hash of the page) and answer a matching
        # If-None-Match with 304, as a static file server does; off: no validators on lists
        self.list_validators = list_validators
        self.faults = FaultBook()
        # (method, path, User-Agent) of the latest requests: what a crawler really asked
        self.requests: collections.deque[tuple[str, str, str]] = collections.deque(maxlen=100_000)
        self.robots_txt: bytes | None = None  # None: the default robots.txt of routes.py
        # path -> where it redirects (302 with that Location): a site sending a crawler away
        self.redirects: dict[str, str] = {}
        self.in_flight = InFlight()  # requests being answered, on every host it is served on
        self._clock = clock or (lambda: datetime.now(UTC).replace(microsecond=0))
        self._lock = threading.RLock()
        self._template = template
        self._listings = {
            listing.notice_id: listing for listing in build_catalog(notices, seed, today)
        }
        self._removed: set[str] = set()
        self._edited: dict[str, NoticeSpec] = {}
        self._modified: dict[str, datetime] = {}  # Last-Modified after a change, UTC
        self._template_changed_at: datetime | None = None
        self._latest = max(
            (utc(lst.published_at) for lst in self._listings.values()),
            default=datetime(2020, 1, 1, tzinfo=UTC),
        )
        self._edits = 0  # changes made so far, to vary where the next default edit lands
        # the site's other columns, a TRS site and the variant (replica/columns.py)
        self.columns = Columns(seed, today, self._clock)
        self._order: list[Listing] = []
        self._reorder()

    # -- reading ---------------------------------------------------------------

    @property
    def template(self) -> str:
        return self._template

    def notice_ids(self) -> list[str]:
        """The ids of the listed notices, in list order (newest first)."""
        with self._lock:
            return [listing.notice_id for listing in self._order]

    def column(self, path: str) -> Replica | Column:
        """The column at ``path``: this one (``/xunshizgls/``) or one of ``columns.all``, each
        with ``notice_ids``, ``add_notice``, ``edit``, ``remove``, ``restore``; ValueError
        naming the columns for a path that is none."""
        if path == COLUMN:
            return self
        if path not in self.columns.all:
            raise ValueError(f"no column {path!r}; the columns: "
                             + ", ".join((COLUMN, *self.columns.all)))
        return self.columns.all[path]

    def notice(self, notice_id: str) -> NoticeSpec:
        """The current text of a notice (listed or removed); KeyError if there is none."""
        with self._lock:
            if notice_id in self._edited:
                return self._edited[notice_id]
            listing = self._listings[notice_id]
        return _written(listing, self.seed)

    def page_of(self, notice_id: str) -> int:
        """The list page that shows ``notice_id`` now; ValueError if it is not listed."""
        return self.notice_ids().index(notice_id) // PAGE_SIZE + 1

    def page_count(self) -> int:
        with self._lock:
            return page_count(len(self._order))

    article_path = staticmethod(article_path)
    list_path = staticmethod(list_path)

    def list_page(
        self, page_no: int, *, empty: bool = False, pager: str | None = None,
        hostile_ids: bool = False,
    ) -> bytes | None:
        """List page ``page_no`` as HTML, None past the last page; ``empty`` lists nothing.

        ``pager`` is a hostile pager: ``pager_endless`` serves every page number,
        those past the last with the last page's notices again (a CMS clamping
        the number), each linking a next page; ``pager_far_last`` points 尾页 at
        page 1,000,000 (the pages past the last still answer 404). ``hostile_ids`` lists
        links whose id is no notice id (``faults.HOSTILE_IDS``) above the notices.
        """
        with self._lock:
            pages = page_count(len(self._order))
            if page_no < 1 or (page_no > pages and pager != "pager_endless"):
                return None
            shown = min(page_no, pages)
            entries = [] if empty else self._order[(shown - 1) * PAGE_SIZE : shown * PAGE_SIZE]
            if hostile_ids and entries:
                entries = [dataclasses.replace(entries[0], notice_id=i) for i in HOSTILE_IDS] \
                    + entries
            template = self._template
        claimed = {"pager_endless": page_no + 1, "pager_far_last": FAR_LAST_PAGE}.get(pager, pages)
        return render_list(template, page_no, claimed, entries)

    def article(self, notice_id: str) -> Article | None:
        """The article page of a listed notice with its ETag and Last-Modified; None if gone."""
        with self._lock:
            if notice_id not in self._listings or notice_id in self._removed:
                return None
            template, modified = self._template, self._last_modified(notice_id)
        body, etag = _rendered(template, self.notice(notice_id))
        return Article(body, etag, modified)

    # -- changing ----------------------------------------------------------------

    @property
    def active(self) -> int:
        """Requests being answered now, on every host."""
        return self.in_flight.active

    @property
    def max_active(self) -> int:
        """The most requests answered at once so far, on every host."""
        return self.in_flight.max_active

    def add_notice(
        self,
        *,
        issuer: str | None = None,
        published_at: datetime | date | None = None,
        title: str | None = None,
        period: tuple[date, date] | None = None,
        attachment: bool = False,
    ) -> str:
        """Publish a new notice and return its id.

        By default it is the newest (today, after every other notice) and so
        goes to the top of page 1, pushing every other notice one place down.
        ``issuer`` is an issuer's name (e.g. ``深圳市委``, ``中共广州市委``).
        """
        with self._lock:
            rng = notice_rng(self.seed, f"added:{len(self._listings)}")
            newest = (
                max(lst.published_at for lst in self._listings.values())
                if self._listings
                else datetime.combine(self.today, time(9, 30))
            )
            if published_at is None:
                published_at = max(
                    newest + timedelta(minutes=7), datetime.combine(self.today, time(9, 30))
                )
            elif not isinstance(published_at, datetime):
                published_at = datetime.combine(published_at, time(10, 0))
            chosen = find_issuer(issuer) if issuer else rng.choice(ISSUERS)
            notice_id = str(max(map(int, self._listings), default=200000) + rng.randrange(1, 6))
            listing = Listing(notice_id, published_at, chosen, title or chosen.title, attachment)
            self._listings[notice_id] = listing
            self._latest = max(self._latest, utc(published_at))
            if period is not None:
                self._put(with_period(_written(listing, self.seed), *period), bump=False)
            self._reorder()
            return notice_id

    def edit(self, notice_id: str, old: str | None = None, new: str | None = None) -> NoticeSpec:
        """Change a notice's text: by default one character of its body, else ``old`` → ``new``.

        ``old`` is replaced (first occurrence) in the title, the body paragraphs,
        the appeal, the period or the contacts sentence, whichever has it first.
        """
        with self._lock:
            notice = self.notice(notice_id)
            if old is None:
                edited = one_character_changed(notice, self._edits)
            else:
                edited = replaced(notice, old, "" if new is None else new)
            self._put(edited)
            if edited.title != notice.title:
                self._listings[notice_id] = dataclasses.replace(
                    self._listings[notice_id], title=edited.title
                )
                self._reorder()
            return edited

    def set_period(self, notice_id: str, start: date, end: date) -> NoticeSpec:
        """Rewrite the notice's 公开期限 sentence for ``start``..``end``, in its own phrasing."""
        with self._lock:
            edited = with_period(self.notice(notice_id), start, end)
            self._put(edited)
            return edited

    def remove(self, notice_id: str) -> None:
        """Take a notice down: gone from the list, its article answers 404."""
        with self._lock:
            if notice_id not in self._listings:
                raise KeyError(notice_id)
            self._removed.add(notice_id)
            self._reorder()

    def restore(self, notice_id: str) -> None:
        """Put a removed notice back where its date places it, unchanged."""
        with self._lock:
            if notice_id not in self._listings:
                raise KeyError(notice_id)
            self._removed.discard(notice_id)
            self._reorder()

    def set_template(self, template: str) -> None:
        """Switch every page to ``template`` (A, B or mixed) at once, as a redesign would."""
        if template not in TEMPLATES:
            raise ValueError(f"unknown template {template!r}; one of {', '.join(TEMPLATES)}")
        with self._lock:
            if template != self._template:
                self._template = template
                self._template_changed_at = self._next_instant(self._latest)

    def set_fault(
        self, path: str, kind: str, *, times: int | None = None, seconds: float | None = None
    ) -> None:
        """Make requests to ``path`` (an fnmatch pattern) fail as ``kind`` (``FAULT_KINDS``)."""
        self.faults.set(path, kind, times=times, seconds=seconds)

    def clear_faults(self, path: str | None = None) -> None:
        """Switch off the fault on ``path``, or all faults."""
        self.faults.clear(path)

    # -- internals ---------------------------------------------------------------

    def _reorder(self) -> None:
        # Newest first, as the column lists; ties by id, which grows with time.
        listed = (lst for nid, lst in self._listings.items() if nid not in self._removed)
        self._order = sorted(
            listed, key=lambda lst: (lst.published_at, int(lst.notice_id)), reverse=True
        )

    def _put(self, notice: NoticeSpec, *, bump: bool = True) -> None:
        self._edited[notice.notice_id] = notice
        self._edits += 1
        if bump:  # Last-Modified moves forward so If-Modified-Since sees the change
            self._modified[notice.notice_id] = self._next_instant(
                self._last_modified(notice.notice_id)
            )

    def _last_modified(self, notice_id: str) -> datetime:
        modified = self._modified.get(notice_id) or utc(self._listings[notice_id].published_at)
        changed = self._template_changed_at
        return max(modified, changed) if changed else modified

    def _next_instant(self, after: datetime) -> datetime:
        instant = max(self._clock(), after + timedelta(seconds=1))
        self._latest = max(self._latest, instant)
        return instant
