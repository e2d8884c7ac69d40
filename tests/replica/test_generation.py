"""The generated column: deterministic for a seed, built on the real notice, varied."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from replica.announcements import ANNOUNCEMENT_PHRASINGS
from replica.model import INSPECTION, RECTIFICATION
from replica.phrases import (
    CONTACT_PHRASINGS,
    PERIOD_PHRASINGS,
    PERIOD_WEIGHTS,
    contacts_sentence,
    period_sentence,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SEED_FILE = DATA / "seeds" / "000_99f024742a5b7e23.txt"  # the real notice the project began with


def rows(name: str) -> list[dict]:
    lines = (DATA / "parsing" / "phrases" / name).read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


DIGESTS = """
import hashlib, sys
from replica import Replica
site = Replica(45, 3)
pages = [site.list_page(1), site.list_page(3)]
pages += [site.article(i).body for i in site.notice_ids()[::9]]
print(" ".join(hashlib.sha256(p).hexdigest() for p in pages))
"""


def test_same_seed_serves_the_same_bytes_and_another_seed_does_not(make_replica, client_for):
    one, other = client_for(make_replica(45, 3)), client_for(make_replica(45, 4))
    ids = one.running.site.notice_ids()[::9]
    paths = ["/xunshizgls/index.html", "/xunshizgls/index_3.html"]
    paths += [one.running.site.article_path(i) for i in ids]
    served = " ".join(hashlib.sha256(one.get(p).body).hexdigest() for p in paths)
    # Another process, another hash seed: the same pages, byte for byte.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    fresh = subprocess.run(
        [sys.executable, "-c", DIGESTS],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    assert fresh.stdout.split() == served.split()
    assert one.get(paths[0]).body != other.get(paths[0]).body


def test_the_seed_notice_is_served_with_its_real_text(client):
    lines = SEED_FILE.read_text("utf-8").splitlines()
    expected = [lines[3]] + [line.strip() for line in lines if line.startswith("  ")]
    page = client.get("/xunshizgls/content/post_202033.html").text
    assert client.article_text(page) == expected
    assert "<span>日期:2024-09-26 11:00:00</span>" in page
    assert "<p>  根据省委统一部署,2023年4月24日至7月26日" in page  # two spaces, as in the seed


def test_generated_notices_follow_the_seed_structure(replica, client):
    ids = [i for i in replica.site.notice_ids() if replica.site.notice(i).kind == RECTIFICATION]
    for notice_id in ids[:10]:
        notice = replica.site.notice(notice_id)
        title, opening, *body = client.article(notice_id)
        assert re.fullmatch("中共.+关于巡视整改进展情况的通报", title)
        assert re.fullmatch(
            r"根据省委统一部署,\d{4}年\d+月\d+日至(\d{4}年)?\d+月\d+日,省委第.+巡视组对.+开展了.+巡视。"
            r"\d{4}年\d+月\d+日,省委巡视组向.+反馈了巡视意见。按照巡视工作有关要求,现将巡视整改进展情况予以公布。",
            opening,
        )
        assert [p[:2] for p in body if re.match("^[一二三]、", p)] == ["一、", "二、", "三、"]
        assert any(re.match(r"^\([一二三四]\)", p) for p in body)
        assert any(re.match(r"^\d\.", p) for p in body)
        *closing, signature, date_line = body[-2 - len(notice.closing_lines) :]
        assert closing[0].startswith("欢迎广大干部群众对巡视整改落实情况进行监督。")
        # a phrasing may put a label, a range or the contact block on lines of their own
        assert "\n".join(closing) == notice.closing.strip("\n").replace("\n\n", "\n")
        assert signature == notice.issuer == title.removesuffix("关于巡视整改进展情况的通报")
        d = notice.published_on
        assert date_line == f"{d.year}年{d.month}月{d.day}日"


@pytest.mark.parametrize("replica", [{"notices": 400, "seed": 1}], indirect=True)
def test_now_and_then_a_document_of_another_kind(replica, client):
    others = [replica.site.notice(i) for i in replica.site.notice_ids()]
    others = [n for n in others if n.kind != RECTIFICATION]
    assert 3 <= len(others) <= 25  # about 3%
    for notice in others:
        assert notice.kind == INSPECTION
        title, opening, *body = client.article(notice.notice_id)
        assert re.fullmatch("省委第.+巡视组进驻.+开展常规巡视的公告", title)
        assert re.fullmatch(r"根据省委统一部署,省委第.+巡视组于.+至.+对.+开展常规巡视。", opening)
        assert body[-2] == notice.issuer == re.search("省委第.+?巡视组", title).group()
        # its window: taken letters until a deadline, from the publication day on
        assert notice.period.phrasing in ANNOUNCEMENT_PHRASINGS
        assert notice.period.start == notice.published_on < notice.period.end
        assert notice.period.sentence in "".join(body)


@pytest.mark.parametrize("replica", [{"notices": 400, "seed": 1}], indirect=True)
def test_the_column_varies_issuers_phrasings_and_attachments(replica):
    notices = [replica.site.notice(i) for i in replica.site.notice_ids()]
    kinds = Counter(
        re.search("(区委|县委|市委|党组|大学委员会|公司委员会)$", n.issuer).group(1)
        for n in notices
        if n.kind == RECTIFICATION
    )
    assert set(kinds) == {"区委", "县委", "市委", "党组", "大学委员会", "公司委员会"}
    assert len({n.issuer for n in notices}) > 60
    phrasings = Counter(n.period.phrasing for n in notices if n.kind == RECTIFICATION)
    assert set(phrasings) == {name for name, weight in PERIOD_WEIGHTS.items() if weight}
    assert {n.contacts.phrasing for n in notices} == set(CONTACT_PHRASINGS)
    assert 20 < sum(bool(n.attachments) for n in notices) < 150
    years = {n.published_on.year for n in notices}
    assert len(years) >= 3 and max(years) == 2026
    assert len({len(n.paragraphs) for n in notices}) > 10  # bodies of many lengths


def test_every_period_phrasing_is_a_row_of_the_cases():
    """Each phrasing, rendered with a row's dates, is found in that row's text (shared or ours)."""
    cases = [
        (r["text"], date.fromisoformat(r["expected_start"]), date.fromisoformat(r["expected_end"]))
        for r in rows("periods.jsonl") + rows("../periods_extra.jsonl")
        if r["kind"] in ("seed", "variant") and r["expected_start"] and r["expected_end"]
    ]
    for name in PERIOD_PHRASINGS:
        if name != "none":
            assert any(
                period_sentence(name, s, e).sentence.strip("\n") in text for text, s, e in cases
            ), name


def _values(row: dict) -> tuple:
    return (
        tuple(row["expected_phones"]),
        tuple(row["expected_emails"]),
        row["expected_postcode"],
        row["expected_address"],
    )


def test_every_contacts_row_of_the_shared_cases_is_a_phrasing():
    for row in rows("contacts.jsonl"):
        names = [
            n
            for n in CONTACT_PHRASINGS
            if contacts_sentence(n, *_values(row)).sentence == row["text"]
        ]
        assert len(names) == 1, row["text"]


def test_every_contacts_phrasing_is_a_row_of_the_cases():
    cases = rows("contacts.jsonl") + rows("../contacts_extra.jsonl")
    for name in CONTACT_PHRASINGS:
        assert any(
            contacts_sentence(name, *_values(row)).sentence == row["text"] for row in cases
        ), name


def test_the_vocabulary_reaches_past_the_seed_and_varies_by_issuer():
    """形式主义, 政治监督, 纪委书记…: words the column's notices use that the one seed never
    names are found in a few hundred generated notices, and the seed's own words still are."""
    from replica.corpus import WIDER
    from replica.state import Replica

    site = Replica(notices=300, seed=3)
    texts = [site.notice(i).text for i in site.notice_ids()]
    for word in ("形式主义", "政治监督", "纪委书记", "意识形态", "八项规定", "违规吃喝", "红树林"):
        assert sum(word in t for t in texts) >= 10, word
    used = {s for s in WIDER for t in texts if s.split("，")[0][-6:] in t}
    assert len(used) >= len(WIDER) // 2  # not one sentence everywhere
