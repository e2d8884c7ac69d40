"""The province's inspection rounds, one plan for the three columns that tell them.

A round: a group is stationed at a unit (巡视公告), gives it feedback (巡视反馈),
and the unit publishes its rectification progress (整改落实), or never does.
The replica draws the rounds first and writes every column from them, so the
three columns tell one story a reader can link, and the tests know the answer:

- the province inspects in **waves** every ``WAVE_DAYS`` days (one wave starts on
  the seed's 2023-04-24); each unit is inspected once every ``TERM_WAVES`` waves,
  in the wave its offset names (珠海市金湾区委 in the seed's wave, with the seed's
  dates and group); a group takes two of a wave's units, of one city where it can;
- a round's visit lasts 55 to 85 days, its letters deadline is 3 to 8 days
  before the visit ends, its feedback 40 to 80 days after the wave's visits end,
  on one of a few days per wave: the units given feedback on one day are one
  **feedback announcement** (a batch), its date printed in one of ``FEEDBACK_FORMS``
  (a full date, no year, Chinese numerals, a typo seen on real pages, or only
  近日, which states no day), its units named with the city dropped after the
  first of a city (汕头市委、濠江区委), now and then with 中共 or in traditional script;
- a stationing announcement names its unit by its short name, its full name
  (中共…) or its city without 市 (珠海金湾区委);
- a rectification notice of 整改落实 restates its unit's latest round whose
  feedback is at least ``PROGRESS_AFTER_DAYS`` before it (``round_before``);
  every round no notice restates is a unit that never published.

Nothing here is zgwatch's: the replica imports nothing of the product, and what
it knows is the ground truth tests compare zgwatch's relations with.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from replica.issuers import CITIES, ISSUERS, JINWAN, Issuer
from replica.wording import date_forms

WAVE_ZERO = date(2023, 4, 24)  # the seed's round (202033: 2023-04-24 to 07-26, feedback 10-26)
WAVE_DAYS = 120
TERM_WAVES = 9  # a unit's rounds are 9 waves (about three years) apart
WAVES = range(-30, 30)  # 2013 to 2033: every date a column may print
PROGRESS_AFTER_DAYS = 60  # a progress notice comes at least this long after its feedback
CN_GROUPS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
SEED_ROUND = ("十一", date(2023, 4, 24), date(2023, 7, 26), date(2023, 10, 26))
# How a feedback announcement prints its day: the key of replica.wording.date_forms,
# TYPO (2025月7月29日) or LATELY (近日: no day at all).
TYPO, LATELY = "typo", "lately"
FEEDBACK_FORMS = ("Y", "Y", "M", "YC", "MC", TYPO, LATELY)
TRADITIONAL = str.maketrans({"视": "視", "组": "組", "馈": "饋", "况": "況"})


@dataclass(frozen=True)
class Round:
    """One round of one unit: the truth its three columns are written from."""

    unit: Issuer
    wave: int
    group: str  # 十一: 省委第十一巡视组
    stationed_from: date
    stationed_to: date
    letters_until: date
    feedback_on: date

    @property
    def unit_key(self) -> str:
        """The name the unit is known by in every document (its short name)."""
        return self.unit.short

    @property
    def group_name(self) -> str:
        return f"省委第{self.group}巡视组"


@dataclass(frozen=True)
class Batch:
    """A feedback announcement: the rounds given feedback on one day, one date form."""

    day: date
    rounds: tuple[Round, ...]
    form: str  # a FEEDBACK_FORMS entry
    traditional: bool  # the verbs in traditional script (巡視組…反饋)

    @property
    def states_day(self) -> bool:
        """Whether the announcement states the day (近日 does not)."""
        return self.form != LATELY


@dataclass(frozen=True)
class Plan:
    """Every round of every unit for a seed, and the feedback announcements."""

    rounds: tuple[Round, ...]
    batches: tuple[Batch, ...]

    def rounds_of(self, unit: Issuer) -> tuple[Round, ...]:
        return tuple(r for r in self.rounds if r.unit == unit)

    def round_before(self, unit: Issuer, day: date) -> Round:
        """The round a progress notice of ``unit`` published on ``day`` restates; for a unit
        the plan has no such round of (a notice added by hand under a name of its own, or
        before the unit's first round), one off the plan, ending in time for ``day``."""
        due = [r for r in self.rounds_of(unit)
               if r.feedback_on + timedelta(days=PROGRESS_AFTER_DAYS) <= day]
        if due:
            return max(due, key=lambda r: r.stationed_from)
        feedback = day - timedelta(days=PROGRESS_AFTER_DAYS + 30)
        begin = feedback - timedelta(days=140)
        end = begin + timedelta(days=70)
        return Round(unit, (begin - WAVE_ZERO).days // WAVE_DAYS, "一", begin, end,
                     end - timedelta(days=5), feedback)

    def round_near(self, unit: Issuer, day: date) -> Round:
        """The round a stationing announcement of ``unit`` published on ``day`` announces."""
        return min(self.rounds_of(unit), key=lambda r: abs((r.stationed_from - day).days))

    def open_on(self, day: date) -> Round:
        """The first round to start of those still taking letters a week after ``day``."""
        week = day + timedelta(days=7)
        return min((r for r in self.rounds if r.letters_until > week),
                   key=lambda r: (r.stationed_from, r.unit.org))

    def batch_of(self, round_: Round) -> Batch:
        return next(b for b in self.batches if round_ in b.rounds)


@cache
def plan(seed: int) -> Plan:
    """The rounds of ``seed`` (deterministic; the same for every column and ``today``)."""
    rng = random.Random(f"zgwatch-replica:{seed}:rounds")
    offsets = {unit: rng.randrange(TERM_WAVES) for unit in ISSUERS}
    offsets[JINWAN] = 0
    rounds, batches = [], []
    for wave in WAVES:
        units = [u for u in ISSUERS if (wave - offsets[u]) % TERM_WAVES == 0]
        wave_rounds = _wave(rng, wave, units)
        rounds += wave_rounds
        batches += _batches(rng, wave_rounds)
    return Plan(tuple(rounds), tuple(batches))


def _wave(rng: random.Random, wave: int, units: list[Issuer]) -> list[Round]:
    start = WAVE_ZERO + timedelta(days=WAVE_DAYS * wave)
    groups = list(CN_GROUPS)
    rng.shuffle(groups)
    visits = []  # a group takes two units, of one city where it can (汕头市委、潮阳区委)
    for n, unit in enumerate(sorted(units, key=lambda u: (city_of(u) or '', u.org))):
        begin = start + timedelta(days=rng.randrange(0, 3))
        end = begin + timedelta(days=rng.randrange(55, 86))
        visits.append((unit, groups[n // 2 % len(groups)], begin, end))
    last_end = max((v[3] for v in visits), default=start)
    days = [last_end + timedelta(days=rng.randrange(40, 81)) for _ in range(3)]
    group_day = {g: rng.choice(days) for g in groups}  # a group's units on one day
    found = []
    for unit, group, begin, end in visits:
        letters = end - timedelta(days=rng.randrange(3, 9))
        feedback = group_day[group]
        if unit == JINWAN and wave == 0:
            group, begin, end, feedback = SEED_ROUND
            letters = end - timedelta(days=5)
        found.append(Round(unit, wave, group, begin, end, letters, feedback))
    return found


def _batches(rng: random.Random, rounds: list[Round]) -> list[Batch]:
    by_day: dict[date, list[Round]] = {}
    for r in rounds:
        by_day.setdefault(r.feedback_on, []).append(r)
    def order(r: Round) -> tuple:
        return r.group_name, city_of(r.unit) or "", r.unit.org

    return [Batch(day, tuple(sorted(rs, key=order)), rng.choice(FEEDBACK_FORMS),
                  rng.random() < 0.2)
            for day, rs in sorted(by_day.items())]


# -- how the documents name units and print dates ------------------------------------------


def stationing_name(rng: random.Random, unit: Issuer) -> str:
    """The unit as a stationing announcement's title names it: its short name, its full
    name (中共…; not a company's: its full name keys to another unit), or, for a
    district or county, its city without 市 (珠海金湾区委)."""
    forms = [unit.short]
    if unit.body != "集团党委":
        forms.append(f"中共{unit.org}")
    city = city_of(unit)
    if city and unit.body in ("区委", "县委"):
        forms.append(city.removesuffix("市") + unit.short[len(city):])
    return rng.choice(forms)


def batch_sentence(batch: Batch) -> str:
    """The announcement's lead: the day, then each group and its units (the city dropped
    after the first of its units, 汕头市委、濠江区委)."""
    clauses, by_group = [], {}
    for r in batch.rounds:
        by_group.setdefault(r.group_name, []).append(r)
    for group, rs in by_group.items():
        names, city = [], None
        for r in rs:
            own = city_of(r.unit)
            local = own is not None and own == city and r.unit.short != f"{own}委"
            names.append(r.unit.short[len(own):] if local else r.unit.short)
            city = own
        clauses.append(f"{group}向{'、'.join(names)}反馈巡视情况")
    text = f"{feedback_day(batch)},{';'.join(clauses)}。"
    return text.translate(TRADITIONAL) if batch.traditional else text


def city_of(unit: Issuer) -> str | None:
    """The city (汕头市) a unit's short name begins with, if any."""
    return next((f"{c}市" for c in CITIES if unit.short.startswith(f"{c}市")), None)


def feedback_day(batch: Batch) -> str:
    """The batch's day in its form (近日 for LATELY)."""
    if batch.form == LATELY:
        return "近日"
    if batch.form == TYPO:
        d = batch.day
        return f"{d.year}月{d.month}月{d.day}日"
    return date_forms(batch.day)[batch.form]


# -- the ground truth tests read ------------------------------------------------------------


def overdue(rounds: list[Round] | tuple[Round, ...], published: dict[Round, date],
            stated: set[Round], as_of: date, months: int) -> set[Round]:
    """The rounds of ``rounds`` a reader of the columns knows to be overdue on ``as_of``:
    their feedback day is stated (``stated``: by a feedback announcement with a day, or
    restated by a progress notice), no progress notice was published by ``as_of``
    (``published``: a round's first), and ``as_of`` is past feedback + ``months``."""
    return {r for r in rounds
            if r in stated and not (r in published and published[r] <= as_of)
            and as_of > _months_later(r.feedback_on, months)}


def _months_later(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")
