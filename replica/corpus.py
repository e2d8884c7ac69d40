"""The seed notice (post_202033) and the building blocks taken from it.

The seed is the full text of one real notice (``seeds/seed_202033.txt``, a copy
of ``tests/data/seeds/000_99f024742a5b7e23.txt``). It is served verbatim as
notice 202033, and its sentences and headings are reused to write the
generated notices, with the Jinwan-specific ones left out.

One seed is a narrow vocabulary: the column's notices speak of 形式主义,
政治监督, 纪委书记, 意识形态… that it never names. So ``adapt`` also gives some
paragraphs one sentence of ``WIDER``, sentences in the wording these notices use
across the province (their recurring rectification topics), chosen by a hash of
the paragraph and the issuer: no random draw is added, so every notice keeps the
seed's sentences (and what they find) and gains words that vary by issuer.
"""

from __future__ import annotations

import hashlib
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


# Sentences of the recurring topics of the province's rectification notices, in their
# wording; {body} is the issuer's leading body (区委, 党组, 党委…).
WIDER: tuple[str, ...] = (
    "坚持把政治监督摆在首位，推动党中央决策部署和省委工作要求落地见效。",
    "深入整治形式主义、官僚主义，持续为基层减负。",
    "严格落实中央八项规定及其实施细则精神，坚决纠治违规吃喝、违规收送礼品礼金等问题。",
    "压紧压实意识形态工作责任制，定期分析研判意识形态领域情况。",
    "纪委书记认真履行监督专责，对同级党组织和领导班子成员开展谈心谈话。",
    "{body}主要负责同志认真履行第一责任人职责，亲自部署、亲自督办重点问题整改。",
    "严肃查处群众身边的不正之风和腐败问题，立案审查调查一批违纪违法案件。",
    "聚焦选人用人问题，开展干部档案专项审核，规范干部选拔任用程序。",
    "加强对“一把手”和领导班子的监督，健全权力运行制约机制。",
    "开展基层党组织软弱涣散问题排查整顿，选优配强村（社区）党组织书记。",
    "扎实推进乡村振兴，巩固拓展脱贫攻坚成果。",
    "持续深化“放管服”改革，优化营商环境，着力解决企业反映强烈的问题。",
    "加强国有资产和公共资金监管，开展财务收支专项审计。",
    "规范工程建设项目招投标管理，严防利益输送和围标串标。",
    "落实生态环境保护责任，推进突出环境问题整改，加强河湖长制工作。",
    "抓好安全生产和防灾减灾工作，开展重点行业领域安全隐患排查整治。",
    "完善信访工作机制，推动信访积案化解，切实维护群众合法权益。",
    "加强巡察工作，实现巡察全覆盖，推动巡视巡察上下联动。",
    "健全整改长效机制，新建和完善制度一批，做到以制度管人管事。",
    "开展警示教育，用身边事教育身边人，筑牢拒腐防变思想防线。",
    "对巡视移交的问题线索，逐件建立台账，按规定分类处置。",
    "加强年轻干部教育管理监督，引导年轻干部扣好廉洁从政的“第一粒扣子”。",
    "推动民生实事落地，办好教育、医疗、养老等群众急难愁盼问题。",
    "严格执行民主集中制，完善“三重一大”事项集体决策制度。",
)


def _wider(text: str, issuer: Issuer) -> str:
    """One sentence of ``WIDER`` for about half the paragraphs that end a sentence."""
    if not text.endswith("。"):
        return ""
    pick = int(hashlib.sha256(f"{issuer.org}|{text}".encode()).hexdigest()[:8], 16)
    if pick % 2:
        return ""
    return WIDER[(pick // 2) % len(WIDER)].replace("{body}", issuer.body)


def adapt(text: str, issuer: Issuer) -> str:
    """Seed text rewritten for ``issuer``: 金湾区委 becomes its name, 区委 its leading body;
    some paragraphs gain a sentence of the province's wider wording (``WIDER``)."""
    names = {
        "珠海市金湾区委": issuer.short,
        "金湾区委": issuer.short,
        "金湾区": issuer.place,
        "金湾": issuer.place,
        "区委": issuer.body,
    }
    return _ADAPT.sub(lambda m: names[m.group()], text) + _wider(text, issuer)
