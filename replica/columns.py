"""The site's other columns, a second site on the TRS template, and a variant no profile has seen.

Each column is a row of ``COLUMNS``: where it is served, what it carries
(巡视公告: groups stationed at units; 巡视反馈: feedback; 整改落实:
rectification), its skin (``gd``: this site's template A; ``trs``: the TRS
template, ``<ul class="list_news_dl2">`` and ``./YYYYMM/tYYYYMMDD_N.html``;
``variant``: class names and wording none of zgwatch's profiles names) and its
pager kind. Notices are generated per column, deterministic for a seed, ten to
a list page; faults apply by path as everywhere (``replica.faults``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache

from replica.edits import one_character_changed
from replica.faults import FAR_LAST_PAGE
from replica.feedback import FEEDBACK, feedback_title, write_feedback
from replica.generator import CN, Listing, notice_rng, write_notice
from replica.issuers import ISSUERS
from replica.model import INSPECTION, RECTIFICATION, NoticeSpec, cn_date
from replica.render import PagerLink, render_column_article, render_column_list
from replica.rounds import Batch, Plan, plan, stationing_name
from replica.timing import utc

COLUMN_PAGE_SIZE = 10


@dataclass(frozen=True)
class ColumnSpec:
    """One column served besides 整改落实 (``/xunshizgls/``)."""

    path: str  # the index folder, e.g. /swxsnew/xsgg/
    name: str  # the column's name in the breadcrumb
    site: str  # the site's name
    kind: str  # RECTIFICATION | INSPECTION (stationing) | FEEDBACK
    skin: str  # gd | trs | variant
    pager: str  # numbered | script | query | currentpage | next
    notices: int = 25
    first_id: int = 300000
    # another site: served also on a host of its own (a second port), as a site of its own
    # would be, so the politeness budget per host shows (``replica.server.running``)
    own_host: bool = False


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("/swxsnew/xsgg/", "巡视公告", "南粤清风网", INSPECTION, "gd", "numbered",
               first_id=310000),
    ColumnSpec("/swxsnew/xsfk/", "巡视反馈", "南粤清风网", FEEDBACK, "gd", "numbered",
               first_id=320000),
    ColumnSpec("/trs/xszg/", "巡察整改", "清远廉政网", RECTIFICATION, "trs", "script",
               first_id=1100000, own_host=True),
    *(
        ColumnSpec(f"/variant/{pager}/", "整改公开", "清风韶关", RECTIFICATION, "variant", pager,
                   first_id=2000000 + 10000 * n)
        for n, pager in enumerate(("numbered", "script", "query", "currentpage", "next"))
    ),
)
_QUERY_KEY = {"query": "page", "currentpage": "currentPage"}


def own_hosts() -> dict[str, tuple[str, ...]]:
    """The sites served on a host of their own: site name -> the folders of its columns."""
    sites: dict[str, tuple[str, ...]] = {}
    for column in COLUMNS:
        if column.own_host:
            sites[column.site] = (*sites.get(column.site, ()), column.path)
    return sites


@dataclass(frozen=True)
class ColumnArticle:
    """An article page of a column, rendered."""

    body: bytes
    last_modified: datetime  # UTC: the publication time, later the last edit


def article_path(column: ColumnSpec, listing: Listing) -> str:
    """Where a notice's article is: post_N.html, ./YYYYMM/tYYYYMMDD_N.html, or the
    variant's ./show/YYYY/MMDD/art_<column>_<N>.html."""
    at, nid = listing.published_at, listing.notice_id
    if column.skin == "gd":
        return f"{column.path}content/post_{nid}.html"
    if column.skin == "trs":
        return f"{column.path}{at:%Y%m}/t{at:%Y%m%d}_{nid}.html"
    return f"{column.path}show/{at:%Y}/{at:%m%d}/art_{COLUMNS.index(column) + 1}_{nid}.html"


def list_target(column: ColumnSpec, page_no: int) -> str:
    """The path (and query) of list page ``page_no`` (1-based) of ``column``."""
    if page_no == 1:
        return column.path
    if column.pager == "script":  # pages count from 0: index_1.html is the second
        return f"{column.path}index_{page_no - 1}.html"
    if column.pager in _QUERY_KEY:
        return f"{column.path}?{_QUERY_KEY[column.pager]}={page_no}"
    if column.pager == "next" or column.skin == "variant":
        return f"{column.path}list_{page_no}.html"
    return f"{column.path}index_{page_no}.html"


class Column:
    """A column's notices (newest first), its pages, and the changes tests make to it
    (thread-safe: the server reads while a test writes)."""

    def __init__(self, spec: ColumnSpec, seed: int, today: date,
                 clock: Callable[[], datetime]) -> None:
        self.spec, self.seed, self.today, self._clock = spec, seed, today, clock
        rng = notice_rng(seed, f"column:{spec.path}")
        if spec.kind in (INSPECTION, FEEDBACK) and spec.skin == "gd":
            listings = round_listings(spec, seed, today)
        else:
            listings = []
            day, nid = today - timedelta(days=rng.randrange(0, 5)), spec.first_id
            for _ in range(spec.notices):
                issuer = rng.choice(ISSUERS)
                minute = rng.randrange(9 * 60, 18 * 60)
                at = datetime.combine(day, time(minute // 60, minute % 60))
                listings.append(Listing(str(nid), at, issuer, self._title(rng, issuer), False,
                                        spec.kind))
                day -= timedelta(days=rng.randrange(3, 40))
                nid -= rng.randrange(1, 40)
        self._lock = threading.RLock()
        self._all = {lst.notice_id: lst for lst in listings}
        self._removed: set[str] = set()
        self._edited: dict[str, NoticeSpec] = {}
        self._modified: dict[str, datetime] = {}  # Last-Modified after a change, UTC
        self.paths = {article_path(spec, lst): lst.notice_id for lst in listings}

    @property
    def listings(self) -> tuple[Listing, ...]:
        """The listed notices, newest first (by publication time, then id)."""
        with self._lock:
            listed = [lst for nid, lst in self._all.items() if nid not in self._removed]
        return tuple(sorted(listed, key=lambda lst: (lst.published_at, int(lst.notice_id)),
                            reverse=True))

    def notice_ids(self) -> list[str]:
        """The ids of the listed notices, in list order (newest first)."""
        return [listing.notice_id for listing in self.listings]

    def add_notice(self) -> str:
        """Publish a new notice, the newest: it goes on top of page 1, every other one place
        down. Returns its id."""
        with self._lock:
            rng = notice_rng(self.seed, f"column-added:{self.spec.path}:{len(self._all)}")
            newest = max(lst.published_at for lst in self._all.values())
            at = max(newest + timedelta(minutes=7), datetime.combine(self.today, time(9, 30)))
            issuer = rng.choice(ISSUERS)
            nid = str(max(map(int, self._all)) + rng.randrange(1, 6))
            listing = Listing(nid, at, issuer, self._title(rng, issuer), False, self.spec.kind)
            self._all[nid] = listing
            self.paths[article_path(self.spec, listing)] = nid
            return nid

    def edit(self, notice_id: str) -> NoticeSpec:
        """Change one character of a body paragraph (``replica.edits``); Last-Modified moves."""
        with self._lock:
            edited = one_character_changed(self.notice(self._all[notice_id]),
                                           len(self._edited))
            self._edited[notice_id] = edited
            self._modified[notice_id] = max(self._clock(),
                                            self._last_modified(notice_id) + timedelta(seconds=1))
            return edited

    def remove(self, notice_id: str) -> None:
        """Take a notice down: gone from the list, its article answers 404."""
        with self._lock:
            self._all[notice_id]
            self._removed.add(notice_id)

    def restore(self, notice_id: str) -> None:
        with self._lock:
            self._all[notice_id]
            self._removed.discard(notice_id)

    def _last_modified(self, notice_id: str) -> datetime:
        return self._modified.get(notice_id) or utc(self._all[notice_id].published_at)

    def _title(self, rng, issuer) -> str:
        if self.spec.kind == INSPECTION:
            return f"省委第{rng.choice(CN[:12])}巡视组进驻{issuer.short}开展常规巡视的公告"
        if self.spec.kind == FEEDBACK:
            return feedback_title(rng.choice(CN[:12]), issuer)
        return issuer.title

    def page_count(self) -> int:
        return max(1, -(-len(self.listings) // COLUMN_PAGE_SIZE))

    def notice(self, listing: Listing | str) -> NoticeSpec:
        """The current text of ``listing``'s notice, or of the notice of that id (listed or
        removed; KeyError if there is none), as ``Replica.notice``."""
        with self._lock:
            if isinstance(listing, str):
                listing = self._all[listing]
            edited = self._edited.get(listing.notice_id)
        return edited or _written(self.spec, listing, self.seed)

    def list_page(self, page_no: int, *, empty: bool = False,
                  far_last: bool = False) -> bytes | None:
        """List page ``page_no`` (1-based), None past the last; ``far_last``: the pager (its
        尾页, 共N页, the script's total) claims ``FAR_LAST_PAGE`` pages, as ``pager_far_last``
        does on 整改落实."""
        listings = self.listings
        pages = max(1, -(-len(listings) // COLUMN_PAGE_SIZE))
        if not 1 <= page_no <= pages:
            return None
        shown = [] if empty else listings[(page_no - 1) * COLUMN_PAGE_SIZE:
                                          page_no * COLUMN_PAGE_SIZE]
        items = [(lst, "." + article_path(self.spec, lst)[len(self.spec.path) - 1:])
                 for lst in shown]
        claimed = FAR_LAST_PAGE if far_last else pages
        return render_column_list(self.spec, items, self._pager(page_no, claimed),
                                  page_no=page_no, pages=claimed)

    def _pager(self, page_no: int, pages: int) -> list[PagerLink]:
        """首页 上一页 1 2 3 下一页 尾页 with the skin's words; for ``next``, each link is
        ``javascript:next(N)``; a ``script`` pager has no links (the page writes them)."""
        first_word, prev_word, next_word, last_word = (
            ("首页", "上一页", "下一页", "尾页") if self.spec.skin != "variant"
            else ("第一页", "上页", "下页", "末页"))

        def href(n: int) -> str:
            if self.spec.pager == "next":
                return f"javascript:next({n})"
            if self.spec.pager in _QUERY_KEY:  # page 1 is ?page=1 too
                return f"./?{_QUERY_KEY[self.spec.pager]}={n}"
            return "./" + list_target(self.spec, n)[len(self.spec.path):] if n > 1 else "./"

        def link(label: str, n: int, enabled: bool) -> PagerLink:
            return PagerLink(label, href(n) if enabled else None)

        links = [link(first_word, 1, page_no > 1), link(prev_word, page_no - 1, page_no > 1)]
        for n in range(max(1, page_no - 2), min(pages, page_no + 2) + 1):  # a window
            links.append(PagerLink(str(n), current=True) if n == page_no else link(str(n), n, True))
        links += [link(next_word, page_no + 1, page_no < pages),
                  link(last_word, pages, page_no < pages)]
        return links

    def article(self, path: str) -> ColumnArticle | None:
        """The article at ``path``, None when there is none or it was removed."""
        with self._lock:
            notice_id = self.paths.get(path)
            if notice_id is None or notice_id in self._removed:
                return None
            listing, modified = self._all[notice_id], self._last_modified(notice_id)
        notice = self.notice(listing)
        return ColumnArticle(render_column_article(self.spec, notice, cn_date(notice.signed_on)),
                             modified)


@lru_cache(maxsize=1024)
def _written(spec: ColumnSpec, listing: Listing, seed: int) -> NoticeSpec:
    if spec.kind == FEEDBACK:
        rng = notice_rng(seed, f"feedback:{listing.notice_id}")
        return write_feedback(listing, rng, batch_of(plan(seed), listing))
    return write_notice(listing, seed)


def round_listings(spec: ColumnSpec, seed: int, today: date) -> list[Listing]:
    """The newest ``spec.notices`` announcements of the rounds (``replica.rounds``) published
    by ``today``: a stationing a few days before its visit, a feedback announcement (one
    per batch) on its day or a few days after. Newest first, ids falling with the date."""
    rounds = plan(seed)
    drafts = []  # (published at, issuer, title)
    if spec.kind == INSPECTION:
        for r in rounds.rounds:
            rng = notice_rng(seed, f"stationing:{r.unit.org}:{r.wave}")
            at = _at(rng, r.stationed_from - timedelta(days=rng.randrange(1, 4)))
            name = stationing_name(rng, r.unit)
            drafts.append((at, r.unit, f"{r.group_name}进驻{name}开展常规巡视的公告"))
    else:
        for b in rounds.batches:
            rng = notice_rng(seed, f"feedback-batch:{b.day}")
            first = b.rounds[0]
            more = "等" if len(b.rounds) > 1 else ""
            drafts.append((_at(rng, b.day + timedelta(days=rng.randrange(0, 4))), first.unit,
                           f"{first.group_name}向{first.unit.short}{more}反馈巡视情况"))
    drafts = sorted((d for d in drafts if d[0].date() <= today),
                    key=lambda d: (d[0], d[2]))[-spec.notices:]
    rng = notice_rng(seed, f"column:{spec.path}:ids")
    listings, nid = [], spec.first_id
    for at, issuer, title in reversed(drafts):
        listings.append(Listing(str(nid), at, issuer, title, False, spec.kind))
        nid -= rng.randrange(1, 40)
    return listings


def _at(rng, day: date) -> datetime:
    minute = rng.randrange(9 * 60, 18 * 60)
    return datetime.combine(day, time(minute // 60, minute % 60))


def batch_of(rounds: Plan, listing: Listing) -> Batch:
    """The feedback announcement ``listing`` stands for; one added by a test (its issuer's
    latest round before it) is a batch of one."""
    published = listing.published_at.date()
    for b in rounds.batches:
        if b.rounds[0].unit == listing.issuer and 0 <= (published - b.day).days <= 3:
            return b
    return Batch(published, (rounds.round_near(listing.issuer, published),), "Y", False)


_LIST_PAGE = re.compile(r"^(?:index(?:_(\d+))?\.html|list_(\d+)\.html)?$")


class Columns:
    """Every column of ``COLUMNS`` for a seed: what they answer at a path and query, and
    the changes a test (or the admin API) makes to one (``path`` names the column)."""

    def __init__(self, seed: int, today: date, clock: Callable[[], datetime]) -> None:
        self.seed, self.today, self._clock = seed, today, clock

    @cached_property
    def all(self) -> dict[str, Column]:
        return {spec.path: Column(spec, self.seed, self.today, self._clock) for spec in COLUMNS}

    def add_notice(self, path: str) -> str:
        return self.all[path].add_notice()

    def edit(self, path: str, notice_id: str) -> NoticeSpec:
        return self.all[path].edit(notice_id)

    def remove(self, path: str, notice_id: str) -> None:
        self.all[path].remove(notice_id)

    def restore(self, path: str, notice_id: str) -> None:
        self.all[path].restore(notice_id)

    def column_of(self, path: str) -> Column | None:
        return next((c for p, c in self.all.items() if path.startswith(p)), None)

    def list_page(self, path: str, query: str, *, empty: bool = False,
                  far_last: bool = False) -> bytes | None:
        """The list page at ``path?query``, or None when there is none (404)."""
        column = self.column_of(path)
        if column is None:
            return None
        m = _LIST_PAGE.match(path[len(column.spec.path):])
        if m is None:
            return None
        page_no = _page_no(column.spec, m, query)
        if page_no is None:
            return None
        asked = _target(path, query, column.spec)
        if asked != list_target(column.spec, page_no) and not (
                page_no == 1 and column.spec.pager in _QUERY_KEY and m[0] == ""):
            return None
        return column.list_page(page_no, empty=empty, far_last=far_last)

    def article(self, path: str) -> ColumnArticle | None:
        column = self.column_of(path)
        return column.article(path) if column else None


def _page_no(spec: ColumnSpec, m: re.Match, query: str) -> int | None:
    if spec.pager in _QUERY_KEY and query:
        key, _, value = query.partition("=")
        return int(value) if key == _QUERY_KEY[spec.pager] and value.isdigit() else None
    if m[1] is not None:
        return int(m[1]) + 1 if spec.pager == "script" else int(m[1])
    if m[2] is not None:
        return int(m[2])
    return 1


def _target(path: str, query: str, spec: ColumnSpec) -> str:
    """The request as ``list_target`` writes it (index.html and the folder are one page)."""
    if not query and (path.endswith("/index.html") or path == spec.path):
        return spec.path
    return path + (f"?{query}" if query else "")
