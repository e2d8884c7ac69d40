"""Synthetic crawl batches: a fake column whose state a test changes between crawls.

``FakeColumn.crawl()`` writes a batch directory the way the crawler does
(``crawler/items.py`` records as JSON lines, ``summary.json``, ``DONE``), so the
warehouse is exercised on the batch format itself, without a network.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from core.batch import Batch
from crawler.items import FetchRecord, ListingEntry, NoticeRecord

BASE = "http://127.0.0.1:8000/xunshizgls/"
PER_PAGE = 20


def sample_body(n: int, start: date | None, end: date | None, issuer: str) -> str:
    """A short notice body shaped like the seed: intro, headings, period, contacts, signature."""
    period = (
        f"公开期限:{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日。"
        if start and end
        else "欢迎监督。"
    )
    return "\n".join([
        f"根据省委统一部署,省委第{n % 15 + 1}巡视组对{issuer}开展了常规巡视。"
        "2023年10月26日,省委巡视组反馈了巡视意见。现将巡视整改进展情况予以公布。",
        "一、履行巡视整改主体责任情况",
        "(一)统一思想认识,强化整改政治担当。省委巡视组反馈巡视意见后,第一时间召开常委会会议。",
        "(二)压实整改责任。成立巡视整改工作领导小组,由主要负责同志担任组长。",
        "二、巡视反馈问题整改落实情况",
        "1.关于贯彻落实重大决策部署方面。制定实施方案,推动各项任务落地见效。",
        "2.关于全面从严治党方面。开展专项整治,查处一批违纪违法问题。",
        "三、下一步工作打算",
        "坚持标准不降、力度不减,持续巩固深化巡视整改成果。",
        f"欢迎广大干部群众对巡视整改落实情况进行监督。{period}",
        f"联系电话:0756-72637{n % 100:02d};电子邮箱:xszg{n}@example.gov.cn。",
        issuer,
    ])  # fmt: skip


@dataclass
class FakeNotice:
    """A notice as the fake site serves it."""

    notice_id: str
    title: str
    body: str
    published_on: date
    issuer: str
    publicity_start: date | None = None
    publicity_end: date | None = None
    template: str = "A"  # what the raw HTML looks like: changes raw_sha256, never the text
    inspection: dict = field(default_factory=dict)
    contacts: dict | None = None  # None: a phone and an e-mail of its own
    readings: dict = field(default_factory=dict)  # how each field was read (parse_gaps)

    @property
    def document_kind(self) -> str:
        return "rectification" if "整改" in self.title else "other"

    @property
    def url(self) -> str:
        return f"{BASE}content/post_{self.notice_id}.html"

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(f"{self.title}\n{self.body}".encode()).hexdigest()

    def record(self, fetched_at: str) -> NoticeRecord:
        raw = hashlib.sha256(f"{self.template}|{self.title}|{self.body}".encode()).hexdigest()
        return NoticeRecord(
            notice_id=self.notice_id,
            url=self.url,
            title=self.title,
            body=self.body,
            text_sha256=self.text_sha256,
            fetched_at=fetched_at,
            raw_sha256=raw,
            published_on=self.published_on.isoformat(),
            published_at=f"{self.published_on.isoformat()}T11:00:00",
            source="南粤清风网",
            issuer=self.issuer,
            signed_on=self.published_on.isoformat(),
            publicity_start=self.publicity_start and self.publicity_start.isoformat(),
            publicity_end=self.publicity_end and self.publicity_end.isoformat(),
            publicity_days=30 if self.publicity_end else None,
            publicity_raw="公开期限" if self.publicity_end else None,
            contacts=self.contacts if self.contacts is not None else {
                "phones": [f"0756-72637{int(self.notice_id) % 100:02d}"],
                "emails": [f"xszg{self.notice_id}@example.gov.cn"],
                "postcode": "519090",
                "address": None,
                "raw": None,
            },
            inspection=self.inspection,
            document_kind=self.document_kind,
            readings=self.readings,
            etag=f'"{raw[:16]}"',
            last_modified="Thu, 26 Sep 2024 03:00:00 GMT",
        )


class FakeColumn:
    """The column's state, changed by tests, and a crawler that writes batches of it."""

    def __init__(self, batches_dir: Path, start: datetime | None = None):
        self.batches_dir = Path(batches_dir)
        self.clock = start or datetime(2024, 10, 1, 1, 0, tzinfo=UTC)
        self.notices: dict[str, FakeNotice] = {}
        self.gone: set[str] = set()  # removed from the list, page answers 404
        self.crawls = 0

    # -- changing the site ---------------------------------------------------------

    def add(self, notice_id: str | int, *, published_on: date = date(2024, 9, 26),
            period_days: int | None = 30, issuer: str | None = None, body: str | None = None,
            title: str | None = None, inspection: dict | None = None) -> FakeNotice:  # fmt: skip
        """Publish a notice (its publicity period starts on ``published_on``)."""
        n = int(notice_id)
        issuer = issuer or f"中共测试市第{n % 7 + 1}区委"
        start = published_on if period_days else None
        end = published_on + timedelta(days=period_days - 1) if period_days else None
        notice = FakeNotice(
            notice_id=str(notice_id),
            title=title or f"{issuer}关于巡视整改进展情况的通报",
            body=body if body is not None else sample_body(n, start, end, issuer),
            published_on=published_on,
            issuer=issuer,
            publicity_start=start,
            publicity_end=end,
            inspection=inspection
            or {"group": "省委第十一巡视组", "start": "2023-04-24", "end": "2023-07-26",
                "feedback_on": "2023-10-26"},
        )  # fmt: skip
        self.notices[notice.notice_id] = notice
        return notice

    def edit(self, notice_id: str | int, old: str, new: str) -> None:
        """Replace ``old`` by ``new`` in a notice's body (``old`` must occur)."""
        notice = self.notices[str(notice_id)]
        assert old in notice.body, old
        notice.body = notice.body.replace(old, new, 1)

    def set_period_end(self, notice_id: str | int, end: date) -> None:
        """Move the publicity end, in the text and in the parsed fields, as the parser would."""
        notice = self.notices[str(notice_id)]
        old_end = notice.publicity_end
        self.edit(notice_id, f"至{old_end.month}月{old_end.day}日", f"至{end.month}月{end.day}日")
        notice.publicity_end = end

    def set_template(self, template: str) -> None:
        """Redesign every page: markup changes, text does not."""
        for notice in self.notices.values():
            notice.template = template

    def remove(self, notice_id: str | int) -> None:
        self.gone.add(str(notice_id))

    def restore(self, notice_id: str | int) -> None:
        self.gone.discard(str(notice_id))

    # -- crawling ------------------------------------------------------------------

    def crawl(self, *, faults: dict | None = None, list_fault: str | None = None,
              unchanged: set | frozenset = frozenset(), done: bool = True) -> Path:  # fmt: skip
        """Write one batch of the current state and return its directory.

        ``faults`` maps a notice id to the failed outcome its page fetch gets
        (``server_error``, ``timeout``, ``blocked``, ``truncated``, ...);
        ``list_fault`` makes the last list page fail (the list is incomplete);
        ``unchanged`` notices answer 304.
        """
        faults = {str(k): v for k, v in (faults or {}).items()}
        self.clock += timedelta(hours=1)
        self.crawls += 1
        at = self.clock.isoformat(timespec="seconds")
        batch = self.batches_dir / f"{self.clock:%Y%m%dT%H%M%SZ}-{self.crawls:06x}"
        batch.mkdir(parents=True)
        listed = sorted(
            (n for i, n in self.notices.items() if i not in self.gone),
            key=lambda n: (n.published_on, int(n.notice_id)),
            reverse=True,
        )
        pages = max(1, -(-len(listed) // PER_PAGE))
        fetches, listings, notices = [], [], []
        for page in range(1, pages + 1):
            failed = list_fault if list_fault and page == pages else None
            url = BASE + ("index.html" if page == 1 else f"index_{page}.html")
            fetches.append(FetchRecord(url=url, page_kind="list", outcome=failed or "ok",
                                       fetched_at=at, page_no=page))  # fmt: skip
            if failed:
                continue
            for pos in range((page - 1) * PER_PAGE, min(page * PER_PAGE, len(listed))):
                n = listed[pos]
                listings.append(ListingEntry(n.notice_id, n.url, n.title,
                                             n.published_on.isoformat(), page, pos))  # fmt: skip
        for n in listed:
            outcome = faults.get(n.notice_id) or ("not_modified" if n.notice_id in unchanged
                                                  else "ok")  # fmt: skip
            fetches.append(self._fetch(n, "article", outcome, at))
            if outcome == "ok":
                notices.append(n.record(at))
        list_complete = list_fault is None
        if list_complete:  # the crawler probes known notices missing from a complete list
            for notice_id in sorted(self.gone & self.notices.keys()):
                n = self.notices[notice_id]
                fetches.append(self._fetch(n, "probe", faults.get(notice_id, "not_found"), at))
        write_batch(batch, fetches, listings, notices, {"list_complete": list_complete},
                    done=done)  # fmt: skip
        return batch

    @staticmethod
    def _fetch(n: FakeNotice, kind: str, outcome: str, at: str) -> FetchRecord:
        status = {"ok": 200, "not_modified": 304, "not_found": 404, "server_error": 503,
                  "blocked": 412}.get(outcome)  # fmt: skip
        return FetchRecord(url=n.url, page_kind=kind, outcome=outcome, fetched_at=at,
                           notice_id=n.notice_id, http_status=status,
                           reason=None if outcome in ("ok", "not_modified") else outcome,
                           etag=n.record(at).etag if outcome == "ok" else None)  # fmt: skip

    def snapshot(self) -> dict[str, FakeNotice]:
        """A copy of the current notices (tests compare against it later)."""
        return {k: replace(v) for k, v in self.notices.items()}


def write_batch(batch: Path, fetches, listings, notices, summary: dict, *, done: bool = True):
    """Write records as the crawler does; ``DONE`` last."""
    files = Batch(batch)
    files.dir.mkdir(parents=True, exist_ok=True)
    for path, records in ((files.fetches, fetches), (files.listings, listings),
                          (files.notices, notices)):
        with path.open("w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
    files.write_summary({"batch_id": batch.name, **summary})
    if done:
        files.mark_done()
