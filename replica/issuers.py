"""Organisations that publish 整改落实 notices: cities, districts and counties,
provincial departments, universities and state-owned firms of Guangdong.

Phone area codes, postcodes and mail domains are plausible, not looked up: the
replica needs variety a parser must cope with, not a directory.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issuer:
    """An inspected Party organisation and how a notice names it."""

    org: str  # after 中共 in the title and the signature, e.g. 珠海市金湾区委
    short: str  # in the opening sentence, e.g. 珠海市金湾区委 / 省教育厅党组
    body: str  # the leading body in headings, e.g. 区委 / 厅党组 / 校党委
    place: str  # the unit in running text, e.g. 金湾区 / 省教育厅
    area_code: str
    postcode: str
    domain: str
    city: str  # where its office is, for the postal address

    @property
    def signature(self) -> str:
        return f"中共{self.org}"

    @property
    def title(self) -> str:
        return f"中共{self.org}关于巡视整改进展情况的通报"


# city: (area code, postcode, mail domain)
CITIES: dict[str, tuple[str, str, str]] = {
    "广州": ("020", "510030", "gz.gov.cn"),
    "深圳": ("0755", "518035", "sz.gov.cn"),
    "珠海": ("0756", "519000", "zhuhai.gov.cn"),
    "汕头": ("0754", "515041", "shantou.gov.cn"),
    "佛山": ("0757", "528000", "foshan.gov.cn"),
    "韶关": ("0751", "512026", "sg.gov.cn"),
    "河源": ("0762", "517000", "heyuan.gov.cn"),
    "梅州": ("0753", "514021", "meizhou.gov.cn"),
    "惠州": ("0752", "516003", "huizhou.gov.cn"),
    "汕尾": ("0660", "516600", "shanwei.gov.cn"),
    "东莞": ("0769", "523888", "dg.gov.cn"),
    "中山": ("0760", "528403", "zs.gov.cn"),
    "江门": ("0750", "529000", "jiangmen.gov.cn"),
    "阳江": ("0662", "529500", "yangjiang.gov.cn"),
    "湛江": ("0759", "524022", "zhanjiang.gov.cn"),
    "茂名": ("0668", "525000", "maoming.gov.cn"),
    "肇庆": ("0758", "526040", "zhaoqing.gov.cn"),
    "清远": ("0763", "511515", "gdqy.gov.cn"),
    "潮州": ("0768", "521011", "chaozhou.gov.cn"),
    "揭阳": ("0663", "522000", "jieyang.gov.cn"),
    "云浮": ("0766", "527300", "yunfu.gov.cn"),
}

# (city, county-level unit): 区 → 区委, 县 → 县委, 市 (county-level city) → 市委
COUNTIES = [
    ("珠海", "金湾区"),
    ("珠海", "斗门区"),
    ("珠海", "香洲区"),
    ("韶关", "乐昌市"),
    ("韶关", "南雄市"),
    ("韶关", "仁化县"),
    ("广州", "天河区"),
    ("广州", "越秀区"),
    ("广州", "从化区"),
    ("深圳", "南山区"),
    ("深圳", "福田区"),
    ("深圳", "龙岗区"),
    ("佛山", "顺德区"),
    ("佛山", "南海区"),
    ("汕头", "潮阳区"),
    ("汕头", "南澳县"),
    ("梅州", "兴宁市"),
    ("梅州", "大埔县"),
    ("河源", "龙川县"),
    ("河源", "紫金县"),
    ("惠州", "博罗县"),
    ("惠州", "惠东县"),
    ("江门", "台山市"),
    ("江门", "开平市"),
    ("湛江", "雷州市"),
    ("湛江", "徐闻县"),
    ("茂名", "信宜市"),
    ("茂名", "高州市"),
    ("肇庆", "四会市"),
    ("肇庆", "怀集县"),
    ("清远", "英德市"),
    ("清远", "连州市"),
    ("揭阳", "普宁市"),
    ("云浮", "罗定市"),
    ("汕尾", "陆丰市"),
    ("阳江", "阳春市"),
    ("潮州", "饶平县"),
]

DEPARTMENTS = [
    "教育厅",
    "科学技术厅",
    "工业和信息化厅",
    "民政厅",
    "司法厅",
    "财政厅",
    "人力资源和社会保障厅",
    "自然资源厅",
    "生态环境厅",
    "住房和城乡建设厅",
    "交通运输厅",
    "水利厅",
    "农业农村厅",
    "商务厅",
    "文化和旅游厅",
    "卫生健康委员会",
    "应急管理厅",
    "市场监督管理局",
    "统计局",
    "林业局",
]

UNIVERSITIES = [
    ("中山大学", "sysu.edu.cn"),
    ("华南农业大学", "scau.edu.cn"),
    ("华南师范大学", "scnu.edu.cn"),
    ("广东工业大学", "gdut.edu.cn"),
    ("广东外语外贸大学", "gdufs.edu.cn"),
    ("南方医科大学", "smu.edu.cn"),
    ("广州中医药大学", "gzucm.edu.cn"),
    ("广东财经大学", "gdufe.edu.cn"),
    ("广东海洋大学", "gdou.edu.cn"),
    ("汕头大学", "stu.edu.cn"),
    ("广东药科大学", "gdpu.edu.cn"),
    ("广东技术师范大学", "gpnu.edu.cn"),
]

ENTERPRISES = [
    ("广东省能源集团有限公司", "省能源集团"),
    ("广东省广新控股集团有限公司", "省广新集团"),
    ("广东省交通集团有限公司", "省交通集团"),
    ("广东省广晟控股集团有限公司", "省广晟集团"),
    ("广东省建筑工程集团控股有限公司", "省建工集团"),
    ("广东粤海控股集团有限公司", "粤海集团"),
    ("广东省铁路建设投资集团有限公司", "省铁投集团"),
    ("广东省旅游控股集团有限公司", "省旅控集团"),
    ("广东恒健投资控股有限公司", "恒健控股公司"),
    ("广东省环保集团有限公司", "省环保集团"),
]


def _build() -> tuple[Issuer, ...]:
    out: list[Issuer] = []
    for city, (code, post, domain) in CITIES.items():
        out.append(
            Issuer(
                f"{city}市委", f"{city}市委", "市委", f"{city}市", code, post, domain, f"{city}市"
            )
        )
    for city, unit in COUNTIES:
        code, post, domain = CITIES[city]
        body = unit[-1] + "委"
        org = f"{city}市{unit}委"
        out.append(Issuer(org, org, body, unit, code, post, domain, f"{city}市{unit}"))
    for dept in DEPARTMENTS:
        body = "委党组" if dept.endswith("委员会") else dept[-1] + "党组"
        out.append(
            Issuer(
                f"广东省{dept}党组",
                f"省{dept}党组",
                body,
                f"省{dept}",
                "020",
                "510000",
                "gd.gov.cn",
                "广州市越秀区",
            )
        )
    for name, domain in UNIVERSITIES:
        code, post, _ = CITIES["汕头" if name == "汕头大学" else "广州"]
        out.append(
            Issuer(
                f"{name}委员会",
                f"{name}党委",
                "校党委",
                name,
                code,
                post,
                domain,
                "汕头市" if name == "汕头大学" else "广州市",
            )
        )
    for name, short in ENTERPRISES:
        out.append(
            Issuer(
                f"{name}委员会",
                f"{short}党委",
                "集团党委",
                short,
                "020",
                "510623",
                "gdgov-soe.cn",
                "广州市天河区",
            )
        )
    return tuple(out)


ISSUERS: tuple[Issuer, ...] = _build()

# The seed's issuer, used for the real notice 202033.
JINWAN = next(i for i in ISSUERS if i.org == "珠海市金湾区委")


def find_issuer(name: str) -> Issuer:
    """The issuer whose org, short name or signature is ``name``.

    An unknown name becomes an ad-hoc issuer (a county-level committee in
    Guangzhou), so tests may invent organisations freely.
    """
    bare = name.removeprefix("中共")
    for issuer in ISSUERS:
        if bare in (issuer.org, issuer.short):
            return issuer
    return Issuer(bare, bare, "党委", bare, "020", "510000", "gd.gov.cn", "广州市")
