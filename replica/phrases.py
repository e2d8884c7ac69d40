"""How notices word their 公开期限 and contact sentences.

Every phrasing here is a row of ``tests/data/parsing/phrases/periods.jsonl`` or
``contacts.jsonl`` with the values swapped for a notice's own (a test renders
each one with the row's values and finds the row's text), so the generated
column exercises exactly the cases the parser is specified against.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from replica.issuers import Issuer
from replica.model import ContactsSpec, PeriodSpec, cn_date

# name -> format; {s} start with year, {e} end without year, {E} end with
# year, {days} the inclusive count of days.
PERIOD_PHRASINGS: dict[str, str] = {
    "seed": "公开期限:{s}至{e}。",
    "fullwidth_colon": "公开期限：{s}至{e}。",
    "end_year": "公开期限:{s}至{E}。",
    "em_dash": "公开时间:{s}—{e}。",
    "hyphen": "公开时间:{s}-{e}。",
    "tilde": "公开时间:{s}~{e}。",
    "gongshiqi": "公示期:{s}到{e}。",
    "zi_qi_zhi": "公开期限自{s}起至{E}止。",
    "fullwidth_digits": "公开期限：{s}至{e}。",  # digits made full-width below
    "days_and_dates": "公开期限为{days}天({s}至{e})。",
    "days_only": "公开期限为{days}天。",  # start = publication, end derived
    "remark": "公开期限:{s}至{e}(节假日顺延)。",
    "office_hours": "公开期限:{s}至{e},每天8:30至12:00、14:30至17:30受理来电。",
    "none": "",
}
# The seed's form dominates, as on the real column; about one in ten has none.
PERIOD_WEIGHTS = {name: 1 for name in PERIOD_PHRASINGS} | {"seed": 12, "none": 3}

FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def period_sentence(phrasing: str, start: date, end: date) -> PeriodSpec:
    """The publicity-period sentence for ``start``..``end`` (inclusive) in ``phrasing``."""
    if phrasing == "none":
        return PeriodSpec("none", "", None, None)
    days = (end - start).days + 1
    text = PERIOD_PHRASINGS[phrasing].format(
        s=cn_date(start), e=cn_date(end, year=False), E=cn_date(end), days=days
    )
    if phrasing == "fullwidth_digits":
        text = text.translate(FULLWIDTH_DIGITS)
    return PeriodSpec(phrasing, text, start, end)


def pick_period(rng: random.Random, published: date) -> PeriodSpec:
    """A period starting on the publication day, 10 to 30 days long, in a random phrasing."""
    phrasing = rng.choices(list(PERIOD_WEIGHTS), weights=list(PERIOD_WEIGHTS.values()))[0]
    days = rng.choice((30, 30, 30, 15, 10, 20))
    return period_sentence(phrasing, published, published + timedelta(days=days - 1))


CONTACT_PHRASINGS: dict[str, str] = {
    "seed": "联系电话:{phone};邮政邮箱:{address},邮政编码{postcode};电子邮箱:{email}。",
    "fullwidth": "联系电话：{phone}；邮政信箱：{address}（邮编：{postcode}）；电子信箱：{email}。",
    "two_each": "联系电话:{phone_paren}、{phone2};电子邮箱:{email}、{email2}。",
    "empty_label": "值班电话:,电子邮箱:{email}。",
    "office_hours": "联系电话:{phone}(工作日8:30-12:00、14:30-17:30)。",
}
# Which values each phrasing prints (the rest a parser must leave empty).
CONTACT_FIELDS: dict[str, tuple[int, int, bool]] = {  # phones, emails, postal
    "seed": (1, 1, True),
    "fullwidth": (1, 1, True),
    "two_each": (2, 2, False),
    "empty_label": (0, 1, False),
    "office_hours": (1, 0, False),
}
CONTACT_WEIGHTS = {"seed": 10, "fullwidth": 4, "two_each": 3, "empty_label": 1, "office_hours": 2}


def contacts_sentence(
    phrasing: str,
    phones: tuple[str, ...],
    emails: tuple[str, ...],
    postcode: str | None = None,
    address: str | None = None,
) -> ContactsSpec:
    """The contact sentence in ``phrasing``; phones are given as ``0756-7263766``."""
    n_phones, n_emails, postal = CONTACT_FIELDS[phrasing]
    phones, emails = phones[:n_phones], emails[:n_emails]
    if not postal:
        postcode = address = None
    values = dict(
        phone="", phone2="", phone_paren="", email="", email2="", postcode=postcode, address=address
    )
    if phones:
        area, _, local = phones[0].partition("-")
        values.update(phone=phones[0], phone_paren=f"({area}){local}")
    if len(phones) > 1:
        values["phone2"] = phones[1]
    if emails:
        values["email"] = emails[0]
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
    return contacts_sentence(
        phrasing, (f"{issuer.area_code}-{local}", mobile), emails, issuer.postcode, address
    )
