"""Unit names: every variant a text uses keys to the one unit; round lists carry the city."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.hanzi import _TABLE, to_simplified
from core.units import CITIES, PROVINCE, Aliases, city_named, unit_list, unit_name

DATA = Path(__file__).resolve().parents[1] / "data" / "core" / "units.jsonl"
ROWS = [json.loads(line) for line in DATA.read_text("utf-8").splitlines()]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['name']}@{r['city']}" for r in ROWS])
def test_each_variant_keys_to_its_unit(row: dict) -> None:
    unit = unit_name(row["name"], row["city"])
    assert (unit.key, unit.region, unit.short) == (row["key"], row["region"], row["short"])


def test_hand_added_aliases_map_a_name_the_rules_cannot_onto_its_unit() -> None:
    aliases = Aliases(
        [("金湾区委", "中共珠海市金湾区委员会"), ("高栏港区党工委", "珠海市高栏港区党工委")]
    )
    assert unit_name("金湾区委", aliases=aliases).key == "珠海市金湾区委"
    assert unit_name("中共高栏港区党工委", aliases=aliases).key == "珠海市高栏港区党工委"
    assert unit_name("金湾区委").key == "金湾区委"  # without the alias: as printed, no guess
    assert len(aliases) == 2


def test_the_city_a_text_names_first() -> None:
    assert city_named("省委第十一巡视组对珠海市金湾区委开展了常规巡视") == "珠海市"
    assert city_named("对中山大学党委开展巡视") is None


def test_traditional_script_is_folded_one_for_one() -> None:
    text = "中央第三巡視組向中山大學黨委反饋巡視情況"
    assert to_simplified(text) == "中央第三巡视组向中山大学党委反馈巡视情况"
    assert len(to_simplified(text)) == len(text)


# -- properties: generated names in every variant -------------------------------------------

# Syllables of place and body names that are neither places' suffixes nor committees'.
SYLLABLE = st.sampled_from(
    "金湾濠江南澳武东源连平蕉岭陆河阳春西"
    "廉吴信宜高清城潮安饶普宁惠来罗定斗门"
)
# A district's name never begins with a city's (江门东区 would read as 江门市东区).
PLACE = st.text(SYLLABLE, min_size=2, max_size=3).filter(lambda p: not p.startswith(CITIES))
BODY = st.sampled_from(("科技", "教育", "财政", "生态环境", "住房城乡建设", "交通运输", "卫生健康"))
TRAD = str.maketrans("东关区县党组员会厅广阳云门头", "東關區縣黨組員會廳廣陽雲門頭")


@settings(max_examples=300)
@given(city=st.sampled_from(CITIES), place=PLACE, level=st.sampled_from("区县"), data=st.data())
def test_a_district_committee_has_one_key_however_written(city, place, level, data) -> None:
    district = f"{place}{level}"
    written = data.draw(
        st.sampled_from(
            (
                f"中共{city}市{district}委", f"{city}市{district}委",
                f"中共{city}市{district}委员会", f"{city}{district}委",
                f"中共{city}市{district}委".translate(TRAD),
            )
        )
    )  # fmt: skip
    unit = unit_name(written)
    assert (unit.key, unit.region) == (f"{city}市{district}委", f"{city}市")
    in_text = unit_name(f"{district}委", city=data.draw(st.sampled_from((city, f"{city}市"))))
    assert (in_text.key, in_text.region) == (unit.key, unit.region)


@settings(max_examples=300)
@given(body=BODY, kind=st.sampled_from("厅局"), data=st.data())
def test_a_provincial_party_group_has_one_key_however_written(body, kind, data) -> None:
    written = data.draw(
        st.sampled_from(
            (
                f"中共广东省{body}{kind}党组", f"广东省{body}{kind}党组", f"省{body}{kind}党组",
                f"省{body}{kind}", f"中共广东省{body}{kind}党组".translate(TRAD),
            )
        )
    )  # fmt: skip
    unit = unit_name(written, city=data.draw(st.sampled_from((None, "广州市"))))
    assert (unit.key, unit.region) == (f"省{body}{kind}党组", PROVINCE)


@settings(max_examples=300)
@given(
    short=st.text(SYLLABLE, min_size=2, max_size=4),
    quote=st.sampled_from(("{}", "“{}”", "\"{}\"")),
    lead=st.sampled_from(("简称", "以下简称", "下称")),
    parens=st.sampled_from(("()", "（）")),
)
def test_a_short_name_in_parentheses_is_taken_out(short, quote, lead, parens) -> None:
    note = f"{parens[0]}{lead}{quote.format(short)}{parens[1]}"
    unit = unit_name(f"中共广州市南沙新区明珠湾开发建设管理局{note}党组")
    assert unit.short == short
    assert unit.key == "广州市南沙新区明珠湾开发建设管理局党组"


@settings(max_examples=300)
@given(
    groups=st.lists(
        st.tuples(st.sampled_from(CITIES), st.lists(PLACE, min_size=1, max_size=3, unique=True)),
        min_size=1, max_size=4, unique_by=lambda g: g[0],
    ),
    level=st.sampled_from("区县"),
)  # fmt: skip
def test_a_round_list_that_drops_the_city_keys_every_item(groups, level) -> None:
    text = ",".join(
        "、".join(
            (f"{city}市" if i == 0 else "") + f"{place}{level}" for i, place in enumerate(places)
        )
        for city, places in groups
    )
    found = [(u.key, u.region) for u in unit_list(text)]
    expected = [
        (f"{city}市{place}{level}委", f"{city}市") for city, places in groups for place in places
    ]
    assert found == expected


def test_the_traditional_table_never_changes_simplified_text() -> None:
    """No character the table writes is one it reads: simplified text passes unchanged."""
    assert not set(_TABLE) & set(_TABLE.values())
    seed = (Path(__file__).resolve().parents[1] / "data" / "seeds").glob("*.txt")
    for path in seed:
        text = path.read_text("utf-8")
        assert to_simplified(text) == text
