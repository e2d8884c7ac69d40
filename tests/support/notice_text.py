"""Hypothesis strategies: whole notices whose publicity window is known, or absent.

A generated notice has an opening with the inspection window and the
feedback date, body paragraphs with decoy dates (截至…已完成, a range of work
done), a closing paragraph in random words (appeals, contacts, office hours,
maybe a correction note with dates of its own) and a signature with its date
line. The window, when there is one, is stated in a random form: a range, a
deadline only, a count of days, weeks, months or working days, or a start and
a count; in random date forms (Arabic, zero-padded, Chinese numerals, ISO,
dotted, slashed, full-width, year-less) and separators; behind a random label,
or behind none inside a sentence that invites opinions; sometimes with the
label on one line and the window on the next.

``GeneratedNotice.expected`` is the true (start, end): what a parser must read.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from hypothesis import strategies as st

from replica.wording import cn_count, cn_year

FULLWIDTH = str.maketrans("0123456789:-~.()/", "０１２３４５６７８９：－～．（）／")
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class GeneratedNotice:
    title: str
    lines: tuple[str, ...]  # the body as paragraphs, signature and date line included
    published_on: date
    expected: tuple[date | None, date | None]

    @property
    def html(self) -> bytes:
        body = "".join(f"<p>{html.escape(line)}</p>" for line in self.lines)
        return (
            "<html><head><title>通报</title></head><body>"
            '<div>所在位置:<a href="/">首页</a> &gt; <a href="../">整改落实</a></div>'
            f"<h1>{html.escape(self.title)}</h1>"
            f"<div>来源:南粤清风网 日期:{self.published_on.isoformat()} 10:00:00</div>"
            f"<div>{body}</div></body></html>"
        ).encode()


# -- dates in every form ---------------------------------------------------------------------


def cn_date(day: date, year: bool, zero: str = "〇") -> str:
    y = cn_year(day.year).replace("〇", zero) + "年" if year else ""
    return f"{y}{cn_count(day.month)}月{cn_count(day.day)}日"


def render(day: date, form: str, *, year: bool = True, weekday: bool = False) -> str:
    """``day`` in ``form``: Y (年月日), Y0 (zero-padded), C/C零/C○ (Chinese numerals),
    ISO, DOT, SLASH; without the year where the form has a year-less variant."""
    if form in ("Y", "Y0"):
        fmt = "{m:02d}月{d:02d}日" if form == "Y0" else "{m}月{d}日"
        text = (f"{day.year}年" if year else "") + fmt.format(m=day.month, d=day.day)
        return text + (f"(星期{WEEKDAYS[day.weekday()]})" if weekday else "")
    if form.startswith("C"):
        return cn_date(day, year, form[1:] or "〇")
    if form == "ISO":
        return day.isoformat()
    sep = "." if form == "DOT" else "/"
    return (f"{day.year}{sep}" if year else "") + f"{day.month}{sep}{day.day}"


DATE_FORMS = ("Y", "Y", "Y0", "C", "C零", "C○", "ISO", "DOT", "SLASH")
# Year-less ends exist for these forms (ISO has none).
YEARLESS_END = {"Y", "Y0", "C", "C零", "C○", "DOT", "SLASH"}
SEPARATORS = ("至", "到", "—", "——", "-", "~", "〜", "～", "－", "起至", "起到", " 至 ")
LABELS = (
    "公开期限", "公示期", "公示期限", "公开时间", "公示时间", "公开期", "意见反映时间", "反馈时间",
    "意见反馈时间", "受理时间", "征求意见时间", "监督时间", "受理信访时间", "意见建议反馈时间",
)  # fmt: skip
CONNECTORS = (":", "：", "为", "为:", "", "是")
DEADLINE_BEFORE = ("截止到", "截至", "截止至", "至", "到", "截止时间为", "截止日期为", "截止于")
DEADLINE_AFTER = ("前", "之前", "止", "为止", "以前")


def working_day_end(start: date, n: int) -> date:
    """The oracle: the n-th working day from start inclusive (weekdays past the calendar)."""
    day, seen = start, 0
    while True:
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            working = day.weekday() < 5
        if working:
            seen += 1
            if seen == n:
                return day
        day += timedelta(days=1)


def month_end(start: date, months: int) -> date:
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    for d in (start.day, 30, 29, 28):
        try:
            return date(year, month, d) - timedelta(days=1)
        except ValueError:
            continue
    raise AssertionError


# -- the window statement ------------------------------------------------------------------------


@st.composite
def range_text(draw, start: date, end: date) -> str:
    form = draw(st.sampled_from(DATE_FORMS))
    sep = draw(st.sampled_from(SEPARATORS))
    if form.startswith("C") or form == "ISO":
        sep = draw(st.sampled_from(("至", "到", "—", "~", "起至")))
    end_year = form not in YEARLESS_END or draw(st.booleans())
    weekday = form in ("Y", "Y0") and draw(st.booleans())
    s = render(start, form, weekday=weekday)
    e = render(end, form, year=end_year, weekday=weekday)
    wrap = draw(st.sampled_from(("", "自…止", "从", "…止", "起止")))
    if wrap == "自…止":
        return f"自{s}起至{e}止"
    if wrap == "从":
        return f"从{s}到{e}"
    if wrap == "…止":
        return f"{s}{sep}{e}止"
    if wrap == "起止":
        return f"{s}起,{e}止"
    return f"{s}{sep}{e}"


@st.composite
def deadline_text(draw, end: date) -> str:
    form = draw(st.sampled_from(DATE_FORMS))
    # a year-less deadline is written 10月25日, never 10.25
    year = form in ("ISO", "DOT", "SLASH") or draw(st.sampled_from((True, True, False)))
    e = render(end, form, year=year)
    if draw(st.booleans()):
        clock = draw(st.sampled_from(("", "17:00", " 17:30", "下午5时", "18时")))
        if form in ("ISO", "DOT", "SLASH") and clock[:1].isdigit():
            clock = f" {clock}"  # 2005-01-0517:00 reads as no date to a person either
        return f"{draw(st.sampled_from(DEADLINE_BEFORE))}{e}{clock}"
    return f"{e}{draw(st.sampled_from(DEADLINE_AFTER))}"


@st.composite
def count_text(draw, published: date) -> tuple[str, date]:
    """A count and the end it means from ``published``."""
    unit = draw(st.sampled_from(("天", "日", "自然日", "个工作日", "工作日", "周", "个月")))
    if unit == "个月":
        n = draw(st.integers(1, 3))
        end = month_end(published, n)
    elif unit == "周":
        n = draw(st.integers(1, 4))
        end = published + timedelta(days=7 * n - 1)
    elif "工作日" in unit:
        n = draw(st.integers(3, 30))
        end = working_day_end(published, n)
    else:
        n = draw(st.integers(5, 60))
        end = published + timedelta(days=n - 1)
    number = cn_count(n) if draw(st.booleans()) else str(n)
    if unit in ("个月", "周") and n == 2 and draw(st.booleans()):
        number = "两"
    return f"{draw(st.sampled_from(('', '为期', '共')))}{number}{unit}", end


APPEALS = (
    "欢迎广大干部群众对巡视整改落实情况进行监督。",
    "如有意见建议,请及时向我们反映。",
    "欢迎社会各界对巡视整改情况进行监督。",
    "广大干部群众如有意见建议,可通过以下方式反映:",
    "对整改落实情况有意见建议的,请通过以下方式反映。",
)
ROLE_RANGE = (
    "欢迎广大干部群众于{w}期间对巡视整改落实情况进行监督。",
    "{w},如有意见建议,请及时向我们反映。",
    "如有意见建议,请在{w}期间反映。",
    "请于{w}期间通过以下方式反映意见建议。",
)
ROLE_DEADLINE = (
    "如有意见建议,请于{w}反映。",
    "请在{w}将意见建议反馈给我们。",
    "欢迎广大干部群众在{w}反映意见建议。",
    "如有意见建议,请于{w}与我们联系。",
)
ROLE_COUNT = (
    "如有意见建议,请在{w}内反映。",
    "自公布之日起{w}内,如有意见建议,请及时向我们反映。",
    "本通报发布之日起{w}内,欢迎广大干部群众反映意见建议。",
)


@st.composite
def statement(draw, published: date) -> tuple[str, date, date]:
    """(the window's statement, true start, true end)."""
    shape = draw(st.sampled_from(("range", "range", "deadline", "count", "start_count")))
    start = published + timedelta(days=draw(st.integers(0, 5)))
    if shape == "range":
        end = start + timedelta(days=draw(st.integers(4, 90)))
        window, truth = draw(range_text(start, end)), (start, end)
    elif shape == "deadline":
        end = published + timedelta(days=draw(st.integers(4, 90)))
        window, truth = draw(deadline_text(end)), (published, end)
        if draw(st.booleans()):  # a role sentence wants 前 after the date
            window = render(end, draw(st.sampled_from(DATE_FORMS))) + "前"
            if not draw(st.booleans()):
                return draw(st.sampled_from(ROLE_DEADLINE)).format(w=window), published, end
    elif shape == "count":
        window, end = draw(count_text(published))
        truth = (published, end)
        if draw(st.booleans()):
            return draw(st.sampled_from(ROLE_COUNT)).format(w=window), published, end
    else:
        text, end = draw(count_text(start))
        window = f"{render(start, draw(st.sampled_from(DATE_FORMS)))}起{text}"
        truth = (start, end)
    if shape == "range" and draw(st.integers(0, 3)) == 0:  # no label: found by role
        return draw(st.sampled_from(ROLE_RANGE)).format(w=window), *truth
    label = draw(st.sampled_from(LABELS))
    if draw(st.integers(0, 4)) == 0:  # the label on one line, the window on the next
        return f"{label}{draw(st.sampled_from((':', '：', '')))}\n{window}\n", *truth
    return f"{label}{draw(st.sampled_from(CONNECTORS))}{window}。", *truth


# -- the rest of the notice ---------------------------------------------------------------------


CONTACTS = (
    "联系电话:0756-7263766。",
    "联系电话:020-83345565(工作日8:30-12:00、14:30-17:30)。",
    "电子邮箱:jwxszgb108@zhuhai.gov.cn。",
    "邮政信箱:广州市越秀区XX路1号,邮编510000。",
    "举报电话:12388。",
    "值班电话:0756-7263766(受理时间为每天8:00-18:00)。",
    "每周一至周五9:00-17:00受理来电,联系电话:0751-8888888。",
)


@st.composite
def correction(draw, published: date) -> str:
    later = published + timedelta(days=draw(st.integers(1, 20)))
    other = later + timedelta(days=draw(st.integers(5, 60)))
    return draw(st.sampled_from((
        f"({render(later, 'Y')}更正:联系电话改为0756-7263799)",
        f"更正说明:原通报中公开期限误写为{render(later, 'Y')}至{render(other, 'Y')},现予更正。",
        f"({render(later, 'Y')}更正:公开期限调整为{render(later, 'Y')}至{render(other, 'Y')}。)",
    )))  # fmt: skip


@st.composite
def opening(draw, published: date) -> str:
    feedback = published - timedelta(days=draw(st.integers(30, 300)))
    end = feedback - timedelta(days=draw(st.integers(20, 90)))
    start = end - timedelta(days=draw(st.integers(30, 90)))
    form = draw(st.sampled_from(("Y", "C", "DOT")))
    window = f"{render(start, form)}至{render(end, form, year=end.year != start.year)}"
    verb = draw(st.sampled_from((
        "省委第十一巡视组对XX区委开展了常规巡视", "省委巡视组对XX区委进行了专项巡视",
        "省委第三巡视组进驻XX区委开展巡视",
    )))  # fmt: skip
    return (
        f"根据省委统一部署,{window},{verb}。{render(feedback, form)},省委巡视组向XX区委"
        "反馈了巡视意见。按照巡视工作有关要求,现将巡视整改进展情况予以公布。"
    )


@st.composite
def body(draw, published: date) -> list[str]:
    day = published - timedelta(days=draw(st.integers(10, 200)))
    later = day + timedelta(days=draw(st.integers(5, 60)))
    decoys = (
        f"截至{render(day, 'Y')},已完成整改任务25项,群众反映的问题均已办结。",
        f"{render(day, 'Y')}至{render(later, 'Y', year=False)},开展专项整治,查处问题12个。",
        "坚持标准不降、力度不减,持续巩固深化巡视整改成果。",
        f"{render(day, 'Y')},区委常委会会议审议通过整改方案。",
    )
    paragraphs = draw(st.lists(st.sampled_from(decoys), min_size=1, max_size=3))
    return ["一、履行巡视整改主体责任情况", *paragraphs, "三、下一步工作打算"]


@st.composite
def notices(draw, with_window: bool = True) -> GeneratedNotice:
    """A whole notice: with a stated window (``expected`` its dates) or with none."""
    published = draw(st.dates(date(2005, 1, 1), date(2030, 12, 1)))
    closing = list(draw(st.lists(st.sampled_from(APPEALS), min_size=1, max_size=3, unique=True)))
    expected: tuple[date | None, date | None] = (None, None)
    if with_window:
        text, start, end = draw(statement(published))
        closing.insert(draw(st.integers(0, len(closing))), text)
        expected = (start, end)
    closing += draw(st.lists(st.sampled_from(CONTACTS), min_size=0, max_size=3, unique=True))
    if draw(st.booleans()):
        closing.append(draw(correction(published)))
    # sentences run on in one paragraph, or stand on lines of their own
    joined = "".join(closing) if draw(st.booleans()) else "\n".join(closing)
    lines = [line for line in joined.split("\n") if line]
    signature = ["中共XX区委", render(published, draw(st.sampled_from(("Y", "C"))))]
    return GeneratedNotice(
        title="中共XX区委关于巡视整改进展情况的通报",
        lines=(draw(opening(published)), *draw(body(published)), *lines, *signature),
        published_on=published,
        expected=expected,
    )
