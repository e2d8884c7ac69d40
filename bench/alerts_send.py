"""How long the alert stage takes to render and send N alerts to the local sinks.

Builds a warehouse file with N change events (half ``new``, half ``edited``
with a diff of three changes), then runs ``alerts.run_alerts`` once per
scenario on a fresh copy: email only (aiosmtpd on loopback), JSON webhook only
(http.server on loopback), and both. Everything goes through Apprise, the
outbox and one commit per delivery, exactly as in a cycle.

    .venv/bin/python bench/alerts_send.py --events 1000
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alerts import run_alerts  # noqa: E402
from alerts.events import ChangeEvent  # noqa: E402
from alerts.messages import event_message  # noqa: E402
from alerts.render import render  # noqa: E402
from warehouse.db import connect  # noqa: E402
from zgwatch.config import Settings  # noqa: E402
from zgwatch.sinks import MailSink, WebhookSink  # noqa: E402

DIFF = json.dumps(
    [
        [0, "根据省委统一部署，省委第五巡视组对示例市进行了常规巡视。" * 4],
        [-1, "三个月"],
        [1, "六个月"],
        [0, "，逐项建立问题清单、任务清单、责任清单。" * 4],
        [-1, "28"],
        [1, "30"],
        [0, "个问题已完成整改。" * 8],
        [1, "对长期整改任务持续推进。"],
        [0, "欢迎监督。"],
    ],
    ensure_ascii=False,
)


def build_warehouse(path: Path, n: int) -> None:
    """A warehouse with ``n`` notices and ``n`` events, written in bulk."""
    with connect(path, lock_wait=5) as con:
        con.execute(
            """
            INSERT INTO notice_versions (notice_id, version_no, text_sha256, title, body, url,
                issuer, publicity_start, publicity_end, first_seen_batch, first_seen_at)
            SELECT i::VARCHAR, 1, 'sha' || i,
                   '中共示例市委关于巡视整改进展情况的通报（第' || i || '号）', '正文',
                   'https://www.gdjct.gd.gov.cn/xunshizgls/content/post_' || i || '.html',
                   '中共示例市委', DATE '2025-05-26', DATE '2025-06-04',
                   '20250602T000000Z-000001', TIMESTAMPTZ '2025-06-02 02:00:00+00'
            FROM range(?) r(i)
            """,
            [n],
        )
        con.execute(
            """
            INSERT INTO notice_state (notice_id, url, first_seen, first_seen_batch, last_seen,
                                      latest_version)
            SELECT notice_id, url, first_seen_at, first_seen_batch, first_seen_at, 1
            FROM notice_versions
            """
        )
        con.execute(
            """
            INSERT INTO change_events (event_key, notice_id, kind, batch_id, detected_at, as_of,
                baseline, summary, to_version, diff, publicity_start, publicity_end)
            SELECT 'bench:' || i, i::VARCHAR, CASE WHEN i % 2 = 0 THEN 'new' ELSE 'edited' END,
                   '20250602T000000Z-000001', TIMESTAMPTZ '2025-06-02 02:05:00+00',
                   DATE '2025-06-02', false, '正文修改 3 处', 1,
                   CASE WHEN i % 2 = 1 THEN ? END, DATE '2025-05-26', DATE '2025-06-04'
            FROM range(?) r(i)
            """,
            [DIFF, n],
        )


def render_only(path: Path) -> tuple[int, float]:
    """Messages rendered (HTML + Markdown + text) and seconds, without sending."""
    from alerts.events import load_events

    with connect(path, lock_wait=5) as con:
        ids = [r[0] for r in con.execute("SELECT change_id FROM change_events").fetchall()]
        events: dict[int, ChangeEvent] = load_events(con, ids)
    t = time.perf_counter()
    for e in events.values():
        msg = event_message(e)
        for fmt in ("html", "md", "txt"):
            render(msg, fmt)
    return len(events), time.perf_counter() - t


def scenario(
    template: Path, work: Path, name: str, urls: list[str], expect: int, sinks: list
) -> dict:
    db = work / f"{name}.duckdb"
    shutil.copy(template, db)
    settings = Settings(db=db, notify=tuple(urls), as_of="2025-06-02")
    with connect(db, lock_wait=5) as con:
        t = time.perf_counter()
        report = run_alerts(con, settings)
        seconds = time.perf_counter() - t
    received = sum(len(s.wait_for(n, timeout=60)) for s, n in sinks)
    assert report.sent == expect and received == expect, (report, received)
    return {
        "scenario": name,
        "messages": report.sent,
        "seconds": round(seconds, 2),
        "per_second": round(report.sent / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    n = args.events
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = work / "template.duckdb"
        build_warehouse(template, n)
        rendered, seconds = render_only(template)
        print(f"render only: {rendered} events x (HTML + Markdown + text) in {seconds:.2f}s")
        results = []
        with MailSink() as mail:
            results.append(scenario(template, work, "mail", [mail.url()], n, [(mail, n)]))
        with WebhookSink() as hook:
            results.append(scenario(template, work, "webhook", [hook.url()], n, [(hook, n)]))
        with MailSink() as mail, WebhookSink() as hook:
            results.append(
                scenario(
                    template,
                    work,
                    "mail+webhook",
                    [mail.url(), hook.url()],
                    2 * n,
                    [(mail, n), (hook, n)],
                )
            )
    for r in results:
        print(
            f"{r['scenario']:>13}: {r['messages']} messages in {r['seconds']}s "
            f"({r['per_second']}/s)"
        )


if __name__ == "__main__":
    main()
