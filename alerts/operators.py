"""Trouble with the pipeline itself, told to operators once when it starts and once when it ends.

Peer tools repeat the same error every run until people mute them. Here a
condition (the column unreadable, every article blocked, a destination
failing for a day) opens an ``incidents`` row; operators get one message when
it opens and one when it closes. The check looks at the warehouse's latest
batch and at the destinations' state, so rerunning it changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alerts.destinations import Target
from alerts.messages import shanghai_time
from alerts.outbox import enqueue_message, failing_destinations

# How long a destination may keep failing before operators hear of it: a
# chat service's hiccup of an hour is not worth a message, a day is.
DESTINATION_GRACE = timedelta(hours=24)
CONTENT = ("ok", "not_modified")


@dataclass(frozen=True)
class Trouble:
    """A condition that is true now."""

    kind: str  # column_unreadable | all_blocked | destination_failing
    subject_key: str  # '' or the destination's url_hash
    subject: str
    detail: str


def _column_trouble(con, source: str) -> tuple[str | None, list[Trouble]]:
    latest = con.execute(
        "SELECT batch_id, list_complete FROM batches ORDER BY batch_id DESC LIMIT 1"
    ).fetchone()
    if latest is None:
        return None, []
    batch_id = latest[0]
    out: list[Trouble] = []
    lists = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE outcome IN ('ok', 'not_modified')),
               arg_min(outcome || coalesce(' (HTTP ' || http_status || ')', '')
                       || coalesce(': ' || reason, ''), coalesce(page_no, 0))
        FROM fetches WHERE batch_id = ? AND page_kind = 'list'
        """,
        [batch_id],
    ).fetchone()
    if lists[1] == 0:
        first = lists[2] or "no list page fetched"
        out.append(
            Trouble(
                "column_unreadable",
                "",
                source,
                f"批次 {batch_id}: 栏目列表一页也未读到 (第一页: {first})",
            )
        )
    articles = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE outcome = 'blocked')
        FROM fetches WHERE batch_id = ? AND page_kind = 'article'
        """,
        [batch_id],
    ).fetchone()
    if articles[0] > 0 and articles[1] == articles[0]:
        out.append(
            Trouble(
                "all_blocked",
                "",
                source,
                f"批次 {batch_id}: {articles[0]} 篇文章全部被拦截 (HTTP 412 或脚本页)",
            )
        )
    return batch_id, out


def _destination_trouble(con, stakeholders: list[Target], now: datetime) -> list[Trouble]:
    out = []
    for url_hash, channel, since, last_ok in failing_destinations(
        con, [t.url_hash for t in stakeholders]
    ):
        if now - since < DESTINATION_GRACE:
            continue
        waiting = con.execute(
            "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status ="
            " 'failed') FROM outbox WHERE url_hash = ?",
            [url_hash],
        ).fetchone()
        ok = f"上次成功 {shanghai_time(last_ok)}" if last_ok else "从未成功"
        out.append(
            Trouble(
                "destination_failing",
                url_hash,
                channel,
                f"自 {shanghai_time(since)} 起发送失败, {ok}; "
                f"待重试 {waiting[0]} 条, 已放弃 {waiting[1]} 条",
            )
        )
    return out


def current_trouble(
    con, source: str, stakeholders: list[Target], now: datetime
) -> tuple[str | None, list[Trouble]]:
    """(latest batch id, the troubles true now)."""
    batch_id, troubles = _column_trouble(con, source)
    return batch_id, troubles + _destination_trouble(con, stakeholders, now)


def _facts(row) -> dict:
    iid, kind, key, subject, detail, started, ended = row
    return {
        "incident_id": iid,
        "kind": kind,
        "subject_key": key,
        "subject": subject,
        "detail": detail,
        "started_at": datetime.fromtimestamp(started, UTC).isoformat(),
        "ended_at": datetime.fromtimestamp(ended, UTC).isoformat() if ended else None,
    }


_INCIDENT = "incident_id, kind, subject_key, subject, detail, epoch(started_at), epoch(ended_at)"


def reconcile(con, troubles: list[Trouble], batch_id: str | None, now: datetime) -> tuple[int, int]:
    """Open an incident for each new trouble, close those that are over; (opened, closed)."""
    open_rows = con.execute(f"SELECT {_INCIDENT} FROM incidents WHERE ended_at IS NULL").fetchall()
    is_open = {(r[1], r[2]): r[0] for r in open_rows}
    now_true = {(t.kind, t.subject_key): t for t in troubles}
    opened = closed = 0
    for key, t in now_true.items():
        if key not in is_open:
            con.execute(
                "INSERT INTO incidents (kind, subject_key, subject, detail, started_at,"
                " start_batch) VALUES (?, ?, ?, ?, ?, ?)",
                [t.kind, t.subject_key, t.subject, t.detail, now, batch_id],
            )
            opened += 1
    for key, incident_id in is_open.items():
        if key not in now_true:
            con.execute(
                "UPDATE incidents SET ended_at = ?, end_batch = ? WHERE incident_id = ?",
                [now, batch_id, incident_id],
            )
            closed += 1
    return opened, closed


def enqueue_notices(con, operators: list[Target], now: datetime) -> int:
    """Queue each open incident's start and each closed incident's end for every operator.

    An end is queued only where its start was, so a destination added later
    does not hear of old trouble, and nobody hears of an end without a start.
    """
    queued = 0
    open_rows = con.execute(f"SELECT {_INCIDENT} FROM incidents WHERE ended_at IS NULL").fetchall()
    for target in operators:
        for row in open_rows:
            queued += enqueue_message(con, target, f"incident:{row[0]}:start", _facts(row), now)
        ended = con.execute(
            f"""
            SELECT {_INCIDENT} FROM incidents i
            WHERE ended_at IS NOT NULL
              AND EXISTS (SELECT 1 FROM outbox o WHERE o.url_hash = ?
                          AND o.message_key = 'incident:' || i.incident_id || ':start')
            """,
            [target.url_hash],
        ).fetchall()
        for row in ended:
            queued += enqueue_message(con, target, f"incident:{row[0]}:end", _facts(row), now)
    return queued
