"""Screenshots of the history site for docs/site.md, from a site built the real way.

    .venv/bin/python -m tests.support.site_screenshots [--out docs] [--keep DIR]

A replica of 60 notices is crawled over three cycles (``zgwatch.pipeline.run``,
which builds the site in its publish step); between them one notice gets two
edits, another a publicity period ending in two days, a third is removed.
Headless Chromium (``/usr/bin/chromium``, with ``fonts-noto-cjk``) then
photographs the index (open periods, by deadline), a notice's page on a
phone-sized screen comparing versions 1 and 3, and that notice's archived
copy of version 1.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from core import sitemap
from history.serve import serving
from replica import running
from zgwatch import pipeline
from zgwatch.config import load_settings

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def passage(text: str, paragraph: str, length: int) -> str:
    """A piece of ``paragraph`` found once in ``text``."""
    for start in range(4, len(paragraph) - length):
        piece = paragraph[start : start + length]
        if text.count(piece) == 1:
            return piece
    raise SystemExit(f"no unique passage in {paragraph!r}")


def build(data: Path) -> tuple[Path, str]:
    """Crawl the replica three times with changes between; the site folder and the edited id."""
    with running(notices=60, seed=7) as rep:
        site = rep.site
        settings = load_settings({"source": rep.url, "db": data / "zgwatch.duckdb",
                                  "data_dir": data, "as_of": site.today.isoformat(),
                                  "delay": 0, "timeout": 5,
                                  "absence_interval": 0}, env={})  # fmt: skip  (cycles: seconds)
        pipeline.run(settings)
        ids = site.notice_ids()
        edited = ids[2]
        notice = site.notice(edited)
        old = passage(notice.text, notice.paragraphs[2], 10)
        site.edit(edited, old, "召开专题会议逐项研究部署")
        # a notice of the last 30 days: read every cycle, so its new period is seen at once
        site.set_period(ids[1], site.today - timedelta(days=27), site.today + timedelta(days=2))
        site.remove(ids[6])
        pipeline.run(settings)
        notice = site.notice(edited)
        site.edit(edited, passage(notice.text, notice.paragraphs[4], 8), "已全部完成整改")
        pipeline.run(settings)
        return settings.site_folder, edited


def shoot(site: Path, notice_id: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with serving(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 760})
        page.goto(url + sitemap.INDEX + "#period=open&sort=deadline")
        page.wait_for_load_state("networkidle")
        shots.append(out / "site-index.png")
        page.screenshot(path=shots[-1])

        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto(url + sitemap.notice_page(notice_id))
        phone.wait_for_load_state("networkidle")
        phone.select_option("#diff-from", "1")
        phone.select_option("#diff-to", "3")
        phone.evaluate("document.getElementById('compare').scrollIntoView()")
        shots.append(out / "site-notice-diff.png")
        phone.screenshot(path=shots[-1])

        page.goto(url + sitemap.archived_copy(notice_id, 1))
        page.wait_for_load_state("networkidle")
        shots.append(out / "site-archive.png")
        page.screenshot(path=shots[-1])
        browser.close()
    return shots


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--keep", type=Path, help="also keep the built site here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zgwatch-site-shots-") as tmp:
        site, notice_id = build(Path(tmp) / "data")
        args.out.mkdir(parents=True, exist_ok=True)
        for path in shoot(site, notice_id, args.out):
            print(path)
        if args.keep:
            shutil.copytree(site, args.keep, dirs_exist_ok=True)


if __name__ == "__main__":
    main()
