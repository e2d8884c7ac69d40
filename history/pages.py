"""The site's pages as HTML, from the Jinja2 templates in ``history/templates``.

Autoescape is on for every template: any text from the column (titles,
bodies, issuers, URLs, contacts) is escaped where it lands. The only markup
that is not escaped is built here from escaped parts (diff marks, line
breaks), the sanitised body of an archived copy, and JSON made safe to sit
inside a ``<script type="application/json">`` block.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from core import sitemap
from core.vocabulary import CONTENT_OUTCOMES, KIND_LABELS, Outcome, shanghai_time

# Pages other than archived copies run only the site's own script file.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'none'; base-uri 'none'")  # fmt: skip

STATUS_LABELS = {"active": "在列", "removed": "已撤下"}
OUTCOME_LABELS = {
    Outcome.OK: "成功",
    Outcome.NOT_MODIFIED: "未变 (304)",
    Outcome.NOT_FOUND: "不存在 (404/410)",
    Outcome.SERVER_ERROR: "服务器错误 (5xx)",
    Outcome.TIMEOUT: "超时",
    Outcome.BLOCKED: "被拦截",
    Outcome.TRUNCATED: "不完整",
    Outcome.WRONG_PAGE: "非预期页面",
    Outcome.EMPTY_LIST: "空列表",
    Outcome.ERROR: "其他错误",
}


def nl2br(text: str | None) -> Markup:
    """Escaped text with its line breaks as ``<br>``."""
    return Markup("<br>").join(escape(line) for line in str(text or "").split("\n"))


def hunk_html(hunk) -> Markup:
    """One diff passage: deletions in ``<del>``, insertions in ``<ins>``, all text escaped."""
    parts = []
    for op, text in hunk:
        body = nl2br(text)
        if op < 0:
            parts.append(Markup('<del title="删除">{}</del>').format(body))
        elif op > 0:
            parts.append(Markup('<ins title="新增">{}</ins>').format(body))
        else:
            parts.append(body)
    return Markup("").join(parts)


def json_script(value) -> Markup:
    """JSON safe inside a ``<script>`` block: ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return Markup(text)


def when(instant: datetime | None) -> str:
    """An instant in Beijing time, to the minute."""
    return shanghai_time(instant) if instant else "—"


def cn_day(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind, kind or "—")


@cache
def environment() -> Environment:
    """The templates' environment (autoescaped, strict about missing values)."""
    env = Environment(
        loader=PackageLoader("history", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        safe_url=sitemap.safe_url, nl2br=nl2br, hunk_html=hunk_html, json_script=json_script,
        when=when, cn_day=cn_day, kind_label=kind_label,
        status_label=lambda s: STATUS_LABELS.get(s, s),
        outcome_label=lambda o: OUTCOME_LABELS.get(o, o),
    )  # fmt: skip
    env.globals.update(
        sitemap=sitemap, page_csp=PAGE_CSP, status_labels=STATUS_LABELS,
        content_outcomes=[str(o) for o in CONTENT_OUTCOMES],
    )  # fmt: skip
    return env


def render(template: str, **context) -> str:
    """The page ``template`` (a file in history/templates) filled with ``context``."""
    return environment().get_template(template).render(**context)
