"""How notices word their 公开期限 and contact sentences.

Every phrasing here is a row of ``tests/data/parsing/phrases/periods.jsonl`` or
``contacts.jsonl`` (the shared tables), or of ``periods_extra.jsonl`` /
``contacts_extra.jsonl`` (the project's own), with the values swapped for a
notice's own: a test renders each one with the row's values and finds the
row's text. So the generated column exercises exactly the cases the parser is
tested against, and the replica knows each notice's true period and contacts.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from replica.issuers import Issuer
from replica.model import ContactsSpec, PeriodSpec
from replica.wording import cn_count, date_forms, month_later, nth_working_day

# name -> (format, shape). Format fields: s_<form> the start, e_<form> the end, in the
# forms of ``replica.wording.date_forms`` (Y 2024年9月26日, M 9月26日, Y0 zero-padded,
# YC/MC Chinese numerals, ISO, DOT 2024.9.26, dot 9.26, W 星期四); days / days_cn the
# inclusive count of days; n / n_cn a count of working days.
# Shapes: range (both dates printed), days (a count of days), deadline (only the end
# printed: the start is the publication day), workdays (a count of working days on
# the official calendar), month (一个月), none. A "\n" puts what follows on a new line.
PERIOD_PHRASINGS: dict[str, tuple[str, str]] = {
    "seed": ("公开期限:{s_Y}至{e_M}。", "range"),
    "fullwidth_colon": ("公开期限：{s_Y}至{e_M}。", "range"),
    "end_year": ("公开期限:{s_Y}至{e_Y}。", "range"),
    "em_dash": ("公开时间:{s_Y}—{e_M}。", "range"),
    "hyphen": ("公开时间:{s_Y}-{e_M}。", "range"),
    "tilde": ("公开时间:{s_Y}~{e_M}。", "range"),
    "gongshiqi": ("公示期:{s_Y}到{e_M}。", "range"),
    "zi_qi_zhi": ("公开期限自{s_Y}起至{e_Y}止。", "range"),
    "fullwidth_digits": ("公开期限：{s_Y}至{e_M}。", "range"),  # digits made full-width below
    "days_and_dates": ("公开期限为{days}天({s_Y}至{e_M})。", "range"),
    "days_only": ("公开期限为{days}天。", "days"),
    "remark": ("公开期限:{s_Y}至{e_M}(节假日顺延)。", "range"),
    "office_hours": ("公开期限:{s_Y}至{e_M},每天8:30至12:00、14:30至17:30受理来电。", "range"),
    # wordings of other notices, found by role rather than by a label of ours
    "yijian_fanying": ("意见反映时间为{s_Y0}至{e_Y0}。", "range"),
    "cn_numerals": ("公开期限:{s_YC}至{e_MC}。", "range"),
    "cn_numerals_year": ("公示时间：{s_YC}至{e_YC}。", "range"),
    "next_line": ("公开期限:\n{s_Y}至{e_M}\n", "range"),
    "next_line_bare": ("公示时间\n{s_Y}—{e_Y}\n", "range"),
    "wave_dash": ("公开期限:{s_Y}〜{e_Y}。", "range"),
    "fullwidth_hyphen": ("公开时间：{s_Y}－{e_M}。", "range"),
    "qi_zhi": ("公示期:{s_Y}起,{e_Y}止。", "range"),
    "cong_dao": ("监督时间从{s_Y}到{e_Y}。", "range"),
    "iso": ("反馈时间:{s_ISO}至{e_ISO}。", "range"),
    "dotted": ("公开期限:{s_DOT}-{e_dot}。", "range"),
    "weekday": ("公开期限:{s_Y}({s_W})至{e_M}({e_W})。", "range"),
    "unlabelled": ("欢迎广大干部群众于{s_Y}至{e_M}期间通过以下方式反映意见建议。", "range"),
    "label_after": ("{s_Y}至{e_M}为公示期。", "range"),
    "deadline_qingyu": ("如有意见建议,请于{e_Y}前反映。", "deadline"),
    "shouli_jiezhi": ("受理意见建议时间截止到{e_Y}。", "deadline"),
    "jiezhi_shijian": ("意见建议反馈截止时间为{e_Y}。", "deadline"),
    "deadline_cn": ("请于{e_YC}前通过以下方式反映。", "deadline"),
    "working_days": ("公示期为{n}个工作日。", "workdays"),
    "working_days_cn": ("自公布之日起{n_cn}个工作日内,如有意见建议,请及时反映。", "workdays"),
    "days_cn": ("公示期为{days_cn}天。", "days"),
    "month": ("公示期为一个月。", "month"),
    "none": ("", "none"),
    # an inspection announcement's window (replica.announcements)
    "shouli_xinfang": ("受理信访时间截止到{e_Y}。", "deadline"),
    "xunshizu_shouli": ("巡视组受理来信来电来访的时间截止至{e_Y}。", "deadline"),
}
# The seed's form dominates, as on the real column; about one in ten has none.
PERIOD_WEIGHTS = {name: 1 for name in PERIOD_PHRASINGS} | {
    "seed": 12, "none": 3, "shouli_xinfang": 0, "xunshizu_shouli": 0,
}  # fmt: skip
# Phrasings that print a start and an end (a changed period can be written in them).
PRINTS_BOTH = frozenset(n for n, (_, shape) in PERIOD_PHRASINGS.items() if shape == "range")
# Working days to comment for a window of so many calendar days.
WORKING_DAYS = {30: 15, 20: 10, 15: 10, 10: 5}

FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def period_sentence(phrasing: str, start: date, end: date) -> PeriodSpec:
    """The publicity-period sentence for ``start``..``end`` (inclusive) in ``phrasing``.

    For the counted shapes ``end`` must be the one the count means (``period_end``).
    """
    template, shape = PERIOD_PHRASINGS[phrasing]
    if shape == "none":
        return PeriodSpec("none", "", None, None)
    days = (end - start).days + 1
    values = {f"s_{k}": v for k, v in date_forms(start).items()}
    values |= {f"e_{k}": v for k, v in date_forms(end).items()}
    n = _working_days_between(start, end) if shape == "workdays" else 0
    values |= {"days": days, "days_cn": cn_count(days) if days < 100 else days, "n": n,
               "n_cn": cn_count(n) if 0 < n < 100 else n}  # fmt: skip
    text = template.format(**values)
    if phrasing == "fullwidth_digits":
        text = text.translate(FULLWIDTH_DIGITS)
    return PeriodSpec(phrasing, text, start, end)


def period_end(phrasing: str, start: date, days: int) -> date | None:
    """The true end of a window from ``start`` of about ``days`` days in ``phrasing``'s shape;
    None when it cannot be known (working days past the calendar's years)."""
    shape = PERIOD_PHRASINGS[phrasing][1]
    if shape == "workdays":
        return nth_working_day(start, WORKING_DAYS[days])
    if shape == "month":
        return month_later(start)
    return start + timedelta(days=days - 1)


def pick_period(rng: random.Random, published: date) -> PeriodSpec:
    """A period starting on the publication day, 10 to 30 days long, in a random phrasing."""
    phrasing = rng.choices(list(PERIOD_WEIGHTS), weights=list(PERIOD_WEIGHTS.values()))[0]
    days = rng.choice((30, 30, 30, 15, 10, 20))
    end = period_end(phrasing, published, days)
    if end is None:  # the official calendar of those days is not published yet
        phrasing, end = "seed", period_end("seed", published, days)
    return period_sentence(phrasing, published, end)


def _working_days_between(start: date, end: date) -> int:
    """How many working days ``start``..``end`` holds, ``end`` being one of them."""
    n = 1
    while nth_working_day(start, n) not in (end, None):
        n += 1
    return n


CONTACT_PHRASINGS: dict[str, str] = {
    "seed": "联系电话:{phone};邮政邮箱:{address},邮政编码{postcode};电子邮箱:{email}。",
    "fullwidth": "联系电话：{phone}；邮政信箱：{address}（邮编：{postcode}）；电子信箱：{email}。",
    "two_each": "联系电话:{phone_paren}、{phone2};电子邮箱:{email}、{email2}。",
    "empty_label": "值班电话:,电子邮箱:{email}。",
    "office_hours": "联系电话:{phone}(工作日8:30-12:00、14:30-17:30)。",
    # other wordings
    "several_phones": "联系电话:{phone}、{phone2}、{phone3}。",
    "extension": "联系电话:{phone_number}转{phone_ext};电子邮箱:{email}。",
    "fullwidth_at": "联系电话:{phone};电子邮箱:{email_fw}。",
    "at_word": "联系电话:{phone};电子邮箱:{email_at}。",
    "unlabelled": "如有意见建议,请拨打{phone}或发送邮件至{email}反映。",
    "po_box": "来信请寄:{address}(邮编:{postcode});联系电话:{phone}。",
    "multiline": "\n联系电话:{phone}\n电子邮箱:{email}\n通信地址:{address}\n邮政编码:{postcode}",
}
# Which values each phrasing prints (the rest a parser must leave empty).
CONTACT_FIELDS: dict[str, tuple[int, int, bool]] = {  # phones, emails, postal
    "seed": (1, 1, True),
    "fullwidth": (1, 1, True),
    "two_each": (2, 2, False),
    "empty_label": (0, 1, False),
    "office_hours": (1, 0, False),
    "several_phones": (3, 0, False),
    "extension": (1, 1, False),
    "fullwidth_at": (1, 1, False),
    "at_word": (1, 1, False),
    "unlabelled": (1, 1, False),
    "po_box": (1, 0, True),
    "multiline": (1, 1, True),
}
CONTACT_WEIGHTS = {name: 1 for name in CONTACT_PHRASINGS} | {
    "seed": 10, "fullwidth": 4, "two_each": 3, "office_hours": 2,
}  # fmt: skip


def contacts_sentence(
    phrasing: str,
    phones: tuple[str, ...],
    emails: tuple[str, ...],
    postcode: str | None = None,
    address: str | None = None,
) -> ContactsSpec:
    """The contact sentence in ``phrasing``; phones are given as ``0756-7263766`` (an
    extension as ``0756-7263766-8012``), emails as ``user@domain``."""
    n_phones, n_emails, postal = CONTACT_FIELDS[phrasing]
    phones, emails = phones[:n_phones], emails[:n_emails]
    if not postal:
        postcode = address = None
    values = dict.fromkeys(
        ("phone", "phone2", "phone3", "phone_paren", "phone_number", "phone_ext", "email",
         "email2", "email_fw", "email_at"), "")  # fmt: skip
    values |= {"postcode": postcode, "address": address}
    for i, phone in enumerate(phones):
        values["phone" if i == 0 else f"phone{i + 1}"] = phone
    if phones:
        area, _, local = phones[0].partition("-")
        values.update(phone_paren=f"({area}){local}")
        number, _, ext = phones[0].rpartition("-")
        values.update(phone_number=number, phone_ext=ext)
    if emails:
        user, _, domain = emails[0].partition("@")
        values.update(email=emails[0], email_fw=f"{user}＠{domain}", email_at=f"{user}(at){domain}")
    if len(emails) > 1:
        values["email2"] = emails[1]
    text = CONTACT_PHRASINGS[phrasing].format(**values)
    return ContactsSpec(phrasing, text, tuple(phones), tuple(emails), postcode, address)


STREETS = ("人民路", "府前路", "东风中路", "解放路", "建设大道", "中山路", "文明路", "新华路")


def pick_contacts(rng: random.Random, issuer: Issuer) -> ContactsSpec:
    """Contacts for ``issuer`` in a random phrasing: its area code, postcode and domain."""
    phrasing = rng.choices(list(CONTACT_WEIGHTS), weights=list(CONTACT_WEIGHTS.values()))[0]
    digits = 8 if issuer.area_code in ("020", "0755", "0757", "0769", "0760") else 7
    local = str(rng.randrange(2, 9)) + "".join(str(rng.randrange(10)) for _ in range(digits - 1))
    mobile = "13" + "".join(str(rng.randrange(10)) for _ in range(9))
    user = rng.choice(("xszg", "xszgb", "zgb", "xszgban"))
    emails = (
        f"{user}{rng.randrange(1, 300)}@{issuer.domain}",
        f"jwxszg{rng.randrange(10, 99)}@163.com",
    )
    address = f"{issuer.city}{rng.choice(STREETS)}{rng.randrange(1, 400)}号"
    landline = f"{issuer.area_code}-{local}"
    phones = (landline, mobile)
    if phrasing == "several_phones":  # a second line of the same office
        phones = (landline, f"{issuer.area_code}-{int(local) + 1}", mobile)
    elif phrasing == "extension":
        phones = (f"{landline}-{8000 + int(local[-3:])}",)
    elif phrasing == "po_box":
        address = f"{issuer.city}{int(local[-4:]) % 3000 + 1}号邮政信箱"
    return contacts_sentence(phrasing, phones, emails, issuer.postcode, address)
