"""What an alert says, before it is shaped for a channel.

A ``Message`` is one thing to tell a destination: one notice's events of a run
(``notice_message``), a run's digest (``digest_message``), the baseline summary
(``baseline_message``) or an operators' notice (``incident_message``,
``gap_message``). Its
``facts`` are plain JSON values, the webhook's ``zgwatch`` payload as it is
sent (``docs/webhook.schema.json``); the templates turn them into HTML,
Markdown or text. Every instant in them is ISO 8601 with its offset
(Asia/Shanghai); text from the site has its mentions neutralised
(``defuse``), so no channel can forget to.

Each notice fact set says how to act: the deadline with the days left, and
while the period is not over the contacts, plus the fields that could not be
read (``gaps``) so a person looks at the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from alerts.events import GAP_FIELDS, ChangeEvent, Contacts, Gap
from core import sitemap
from core.periods import Phase, period_facts
from core.sources import Source
from core.textdiff import hunks, widen_numbers
from core.vocabulary import MOVED_PERIOD_WORDS, SHANGHAI, WINDOW_LABELS, Kind, window_of

PREFIX = "[zgwatch]"
# The webhook payload's "version" (docs/webhook.schema.json). 2 added the kinds
# period_extended/period_shortened and an event's period_moved and diff_url; 3 added the
# ``source`` every message names; every field of 1 and 2 keeps its meaning.
PAYLOAD_VERSION = 3
MAX_EMAIL_HUNKS = 30  # a message lists this many changed passages, then says how many more
DIGEST_HUNKS = 3  # changed passages an edit shows in a digest
LABEL_SEPARATOR = " · "

# The order labels are named in when one message carries several kinds, most urgent
# first: a period about to close is the last chance to send an opinion; a removal means
# a moved deadline changes when that chance ends (shortened: sooner); the original is
# gone (the archived copy and the contacts are what is left); a return and an edit
# change what a reader has seen; a new notice and an ended period inform.
URGENCY: tuple[str, ...] = (Kind.EXPIRING, Kind.LETTERS_EXPIRING, Kind.PERIOD_SHORTENED,
                            Kind.PERIOD_EXTENDED, Kind.REMOVED, Kind.RESTORED, Kind.STATIONED,
                            Kind.PROGRESS_OVERDUE, Kind.EDITED, Kind.NEW, Kind.EXPIRED)

INCIDENT_LABELS = {
    "column_unreadable": "栏目无法读取",
    "all_blocked": "文章全部被拦截",
    "list_incomplete": "栏目列表持续不完整",
    "article_failing": "文章持续读取失败",
    "destination_failing": "告警渠道持续发送失败",
    "deliveries_given_up": "告警已放弃发送",
    "step_failed": "运行步骤失败",
    "publish_unfinished": "发布超出时限, 下一轮补完",
    "alert_flood": "告警过多, 已合并为汇总",
    "crawl_runaway": "抓取失控, 已提前停止",
}
# What to do first, in one line, in the operators' language; the runbook (docs/operators.md)
# has a section per kind, ``INCIDENT_SECTIONS`` (its anchor), linked from the message.
INCIDENT_ACTIONS = {
    "column_unreadable": "在浏览器打开栏目地址核对 (改版、拦截或宕机)",
    "all_blocked": "网站对本机启用了拦截: 确认出口 IP 与请求间隔",
    "list_incomplete": "查看 crawl 任务日志中的 failed fetch 行",
    "article_failing": "在浏览器打开该文章核对",
    "destination_failing": "检查该渠道的地址与密钥",
    "deliveries_given_up": "渠道恢复后按上面的重新发送命令补发",
    "step_failed": "打开日志链接看原因",
    "publish_unfinished": "下一轮会补完; 若连续出现, 查看 publish 的时间预算",
    "alert_flood": "在浏览器打开栏目核对新通报是否真实",
    "crawl_runaway": "在浏览器打开栏目核对 (新通报数量、分页)",
}
INCIDENT_SECTIONS = {
    "column_unreadable": "column-unreadable",
    "all_blocked": "shield-pages",
    "list_incomplete": "list-incomplete",
    "article_failing": "an-article-failing",
    "destination_failing": "destination-failing",
    "deliveries_given_up": "deliveries-given-up",
    "step_failed": "a-step-failing",
    "publish_unfinished": "publish-past-its-budget",
    "alert_flood": "alert-flood",
    "crawl_runaway": "crawl-runaway",
}
GAPS_SECTION = "parse-gaps"


def runbook_link(runbook: str | None, section: str) -> str | None:
    """The runbook's ``section`` at ``runbook`` (its address, or its file); None without one."""
    return f"{runbook}#{section}" if runbook else None


UNREAD_REASONS = frozenset({"missing", "unknown", "none"})  # the field is not there at all


def urgency(kind: str) -> int:
    """The rank of ``kind`` in ``URGENCY`` (unknown kinds last)."""
    return URGENCY.index(kind) if kind in URGENCY else len(URGENCY)


# -- mentions ---------------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# <!channel> <!here> <@U123> <#C1> (Slack, Discord), <at user_id="all"> (Feishu), <@id> (WeCom)
_TAG_MENTION = re.compile(r"<(?=[!@#]|at\b)", re.IGNORECASE)


def defuse(text: str | None) -> str | None:
    """``text`` with every chat mention made inert: ``@`` → ``＠``, ``<!``/``<@``/``<at`` → ``＜``.

    ``@all``, ``@everyone``, ``@here``, ``@channel``, a phone after ``@``
    (DingTalk) and Slack's, Discord's and Feishu's tag forms all stop being
    mentions, on every service, whatever it renders. An e-mail address keeps
    its ``@``.
    """
    if not text:
        return text
    text = _TAG_MENTION.sub("＜", text)
    out, last = [], 0
    for m in _EMAIL.finditer(text):
        out += [text[last : m.start()].replace("@", "＠"), m.group()]
        last = m.end()
    out.append(text[last:].replace("@", "＠"))
    return "".join(out)


# -- facts ---------------------------------------------------------------------------------------


def one_line(text: str | None) -> str:
    """Collapse whitespace: subjects and headlines are single lines."""
    return " ".join((text or "").split())


def iso_instant(instant: datetime) -> str:
    """An instant as ISO 8601 with its offset, in Asia/Shanghai: ``2026-12-01T06:30:00+08:00``."""
    return instant.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def gap_facts(gaps: Iterable[Gap]) -> list[dict[str, str]]:
    """Each unread or doubtful field with the sentence a reader sees ("公开期限未能识别")."""
    out, seen = [], set()
    for g in gaps:
        name = GAP_FIELDS.get(g.field, g.field)
        text = f"{name}未能识别" if g.reason in UNREAD_REASONS else f"{name}可能有误"
        if text not in seen:
            seen.add(text)
            out.append({"field": g.field, "reason": g.reason, "text": text})
    return out


def _site_link(site_url: str | None, path) -> str | None:
    """A public URL on the history site, or None (no site_url, or an id it cannot place)."""
    try:
        return sitemap.join(site_url, path()) if site_url else None
    except ValueError:
        return None


def notice_facts(
    *,
    notice_id: str,
    url: str | None,
    title: str | None,
    issuer: str | None,
    publicity_start: date | None,
    publicity_end: date | None,
    as_of: date,
    version_no: int | None,
    contacts: Contacts,
    gaps: Iterable[Gap] = (),
    gone: bool = False,
    site_url: str | None = None,
    document_kind: str | None = None,
) -> dict[str, Any]:
    """What a reader needs to act on a notice: its deadline, and how to send an opinion.

    ``window_label`` names the window by what the notice is: a stationing
    announcement's is the letters deadline (受理信访), never a 公开期限.

    ``show_contacts`` is true while the period is not over (open, not begun, or
    unread: a reader can still try); ``gone`` notices link to the archived copy
    of their last version instead of the page that no longer answers.
    """
    period = period_facts(publicity_start, publicity_end, as_of)
    archive = None
    if version_no:
        archive = _site_link(site_url, lambda: sitemap.archived_copy(notice_id, version_no))
    return {
        "notice_id": notice_id,
        "url": url,
        "title": defuse(one_line(title)) or f"通报 {notice_id}",
        "issuer": defuse(one_line(issuer)) or None,
        "publicity_start": _iso(publicity_start),
        "publicity_end": _iso(publicity_end),
        "window_label": WINDOW_LABELS[window_of(document_kind or "")],
        "as_of": as_of.isoformat(),
        "days_left": period.days_left,
        "days_label": period.label,
        "period": str(period.phase),
        "version_no": version_no,
        "gone": gone,
        "contacts": {**contacts.as_json(), "address": defuse(contacts.address)},
        "show_contacts": bool(contacts) and period.phase != Phase.CLOSED,
        "gaps": gap_facts(gaps),
        "page_url": _site_link(site_url, lambda: sitemap.notice_page(notice_id)),
        "archive_url": archive,
    }


def _hunks(event: ChangeEvent) -> list[list[list]]:
    """The changed passages, numbers and dates widened whole, mentions defused."""
    if not event.diff:
        return []
    return [[[op, defuse(text)] for op, text in h] for h in hunks(widen_numbers(event.diff))]


def month_day(day: date) -> str:
    """``12月20日``: a date as a subject line says it (the year is the reader's)."""
    return f"{day.month}月{day.day}日"


def subject_label(event: ChangeEvent) -> str:
    """What a subject line calls an event: its label, a moved deadline with its new date
    (``期限延长至12月20日``)."""
    words = MOVED_PERIOD_WORDS.get(event.kind)
    if words and event.publicity_end:
        return f"{words}{month_day(event.publicity_end)}"
    return event.label


def deadline_words(notice: Mapping[str, Any]) -> str | None:
    """``11月28日截止`` while the notice's period is open (or not begun), else None."""
    if notice["period"] not in ("open", "upcoming") or not notice["publicity_end"]:
        return None
    return f"{month_day(date.fromisoformat(notice['publicity_end']))}截止"


def _period_moved(event: ChangeEvent) -> dict[str, str] | None:
    if event.kind not in MOVED_PERIOD_WORDS or not (event.previous_end and event.publicity_end):
        return None
    return {"from": event.previous_end.isoformat(), "to": event.publicity_end.isoformat()}


def _diff_url(event: ChangeEvent, site_url: str | None) -> str | None:
    """The history site's anchor of an edit's diff (as the feed links it), or None."""
    if event.kind != Kind.EDITED or not (event.from_version and event.version_no):
        return None
    return _site_link(site_url, lambda: sitemap.diff_anchor(
        event.notice_id, event.from_version, event.version_no))


def event_facts(event: ChangeEvent, site_url: str | None = None) -> dict[str, Any]:
    """One event of a message: its kind, what the diff stage said of it, the changed passages,
    a moved period's old and new end, and where the site shows an edit's diff."""
    return {
        "change_id": event.change_id,
        "kind": event.kind,
        "label": event.label,
        "summary": defuse(event.summary) or "",
        "detected_at": iso_instant(event.detected_at),
        "as_of": event.as_of.isoformat(),
        "baseline": event.baseline,
        "from_version": event.from_version,
        "to_version": event.version_no,
        "hunks": _hunks(event),
        "omitted_hunks": 0,
        "period_moved": _period_moved(event),
        "diff_url": _diff_url(event, site_url),
    }


def notice_of(event: ChangeEvent, site_url: str | None, gone: bool) -> dict[str, Any]:
    """``notice_facts`` of the notice an event speaks of, as of the event."""
    return notice_facts(
        notice_id=event.notice_id, url=event.url, title=event.title, issuer=event.issuer,
        publicity_start=event.publicity_start, publicity_end=event.publicity_end,
        as_of=event.as_of, version_no=event.version_no, contacts=event.contacts,
        gaps=event.gaps, gone=gone, site_url=site_url, document_kind=event.document_kind,
    )


# -- messages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One thing to tell a destination; ``key`` is the outbox ``message`` it stands for."""

    key: str
    template: str  # notice | digest | baseline | incident | gap: the templates in alerts/templates
    subject: str  # one line of plain text: the email subject, the webhook title
    headline: str  # a short title for chat services (the body names the notice)
    facts: Mapping[str, Any] = field(default_factory=dict)
    change_ids: tuple[int, ...] = ()  # the events it carries
    origin: Origin | None = None  # the source it speaks for, once ``Origin.name`` named it

    def variants(self) -> Iterator[Message]:
        """This message, then ever shorter forms of it, for a service with a size limit."""
        yield self
        if self.template == "notice":
            n = sum(len(e["hunks"]) for e in self.facts["events"])
            while n > 0:
                n = n - 1 if n <= 4 else n // 2
                yield self.with_hunks(n)
        elif self.template == "digest":
            yield self.without_hunks()
        elif self.template == "baseline":
            yield from _shorter_baselines(self)

    def without_hunks(self) -> Message:
        """A digest listing its events without their changed passages (counted instead)."""
        groups = [{**g, "items": [{**i, "event": _no_hunks(i["event"])} for i in g["items"]]}
                  for g in self.facts["groups"]]
        return replace(self, facts={**self.facts, "groups": groups})

    def with_hunks(self, n: int) -> Message:
        """The notice message listing only its first ``n`` changed passages."""
        events, left = [], n
        for e in self.facts["events"]:
            keep = e["hunks"][: max(left, 0)]
            left -= len(keep)
            events.append({**e, "hunks": keep,
                           "omitted_hunks": e["omitted_hunks"] + len(e["hunks"]) - len(keep)})
        return replace(self, facts={**self.facts, "events": events})


@dataclass(frozen=True)
class Origin:
    """The source a warehouse's messages speak for (one warehouse, one source), and whether
    the readers follow several sources: then every subject names it."""

    source: Source
    several: bool = False

    def name(self, message: Message) -> Message:
        """``message`` naming its source: the ``source`` fact (the webhook's object, the line
        every body shows), and with several sources the source's name in brackets after the
        prefix of the subject and headline (``[zgwatch][南粤清风网 · 巡视公告] 新通报 | …``).
        A message already named is returned as it is."""
        if message.origin is not None:
            return message
        facts = {**message.facts, "source": {**self.source.as_payload(),
                                             "name": defuse(one_line(self.source.name))}}
        named = replace(message, facts=facts, origin=self)
        if not self.several:
            return named
        tag = f"{PREFIX}[{defuse(one_line(self.source.name))}]"
        return replace(named, subject=_retag(message.subject, tag),
                       headline=_retag(message.headline, tag))


def _retag(line: str, tag: str) -> str:
    """``line`` with its leading ``PREFIX`` replaced by ``tag``."""
    return tag + line.removeprefix(PREFIX) if line.startswith(PREFIX) else f"{tag} {line}"


def _no_hunks(event: Mapping[str, Any]) -> dict[str, Any]:
    return {**event, "hunks": [], "omitted_hunks": event["omitted_hunks"] + len(event["hunks"])}


def notice_message(events: Sequence[ChangeEvent], key: str | None = None, *,
                   site_url: str | None = None) -> Message:
    """One message for one notice's events of a run, most urgent label first.

    The notice's fields are the latest event's (its version is the newest).
    """
    ordered = sorted(events, key=lambda e: (urgency(e.kind), e.change_id))
    latest = max(events, key=lambda e: e.change_id)
    comings = [e for e in events if e.kind in (Kind.REMOVED, Kind.RESTORED)]
    gone = bool(comings) and max(comings, key=lambda e: e.change_id).kind == Kind.REMOVED
    notice = notice_of(latest, site_url, gone)
    labels = list(dict.fromkeys(e.label for e in ordered))
    said = list(dict.fromkeys(subject_label(e) for e in ordered))
    # the deadline, unless a moved one already says it
    if not any(e.kind in MOVED_PERIOD_WORDS for e in ordered) and (due := deadline_words(notice)):
        said.append(due)
    head = LABEL_SEPARATOR.join(said)
    facts = {
        "message": "notice",
        "kind": ordered[0].kind,
        "kinds": list(dict.fromkeys(e.kind for e in ordered)),
        "labels": labels,
        "change_ids": [e.change_id for e in ordered],
        "detected_at": iso_instant(latest.detected_at),
        "notice": notice,
        "events": [event_facts(e, site_url) for e in ordered],
    }
    msg = Message(
        key=key or f"notice:{latest.notice_id}",
        template="notice",
        subject=f"{PREFIX} {head} | {notice['title']}",
        headline=f"{PREFIX} {head}",
        facts=facts,
        change_ids=tuple(e.change_id for e in ordered),
    )
    return msg.with_hunks(MAX_EMAIL_HUNKS)


# -- the baseline -------------------------------------------------------------------------------


def baseline_message(batch_id: str, payload: Mapping[str, Any], *,
                     site_url: str | None = None) -> Message:
    """The first cycle's one summary: what was recorded, and every notice open for opinions.

    ``payload`` is what ``outbox.baseline_facts`` stored when the message was
    queued: counts, ``as_of``, and the ``open`` and ``unread`` notices.
    """
    as_of = date.fromisoformat(payload["as_of"])

    def listed(rows: Iterable[Mapping]) -> list[dict[str, Any]]:
        return [
            notice_facts(
                notice_id=r["notice_id"], url=r.get("url"), title=r.get("title"),
                issuer=r.get("issuer"),
                publicity_start=_date(r.get("publicity_start")),
                publicity_end=_date(r.get("publicity_end")), as_of=as_of,
                version_no=r.get("version_no"), contacts=Contacts.from_json(r.get("contacts")),
                gaps=[Gap(g["field"], g["reason"]) for g in r.get("gaps") or ()],
                site_url=site_url,
            )
            for r in rows
        ]

    open_ = listed(payload.get("open") or ())
    facts = {
        "message": "baseline",
        "batch_id": batch_id,
        "as_of": as_of.isoformat(),
        "notices": payload["notices"],
        "expired": payload["expired"],
        "expiring": payload["expiring"],
        "match": payload.get("match"),
        "open_count": len(open_),
        "open": open_,
        "omitted_open": 0,
        "unread": listed(payload.get("unread") or ()),
        "with_contacts": True,
    }
    return Message(
        key=f"baseline:{batch_id}",
        template="baseline",
        subject=(f"{PREFIX} 基线: 已记录 {payload['notices']} 条通报, "
                 f"{len(open_)} 条正在公开征求意见"),
        headline=f"{PREFIX} 基线",
        facts=facts,
    )


def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None


def _shorter_baselines(message: Message) -> Iterator[Message]:
    """Without contacts first, then ever fewer open notices (the rest counted)."""
    facts = {**message.facts, "with_contacts": False}
    yield replace(message, facts=facts)
    rows = facts["open"]
    n = len(rows)
    while n > 0:
        n = n - 1 if n <= 4 else n // 2
        yield replace(message, facts={**facts, "open": rows[:n], "omitted_open": len(rows) - n})


# -- operators ------------------------------------------------------------------------------------


def incident_message(incident: Mapping[str, Any], phase: str) -> Message:
    """An operators' notice that trouble started (``phase='start'``) or ended (``'end'``)."""
    label = INCIDENT_LABELS.get(incident["kind"], incident["kind"])
    head = "运行故障" if phase == "start" else "已恢复"
    facts: dict[str, Any] = {"message": "incident"}
    facts.update({k: v for k, v in incident.items() if k != "subject"})
    facts.update(subject_text=incident["subject"], label=label, phase=phase,
                 action=INCIDENT_ACTIONS.get(incident["kind"]) if phase == "start" else None,
                 runbook=runbook_link(incident.get("runbook"),
                                      INCIDENT_SECTIONS.get(incident["kind"], "runbook"))
                 if phase == "start" else None)
    for key in ("started_at", "ended_at"):  # stored as ISO 8601 (UTC) in the outbox payload
        value = facts.get(key)
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        facts[key] = iso_instant(value) if isinstance(value, datetime) else None
    return Message(
        key=f"incident:{incident['incident_id']}:{phase}",
        template="incident",
        subject=f"{PREFIX} {head}: {label} | {one_line(incident['subject'])}",
        headline=f"{PREFIX} {head}: {label}",
        facts=facts,
    )


# Why a field is in parse_gaps, for operators (parse_gaps.reason; docs/parsing.md)
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
    title = defuse(one_line(gap.get("title"))) or f"通报 {gap['notice_id']}"
    facts = {"message": "gap", **gap, "title": title, "field_label": field_label,
             "reason_labels": reasons, "runbook": runbook_link(gap.get("runbook"), GAPS_SECTION)}
    return Message(
        key=f"gap:{gap['notice_id']}:{gap['version_no']}:{gap['field']}",
        template="gap",
        subject=f"{PREFIX} 解析缺口: {field_label}{'、'.join(reasons)} | {title}",
        headline=f"{PREFIX} 解析缺口: {field_label}",
        facts=facts,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)
