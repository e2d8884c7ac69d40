"""Helpers for the alert tests: warehouse rows as load and diff would write them, a config."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import cache
from itertools import count
from pathlib import Path

import jsonschema

from alerts.destinations import OPERATORS, Destination
from alerts.run import AlertConfig
from core.sources import Source

T0 = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # 10:00 in Guangdong
AS_OF = date(2025, 6, 2)
SOURCE = "http://127.0.0.1:9/xunshizgls/"
BATCH = "20250602T000000Z-000001"
NO_PAUSE = (0.0, 0.0)  # quick retries without waiting: the sinks answer at once
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "webhook.schema.json"
CONTACTS = {"phones": ["0756-7263766"], "emails": ["jwxszgb@zhuhai.gov.cn"],
            "postcode": "519090", "address": "珠海市金湾区行政办公中心8号楼108室"}


@cache
def schema_validator() -> jsonschema.Draft202012Validator:
    """The published webhook schema (docs/webhook.schema.json), checked, with formats."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def valid(posts: list[dict]) -> list[dict]:
    """The ``zgwatch`` facts of webhook posts, each checked against the published schema."""
    for post in posts:
        schema_validator().validate(post["json"])
    return [post["json"]["zgwatch"] for post in posts]


def zg(post: dict) -> dict:
    """The ``zgwatch`` facts of one webhook post."""
    return post["json"]["zgwatch"]


class Warehouse:
    """Writes the warehouse rows the alert stage reads (as load and diff would)."""

    def __init__(self, con) -> None:
        self.con = con
        self._versions: dict[str, int] = {}
        self._keys = count(1)

    def notice(
        self,
        notice_id: str,
        title: str,
        issuer: str = "中共广州市委",
        *,
        batch: str = BATCH,
        body: str = "正文",
        contacts: dict | None = None,
        start: date | None = date(2025, 5, 20),
        end: date | None = date(2025, 6, 4),
    ) -> None:
        url = f"https://www.gdjct.gd.gov.cn/xunshizgls/content/post_{notice_id}.html"
        v = self._versions.get(notice_id, 0) + 1
        self._versions[notice_id] = v
        self.con.execute(
            "INSERT INTO notice_versions (notice_id, version_no, text_sha256, title, body, url,"
            " issuer, publicity_start, publicity_end, contacts, first_seen_batch, first_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                notice_id,
                v,
                f"sha{notice_id}-{v}",
                title,
                body,
                url,
                issuer,
                start,
                end,
                json.dumps(contacts, ensure_ascii=False) if contacts is not None else None,
                batch,
                T0,
            ],
        )
        self.con.execute(
            "INSERT INTO notice_state (notice_id, url, list_title, first_seen, first_seen_batch,"
            " last_seen, latest_version) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (notice_id) DO UPDATE SET latest_version = excluded.latest_version",
            [notice_id, url, title, T0, batch, T0, v],
        )

    def event(
        self,
        notice_id: str,
        kind: str,
        *,
        batch: str = BATCH,
        baseline: bool = False,
        diff=None,
        end: date | None = date(2025, 6, 4),
        detected_at: datetime = T0,
        summary: str | None = None,
        as_of: date = AS_OF,
    ) -> int:
        """Add one change event; returns its change_id."""
        version = self._versions.get(notice_id)
        row = self.con.execute(
            "INSERT INTO change_events (event_key, notice_id, kind, batch_id, detected_at, as_of,"
            " baseline, summary, to_version, diff, publicity_start, publicity_end)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING change_id",
            [
                f"{kind}:{notice_id}:{next(self._keys)}",
                notice_id,
                kind,
                batch,
                detected_at,
                as_of,
                baseline,
                summary or f"{kind} {notice_id}",
                version,
                json.dumps(diff, ensure_ascii=False) if diff else None,
                date(2025, 5, 20),
                end,
            ],
        ).fetchone()
        return row[0]

    def batch(
        self,
        batch_id: str,
        *,
        list_outcome: str = "ok",
        articles: tuple[str, ...] = ("ok",),
        http_status: int | None = None,
        more_lists: tuple[str, ...] = (),
        reason: str | None = None,
    ) -> None:
        """A loaded crawl batch: its first list page's outcome, the outcomes of further
        list pages (``more_lists``: index_2.html, …) and of its articles."""
        lists = (list_outcome, *more_lists)
        self.con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, 1, 0, 0, 0, 0, NULL, ?)",
            [batch_id, T0, SOURCE, all(o == "ok" for o in lists), T0],
        )
        for page, outcome in enumerate(lists, start=1):
            self.con.execute(
                "INSERT INTO fetches (batch_id, url, page_kind, outcome, fetched_at, http_status,"
                " reason, page_no) VALUES (?, ?, 'list', ?, ?, ?, ?, ?)",
                [batch_id, SOURCE + ("index.html" if page == 1 else f"index_{page}.html"),
                 outcome, T0, http_status if page == 1 else (503 if outcome != "ok" else None),
                 reason if page == 1 else None, page],
            )
        for i, outcome in enumerate(articles):
            self.con.execute(
                "INSERT INTO fetches (batch_id, url, page_kind, outcome, fetched_at)"
                " VALUES (?, ?, 'article', ?, ?)",
                [batch_id, f"{SOURCE}content/post_{i}.html", outcome, T0],
            )

    def gap(self, notice_id: str, field: str, reason: str = "missing") -> None:
        """A row of ``parse_gaps`` for the notice's latest version: a table standing in for
        the parser's view (which judges the parser's readings, not these made-up rows)."""
        kind = self.con.execute("SELECT any_value(table_type) FROM information_schema.tables"
                                " WHERE table_name = 'parse_gaps'").fetchone()[0]
        if kind == "VIEW":
            self.con.execute("DROP VIEW parse_gaps")
        self.con.execute("CREATE TABLE IF NOT EXISTS parse_gaps (notice_id VARCHAR,"
                         " version_no INTEGER, field VARCHAR, reason VARCHAR)")
        self.con.execute("INSERT INTO parse_gaps VALUES (?, ?, ?, ?)",
                         [notice_id, self._versions[notice_id], field, reason])

    def deliveries(self) -> list[tuple]:
        return self.con.execute(
            "SELECT change_id, channel, status, attempts, last_error, sent_at IS NOT NULL"
            " FROM deliveries ORDER BY delivery_id"
        ).fetchall()


RUNBOOK = "http://127.0.0.1:8080/zgwatch/runbook"  # as zgwatch airflow serves it


def config(
    *notify: str,
    destinations: tuple[Destination, ...] = (),
    operators: tuple[str, ...] = (),
    max_attempts: int = 3,
    site_url: str | None = None,
    source: Source | None = None,
    several_sources: bool = False,
) -> AlertConfig:
    """The alert stage's configuration as the application builds it, pointing at the sinks
    (the default source of the column ``SOURCE`` unless ``source`` is given)."""
    return AlertConfig(
        destinations=(
            *(Destination(url=u) for u in notify),
            *destinations,
            *(Destination(url=u, audience=OPERATORS) for u in operators),
        ),
        max_attempts=max_attempts,
        source=source or Source(id="default", url=SOURCE),
        several_sources=several_sources,
        runbook=RUNBOOK,
        site_url=site_url,
    )
