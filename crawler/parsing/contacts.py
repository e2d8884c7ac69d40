"""联系方式: phones, emails, postcode and postal address of a notice's closing part.

The text is cut into *segments*: each contact label (联系电话, 邮政邮箱, 邮编,
拨打, 来信请寄, …) owns the text up to the next label or the end of its
sentence. Phones are read from phone segments, several joined by 、 or commas,
with extensions (转8012, -8012, 分机8012); office hours, dates and the postcode
are never phones. Unmistakable numbers (0756-7263766, (0760)…, mobiles) count
anywhere outside other segments: a phone without a label. Emails are read
anywhere, also written with ＠, (at), [at] or "#" (where the notice says to
put @ for it). 邮政信箱 and 邮政邮箱 (sic, the seed) are both postal labels;
"广州市2004号邮政信箱" in a value is a PO box, not a label. A six-digit number
ending an address is its postcode. Values are returned folded to ASCII.

Each field says how it was read (``Contacts.<field>_source``): ``label`` (in
its labelled segment), ``role`` (by its shape, without a label), ``none``.
"""

from __future__ import annotations

import re

from crawler.parsing.model import Contacts
from crawler.parsing.text import to_ascii

_LABEL = re.compile(
    r"(?=[联值举监咨受办投电手座热传邮Ee网地通来信拨致专请寄])(?:"  # cheap first-character filter
    r"(?P<phone>(?:联系|值班|举报|监督|咨询|受理|办公|投诉|专门值班)?(?:电话|手机|座机|热线)(?:号码)?"
    r"|拨打|致电)"
    r"|(?P<fax>传真)"
    r"|(?P<email>电子邮箱|电子信箱|电子邮件|邮箱地址|(?i:e-?mail)|邮箱)"
    r"|(?P<postcode>邮政编码|邮编)"
    r"|(?P<address>(?<![\d号市区县省])(?:专门)?邮政(?:邮箱|信箱)|通信地址|通讯地址|邮寄地址"
    r"|来信地址|信件地址|联系地址|办公地址|地址)"
    r"|(?P<web>网址|网站)"
    r")(?=\s*(?:[:：]|为|是|[\d(]))"  # a label is followed by its value, not by prose
    r"|(?P<mail>来信请寄至?|来信寄至|请寄至|寄至|寄往)"  # a verb, then the address
)
_SEGMENT_END = re.compile(r"[;。\n]")
_EXT = r"(?:\s*(?:-|转分机|转|分机号?|\(\s*分机号?\s*:?|ext\.?)\s*(?P<ext>\d{1,6})\)?)?"
_PHONE = re.compile(
    r"(?<!\d)(?:\((?P<parea>0\d{2,3})\)\s*|(?P<area>0\d{2,3})\s*-?\s*)?(?P<num>\d{7,8})"
    + _EXT
    + r"(?!\d)"
    r"|(?<!\d)(?P<mobile>1[3-9]\d{9})(?!\d)"
    r"|(?<!\d)(?:(?P<sarea>0\d{2,3})\s*-\s*)?(?P<short>\d{5,6})(?!\d)"  # (0756-)12388
)
# Outside a phone segment only shapes that cannot be anything else count.
_STRONG_PHONE = re.compile(
    r"(?=[(\d])(?<![\d-])(?:\((?P<parea>0\d{2,3})\)\s*|(?P<area>0\d{2,3})\s*-\s*)(?P<num>\d{7,8})"
    + _EXT
    + r"(?!\d)"
    r"|(?<!\d)(?P<mobile>1[3-9]\d{9})(?!\d)"
)
_AT = r"(?:@|\s*[(\[{<]\s*(?i:at)\s*[)\]}>]\s*|#)"
_DOT = r"(?:\.|\s*[(\[{<]\s*(?i:dot)\s*[)\]}>]\s*)"
_EMAIL = re.compile(
    rf"[A-Za-z0-9._%+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}[A-Za-z]{{2,}}"
)
_EMAIL_HINT = re.compile(r"@|(?i:at)|#")
_HASH_IS_AT = re.compile(r"#[^。]{0,6}(?:换成|改为|替换为|替换成|代替|代表)\s*@|@[^。]{0,6}用\s*#")
_CANON_AT = re.compile(_AT)
_CANON_DOT = re.compile(_DOT)
_POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_TRAILING_NOTE = re.compile(r"\((?:[^()]*?)(?:注明|请)[^()]*\)$")  # (信封请注明“巡视整改”)
_TRAILING_POSTCODE = re.compile(r"[,(\s]*(?:邮编|邮政编码)?\s*:?\s*(?P<code>\d{6})\)?$")
_VALUE_TRIM_LEFT = re.compile(r"^[\s:为是]+")
_VALUE_TRIM_RIGHT = re.compile(r"[\s,、;:(]+$")


def parse_contacts(text: str) -> Contacts:
    """The contact details stated in ``text`` (best given the closing part of a notice)."""
    folded = to_ascii(text)
    labels = list(_LABEL.finditer(folded))
    segments = _segments(folded, labels)
    email_matches = _emails(folded)
    emails = _unique(_canonical_email(m.group()) for m in email_matches)
    taken = [(s, e) for _, s, e in segments] + [m.span() for m in email_matches]

    phones, postcode, address = [], None, None
    sources = {"postcode": "label", "address": "label"}
    for kind, start, end in segments:
        value = folded[start:end]
        if kind == "phone":
            phones += [_format_phone(m) for m in _PHONE.finditer(value) if not _in_email(
                start + m.start(), email_matches)]
        elif kind == "postcode" and postcode is None:
            if m := _POSTCODE.search(value):
                postcode = m.group()
        elif kind in ("address", "mail") and address is None:
            address, trailing = _address(value)
            if trailing and postcode is None:
                postcode, sources["postcode"] = trailing, "role"
    labelled_phones = bool(phones)
    for m in _STRONG_PHONE.finditer(folded):
        if not any(s <= m.start() < e for s, e in taken):
            phones.append(_format_phone(m))

    raw = None
    if segments:
        raw = text[labels[0].start() : segments[-1][2]].strip() or None
    return Contacts(
        phones=_unique(phones),
        emails=emails,
        postcode=postcode,
        address=address,
        raw=raw,
        phones_source=("label" if labelled_phones else "role") if phones else "none",
        emails_source=_email_source(email_matches, segments) if emails else "none",
        postcode_source=sources["postcode"] if postcode else "none",
        address_source="label" if address else "none",
    )


def _segments(folded: str, labels: list[re.Match]) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each label's value: to the next label or the sentence's end."""
    segments = []
    for i, label in enumerate(labels):
        stop = _SEGMENT_END.search(folded, label.end())
        end = stop.start() if stop else len(folded)
        if i + 1 < len(labels):
            end = min(end, labels[i + 1].start())
        segments.append((label.lastgroup, label.end(), end))
    return segments


def _emails(folded: str) -> list[re.Match]:
    """E-mail addresses, however the @ is written; "#" only where the notice says so."""
    if not _EMAIL_HINT.search(folded):
        return []
    hash_is_at = bool(_HASH_IS_AT.search(folded))
    found = []
    for m in _EMAIL.finditer(folded):
        if "@" in m.group() or "#" not in m.group() or hash_is_at:
            found.append(m)
    return found


def _canonical_email(written: str) -> str:
    return _CANON_DOT.sub(".", _CANON_AT.sub("@", written, count=1))


def _email_source(matches: list[re.Match], segments: list[tuple[str, int, int]]) -> str:
    inside = any(k == "email" and s <= m.start() < e for m in matches for k, s, e in segments)
    return "label" if inside else "role"


def _in_email(at: int, matches: list[re.Match]) -> bool:
    return any(m.start() <= at < m.end() for m in matches)


def _address(value: str) -> tuple[str | None, str | None]:
    """(address, a postcode that ends it) from an address segment's text."""
    value = _VALUE_TRIM_RIGHT.sub("", _VALUE_TRIM_LEFT.sub("", value))
    value = _VALUE_TRIM_RIGHT.sub("", _TRAILING_NOTE.sub("", value))
    postcode = None
    if m := _TRAILING_POSTCODE.search(value):
        postcode = m["code"]
        value = _VALUE_TRIM_RIGHT.sub("", value[: m.start()])
    return value or None, postcode


def _format_phone(m: re.Match) -> str:
    groups = m.groupdict()
    if groups.get("mobile"):
        return groups["mobile"]
    if groups.get("short"):
        return f"{groups['sarea']}-{groups['short']}" if groups.get("sarea") else groups["short"]
    area = groups.get("parea") or groups.get("area")
    number = f"{area}-{m['num']}" if area else m["num"]
    return f"{number}-{groups['ext']}" if groups.get("ext") else number


def _unique(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
