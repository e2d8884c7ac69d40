"""What an alert says, before it is shaped for a channel.

A ``Message`` is one thing to tell a destination: one change event, the
baseline summary, or an operators' notice (an incident, a parse gap). Its
``facts`` are plain JSON values (the webhook channel sends them as they are);
the templates turn them into HTML, Markdown or text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from alerts.events import ChangeEvent
from core.textdiff import hunks
from core.vocabulary import shanghai_time

PREFIX = "[zgwatch]"
MAX_EMAIL_HUNKS = 30  # an email lists this many changed passages, then says how many more

INCIDENT_LABELS = {
    "column_unreadable": "栏目无法读取",
    "all_blocked": "文章全部被拦截",
    "destination_failing": "告警渠道持续发送失败",
    "deliveries_given_up": "告警已放弃发送",
    "step_failed": "运行步骤失败",
}


@dataclass(frozen=True)
class Message:
    """One thing to tell a destination; ``key`` is its outbox ``message_key``."""

    key: str
    template: str  # event | summary | incident | gap: the template family in alerts/templates
    subject: str  # one line of plain text: the email subject, the webhook title
    headline: str  # a short title for chat services (the body names the notice)
    facts: Mapping[str, Any] = field(default_factory=dict)
    change_id: int | None = None

    def with_hunks(self, n: int) -> Message:
        """The same message listing only its first ``n`` changed passages."""
        all_hunks = self.facts.get("hunks") or []
        omitted = self.facts.get("omitted_hunks", 0) + max(0, len(all_hunks) - n)
        return replace(self, facts={**self.facts, "hunks": all_hunks[:n], "omitted_hunks": omitted})


def one_line(text: str | None) -> str:
    """Collapse whitespace: subjects and headlines are single lines."""
    return " ".join((text or "").split())


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def event_message(event: ChangeEvent) -> Message:
    """The alert for one change event."""
    title = one_line(event.title) or f"通报 {event.notice_id}"
    parts = [list(map(list, h)) for h in hunks(event.diff)]
    facts = {
        "kind": event.kind,
        "label": event.label,
        "change_id": event.change_id,
        "notice_id": event.notice_id,
        "url": event.url,
        "title": title,
        "issuer": one_line(event.issuer) or None,
        "summary": event.summary,
        "publicity_start": _iso(event.publicity_start),
        "publicity_end": _iso(event.publicity_end),
        "days_left": event.days_left,
        "as_of": event.as_of.isoformat(),
        "detected_at": shanghai_time(event.detected_at),
        "baseline": event.baseline,
        "hunks": parts,
        "omitted_hunks": 0,
    }
    msg = Message(
        key=f"change:{event.change_id}",
        template="event",
        subject=f"{PREFIX} {event.label} | {title}",
        headline=f"{PREFIX} {event.label}",
        facts=facts,
        change_id=event.change_id,
    )
    return msg.with_hunks(MAX_EMAIL_HUNKS)


def summary_message(batch_id: str, facts: Mapping[str, Any]) -> Message:
    """The one baseline message: how many notices the first cycle recorded."""
    return Message(
        key=f"baseline:{batch_id}",
        template="summary",
        subject=f"{PREFIX} 基线: 已记录 {facts['notices']} 条通报",
        headline=f"{PREFIX} 基线",
        facts={"batch_id": batch_id, **facts},
    )


def incident_message(incident: Mapping[str, Any], phase: str) -> Message:
    """An operators' notice that trouble started (``phase='start'``) or ended (``'end'``)."""
    label = INCIDENT_LABELS.get(incident["kind"], incident["kind"])
    head = "运行故障" if phase == "start" else "已恢复"
    facts = {k: v for k, v in incident.items() if k != "subject"}
    facts.update(subject_text=incident["subject"], label=label, phase=phase)
    for key in ("started_at", "ended_at"):  # stored as ISO 8601 (UTC) in the outbox payload
        value = facts.get(key)
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            facts[key] = shanghai_time(value)
    return Message(
        key=f"incident:{incident['incident_id']}:{phase}",
        template="incident",
        subject=f"{PREFIX} {head}: {label} | {one_line(incident['subject'])}",
        headline=f"{PREFIX} {head}: {label}",
        facts=facts,
    )


GAP_FIELDS = {
    "publicity_period": "公开期限",
    "publicity_end": "公开期限截止日",
    "contacts": "联系方式",
    "issuer": "发布单位",
}
GAP_REASONS = {
    "missing": "未能读出",
    "unknown": "未能读出",
    "end_before_start": "截止日早于开始日",
    "over_a_year": "截止日在发布一年以后",
    "estimated": "按周一至周五推算(当年节假日安排尚未收录)",
    "doubtful": "依据不足",
}


def gap_message(gap: Mapping[str, Any]) -> Message:
    """An operators' notice that a field of a notice could not be read (or only doubtfully)."""
    field_label = GAP_FIELDS.get(gap["field"], gap["field"])
    reasons = [GAP_REASONS.get(r, r) for r in gap.get("reasons") or []]
    title = one_line(gap.get("title")) or f"通报 {gap['notice_id']}"
    facts = {**gap, "title": title, "field_label": field_label, "reason_labels": reasons}
    return Message(
        key=f"gap:{gap['notice_id']}:{gap['version_no']}:{gap['field']}",
        template="gap",
        subject=f"{PREFIX} 解析缺口: {field_label}{'、'.join(reasons)} | {title}",
        headline=f"{PREFIX} 解析缺口: {field_label}",
        facts=facts,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)
