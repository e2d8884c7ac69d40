"""A feedback announcement of the 巡视反馈 column: "省委第N巡视组向XX反馈巡视情况".

In the real wording (shared ``phrases/inspection.jsonl``, kinds
``xunshi_feedback`` and ``xunshi_round_units``): the day the groups gave their
feedback and to which units (one batch of ``replica.rounds``: several groups
and units in one lead sentence, the day in one of several forms, or only
近日), who conveyed what, the problems found, what the unit must do and by
when (the report to the inspection office within two months, rule 2015 art.
27), and that the progress will be made public. Signed by the inspection office.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from replica.model import NoticeSpec, PeriodSpec
from replica.phrases import pick_contacts
from replica.rounds import batch_sentence

if TYPE_CHECKING:
    from replica.generator import Listing
    from replica.issuers import Issuer
    from replica.rounds import Batch

FEEDBACK = "inspection_feedback"  # NoticeSpec.kind of a feedback announcement
OFFICE = "中共广东省委巡视工作领导小组办公室"
CN = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
PROBLEMS = (
    "学习贯彻习近平新时代中国特色社会主义思想有差距,贯彻落实党中央决策部署和省委工作要求不够到位",
    "落实全面从严治党主体责任不够有力,“一岗双责”履行不到位,纠治“四风”不够彻底",
    "领导班子建设有短板,选人用人把关不严,基层党组织建设存在薄弱环节",
    "重点领域廉洁风险防控不到位,工程项目、资金管理等方面存在廉洁风险",
    "上一轮巡视反馈问题整改不够到位,长效机制建设有待加强",
)
DEMANDS = (
    "{short}要切实提高政治站位,把巡视整改作为重要政治任务,主要负责人要履行第一责任人职责,"
    "一体推进整改落实、深化改革、完善制度、促进发展。",
    "对巡视移交的问题线索,要按照有关规定认真分类处置。",
    "要在2个月内将整改情况报告和主要负责人组织落实情况报告报送省委巡视工作领导小组办公室,"
    "巡视整改进展情况要按规定向社会公开,接受党员、干部和人民群众监督。",
)


def feedback_title(group: str, issuer: Issuer) -> str:
    return f"省委第{group}巡视组向{issuer.short}反馈巡视情况"


def write_feedback(listing: Listing, rng: random.Random, batch: Batch) -> NoticeSpec:
    """The announcement ``listing`` stands for: the feedback ``batch`` of ``replica.rounds``
    (its day, each group and its units in one lead sentence), the problems, the demands,
    how to reach the office."""
    issuer = listing.issuer
    paragraphs = [batch_sentence(batch) + "省委巡视工作领导小组办公室有关负责同志传达了省委书记"
                  "听取巡视情况汇报时的讲话精神,对抓好巡视整改提出要求。"]
    found = "".join(f"{CN[k]}是{p};" for k, p in enumerate(rng.sample(PROBLEMS, 3)))
    paragraphs.append(f"巡视组指出,巡视发现的主要问题:{found.rstrip(';')}。")
    paragraphs.extend(d.format(short="被巡视党组织") for d in DEMANDS)
    return NoticeSpec(
        notice_id=listing.notice_id,
        issuer=OFFICE,
        title=listing.title,
        published_at=listing.published_at,
        paragraphs=tuple(paragraphs),
        appeal="如对被巡视党组织巡视整改工作有意见建议,可通过以下方式反映:",
        period=PeriodSpec("none", "", None, None),  # no window: the rectification has it
        contacts=pick_contacts(rng, issuer),
        kind=FEEDBACK,
    )
