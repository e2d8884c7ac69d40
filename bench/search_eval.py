"""Which tokeniser finds more of what analysts type: jieba's words or character bigrams?

    .venv/bin/python bench/search_eval.py                  # 1,000 replica notices (seed 1)
    .venv/bin/python bench/search_eval.py --notices 3000 --markdown

The corpus is the replica's notices (title and body, as ``Replica.notice``
writes them); the queries are ``bench/search_queries.txt``. A notice is
*relevant* to a query when its text holds every word of the query verbatim
(full-width forms folded, case ignored): what ``LIKE '%…%'`` finds, which is
what an analyst who types a phrase expects to find, now ranked.

Each tokeniser is used for the notices and the query alike, and a notice
matches when it holds every token of the query, anywhere (a bag of tokens);
matches are ranked by BM25 (k1 1.2, b 0.75, fts's formula). Tokenisers:

- ``bigram``: ``search_tokens`` of ``warehouse/sql/search.sql``, run by DuckDB;
- ``jieba``: ``jieba.lcut`` (precise mode, HMM on) for notices and query;
- ``jieba_search``: ``jieba.lcut_for_search`` (words and their sub-words).

and ``search_notices``: the shipped search itself, on an analyst copy of a
warehouse holding the same notices (bigrams, each word's tokens required side
by side, BM25 over the words).

Per query: relevant notices, matches, recall, precision, and precision of the
ten best. The summary is what docs/benchmarks.md reports.
"""

from __future__ import annotations

import argparse
import collections
import logging
import math
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402

from replica.state import Replica  # noqa: E402
from testkit.batches import FakeColumn  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.diff import detect_changes  # noqa: E402
from warehouse.load import load_pending  # noqa: E402
from warehouse.publish import publish_analyst_copy  # noqa: E402
from warehouse.search import create_macros  # noqa: E402

QUERIES = REPO / "bench" / "search_queries.txt"
AS_OF = date(2026, 11, 26)  # the replica's default "today"
TOKEN = re.compile(r"[\w]", re.UNICODE)
FOLD = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})
K1, B = 1.2, 0.75


def fold(text: str) -> str:
    return text.translate(FOLD).lower()


def read_queries(path: Path = QUERIES) -> list[tuple[str, str]]:
    """(group, query) pairs; a ``# [group]`` line opens a group."""
    out, group = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"#\s*\[(\w+)\]", line):
            group = m[1]
        elif line.strip() and not line.startswith("#"):
            out.append((group, line.strip()))
    return out


def corpus(notices: int, seed: int) -> dict[str, str]:
    replica = Replica(notices=notices, seed=seed, today=AS_OF)
    return {nid: replica.notice(nid).text for nid in replica.notice_ids()}


def build_warehouse(root: Path, notices: int, seed: int) -> Path:
    """A warehouse holding the replica's ``notices`` notices after one cycle (a fake crawl)."""
    replica = Replica(notices=notices, seed=seed, today=AS_OF)
    column = FakeColumn(root / "batches")
    for nid in replica.notice_ids():
        spec = replica.notice(nid)
        column.add(nid, published_on=spec.published_on, issuer=spec.issuer, title=spec.title,
                   body="\n".join(spec.body_paragraphs))  # fmt: skip
    column.crawl()
    db = root / "zgwatch.duckdb"
    with connect(db) as con:
        load_pending(con, column.batches_dir)
        detect_changes(con, as_of=AS_OF, warn_days=3)
        con.execute("CHECKPOINT")
    return db


def shipped_search(notices: int, seed: int, queries: list[str]) -> tuple[dict, float]:
    """Each query's hits, best first, from ``search_notices`` on a real analyst copy."""
    with tempfile.TemporaryDirectory(prefix="zgwatch-eval-") as tmp:
        db = build_warehouse(Path(tmp), notices, seed)
        t0 = time.perf_counter()
        copy = publish_analyst_copy(db)  # the copy and its index
        seconds = time.perf_counter() - t0
        con = duckdb.connect(str(copy), read_only=True)
        found = {q: [r[0] for r in con.execute(
            "SELECT notice_id FROM search_notices(?, snippets := 0)", [q]).fetchall()]
            for q in queries}  # fmt: skip
        con.close()
    return found, seconds


def bigram_tokenizer():
    """``search_tokens`` as the analyst copy defines it, run by DuckDB."""
    con = duckdb.connect()
    create_macros(con)

    def many(texts: list[str]) -> list[list[str]]:
        con.register("texts", pa.table({"i": list(range(len(texts))), "t": texts}))
        rows = con.execute("SELECT search_tokens(t) FROM texts ORDER BY i").fetchall()
        con.unregister("texts")
        return [r[0] for r in rows]

    return many


def jieba_tokenizer(search_mode: bool):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    cut = jieba.lcut_for_search if search_mode else jieba.lcut

    def many(texts: list[str]) -> list[list[str]]:
        return [[w for w in cut(fold(t)) if TOKEN.search(w)] for t in texts]

    return many


class Index:
    """A conjunctive BM25 index over token lists (the shape of fts's)."""

    def __init__(self, docs: dict[str, list[str]]):
        self.tf = {d: collections.Counter(toks) for d, toks in docs.items()}
        self.len = {d: len(toks) for d, toks in docs.items()}
        self.df = collections.Counter(t for c in self.tf.values() for t in c)
        self.n = len(docs)
        self.avgdl = sum(self.len.values()) / max(self.n, 1)

    def search(self, tokens: list[str]) -> list[str]:
        tokens = list(dict.fromkeys(tokens))
        if not tokens:
            return []
        hits = [d for d, c in self.tf.items() if all(t in c for t in tokens)]
        return sorted(hits, key=lambda d: (-self.score(d, tokens), d))

    def score(self, doc: str, tokens: list[str]) -> float:
        total = 0.0
        for t in tokens:
            f, df = self.tf[doc][t], self.df[t]
            idf = math.log10((self.n - df + 0.5) / (df + 0.5) + 1)
            total += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * self.len[doc] / self.avgdl))
        return total


def evaluate(notices: int, seed: int) -> dict:
    texts = corpus(notices, seed)
    ids = list(texts)
    folded = {d: fold(t) for d, t in texts.items()}
    queries = read_queries()
    truth = {q: {d for d in ids if all(fold(w) in folded[d] for w in q.split())}
             for _, q in queries}  # fmt: skip
    methods = {"bigram": bigram_tokenizer(), "jieba": jieba_tokenizer(False),
               "jieba_search": jieba_tokenizer(True)}  # fmt: skip
    results: dict = {"notices": len(ids), "queries": queries, "truth": truth, "methods": {}}
    for name, tokenize in methods.items():
        t0 = time.perf_counter()
        index = Index(dict(zip(ids, tokenize([texts[d] for d in ids]), strict=True)))
        seconds = time.perf_counter() - t0
        per_query = {}
        for _, q in queries:
            tokens = tokenize([q])[0]
            found = index.search(tokens)
            per_query[q] = (tokens, found)
        results["methods"][name] = {"seconds": seconds, "queries": per_query}
    found, seconds = shipped_search(notices, seed, [q for _, q in queries])
    results["methods"]["search_notices"] = {
        "seconds": seconds, "queries": {q: ([], hits) for q, hits in found.items()}}
    return results


def metrics(truth: set[str], found: list[str]) -> dict:
    hit = truth & set(found)
    top = found[:10]
    return {
        "relevant": len(truth),
        "found": len(found),
        "recall": len(hit) / len(truth) if truth else None,
        "precision": len(hit) / len(found) if found else None,
        "p10": sum(d in truth for d in top) / len(top) if top else None,
    }


def mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def report(results: dict, markdown: bool) -> str:
    names = list(results["methods"])
    lines = [f"{results['notices']} replica notices, {len(results['queries'])} queries", ""]
    head = ["group", "query", "relevant"] + [f"{n} found / recall / precision" for n in names]
    rows = []
    by_group = collections.defaultdict(lambda: collections.defaultdict(list))
    for group, q in results["queries"]:
        truth = results["truth"][q]
        cells = [group, q, str(len(truth))]
        for n in names:
            m = metrics(truth, results["methods"][n]["queries"][q][1])
            by_group[group][n].append(m)
            by_group["all"][n].append(m)
            cells.append(f"{m['found']} / {fmt(m['recall'])} / {fmt(m['precision'])}")
        rows.append(cells)
    summary_head = ["queries", "method", "mean recall", "mean precision", "mean P@10",
                    "full recall", "nothing found though relevant exist", "index seconds"]
    summary = []
    for group in [*dict.fromkeys(g for g, _ in results["queries"]), "all"]:
        for n in names:
            ms = by_group[group][n]
            full = sum(m["recall"] == 1 for m in ms if m["recall"] is not None)
            with_truth = sum(m["recall"] is not None for m in ms)
            blind = sum(m["relevant"] and not m["found"] for m in ms)
            summary.append([group, n, fmt(mean(m["recall"] for m in ms)),
                            fmt(mean(m["precision"] for m in ms)),
                            fmt(mean(m["p10"] for m in ms)), f"{full}/{with_truth}", str(blind),
                            f"{results['methods'][n]['seconds']:.1f}" if group == "all" else ""])
    lines += [*table(summary_head, summary, markdown), "", *table(head, rows, markdown)]
    return "\n".join(lines)


def table(head: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + [
            "| " + " | ".join(r) + " |" for r in rows
        ]
    return ["\t".join(head)] + ["\t".join(r) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    print(report(evaluate(args.notices, args.seed), args.markdown))


if __name__ == "__main__":
    main()
