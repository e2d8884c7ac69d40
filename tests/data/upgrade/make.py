"""Run by make.sh with the PREVIOUS release's code and .venv (cwd: its checkout): two cycles
on its replica, with a new notice, an edit and a removal between them, into ARGV[1]; then
what the warehouse holds, counted by that release, in ARGV[1]/expected.json."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from replica import running

work = Path(sys.argv[1])
db, data = work / "zgwatch.duckdb", work / "data"


def cycle(url: str, as_of: str) -> None:
    subprocess.run([".venv/bin/zgwatch", "run", "--source", url, "--db", str(db),
                    "--data-dir", str(data), "--delay", "0", "--as-of", as_of],
                   check=True, capture_output=True)


with running(8, 5) as replica:
    cycle(replica.url, "2026-11-20")
    ids = replica.site.notice_ids()
    replica.site.edit(ids[0])
    replica.site.remove(ids[1])
    replica.site.add_notice()
    cycle(replica.url, "2026-11-21")
    column = replica.url

relations = ("notices", "changes", "change_hunks", "parse_gaps", "deliveries", "fetches",
             "notice_versions", "publicity_periods", "rectification_timeline",
             "version_history", "fetch_failures", "issuer_contacts", "latest_cycle")
with duckdb.connect(str(db), read_only=True) as con:
    counts = {r: con.execute(f"SELECT count(*) FROM {r}").fetchone()[0] for r in relations}
    notices = sorted(r[0] for r in con.execute("SELECT notice_id FROM notices").fetchall())
    kinds = sorted(r[0] for r in con.execute("SELECT kind FROM changes").fetchall())
    version = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
(work / "expected.json").write_text(json.dumps({
    "column": column, "schema_version": version, "counts": counts, "notice_ids": notices,
    "change_kinds": kinds}, indent=1) + "\n", encoding="utf-8")
