"""Inspected units: one key for every way a text names the same unit.

The documents of an inspection round name a unit in many ways:

- 中共珠海市金湾区委 / 珠海市金湾区委 / 中共珠海市金湾区委员会 / 金湾区委 (once
  the city has been named) / 珠海金湾区委;
- 中共广东省科技厅党组 / 广东省科技厅党组 / 省科技厅党组 / 省科技厅;
- 中共广州市南沙新区明珠湾开发建设管理局(简称明珠湾管理局)党组: a short
  name given in parentheses;
- a round's list that drops the city on later items: 汕头市濠江区、南澳县.

``unit_name`` turns a name (and the city the text has named, if any) into a
``UnitName``: its ``key`` (the identity of the unit), its ``region`` (广东省
for a provincial body, the city for a city's bodies and its districts',
None when the text does not say), and its ``short`` name. The rules, in
order (docs/inspection.md):

1. traditional characters folded (``core.hanzi``), spaces and full-width
   parentheses folded; a short name in parentheses (简称…, 以下简称…, 下称…)
   taken out into ``short``;
2. 中共 / 中国共产党 dropped: the party committee is the unit either way; a
   committee written out (…委员会) is shortened as the documents shorten it:
   a place's (省|市|区|县|镇|乡)委员会 → …委, any other body's → …党委;
3. 广东省… → 省…: a provincial body, region 广东省;
4. a city named without 市 before a place (珠海金湾区) gets it; a name that
   begins with one of Guangdong's 21 cities has that city as its region;
5. a name beginning with a district, county or county-level city and no
   city (金湾区委, 南澳县), or with 市 for "the city's" (市住房城乡建设局党组),
   takes the city the text has named (``city``); without one its region is
   None and the key stays as printed;
6. a bare place (汕头市, 南澳县: how a round's list names them) is its party
   committee (…委); a government body named without its party organisation
   (省科技厅, 市住房城乡建设局) is its 党组, a university, company or hospital
   its 党委: the inspected unit is always a party organisation;
7. hand-added aliases (``Aliases``) map what is left onto a canonical key.

``unit_list`` reads a round's list, carrying the last city named onto the
items that drop it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.hanzi import to_simplified
from core.regions import GUANGDONG

PROVINCE = "广东省"
# Guangdong's 21 prefecture-level cities (without 市), from the one table of them.
CITIES = tuple(city.removesuffix("市") for city in GUANGDONG)
_CITY = "|".join(CITIES)

_SHORT = re.compile(
    r"\((?:以下|下文)?(?:简称|下称|以下称)\s*:?\s*[\"“”'‘’]?(?P<short>[^()\"“”'‘’]+?)"
    r"[\"“”'‘’]?\)"
)
_PARTY = re.compile(r"^(?:中国共产党|中共)")
_PLACE_COMMITTEE = re.compile(r"(?<=[省市区县镇乡])委员会$")
_COMMITTEE = re.compile(r"委员会$")
_PROVINCE = re.compile(r"^广东(?=省)")
_CITY_NO_SHI = re.compile(rf"^(?P<city>{_CITY})(?!市)(?=[^,、]{{1,5}}?[区县市])")
_CITY_FIRST = re.compile(rf"^(?P<city>{_CITY})市")
# A district, county or county-level city at the start of a name: 金湾区, 南澳县, 南雄市.
_LOCAL_FIRST = re.compile(r"^[\u4e00-\u9fff]{1,5}?(?:新区|区|县|市)")
_BARE_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:新区|区|县|市|镇|乡)$")
_PARTY_ORG = re.compile(r"(?:党组|党委|党工委|纪委|[省市区县镇乡]委)$")
_GOVERNMENT = re.compile(r"(?:厅|局|委|办|署|法院|检察院|政府|办公室|管委会)$")
_INSTITUTION = re.compile(r"(?:大学|学院|学校|集团|公司|医院|银行)$")
_SPACES = re.compile(r"\s+")
_FOLD_PARENS = str.maketrans({"（": "(", "）": ")", "：": ":"})


@dataclass(frozen=True)
class UnitName:
    """A unit as a text names it, and the key that identifies it."""

    name: str  # as printed, the short-name note taken out
    key: str
    region: str | None  # 广东省, a city (珠海市), or None when the text does not say
    short: str | None = None  # a short name given in parentheses (简称…)


class Aliases:
    """Hand-added aliases: (alias, canonical) names, both read by the same rules.

    The warehouse keeps the pairs analysts add (a relation that survives
    rebuilds); this class is how every reader applies them.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._keys: dict[str, str] = {}
        for alias, canonical in pairs:
            self.add(alias, canonical)

    def add(self, alias: str, canonical: str, city: str | None = None) -> None:
        """Make ``alias`` name the unit ``canonical`` names (in ``city``, when given)."""
        target = unit_name(canonical, city, aliases=self).key
        self._keys[unit_name(alias, city).key] = target

    def resolve(self, key: str) -> str:
        return self._keys.get(key, key)

    def __len__(self) -> int:
        return len(self._keys)


_NO_ALIASES = Aliases()


def unit_name(name: str, city: str | None = None, aliases: Aliases = _NO_ALIASES) -> UnitName:
    """The ``UnitName`` of ``name``; ``city`` is the city the text has named (珠海市 or 珠海)."""
    printed = _SPACES.sub("", to_simplified(name).translate(_FOLD_PARENS))
    short_match = _SHORT.search(printed)
    short = short_match["short"] if short_match else None
    printed = _SHORT.sub("", printed)

    key, party = _PARTY.subn("", printed)
    if _PLACE_COMMITTEE.search(key):
        key = _PLACE_COMMITTEE.sub("委", key)
    elif party and _COMMITTEE.search(key):
        key = _COMMITTEE.sub("党委", key)
    key, region = _region(key, _city_of(city))
    key = _as_party_org(key)
    return UnitName(name=printed, key=aliases.resolve(key), region=region, short=short)


def unit_list(text: str, city: str | None = None, aliases: Aliases = _NO_ALIASES) -> list[UnitName]:
    """The units of a round's list (汕头市、韶关市,汕头市濠江区、南澳县…), the last city
    named carried onto the items that drop it."""
    current = _city_of(city)
    found = []
    for item in re.split(r"[、,，;；]|以及|及", to_simplified(text)):
        item = item.strip(" 。.")
        if not item:
            continue
        unit = unit_name(item, current, aliases)
        if unit.region not in (None, PROVINCE):
            current = unit.region
        found.append(unit)
    return found


def city_named(text: str) -> str | None:
    """The first of Guangdong's cities ``text`` names (珠海市), or None."""
    m = re.search(rf"(?P<city>{_CITY})市", to_simplified(text))
    return f"{m['city']}市" if m else None


def _city_of(city: str | None) -> str | None:
    if not city:
        return None
    city = to_simplified(city).strip()
    return city if city.endswith("市") else f"{city}市"


def _region(key: str, city: str | None) -> tuple[str, str | None]:
    """(key with its place made explicit, region), rules 3 to 5."""
    if _PROVINCE.match(key):
        return _PROVINCE.sub("", key), PROVINCE
    if key.startswith("省"):
        return key, PROVINCE
    key = _CITY_NO_SHI.sub(r"\g<city>市", key)
    if m := _CITY_FIRST.match(key):
        return key, f"{m['city']}市"
    if city is None:
        return key, None
    if key.startswith("市"):
        return city + key[1:], city
    if _LOCAL_FIRST.match(key):
        return city + key, city
    return key, None


def _as_party_org(key: str) -> str:
    """Rule 6: the party organisation a place or a body stands for."""
    if _PARTY_ORG.search(key):
        return key
    if _BARE_PLACE.match(key):
        return f"{key}委"
    if _GOVERNMENT.search(key):
        return f"{key}党组"
    if _INSTITUTION.search(key):
        return f"{key}党委"
    return key
