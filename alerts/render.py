"""Messages into HTML, Markdown or plain text, from the Jinja2 templates in alerts/templates.

Everything that comes from the site is escaped for the format it lands in:
HTML by Jinja2's autoescape; Markdown by ``md_escape``, applied to every
``{{ … }}`` of a Markdown template (the environment's ``finalize``), so a
template cannot forget it. Plain text needs no escaping.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from alerts.messages import Message
from core.textdiff import hunk_to_text

FORMATS = ("html", "md", "txt")


class MdSafe(str):
    """Markdown built by us (links, markers): the Markdown finalize leaves it alone."""


_MD_INLINE = re.compile(r"([\\`*_\[\]<>~|&])")
_MD_LINE_START = re.compile(r"^([ \t]*)([#>+=-]|\d+(?=[.)]))", re.MULTILINE)


def md_escape(text: str) -> str:
    """Backslash-escape what Markdown could read as markup (links, HTML, emphasis, blocks)."""
    text = _MD_INLINE.sub(r"\\\1", text)
    # a line starting with '#', '>', '-', '1.' … would become a heading, quote or list
    return _MD_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match) -> str:
    indent, mark = m.group(1), m.group(2)
    if mark[0].isdigit():  # "12." -> "12\." : the escape goes before the dot
        return f"{indent}{mark}\\"
    return f"{indent}\\{mark}"


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None: a link can never run script."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _md_finalize(value):
    if value is None:
        return ""
    return value if isinstance(value, MdSafe) else md_escape(str(value))


def _md_link(text: str, url: str | None) -> MdSafe:
    target = safe_url(url)
    label = md_escape(text)
    if not target:
        return MdSafe(label)
    return MdSafe(f"[{label}]({quote(target, safe=':/?#@!$&*+,;=%~-._')})")


def md_hunk(hunk) -> MdSafe:
    parts = []
    for op, text in hunk:
        t = md_escape(text)
        parts.append(rf"\[-{t}-\]" if op < 0 else rf"{{+{t}+}}" if op > 0 else t)
    return MdSafe("".join(parts).replace("\n", " ⏎ "))


# In HTML the markers are hidden by CSS: Apprise derives the email's text/plain
# part from the HTML, and there they must read [-deleted-]{+inserted+}.
_HIDDEN = '<span style="display:none;mso-hide:all">{}</span>'
_DEL = 'style="color:#b42318;background:#fde8e7;text-decoration:line-through"'
_INS = 'style="color:#067647;background:#e3f6e8;text-decoration:none"'


def _nl2br(text: str) -> Markup:
    return Markup("<br>").join(escape(line) for line in str(text).split("\n"))


def html_hunk(hunk) -> Markup:
    parts = []
    for op, text in hunk:
        body = _nl2br(text)
        if op < 0:
            parts.append(
                Markup(_HIDDEN.format("[-") + f"<del {_DEL}>{body}</del>" + _HIDDEN.format("-]"))
            )
        elif op > 0:
            parts.append(
                Markup(_HIDDEN.format("{+") + f"<ins {_INS}>{body}</ins>" + _HIDDEN.format("+}"))
            )
        else:
            parts.append(body)
    return Markup("").join(parts)


def _days_left(days: int | None) -> str:
    if days is None:
        return ""
    if days > 0:
        return f"剩 {days} 天"
    return "今日截止" if days == 0 else f"已过 {-days} 天"


@cache
def environment(fmt: str) -> Environment:
    """The Jinja2 environment for one format: ``html``, ``md`` or ``txt``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    env = Environment(
        loader=PackageLoader("alerts", "templates"),
        autoescape=fmt == "html",
        finalize=_md_finalize if fmt == "md" else None,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        safe_url=safe_url,
        days_left=_days_left,
        text_hunk=hunk_to_text,
        html_hunk=html_hunk,
        md_hunk=md_hunk,
        md_link=_md_link,
        nl2br=_nl2br,
    )
    return env


def render(message: Message, fmt: str) -> str:
    """The message's body in ``fmt`` (``html``, ``md`` or ``txt``)."""
    template = environment(fmt).get_template(f"{message.template}.{fmt}.j2")
    return template.render(subject=message.subject, **message.facts).strip() + "\n"
