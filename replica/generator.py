"""Deterministic notices for a seed: a cheap catalogue up front, text on demand.

``build_catalog`` makes one ``Listing`` per notice (id, date, issuer): enough
for the list pages, and fast for 20,000. ``write_notice`` writes a notice's
full text from its listing the first time its article is asked for; each
notice has its own random stream, so its text does not depend on which others
were written before it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from replica.announcements import write_announcement
from replica.corpus import SEED_APPEAL, SEED_ID, SEED_PUBLISHED_AT, adapt, corpus, seed_notice
from replica.issuers import ISSUERS, JINWAN, Issuer
from replica.model import INSPECTION, RECTIFICATION, AttachmentSpec, NoticeSpec, cn_date
from replica.phrases import pick_contacts, pick_period
from replica.rounds import Round, plan

DEFAULT_TODAY = date(2026, 11, 26)
SPAN_DAYS = 3 * 365  # the generated column reaches about three years back
OTHER_KIND_SHARE = 0.03  # documents that are no rectification notice
CN = (
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
)
ATTACHMENT_LABELS = ("巡视整改任务清单", "巡视反馈问题整改落实情况表", "整改进展情况一览表")


@dataclass(frozen=True)
class Listing:
    """What the list page shows of a notice, and what its text is written from."""

    notice_id: str
    published_at: datetime  # local time, naive
    issuer: Issuer
    title: str
    has_attachment: bool = False
    kind: str = RECTIFICATION  # now and then the column carries another kind of document


def notice_rng(seed: int, key: str) -> random.Random:
    """A random stream for one purpose; string seeding is stable across runs and hash seeds."""
    return random.Random(f"zgwatch-replica:{seed}:{key}")


def build_catalog(notices: int, seed: int, today: date = DEFAULT_TODAY) -> list[Listing]:
    """``notices`` listings, newest first, the seed notice 202033 among them.

    Dates walk back from ``today`` with gaps that spread the whole column over
    about three years; ids grow with the date, 202033 being the seed's.
    """
    if notices < 1:
        return []
    rng = notice_rng(seed, "catalog")
    mean_gap = SPAN_DAYS / notices
    newest = today - timedelta(days=rng.randrange(0, 3))
    back = 0.0  # days before the newest: a float, so gaps under a day add up (20,000 notices)
    drafts: list[tuple[datetime, bool, Issuer, bool]] = []  # at, is the seed, issuer, attachment
    for _ in range(notices - 1):
        minute = rng.randrange(8 * 60 + 30, 18 * 60)
        day = newest - timedelta(days=int(back))
        at = datetime.combine(day, time(minute // 60, minute % 60))
        drafts.append((at, False, rng.choice(ISSUERS), rng.random() < 0.15))
        back += rng.expovariate(1 / mean_gap)
    drafts.append((SEED_PUBLISHED_AT, True, JINWAN, False))
    drafts.sort(key=lambda d: d[:2])
    at_seed = next(i for i, d in enumerate(drafts) if d[1])
    ids = [0] * len(drafts)
    ids[at_seed] = int(SEED_ID)
    for i in range(at_seed - 1, -1, -1):  # older than the seed: smaller ids
        ids[i] = ids[i + 1] - rng.randrange(1, 6)
    for i in range(at_seed + 1, len(drafts)):
        ids[i] = ids[i - 1] + rng.randrange(1, 6)
    listings = [
        _listing(str(n), at, issuer, att, seed, is_seed)
        for n, (at, is_seed, issuer, att) in zip(ids, drafts, strict=True)
    ]
    return listings[::-1]


def _listing(
    notice_id: str, at: datetime, issuer: Issuer, attachment: bool, seed: int, is_seed: bool
) -> Listing:
    """A rectification notice, or now and then (``OTHER_KIND_SHARE``) an inspection
    announcement (of the first round still taking letters a week later, whichever its
    unit); decided on a stream of its own, so the catalogue's draws stay put."""
    rng = notice_rng(seed, f"kind:{notice_id}")
    if is_seed or rng.random() >= OTHER_KIND_SHARE:
        return Listing(notice_id, at, issuer, issuer.title, attachment)
    rng.choice(CN[:12])  # the group was drawn here before rounds were planned
    round_ = plan(seed).open_on(at.date())  # a round still taking letters: its unit
    title = f"{round_.group_name}进驻{round_.unit.short}开展常规巡视的公告"
    return Listing(notice_id, at, round_.unit, title, False, INSPECTION)


def write_notice(listing: Listing, seed: int) -> NoticeSpec:
    """The full text of ``listing``'s notice (the real text for the seed notice)."""
    if listing.notice_id == SEED_ID and listing.published_at == SEED_PUBLISHED_AT:
        return seed_notice()
    rng = notice_rng(seed, f"notice:{listing.notice_id}")
    if listing.kind == INSPECTION:
        round_ = plan(seed).round_near(listing.issuer, listing.published_at.date())
        return write_announcement(listing, rng, round_)
    issuer, published = listing.issuer, listing.published_at.date()
    paragraphs, headings = _body(rng, plan(seed).round_before(issuer, published))
    attachments = ()
    if listing.has_attachment:
        label = rng.choice(ATTACHMENT_LABELS)
        attachments = (
            AttachmentSpec(attachment_name(listing, rng.randrange(10_000)), f"附件:{label}.pdf"),
        )
    return NoticeSpec(
        notice_id=listing.notice_id,
        issuer=issuer.signature,
        title=listing.title,
        published_at=listing.published_at,
        paragraphs=tuple(paragraphs),
        appeal=SEED_APPEAL,
        period=pick_period(rng, published),
        contacts=pick_contacts(rng, issuer),
        attachments=attachments,
        headings=frozenset(headings),
    )


def attachment_name(listing: Listing, serial: int) -> str:
    """A platform-style file name, P0<yyyymmdd><8-digit notice id><4 digits>.pdf.

    The notice id inside the name lets the server find the notice from the URL.
    """
    return f"P0{listing.published_at:%Y%m%d}{int(listing.notice_id):08d}{serial:04d}.pdf"


def attachment_notice_id(filename: str) -> str | None:
    """The notice id inside an ``attachment_name``, or None for any other name."""
    if len(filename) == 26 and filename.startswith("P0") and filename.endswith(".pdf"):
        digits = filename[10:18]
        return str(int(digits)) if digits.isdigit() else None
    return None


def _opening(rng: random.Random, round_: Round) -> str:
    """The first paragraph: the round the notice reports on (``replica.rounds``), restated."""
    for low, high in ((60, 330), (30, 100), (45, 95)):
        rng.randrange(low, high)  # draws that dated the round before rounds were planned:
    kind = rng.choice(("常规巡视", "常规巡视", "常规巡视", "专项巡视"))  # kept, so every
    rng.choice(CN)  # notice's body reads on as it did
    start, end, issuer = round_.stationed_from, round_.stationed_to, round_.unit
    return (
        f"根据省委统一部署,{cn_date(start)}至{cn_date(end, year=end.year != start.year)},"
        f"{round_.group_name}对{issuer.short}开展了{kind}。"
        f"{cn_date(round_.feedback_on)},省委巡视组向{issuer.short}反馈了巡视意见。"
        "按照巡视工作有关要求,现将巡视整改进展情况予以公布。"
    )


def _body(rng: random.Random, round_: Round) -> tuple[list[str], list[int]]:
    """The seed's three sections, recombined: duty, tasks, outlook."""
    c = corpus()
    issuer = round_.unit
    out: list[str] = [_opening(rng, round_)]
    headings: list[int] = []

    def heading(text: str) -> None:
        headings.append(len(out))
        out.append(text)

    heading(f"一、{issuer.body}履行巡视整改主体责任情况")
    out.append(adapt(c.duty_intro, issuer))
    for n, point in enumerate(rng.sample(c.duty_points, rng.randrange(2, 4))):
        out.append(f"({CN[n]}){adapt(point, issuer)}")
    heading("二、巡视整改任务落实情况")
    for n, area in enumerate(rng.sample(AREAS, rng.randrange(1, 5))):
        heading(f"({CN[n]}){area}")
        for m, task in enumerate(rng.sample(c.task_headings, rng.randrange(1, 4)), start=1):
            heading(f"{m}.{task}")
            if rng.random() < 0.25:
                out.append(adapt("".join(rng.sample(c.sentences, rng.randrange(2, 5))), issuer))
                continue
            for k, topic in enumerate(rng.sample(c.topics, rng.randrange(1, 4))):
                text = f"{CN[k]}是{topic}。" + "".join(rng.sample(c.sentences, rng.randrange(1, 5)))
                out.append(adapt(text, issuer))
    heading("三、下一步工作打算")
    out.append(adapt(c.outlook_intro, issuer))
    for n, point in enumerate(rng.sample(c.outlook_points, rng.randrange(1, 4))):
        out.append(f"({CN[n]}){adapt(point, issuer)}")
    return out, headings


# Areas of inspection feedback: the seed's themes without its Jinwan specifics.
AREAS = (
    "关于学习贯彻习近平新时代中国特色社会主义思想,贯彻落实党中央决策部署和省委工作要求方面",
    "关于落实全面从严治党“两个责任”,营造良好政治生态方面",
    "关于贯彻落实新时代党的组织路线,加强领导班子和干部队伍建设方面",
    "关于推动高质量发展,落实“百千万工程”等重大决策部署方面",
    "关于防范化解重大风险,统筹发展和安全方面",
    "关于抓好上一轮巡视反馈问题整改方面",
)
