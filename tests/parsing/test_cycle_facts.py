"""What each document says for the inspection cycle (crawler/parsing/cycle.py): one fact per unit,
its key whatever the name variant, its dates read or named as gaps, never guessed. Hypothesis
writes the documents as the replica's rounds do (replica/rounds.py): every date form of a
feedback batch, traditional script, the city dropped, every name of a stationed unit."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.vocabulary import DocumentKind
from crawler.parsing.cycle import cycle_facts
from crawler.parsing.model import Inspection
from replica.issuers import ISSUERS
from replica.rounds import CN_GROUPS, FEEDBACK_FORMS, LATELY, Batch, Round, batch_sentence
from replica.rounds import stationing_name as name_of

DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2032, 12, 31))


@st.composite
def rounds(draw, day: date) -> Round:
    start = day - timedelta(days=draw(st.integers(90, 200)))
    end = start + timedelta(days=draw(st.integers(55, 85)))
    return Round(draw(st.sampled_from(ISSUERS)), 0, draw(st.sampled_from(CN_GROUPS)), start,
                 end, end - timedelta(days=5), day)


@st.composite
def batches(draw) -> Batch:
    day = draw(DAYS)
    found = draw(st.lists(rounds(day), min_size=1, max_size=6,
                          unique_by=lambda r: r.unit.short))
    found.sort(key=lambda r: r.group_name)
    return Batch(day, tuple(found), draw(st.sampled_from(FEEDBACK_FORMS)), draw(st.booleans()))


@given(batches(), st.integers(0, 3))
def test_a_feedback_batch_gives_each_unit_its_day_or_a_gap(batch, late) -> None:
    text = batch_sentence(batch) + "巡视组指出,巡视发现的主要问题。"
    facts = cycle_facts(DocumentKind.FEEDBACK, "", text, Inspection(), None,
                        batch.day + timedelta(days=late))
    assert sorted(f.unit_key for f in facts) == sorted(r.unit_key for r in batch.rounds)
    for fact in facts:
        (written,) = [r for r in batch.rounds if r.unit_key == fact.unit_key]
        assert fact.group == written.group_name
        if batch.form == LATELY:  # 近日: no day, a gap, never the publication date
            assert fact.feedback_on is None and fact.gaps == (("feedback_on", "relative"),)
        else:
            assert fact.feedback_on == batch.day and fact.gaps == ()


@given(st.sampled_from(ISSUERS), st.randoms(use_true_random=False), DAYS)
def test_a_stationed_unit_keys_alike_whatever_name_the_title_gives(unit, rng, start) -> None:
    name = name_of(rng, unit)
    end, letters = start + timedelta(days=70), start + timedelta(days=64)
    body = (f"根据省委统一部署,省委第三巡视组于{start.year}年{start.month}月{start.day}日至"
            f"{end.year}年{end.month}月{end.day}日对{unit.short}开展常规巡视。"
            f"巡视组受理信访时间截止到{letters.year}年{letters.month}月{letters.day}日。")
    (fact,) = cycle_facts(DocumentKind.INSPECTION, f"省委第三巡视组进驻{name}开展常规巡视的公告",
                          body, Inspection(), None, start - timedelta(days=2))
    assert fact.unit_key == unit.short
    assert (fact.stationed_from, fact.stationed_to, fact.letters_until) == (start, end, letters)
    assert fact.group == "省委第三巡视组"


def test_a_stationing_without_its_deadline_names_the_gap() -> None:
    title = "省委第三巡视组进驻汕头市南澳县委开展常规巡视的公告"
    body = "根据省委统一部署,省委第三巡视组于2023年4月10日至7月10日对汕头市南澳县委开展常规巡视。"
    (fact,) = cycle_facts(DocumentKind.INSPECTION, title, body, Inspection(), None,
                          date(2023, 4, 8))
    assert fact.letters_until is None and fact.gaps == (("letters_until", "missing"),)
    assert (fact.unit_key, fact.region) == ("汕头市南澳县委", "汕头市")


def test_a_progress_notice_is_its_opening_else_its_signature() -> None:
    opening = Inspection(group="省委第十一巡视组", start=date(2023, 4, 24),
                         end=date(2023, 7, 26), feedback_on=date(2023, 10, 26),
                         unit="中共珠海市金湾区委")
    (fact,) = cycle_facts(DocumentKind.RECTIFICATION, "", "", opening, "中共珠海市金湾区委",
                          date(2024, 9, 26))
    assert (fact.unit_key, fact.feedback_on, fact.gaps) == ("珠海市金湾区委", date(2023, 10, 26),
                                                            ())
    (signed,) = cycle_facts(DocumentKind.RECTIFICATION, "", "", Inspection(),
                            "中共广东省科技厅党组", None)
    assert signed.unit_key == "省科技厅党组" and signed.gaps == (("feedback_on", "missing"),)
    assert cycle_facts(DocumentKind.OTHER, "t", "b", opening, None, None) == ()
