"""The seed notice (post_202033) and the building blocks taken from it.

The seed is the full text of one real notice (``seeds/seed_202033.txt``, a copy
of ``tests/data/seeds/000_99f024742a5b7e23.txt``). It is served verbatim as
notice 202033, and its sentences and headings are reused to write the
generated notices, with the Jinwan-specific ones left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

from replica.issuers import JINWAN, Issuer
from replica.model import ContactsSpec, NoticeSpec, PeriodSpec

SEED_ID = "202033"
SEED_PUBLISHED_AT = datetime(2024, 9, 26, 11, 0, 0)
SEED_APPEAL = "欢迎广大干部群众对巡视整改落实情况进行监督。如有意见建议,请及时向我们反映。"

# Sentences naming Jinwan's own places and projects would read oddly under
# another issuer's signature, so generation leaves them out.
LOCAL = re.compile(
    "金湾|珠海|横琴|港澳|湾区|高栏|机场|航展|黄立鱼|大林|珠机|鹤港|金海|珠港|广珠|空港|1313|宜居"
)
_ADAPT = re.compile("珠海市金湾区委|金湾区委|金湾区|金湾|区委")


def seed_lines() -> list[str]:
    return (
        resources.files("replica").joinpath("seeds/seed_202033.txt").read_text("utf-8").splitlines()
    )


def is_heading(paragraph: str) -> bool:
    """Headings (一、…, (一)关于…方面, 1.…) are the paragraphs without a closing 。."""
    return not paragraph.endswith("。")


@cache
def seed_notice() -> NoticeSpec:
    """The real notice 202033 exactly as published (its text from the seed file)."""
    lines = seed_lines()
    paragraphs = [line[2:] for line in lines if line.startswith("  ")]
    *body, closing, signature, _date_line = paragraphs
    period_text = "公开期限:2024年9月26日至10月25日。"
    appeal, _, contacts_text = closing.partition(period_text)
    assert appeal == SEED_APPEAL and signature == JINWAN.signature, "seed file changed"
    return NoticeSpec(
        notice_id=SEED_ID,
        issuer=signature,
        title=JINWAN.title,
        published_at=SEED_PUBLISHED_AT,
        paragraphs=tuple(body),
        appeal=appeal,
        period=PeriodSpec(
            "seed", period_text, SEED_PUBLISHED_AT.date(), datetime(2024, 10, 25).date()
        ),
        contacts=ContactsSpec(
            "seed",
            contacts_text,
            phones=("0756-7263766",),
            emails=("jwxszgb108@zhuhai.gov.cn",),
            postcode="519090",
            address="珠海市金湾区行政办公中心8号楼108室",
        ),
        headings=frozenset(i for i, p in enumerate(body) if is_heading(p)),
    )


@dataclass(frozen=True)
class Corpus:
    """Pieces of the seed that generation recombines."""

    duty_intro: str  # the paragraph under 一、…主体责任情况
    duty_points: tuple[str, ...]  # its (一)(二)(三) run-in paragraphs, numbering removed
    task_headings: tuple[str, ...]  # 1.… headings of section 二
    topics: tuple[str, ...]  # the X of 一是X。
    sentences: tuple[str, ...]  # sentences of section 二, each ending with 。
    outlook_intro: str  # the paragraph under 三、下一步工作打算
    outlook_points: tuple[str, ...]


RUN_IN = re.compile(r"^(\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+是)")
NUMBERED = re.compile(r"^\d+\.")


@cache
def corpus() -> Corpus:
    """Split the seed's body into sections and collect the reusable pieces."""
    body = seed_notice().paragraphs
    sections: list[list[str]] = []
    for paragraph in body[1:]:
        if re.match("^[一二三]、", paragraph):
            sections.append([])
        else:
            sections[-1].append(paragraph)
    duty, tasks, outlook = sections
    topics, sentences, headings = [], [], []
    for paragraph in tasks:
        if is_heading(paragraph):
            if NUMBERED.match(paragraph) and not LOCAL.search(paragraph):
                headings.append(NUMBERED.sub("", paragraph))
            continue
        parts = [s + "。" for s in paragraph.split("。") if s]
        if RUN_IN.match(parts[0]):
            topic = RUN_IN.sub("", parts.pop(0))[:-1]
            if not LOCAL.search(topic):
                topics.append(topic)
        sentences.extend(s for s in parts if not LOCAL.search(s))
    return Corpus(
        duty_intro=duty[0],
        duty_points=tuple(RUN_IN.sub("", p) for p in duty[1:]),
        task_headings=tuple(headings),
        topics=tuple(topics),
        sentences=tuple(sentences),
        outlook_intro=outlook[0],
        outlook_points=tuple(RUN_IN.sub("", p) for p in outlook[1:] if not LOCAL.search(p)),
    )


def adapt(text: str, issuer: Issuer) -> str:
    """Seed text rewritten for ``issuer``: 金湾区委 becomes its name, 区委 its leading body."""
    names = {
        "珠海市金湾区委": issuer.short,
        "金湾区委": issuer.short,
        "金湾区": issuer.place,
        "金湾": issuer.place,
        "区委": issuer.body,
    }
    return _ADAPT.sub(lambda m: names[m.group()], text)
