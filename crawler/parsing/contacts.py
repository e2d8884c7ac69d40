"""联系方式: phones, emails, postcode and postal address of a notice's closing part.

The text is cut into *segments*: each contact label (联系电话, 邮政邮箱, 邮编, …)
owns the text up to the next label or the end of its sentence. Phones are
read only from phone segments (so office hours, dates and the postcode are
never phones), plus unmistakable numbers anywhere (0756-7263766, (0760)…,
mobiles) outside other segments. Values are returned folded to ASCII.
"""

from __future__ import annotations

import re

from crawler.parsing.model import Contacts
from crawler.parsing.text import to_ascii

_LABEL = re.compile(
    r"(?=[联值举监咨受办投电手座热传邮Ee网地通来信])(?:"  # cheap first-character filter
    r"(?P<phone>(?:联系|值班|举报|监督|咨询|受理|办公|投诉)?(?:电话|手机|座机|热线)(?:号码)?)"
    r"|(?P<fax>传真)"
    r"|(?P<email>电子邮箱|电子信箱|电子邮件|邮箱地址|(?i:e-?mail)|邮箱)"
    r"|(?P<postcode>邮政编码|邮编)"
    r"|(?P<address>邮政邮箱|邮政信箱|通信地址|通讯地址|邮寄地址|来信地址|信件地址|联系地址"
    r"|办公地址|地址|来信请寄至|来信请寄)"
    r"|(?P<web>网址|网站)"
    r")(?=\s*(?:[:：]|为|是|[\d(]))"  # a label is followed by its value, not by prose
)
_SEGMENT_END = re.compile(r"[;。\n]")
_PHONE = re.compile(
    r"(?<!\d)(?:\((?P<parea>0\d{2,3})\)\s*|(?P<area>0\d{2,3})\s*-?\s*)?(?P<num>\d{7,8})"
    r"(?:\s*(?:-|转)\s*(?P<ext>\d{1,6}))?(?!\d)"
    r"|(?<!\d)(?P<mobile>1[3-9]\d{9})(?!\d)"
    r"|(?<!\d)(?P<short>\d{5,6})(?!\d)"  # 12388 and other service numbers
)
# Outside a phone segment only shapes that cannot be anything else count.
_STRONG_PHONE = re.compile(
    r"(?=[(\d])(?<![\d-])(?:\((?P<parea>0\d{2,3})\)\s*|(?P<area>0\d{2,3})\s*-\s*)(?P<num>\d{7,8})(?!\d)"
    r"|(?<!\d)(?P<mobile>1[3-9]\d{9})(?!\d)"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_VALUE_TRIM_LEFT = re.compile(r"^[\s:为是]+")
_VALUE_TRIM_RIGHT = re.compile(r"[\s,、;:(]+$")


def parse_contacts(text: str) -> Contacts:
    """The contact details stated in ``text`` (best given the closing part of a notice)."""
    folded = to_ascii(text)
    labels = list(_LABEL.finditer(folded))
    segments = []  # (kind, start, end) of each label's value
    for i, label in enumerate(labels):
        stop = _SEGMENT_END.search(folded, label.end())
        end = stop.start() if stop else len(folded)
        if i + 1 < len(labels):
            end = min(end, labels[i + 1].start())
        segments.append((label.lastgroup, label.end(), end))

    email_matches = list(_EMAIL.finditer(folded)) if "@" in folded else []
    emails = _unique(m.group() for m in email_matches)
    phones, postcode, address = [], None, None
    for kind, start, end in segments:
        value = folded[start:end]
        if kind == "phone":
            phones += [_format_phone(m) for m in _PHONE.finditer(value)]
        elif kind == "postcode" and postcode is None:
            if m := _POSTCODE.search(value):
                postcode = m.group()
        elif kind == "address" and address is None:
            value = _VALUE_TRIM_RIGHT.sub("", _VALUE_TRIM_LEFT.sub("", value))
            address = value or None

    taken = [(s, e) for _, s, e in segments] + [m.span() for m in email_matches]
    for m in _STRONG_PHONE.finditer(folded):
        if not any(s <= m.start() < e for s, e in taken):
            phones.append(_format_phone(m))

    raw = None
    if segments:
        raw = text[labels[0].start() : segments[-1][2]].strip() or None
    return Contacts(
        phones=_unique(phones), emails=emails, postcode=postcode, address=address, raw=raw
    )


def _format_phone(m: re.Match) -> str:
    groups = m.groupdict()
    if groups.get("mobile"):
        return groups["mobile"]
    if groups.get("short"):
        return groups["short"]
    area = groups.get("parea") or groups.get("area")
    number = f"{area}-{m['num']}" if area else m["num"]
    return f"{number}-{groups['ext']}" if groups.get("ext") else number


def _unique(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
