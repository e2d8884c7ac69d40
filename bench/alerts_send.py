"""How long the alert stage takes to render and send N alerts to the local sinks.

Builds a warehouse file with N change events (half ``new``, half ``edited``
with a diff of three changes), then runs ``alerts.run_alerts`` once per
scenario on a fresh copy: email only (aiosmtpd on loopback), JSON webhook only
(http.server on loopback), both, and a JSON webhook with ``digest = true``
(one digest in numbered parts). Everything goes through Apprise, the outbox
and one commit per message, exactly as in a cycle. It also times cutting a
digest of the N events into WeCom-sized parts (2,048 bytes), without sending.

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

from alerts.channels import Channel  # noqa: E402
from alerts.destinations import Destination  # noqa: E402
from alerts.digest import digest_items, digest_message  # noqa: E402
from alerts.events import ChangeEvent  # noqa: E402
from alerts.messages import notice_message  # noqa: E402
from alerts.render import render  # noqa: E402
from alerts.run import run_alerts  # noqa: E402
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
        msg = notice_message([e], f"change:{e.change_id}")
        for fmt in ("html", "md", "txt"):
            render(msg, fmt)
    return len(events), time.perf_counter() - t


def split_only(path: Path) -> tuple[int, int, float]:
    """(events, parts, seconds) of cutting one digest of every event for a WeCom bot."""
    from alerts.events import load_events

    with connect(path, lock_wait=5) as con:
        ids = [r[0] for r in con.execute("SELECT change_id FROM change_events").fetchall()]
        events = list(load_events(con, ids).values())
    channel = Channel.open(Destination(url="wecombot://a1b2c3d4-e5f6-7890-abcd-ef1234567890"))
    t = time.perf_counter()
    parts = channel.parts(digest_message("digest:1", digest_items(events)))
    return len(events), len(parts), time.perf_counter() - t


def scenario(template: Path, work: Path, name: str, destinations: list[Destination],
             expect: int, sinks: list) -> dict:
    """Run the stage once on a fresh copy; ``expect`` outbox rows sent."""
    db = work / f"{name}.duckdb"
    shutil.copy(template, db)
    # every event its own message: above the flood guard's 20 a run sends one digest
    settings = Settings(db=db, destinations=tuple(destinations), as_of="2025-06-02",
                        flood_threshold=100_000)
    with connect(db, lock_wait=5) as con:
        t, c = time.perf_counter(), time.process_time()
        report = run_alerts(con, settings.alert_config())
        seconds, cpu = time.perf_counter() - t, time.process_time() - c
    received = sum(len(s.wait_for(n or report.messages, timeout=60)) for s, n in sinks)
    assert report.sent == expect and received == report.messages, (report, received)
    return {
        "scenario": name,
        "rows": report.sent,
        "messages": report.messages,
        "seconds": round(seconds, 2),
        "cpu": round(cpu, 2),
        "per_second": round(report.messages / seconds, 1),
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
        events, parts, seconds = split_only(template)
        print(f"digest split for WeCom: {events} events into {parts} parts in {seconds:.2f}s")
        results = []

        def to(*urls: str, digest: bool = False) -> list[Destination]:
            return [Destination(url=u, digest=digest) for u in urls]

        with MailSink() as mail:
            results.append(scenario(template, work, "mail", to(mail.url()), n, [(mail, n)]))
        with WebhookSink() as hook:
            results.append(scenario(template, work, "webhook", to(hook.url()), n, [(hook, n)]))
        with MailSink() as mail, WebhookSink() as hook:
            results.append(scenario(template, work, "mail+webhook", to(mail.url(), hook.url()),
                                    2 * n, [(mail, n), (hook, n)]))
        with WebhookSink() as hook:
            results.append(scenario(template, work, "webhook digest",
                                    to(hook.url(), digest=True), n, [(hook, 0)]))
    for r in results:
        print(
            f"{r['scenario']:>14}: {r['rows']} rows in {r['messages']} messages, "
            f"{r['seconds']}s, {r['cpu']} CPU-s with the sinks' threads "
            f"({r['per_second']} messages/s)"
        )


if __name__ == "__main__":
    main()
