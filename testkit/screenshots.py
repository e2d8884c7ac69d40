"""Screenshots with headless Chromium, for the docs: any page, and the sample alert emails.

    .venv/bin/python -m tests.support.screenshots [--out-dir docs] [--html-dir DIR]

writes ``alert-email-<name>.png`` for the new, edit, expiring, removal,
baseline and digest emails. Needs the Debian packages ``chromium`` and
``fonts-noto-cjk`` (Chinese glyphs). The notices are made up; the edit's diff
and summary are computed by zgwatch's own text diff and summary.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from alerts.digest import digest_items, digest_message
from alerts.events import ChangeEvent, Contacts
from alerts.messages import Message, baseline_message, notice_message
from alerts.render import render
from core.textdiff import compute_diff
from warehouse.summaries import VersionFacts, edit_summary

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--hide-scrollbars")
SITE = "https://zgwatch.example.org/"
TITLE = "中共示例市委关于省委第五巡视组巡视反馈意见整改进展情况的通报"
CONTACTS = Contacts(("0756-7263766",), ("slxszg@example.gov.cn",), "519000",
                    "示例市香洲区人民东路1号市委巡察办")

OLD = (
    "根据省委统一部署，2024年3月至5月，省委第五巡视组对示例市进行了常规巡视。"
    "2024年7月12日，省委巡视组向示例市委反馈了巡视意见。按照巡视工作有关要求，"
    "现将巡视整改进展情况予以公布。\n"
    "一、落实巡视整改主体责任。市委常委会召开专题会议，研究制定整改方案，"
    "明确整改期限为三个月，逐项建立问题清单、任务清单、责任清单。\n"
    "二、聚焦反馈问题抓好整改。截至目前，巡视反馈的32个问题已完成整改28个，"
    "其余4个计划于12月8日前完成。\n"
    "欢迎广大干部群众对巡视整改落实情况进行监督。公开期限:2025年5月26日至6月4日。"
    "联系电话:0756-7263765;邮政信箱:示例市香洲区人民东路1号市委巡察办,邮政编码519000。"
)
NEW = (
    OLD.replace("明确整改期限为三个月", "明确整改期限为六个月，对长期整改任务持续推进")
    .replace("已完成整改28个", "已完成整改30个").replace("其余4个", "其余2个")
    .replace("12月8日", "12月18日")
    .replace("0756-7263765", "0756-7263766")
)


def _event(kind: str, change_id: int, **kw) -> ChangeEvent:
    base = ChangeEvent(
        change_id=change_id, notice_id="4521807", kind=kind, batch_id="20250602T020000Z-1a2b3c",
        detected_at=datetime(2025, 6, 2, 2, 5, tzinfo=UTC), as_of=date(2025, 6, 2),
        baseline=False, summary="", title=TITLE, issuer="中共示例市委",
        url="https://www.gdjct.gd.gov.cn/xunshizgls/content/post_4521807.html",
        publicity_start=date(2025, 5, 26), publicity_end=date(2025, 6, 4), version_no=2,
        from_version=1, contacts=CONTACTS,
    )
    return replace(base, **kw)


def sample_event() -> ChangeEvent:
    """A made-up edit of a 整改落实 notice, as the diff stage would record it."""
    old, new = VersionFacts(TITLE, OLD), VersionFacts(TITLE, NEW)
    diff = compute_diff(old.text, new.text)  # as the diff stage does: title and body
    summary = edit_summary(old, new, diff)
    return _event("edited", 128, diff=tuple(diff), summary=summary)


def samples() -> dict[str, Message]:
    """The emails of the docs, by name: new, edit, expiring, removal, baseline, digest."""
    new = _event("new", 127, notice_id="4521911", version_no=1, from_version=None,
                 url="https://www.gdjct.gd.gov.cn/xunshizgls/content/post_4521911.html",
                 title=TITLE.replace("示例市", "样板县"), issuer="中共样板县委",
                 publicity_start=date(2025, 6, 2), publicity_end=date(2025, 6, 13),
                 summary="新通报,公开期限至 2025年6月13日",
                 contacts=Contacts(("0763-5512345", "13800001234"), ("ybxsb@example.gov.cn",),
                                   "513200", "样板县城关镇府前路8号县委巡察办"))
    edit = sample_event()
    expiring = _event("expiring", 129, summary="公开期限 6月4日 截止,还有 2 天")
    removed = _event("removed", 130, notice_id="4519001", version_no=3,
                     title="中共示范区委关于巡察整改进展情况的通报", issuer="中共示范区委",
                     publicity_start=date(2025, 5, 20), publicity_end=date(2025, 6, 18),
                     summary="已从栏目撤下，原网页已无法访问",
                     url="https://www.gdjct.gd.gov.cn/xunshizgls/content/post_4519001.html")
    open_rows = [
        {"notice_id": "4521807", "title": TITLE, "issuer": "中共示例市委",
         "publicity_end": "2025-06-04", "contacts": CONTACTS.as_json()},
        {"notice_id": "4520333", "title": "中共样板市委关于巡视整改进展情况的通报",
         "issuer": "中共样板市委", "publicity_end": "2025-06-09",
         "contacts": {"phones": ["0759-3345678"], "emails": ["ybswxc@example.gov.cn"],
                      "postcode": "524000", "address": "样板市赤坎区南方路1号"}},
        {"notice_id": "4520101", "title": "中共示范区委关于巡察整改进展情况的通报",
         "issuer": "中共示范区委", "publicity_end": "2025-06-18",
         "contacts": {"phones": ["020-83000000"], "emails": [], "postcode": "510000",
                      "address": None}},
    ]
    for row in open_rows:
        row.update(url=f"https://www.gdjct.gd.gov.cn/xunshizgls/content/post_{row['notice_id']}"
                       ".html", publicity_start="2025-05-26", version_no=1, gaps=[])
    unread = [{"notice_id": "4519876", "title": "中共某某镇委关于巡察整改情况的通报",
               "issuer": "中共某某镇委", "version_no": 1,
               "url": "https://www.gdjct.gd.gov.cn/xunshizgls/content/post_4519876.html",
               "contacts": {}, "gaps": [{"field": "publicity_period", "reason": "missing"}]}]
    baseline = baseline_message("20250602T020000Z-1a2b3c", {
        "notices": 56, "expired": 52, "expiring": 1, "as_of": "2025-06-02", "match": None,
        "open": open_rows, "unread": unread}, site_url=SITE)
    digest = digest_message("digest:7", digest_items([new, edit, expiring, removed], SITE))
    return {
        "new": notice_message([new], site_url=SITE),
        "edit": notice_message([edit], site_url=SITE),
        "expiring": notice_message([expiring], site_url=SITE),
        "removal": notice_message([removed], site_url=SITE),
        "baseline": baseline,
        "digest": digest,
    }


# window height (pixels) each email needs to be shown whole
HEIGHTS = {"new": 525, "edit": 740, "expiring": 525, "removal": 575, "baseline": 735,
           "digest": 1860}


def chromium() -> str:
    """The Chromium binary; exits with how to install it when there is none."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium not found: apt-get install -y chromium fonts-noto-cjk")
    return browser


def shoot(url: str, png: Path, *, size: str = "900,530", budget_ms: int | None = None,
          timeout: float = 120.0) -> Path:
    """Photograph the page at ``url`` with headless Chromium into ``png``.

    ``budget_ms`` lets the page's scripts run that long (virtual time) first.
    """
    with tempfile.TemporaryDirectory(prefix="zgwatch-chromium-") as profile:
        cmd = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
               f"--screenshot={png.resolve()}", f"--window-size={size}"]
        if budget_ms:
            cmd.append(f"--virtual-time-budget={budget_ms}")
        subprocess.run([*cmd, url], check=True, capture_output=True, timeout=timeout)
    return png


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=Path("docs"))
    parser.add_argument("--html-dir", type=Path, help="also keep the rendered HTML here")
    parser.add_argument("--only", nargs="*", help="only these emails (names)")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pages = args.html_dir or Path(tmp)
        pages.mkdir(parents=True, exist_ok=True)
        for name, message in samples().items():
            if args.only and name not in args.only:
                continue
            page = pages / f"alert-email-{name}.html"
            page.write_text(render(message, "html"), encoding="utf-8")
            out = shoot(page.resolve().as_uri(), args.out_dir / f"alert-email-{name}.png",
                        size=f"900,{HEIGHTS[name]}")
            print(out)


if __name__ == "__main__":
    main()
