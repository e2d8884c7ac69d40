"""Trouble with the pipeline itself, told to operators once when it starts and once when it ends.

Peer tools repeat the same error every run until people mute them. Here a
condition (the column unreadable, every article blocked, the list read only
in part on three cycles in a row, an article failing for a day, a destination
failing for a day or about to have a delivery given up, deliveries given up,
a pipeline step failing) opens an ``incidents`` row;
operators get one message when it opens and one when it closes, through the
outbox like every alert. The alert stage checks the warehouse's latest batch
and the destinations' state (``current_trouble`` and ``reconcile``), so
rerunning it changes nothing; whoever runs the pipeline (the CLI, Airflow)
reports a failing step itself (``open_incident``, ``close_incident``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.destinations import STAKEHOLDERS, Destination
from alerts.outbox import Health, destination_health, enqueue_message
from core.sqlfiles import SqlFile
from core.vocabulary import MAX_ATTEMPTS, shanghai_time

SQL = SqlFile(Path(__file__).parent / "sql" / "incidents.sql")
# How long a destination may keep failing before operators hear of it: a
# chat service's hiccup of an hour is not worth a message, a day is. They hear
# sooner when a delivery is about to be given up (see _destination_trouble).
DESTINATION_GRACE = timedelta(hours=24)
# A partial failure is worth a message when it lasts: the list read only in part
# on this many consecutive cycles (removals cannot be confirmed meanwhile), or
# one article failing for this long (hourly cycles: about 24 tries).
LIST_INCOMPLETE_CYCLES = 3
ARTICLE_GRACE = timedelta(hours=24)
# The incidents the alert stage opens and closes from what it sees; others
# (a failing step) are opened and closed by whoever runs the step.
CHECKED_KINDS = ("column_unreadable", "all_blocked", "list_incomplete", "article_failing",
                 "destination_failing", "deliveries_given_up", "alert_flood", "crawl_runaway")
STEP_FAILED = "step_failed"


@dataclass(frozen=True)
class Trouble:
    """A condition that is true now."""

    kind: str  # one of CHECKED_KINDS, or step_failed
    subject_key: str  # '', the destination's url_hash, the notice id, or the step
    subject: str
    detail: str


def _column_trouble(con, source: str, now: datetime) -> tuple[str | None, list[Trouble]]:
    latest = SQL.execute(con, "latest_batch").fetchone()
    if latest is None:
        return None, []
    batch_id = latest[0]
    whole = _whole_column_trouble(con, source, batch_id)
    lasting = _list_incomplete(con, source, batch_id) + _articles_failing(con, now)
    lasting += _runaway(con, source, batch_id)
    if whole:  # keep partial-failure incidents already open; open none beside the whole column's
        is_open = {(r[1], r[2]) for r in SQL.execute(con, "open_incidents",
                                                  kinds=list(CHECKED_KINDS)).fetchall()}
        lasting = [t for t in lasting if (t.kind, t.subject_key) in is_open]
    return batch_id, whole + lasting


def _whole_column_trouble(con, source: str, batch_id: str) -> list[Trouble]:
    out: list[Trouble] = []
    lists = SQL.execute(con, "list_pages_read", batch_id=batch_id).fetchone()
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
    articles = SQL.execute(con, "articles_blocked", batch_id=batch_id).fetchone()
    if articles[0] > 0 and articles[1] == articles[0]:
        out.append(
            Trouble(
                "all_blocked",
                "",
                source,
                f"批次 {batch_id}: {articles[0]} 篇文章全部被拦截 (HTTP 412 或脚本页)",
            )
        )
    return out


def _runaway(con, source: str, batch_id: str) -> list[Trouble]:
    """``crawl_runaway``: the latest crawl stopped itself (invented notices, time budget)."""
    (why,) = SQL.execute(con, "batch_runaway", batch_id=batch_id).fetchone()
    if not why:
        return []
    return [Trouble("crawl_runaway", "", source,
                    f"批次 {batch_id}: 抓取已提前停止, 列表未读全, 撤下无法确认: {why}")]


def _list_incomplete(con, source: str, batch_id: str) -> list[Trouble]:
    """The list read only in part on each of the last ``LIST_INCOMPLETE_CYCLES`` cycles."""
    recent = SQL.execute(con, "recent_batches", n=LIST_INCOMPLETE_CYCLES).fetchall()
    if len(recent) < LIST_INCOMPLETE_CYCLES or any(complete for _, complete in recent):
        return []
    total, ok, _ = SQL.execute(con, "list_pages_read", batch_id=batch_id).fetchone()
    failed = [r[0] for r in SQL.execute(con, "list_pages_failed", batch_id=batch_id).fetchall()]
    shown = "; ".join(failed[:3]) + (f"; 另 {len(failed) - 3} 页" if len(failed) > 3 else "")
    return [Trouble("list_incomplete", "", source,
                    f"连续 {LIST_INCOMPLETE_CYCLES} 个周期栏目列表未读全, 撤下无法确认; "
                    f"批次 {batch_id}: 列表页读到 {ok}/{total}; 失败: {shown or '无'}")]


def _articles_failing(con, now: datetime) -> list[Trouble]:
    """One trouble per active notice whose article has failed for ``ARTICLE_GRACE`` or more."""
    rows = SQL.execute(con, "articles_failing", since=now - ARTICLE_GRACE).fetchall()
    return [Trouble("article_failing", notice_id, url,
                    f"自 {shanghai_time(since)} 起读取失败 {tries} 次; 最近一次: {last}")
            for notice_id, url, since, tries, last in rows]


def _destination_trouble(con, stakeholders: list[Destination], now: datetime,
                         max_attempts: int, resend_hint: str) -> list[Trouble]:
    """``destination_failing`` and ``deliveries_given_up`` troubles of stakeholders' destinations.

    A failing destination is trouble once it has failed for ``DESTINATION_GRACE``, or
    sooner: as soon as one of its deliveries is one failed run from being given up
    (``attempts >= max_attempts - 1``), so operators hear before anything is given up.
    Once told, it stays trouble while the destination keeps failing (no "recovered"
    message just because the delivery that raised it was given up). Deliveries given up
    are trouble of their own until they are sent again (``retry_failed``).
    """
    told = {r[2] for r in SQL.execute(con, "open_incidents",
                                   kinds=["destination_failing"]).fetchall()}
    out = []
    for h in destination_health(con, [t.url_hash for t in stakeholders], STAKEHOLDERS):
        last_run = h.pending and h.most_attempts >= max_attempts - 1
        if last_run or (h.failing_since is not None and (
                now - h.failing_since >= DESTINATION_GRACE or h.given_up_while_failing
                or h.url_hash in told)):
            out.append(Trouble("destination_failing", h.url_hash, h.masked,
                               _failing_detail(h, max_attempts)))
        if h.given_up:
            how = f"; 重新发送: {resend_hint}" if resend_hint else ""
            out.append(Trouble("deliveries_given_up", h.url_hash, h.masked,
                               f"{h.given_up} 条告警在连续 {max_attempts} 次运行发送失败后已放弃, "
                               f"最近一次于 {shanghai_time(h.last_given_up)}{how}"))
    return out


def flood_trouble(destination: Destination, messages: int, threshold: int) -> Trouble:
    """``alert_flood``: one run would have sent ``messages`` messages to ``destination``."""
    return Trouble("alert_flood", destination.url_hash, destination.masked,
                   f"本轮应发 {messages} 条告警, 超过每轮上限 {threshold} 条 (flood_threshold), "
                   "已合并为一条汇总发送; 栏目是否在大量产生新通报?")


def _failing_detail(h: Health, max_attempts: int) -> str:
    since = f"自 {shanghai_time(h.failing_since)} 起发送失败" if h.failing_since else "发送失败"
    ok = f"上次成功 {shanghai_time(h.last_ok)}" if h.last_ok else "从未成功"
    text = f"{since}, {ok}; 待重试 {h.pending} 条, 已放弃 {h.given_up} 条"
    if h.pending and h.most_attempts >= max_attempts - 1:
        left = max(max_attempts - h.most_attempts, 0)
        text += f"; 已失败 {h.most_attempts} 次的告警再失败 {left} 次即放弃"
    return text


def current_trouble(
    con, source: str, stakeholders: list[Destination], now: datetime, *,
    max_attempts: int = MAX_ATTEMPTS, resend_hint: str = "",
) -> tuple[str | None, list[Trouble]]:
    """(latest batch id, the troubles true now); ``resend_hint`` says how to re-send
    given-up deliveries (the application's command), in the operators' message."""
    batch_id, troubles = _column_trouble(con, source, now)
    return batch_id, troubles + _destination_trouble(con, stakeholders, now, max_attempts,
                                                     resend_hint)


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


def reconcile(con, troubles: list[Trouble], batch_id: str | None, now: datetime) -> tuple[int, int]:
    """Open an incident for each new trouble, close the checked ones that are over.

    Returns (opened, closed). Only incidents of ``CHECKED_KINDS`` are closed
    here: a failing step's incident is closed by the step's next success.
    """
    rows = SQL.execute(con, "open_incidents", kinds=list(CHECKED_KINDS)).fetchall()
    is_open = {(r[1], r[2]): r[0] for r in rows}
    now_true = {(t.kind, t.subject_key): t for t in troubles}
    opened = sum(open_incident(con, t, batch_id, now) for k, t in now_true.items()
                 if k not in is_open)
    closed = 0
    for key, incident_id in is_open.items():
        if key not in now_true:
            SQL.execute(con, "close_incident", now=now, batch_id=batch_id, incident_id=incident_id)
            closed += 1
    return opened, closed


def open_incident(con, trouble: Trouble, batch_id: str | None, now: datetime) -> bool:
    """Open an incident for ``trouble`` unless one is open for it; True when opened."""
    rows = SQL.execute(con, "open_incidents", kinds=[trouble.kind]).fetchall()
    if any(r[2] == trouble.subject_key for r in rows):
        return False
    SQL.execute(con, "open_incident", kind=trouble.kind, subject_key=trouble.subject_key,
             subject=trouble.subject, detail=trouble.detail, now=now, batch_id=batch_id)
    return True


def close_incident(con, kind: str, subject_key: str, now: datetime,
                   batch_id: str | None = None) -> bool:
    """Close the open incident of ``kind`` and ``subject_key``, if any; True when closed."""
    rows = SQL.execute(con, "open_incidents", kinds=[kind]).fetchall()
    found = [r[0] for r in rows if r[2] == subject_key]
    for incident_id in found:
        SQL.execute(con, "close_incident", now=now, batch_id=batch_id, incident_id=incident_id)
    return bool(found)


def enqueue_notices(con, operators: list[Destination], now: datetime) -> int:
    """Queue each open incident's start and each closed incident's end for every operator.

    An end is queued only where its start was, so a destination added later
    does not hear of old trouble, and nobody hears of an end without a start.
    """
    queued = 0
    open_rows = SQL.execute(con, "all_open_incidents").fetchall()
    for destination in operators:
        for row in open_rows:
            queued += enqueue_message(con, destination, f"incident:{row[0]}:start", _facts(row),
                                      now)
        ended = SQL.execute(con, "ended_incidents_told", url_hash=destination.url_hash).fetchall()
        for row in ended:
            queued += enqueue_message(con, destination, f"incident:{row[0]}:end", _facts(row), now)
    return queued


def recent_incidents(con, limit: int = 20) -> list[dict]:
    """Open incidents first, then the latest closed ones (facts as in operators' messages)."""
    return [_facts(r) for r in SQL.execute(con, "incidents_listed", limit=limit).fetchall()]


def open_incidents(con) -> list[dict]:
    """Every open incident (facts as in operators' messages), oldest first."""
    rows = sorted(SQL.execute(con, "all_open_incidents").fetchall(), key=lambda r: r[0])
    return [_facts(r) for r in rows]
