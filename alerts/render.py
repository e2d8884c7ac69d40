"""Messages into HTML, Markdown or plain text, from the Jinja2 templates in alerts/templates.

Everything that comes from the site is escaped for the format it lands in:
HTML by Jinja2's autoescape; Markdown by ``md_escape``, applied to every
``{{ … }}`` of a Markdown template (the environment's ``finalize``), so a
template cannot forget it. Plain text needs no escaping. Mentions were
already neutralised in the facts (``messages.defuse``).

A ``Style`` says how a service's Markdown marks a diff (strikethrough and
bold where it renders them, ``[-…-]`` where it does not) and whether it
takes ``tel:``/``mailto:`` links; the channel passes it to ``render``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from alerts.messages import Message
from core.sitemap import safe_url
from core.textdiff import hunk_to_text, text_to_ops
from core.vocabulary import shanghai_time

FORMATS = ("html", "md", "txt")


@dataclass(frozen=True)
class Style:
    """How a diff is marked, and whether contacts become links, in one service's format."""

    deleted: tuple[str, str] = ("[-", "-]")
    inserted: tuple[str, str] = ("{+", "+}")
    spaced: bool = False  # Markdown: a space outside each mark, so CJK text around cannot
    #                       stop ** or ~~ from opening or closing (CommonMark's flanking rule)
    contact_links: bool = True  # tel: and mailto: links

    @property
    def legend(self) -> str:
        """The one-line key: ``[-删除-]{+新增+}``, ``~~删除~~ **新增**``."""
        (d0, d1), (i0, i1) = self.deleted, self.inserted
        return f"{d0}删除{d1}{' ' if self.spaced else ''}{i0}新增{i1}"


TEXT = Style()  # plain text: the [-deleted-]{+inserted+} convention
MD_STRIKE = Style(("~~", "~~"), ("**", "**"), spaced=True)  # GitHub-style Markdown
MD_BOLD = Style((r"\[-", r"-\]"), ("**", "**"), spaced=True)  # Markdown without strikethrough


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


_PHONE = re.compile(r"^\s*(\+?[\d\-()（） ]{5,})")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def tel_uri(phone: str | None) -> str | None:
    """``tel:07567263766`` for a phone number as written (extension dropped), else None."""
    m = _PHONE.match(phone or "")
    digits = re.sub(r"[^\d+]", "", m.group(1)) if m else ""
    return f"tel:{digits}" if len(digits) >= 5 else None


def mailto_uri(email: str | None) -> str | None:
    """``mailto:a@b.cn`` for a plain e-mail address, else None."""
    email = (email or "").strip()
    return f"mailto:{email}" if _EMAIL.match(email) else None


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


def _md_contact(text: str, uri: str | None, style: Style) -> MdSafe:
    label = md_escape(text)
    return MdSafe(f"[{label}]({uri})" if uri and style.contact_links else label)


def _contact_parts(contacts: dict, link) -> list[tuple[str, list]]:
    """(label, rendered values) of each kind of contact present, in reading order."""
    out = []
    if contacts.get("phones"):
        out.append(("电话", [link(p, tel_uri(p)) for p in contacts["phones"]]))
    if contacts.get("emails"):
        out.append(("邮箱", [link(e, mailto_uri(e)) for e in contacts["emails"]]))
    if contacts.get("address"):
        code = f" (邮编 {contacts['postcode']})" if contacts.get("postcode") else ""
        out.append(("来信", [link(contacts["address"] + code, None)]))
    elif contacts.get("postcode"):
        out.append(("邮编", [link(contacts["postcode"], None)]))
    return out


def md_contacts(contacts: dict, style: Style) -> MdSafe:
    """The contacts on one Markdown line: ``电话 [0756-…](tel:…) · 邮箱 [a@b](mailto:…) …``."""
    parts = _contact_parts(contacts, lambda text, uri: _md_contact(text, uri, style))
    return MdSafe(" · ".join(f"{label} {'、'.join(values)}" for label, values in parts))


def html_contacts(contacts: dict) -> Markup:
    """The contacts as HTML: phones as tel: links, e-mails as mailto: links, one line each."""

    def link(text: str, uri: str | None) -> Markup:
        if not uri:
            return escape(text)
        return Markup('<a href="{}" style="color:#1d4ed8">{}</a>').format(uri, text)

    lines = [
        Markup("<b>{}：</b>").format(label) + Markup("、").join(values)
        for label, values in _contact_parts(contacts, link)
    ]
    return Markup("<br>").join(lines)


def _md_mark(text: str, marks: tuple[str, str], style: Style) -> str:
    body = md_escape(text).replace("\n", " ⏎ ").strip()
    if not body:  # a change of whitespace alone: show that something changed there
        body = "⏎"
    mark = f"{marks[0]}{body}{marks[1]}"
    return f" {mark} " if style.spaced else mark


def md_hunk(hunk, style: Style = MD_STRIKE) -> MdSafe:
    """A hunk in Markdown, deletions and insertions marked as ``style`` says."""
    parts = []
    for op, text in hunk:
        if op < 0:
            parts.append(_md_mark(text, style.deleted, style))
        elif op > 0:
            parts.append(_md_mark(text, style.inserted, style))
        else:
            parts.append(md_escape(text).replace("\n", " ⏎ "))
    out = re.sub(r" {2,}", " ", "".join(parts)).strip()
    return MdSafe(out)


def text_hunk(hunk, style: Style = TEXT) -> str:
    """A hunk in plain text: ``[-deleted-]{+inserted+}``; newlines shown as ⏎."""
    return hunk_to_text(hunk).replace("\n", " ⏎ ")


# In HTML the markers are hidden by CSS: Apprise derives the email's text/plain
# part from the HTML, and there they must read [-deleted-]{+inserted+}.
_HIDDEN = '<span style="display:none;mso-hide:all">{}</span>'
_DEL = 'style="color:#b42318;background:#fde8e7;text-decoration:line-through"'
_INS = 'style="color:#067647;background:#e3f6e8;text-decoration:none;font-weight:600"'


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


def local_time(iso: str | None) -> str:
    """An ISO 8601 instant as people in Guangdong read it (北京时间), to the minute."""
    if not iso:
        return ""
    return shanghai_time(datetime.fromisoformat(iso))


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
        local_time=local_time,
        text_hunk=text_hunk,
        html_hunk=html_hunk,
        md_hunk=md_hunk,
        md_link=_md_link,
        md_contact=_md_contact,
        md_contacts=md_contacts,
        md=MdSafe,  # a macro's output, already escaped inside: {{ p.facts(n) | md }}
        html_contacts=html_contacts,
        marked=text_to_ops,
        tel=tel_uri,
        mailto=mailto_uri,
        nl2br=_nl2br,
    )
    return env


def render(message: Message, fmt: str, style: Style | None = None) -> str:
    """The message's body in ``fmt`` (``html``, ``md`` or ``txt``), diffs marked per ``style``."""
    style = style or (MD_STRIKE if fmt == "md" else TEXT)
    template = environment(fmt).get_template(f"{message.template}.{fmt}.j2")
    legend = MdSafe(style.legend) if fmt == "md" else style.legend
    # ``source``: the line naming the site and column (a message not yet named has none)
    facts = {"source": None, **message.facts}
    text = template.render(subject=message.subject, style=style, legend=legend, **facts)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
