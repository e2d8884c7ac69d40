"""How well the article parser reads the replica: per field, read / flagged / wrong.

Every notice of a replica column (``--notices``, ``--seed``) is rendered in each
template (A and B by default) and read by ``crawler.parsing.article.parse_article``;
what it read is compared with what the replica knows it printed (its
``NoticeSpec``: the true publicity period, contacts, issuer, kind). The records
are then loaded, as a crawl batch, into a scratch warehouse, and its
``parse_gaps`` view says which notices the pipeline flags.

    .venv/bin/python bench/parse_fidelity.py                     # 2,000 notices, A and B
    .venv/bin/python bench/parse_fidelity.py --parser /tmp/before  # another checkout's parser

Columns: ``truth`` notices whose text states the field; ``read`` notices the
parser gave a value; ``flagged`` notices with a ``parse_gaps`` row for it (not
measured for ``--parser``: older parsers wrote no readings); ``wrong`` notices
whose value differs from the truth (a value where the text states none counts).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import replica  # ours, before --parser can put another checkout first on the path

URL = "http://127.0.0.1/xunshizgls/content/post_{}.html"
FIELDS = ("start", "end", "phones", "emails", "postcode", "address", "issuer", "kind")
# parse_gaps fields that flag each bench field
GAP_FIELDS = {
    "start": ("publicity_period",),
    "end": ("publicity_period", "publicity_end"),
    "phones": ("contacts",),
    "emails": ("contacts",),
    "postcode": ("contacts",),
    "address": ("contacts",),
    "issuer": ("issuer",),
    "kind": (),
}


def truth(spec) -> dict:
    """What the replica printed, field by field (None or () where it printed nothing)."""
    return {
        "start": spec.period.start,
        "end": spec.period.end,
        "phones": tuple(spec.contacts.phones),
        "emails": tuple(spec.contacts.emails),
        "postcode": spec.contacts.postcode,
        "address": spec.contacts.address,
        "issuer": spec.issuer,
        "kind": spec.kind,
    }


def parsed(page) -> dict:
    """What the parser read, in the same shape (``kind`` is None for a parser without it)."""
    return {
        "start": page.publicity.start,
        "end": page.publicity.end,
        "phones": tuple(page.contacts.phones),
        "emails": tuple(page.contacts.emails),
        "postcode": page.contacts.postcode,
        "address": page.contacts.address,
        "issuer": page.issuer,
        "kind": getattr(page, "document_kind", None),
    }


def flagged(records: list, batch_root: Path) -> dict[str, set[str]]:
    """{bench field: notice ids flagged} from the parse_gaps of a scratch warehouse."""
    from core.batch import Batch
    from warehouse.db import connect
    from warehouse.load import load_batch

    batch = Batch(batch_root / "20260101T000000000Z-00be0c")
    batch.dir.mkdir(parents=True)
    lines = [json.dumps(asdict(r), ensure_ascii=False, default=str) for r in records]
    batch.notices.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch.write_summary({"list_complete": True})
    batch.mark_done()
    with connect(batch_root / "bench.duckdb", lock_wait=5) as con:
        load_batch(con, batch.dir)
        gaps = con.execute("SELECT DISTINCT notice_id, field FROM parse_gaps").fetchall()
    by_gap_field: dict[str, set[str]] = {}
    for notice_id, field in gaps:
        by_gap_field.setdefault(field, set()).add(notice_id)
    return {f: set().union(*(by_gap_field.get(g, set()) for g in GAP_FIELDS[f])) for f in FIELDS}


def measure(template: str, notices: int, seed: int, ours: bool) -> tuple[dict, list[str]]:
    """Counts per field for one template, and a few examples of wrong readings."""
    from crawler.parsing.article import parse_article

    site = replica.Replica(notices, seed, template=template)
    counts = {f: Counter() for f in FIELDS}
    records, examples = [], []
    for notice_id in site.notice_ids():
        spec, body = site.notice(notice_id), site.article(notice_id).body
        page = parse_article(body, URL.format(notice_id))
        want, got = truth(spec), parsed(page)
        for f in FIELDS:
            counts[f]["truth"] += bool(want[f])
            counts[f]["read"] += bool(got[f])
            if got[f] != want[f] and not (f == "kind" and not ours):
                counts[f]["wrong"] += 1
                if len(examples) < 5:
                    examples.append(f"{notice_id} {f}: read {got[f]!r}, printed {want[f]!r}")
        if ours:
            from crawler.items import NoticeRecord

            records.append(NoticeRecord.from_page(
                page, notice_id=notice_id, fetched_at="2026-01-01T00:00:00+00:00",
                raw_sha256="0" * 64, etag=None, last_modified=None,
            ))  # fmt: skip
    if ours:
        with tempfile.TemporaryDirectory() as tmp:
            for f, ids in flagged(records, Path(tmp)).items():
                counts[f]["flagged"] = len(ids)
    return counts, examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--templates", nargs="+", default=["A", "B"])
    parser.add_argument("--parser", type=Path, help="a checkout whose crawler/ to measure")
    args = parser.parse_args()
    ours = args.parser is None
    if not ours:
        sys.path.insert(0, str(args.parser.resolve()))
    import crawler

    print(f"parser: {Path(crawler.__file__).parent.parent}")
    for template in args.templates:
        t0 = time.perf_counter()
        counts, examples = measure(template, args.notices, args.seed, ours)
        seconds = time.perf_counter() - t0
        print(f"\ntemplate {template}: {args.notices} notices, seed {args.seed} ({seconds:.1f} s)")
        print(f"{'field':<10}{'truth':>7}{'read':>7}{'flagged':>9}{'wrong':>7}")
        for f in FIELDS:
            c = counts[f]
            flag = str(c["flagged"]) if ours else "-"
            wrong = "-" if f == "kind" and not ours else str(c["wrong"])
            print(f"{f:<10}{c['truth']:>7}{c['read']:>7}{flag:>9}{wrong:>7}")
        for line in examples:
            print("  e.g.", line)


if __name__ == "__main__":
    main()
