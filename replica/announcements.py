"""A document of another kind in the column: an inspection group's announcement.

"省委第三巡视组进驻…开展常规巡视的公告": a round of ``replica.rounds``: the visit in the opening
(never the public's window), what the group takes letters about, and the
window in which it takes them (受理信访时间截止到…: the start is the
publication day). Signed by the group.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from replica.model import INSPECTION, NoticeSpec, cn_date
from replica.phrases import period_sentence, pick_contacts

if TYPE_CHECKING:
    from replica.generator import Listing
    from replica.rounds import Round

GROUP = re.compile(r"省委第(.+?)巡视组")
ANNOUNCEMENT_PHRASINGS = ("shouli_xinfang", "xunshizu_shouli")
SCOPE = (
    "巡视组主要受理反映{short}领导班子及其成员、下一级党组织领导班子主要负责人和重要岗位"
    "领导干部问题的来信来电来访,重点是违反政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律、"
    "生活纪律等方面的举报和反映。根据有关规定,巡视组不受理不属于巡视范围的信访问题,"
    "此类问题按规定由被巡视单位和有关部门认真处理。"
)
APPEAL = "巡视期间,巡视组设专门值班电话和邮政信箱,欢迎广大干部群众反映情况。"


def write_announcement(listing: Listing, rng: random.Random, round_: Round) -> NoticeSpec:
    """The announcement of ``round_`` (``replica.rounds``) that ``listing`` stands for, its
    wording drawn from ``rng``."""
    issuer, published = listing.issuer, listing.published_at.date()
    group = GROUP.search(listing.title).group(1)
    start, end, deadline = round_.stationed_from, round_.stationed_to, round_.letters_until
    opening = (
        f"根据省委统一部署,省委第{group}巡视组于{cn_date(start)}至"
        f"{cn_date(end, year=end.year != start.year)}对{issuer.short}开展常规巡视。"
    )
    phrasing = rng.choice(ANNOUNCEMENT_PHRASINGS)
    return NoticeSpec(
        notice_id=listing.notice_id,
        issuer=f"省委第{group}巡视组",
        title=listing.title,
        published_at=listing.published_at,
        paragraphs=(opening, SCOPE.format(short=issuer.short)),
        appeal=APPEAL,
        period=period_sentence(phrasing, published, deadline),
        contacts=pick_contacts(rng, issuer),
        kind=INSPECTION,
    )
