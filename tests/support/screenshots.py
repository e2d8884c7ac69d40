"""Screenshots with headless Chromium, for the docs: any page, and a sample edit alert email.

    .venv/bin/python -m tests.support.screenshots [--out docs/alert-email-edit.png] [--html PATH]

Needs the Debian packages ``chromium`` and ``fonts-noto-cjk`` (Chinese glyphs).
The event is made up; its diff is computed by zgwatch's own text diff.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from alerts.events import ChangeEvent
from alerts.messages import event_message
from alerts.render import render
from core.textdiff import compute_diff

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--hide-scrollbars")

OLD = (
    "根据省委统一部署，2024年3月至5月，省委第五巡视组对示例市进行了常规巡视。"
    "2024年7月12日，省委巡视组向示例市委反馈了巡视意见。按照巡视工作有关要求，"
    "现将巡视整改进展情况予以公布。\n"
    "一、落实巡视整改主体责任。市委常委会召开专题会议，研究制定整改方案，"
    "明确整改期限为三个月，逐项建立问题清单、任务清单、责任清单。\n"
    "二、聚焦反馈问题抓好整改。截至目前，巡视反馈的32个问题已完成整改28个，"
    "其余4个正在推进中。\n"
    "欢迎广大干部群众对巡视整改落实情况进行监督。如有意见建议，请及时向我们反映。"
    "联系电话：0756-0000000；邮政信箱：示例市某某路1号。"
)
NEW = (
    OLD.replace("明确整改期限为三个月", "明确整改期限为六个月，对长期整改任务持续推进")
    .replace("已完成整改28个，\n其余4个正在推进中", "已完成整改30个，\n其余2个正在推进中")
    .replace("已完成整改28个，其余4个正在推进中", "已完成整改30个，其余2个正在推进中")
    .replace("0756-0000000", "0756-0000001")
)


def sample_event() -> ChangeEvent:
    """A made-up edit of a 整改落实 notice, as the diff stage would record it."""
    return ChangeEvent(
        change_id=128,
        notice_id="4521807",
        kind="edited",
        batch_id="20250602T020000Z-1a2b3c",
        detected_at=datetime(2025, 6, 2, 2, 5, tzinfo=UTC),
        as_of=date(2025, 6, 2),
        baseline=False,
        summary="正文修改 3 处",
        url="https://www.gdjct.gd.gov.cn/xunshizgls/content/post_4521807.html",
        title="中共示例市委关于省委第五巡视组巡视反馈意见整改进展情况的通报",
        issuer="中共示例市委",
        publicity_start=date(2025, 5, 26),
        publicity_end=date(2025, 6, 4),
        diff=tuple(compute_diff(OLD, NEW)),
    )


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
    parser.add_argument("--out", type=Path, default=Path("docs/alert-email-edit.png"))
    parser.add_argument("--html", type=Path, help="also keep the rendered HTML here")
    args = parser.parse_args(argv)
    html = render(event_message(sample_event()), "html")
    with tempfile.TemporaryDirectory() as tmp:
        page = args.html or Path(tmp) / "alert.html"
        page.write_text(html, encoding="utf-8")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shoot(page.resolve().as_uri(), args.out)
    print(args.out)


if __name__ == "__main__":
    main()
