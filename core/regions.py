"""Guangdong's cities and their districts and counties, as data: a notice's region.

A region is a prefecture-level city (珠海市) or one of its county-level parts
(金湾区, 乐昌市, 乳源瑶族自治县). An issuer's name places its notices:
``中共珠海市金湾区委`` → 珠海市/金湾区, ``中共韶关市委`` → 韶关市, ``中共乳源县委`` →
韶关市/乳源瑶族自治县; a provincial body or a university names no city and has no
region. Names are matched whole (``珠海市``, never ``珠海``: 中山大学 is not in
中山市), plus the short forms people write for autonomous counties (乳源县); the
one district whose name is too short to stand alone (汕尾市城区) needs its city.

A destination's ``regions`` (docs/alerts.md) lists cities or districts: a city
takes in all its districts.
"""

from __future__ import annotations

from dataclasses import dataclass

# Prefecture-level city -> its county-level divisions (2024). 东莞 and 中山 have none.
GUANGDONG: dict[str, tuple[str, ...]] = {
    "广州市": ("越秀区", "海珠区", "荔湾区", "天河区", "白云区", "黄埔区", "番禺区", "花都区",
              "南沙区", "从化区", "增城区"),
    "深圳市": ("福田区", "罗湖区", "南山区", "盐田区", "宝安区", "龙岗区", "龙华区", "坪山区",
              "光明区", "大鹏新区", "深汕特别合作区"),
    "珠海市": ("香洲区", "斗门区", "金湾区", "横琴粤澳深度合作区"),
    "汕头市": ("金平区", "龙湖区", "濠江区", "潮阳区", "潮南区", "澄海区", "南澳县"),
    "佛山市": ("禅城区", "南海区", "顺德区", "三水区", "高明区"),
    "韶关市": ("浈江区", "武江区", "曲江区", "乐昌市", "南雄市", "始兴县", "仁化县", "翁源县",
              "新丰县", "乳源瑶族自治县"),
    "河源市": ("源城区", "东源县", "和平县", "龙川县", "紫金县", "连平县"),
    "梅州市": ("梅江区", "梅县区", "兴宁市", "平远县", "蕉岭县", "大埔县", "丰顺县", "五华县"),
    "惠州市": ("惠城区", "惠阳区", "博罗县", "惠东县", "龙门县"),
    "汕尾市": ("城区", "海丰县", "陆丰市", "陆河县"),
    "东莞市": (),
    "中山市": (),
    "江门市": ("蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市"),
    "阳江市": ("江城区", "阳东区", "阳春市", "阳西县"),
    "湛江市": ("赤坎区", "霞山区", "坡头区", "麻章区", "雷州市", "廉江市", "吴川市", "遂溪县",
              "徐闻县"),
    "茂名市": ("茂南区", "电白区", "信宜市", "高州市", "化州市"),
    "肇庆市": ("端州区", "鼎湖区", "高要区", "四会市", "广宁县", "怀集县", "封开县", "德庆县"),
    "清远市": ("清城区", "清新区", "英德市", "连州市", "佛冈县", "阳山县", "连山壮族瑶族自治县",
              "连南瑶族自治县"),
    "潮州市": ("湘桥区", "潮安区", "饶平县"),
    "揭阳市": ("榕城区", "揭东区", "普宁市", "揭西县", "惠来县"),
    "云浮市": ("云城区", "云安区", "罗定市", "新兴县", "郁南县"),
}
# How issuers also write a division: 乳源县委 for 乳源瑶族自治县. Names not listed
# are only matched whole.
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "乳源瑶族自治县": ("乳源县",),
    "连山壮族瑶族自治县": ("连山县",),
    "连南瑶族自治县": ("连南县",),
    "横琴粤澳深度合作区": ("横琴",),
}
NEEDS_CITY = frozenset({"城区"})  # inside 清城区, 源城区…: only with its city (汕尾市城区)


@dataclass(frozen=True)
class Region:
    """Where an issuer sits: a city, and the district or county within it if named."""

    city: str
    district: str | None = None

    def __str__(self) -> str:
        return f"{self.city}/{self.district}" if self.district else self.city


def _forms(city: str, district: str) -> tuple[str, ...]:
    """The strings that name ``district`` in an issuer's name (its city's name before it
    always does)."""
    if district in NEEDS_CITY:
        return (city + district,)
    return (city + district, district, *SHORT_FORMS.get(district, ()))


# Each (text, region), the longest first: a longer name is the more precise one
# (梅县区 before 梅州市; 珠海市金湾区 before 珠海市).
_NAMES: tuple[tuple[str, Region], ...] = tuple(sorted(
    [(city, Region(city)) for city in GUANGDONG]
    + [(form, Region(city, d)) for city, ds in GUANGDONG.items() for d in ds
       for form in _forms(city, d)],
    key=lambda pair: -len(pair[0]),
))  # fmt: skip


def region_of(issuer: str | None) -> Region | None:
    """The region an issuer's name places it in, or None (a provincial body, a university,
    an unread issuer). A district named without its city still gives its city."""
    if not issuer:
        return None
    best: Region | None = None
    for text, region in _NAMES:
        if text in issuer:
            if region.district:
                return region  # the longest district name found: nothing is more precise
            best = best or region
    return best


def known(name: str) -> bool:
    """Whether ``name`` is a city or a district of the table (a destination's ``regions``)."""
    return name in GUANGDONG or any(name in ds for ds in GUANGDONG.values())


def within(region: Region | None, names: tuple[str, ...] | list[str]) -> bool:
    """Whether ``region`` is one of ``names`` or inside one of them (a city holds its
    districts)."""
    if region is None:
        return False
    return region.city in names or (region.district is not None and region.district in names)
