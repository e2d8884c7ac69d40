"""known.jsonl: what the warehouse knows of each notice, for the crawler's revisit policy."""

from __future__ import annotations

import os
from pathlib import Path

from core.vocabulary import NOTICE_ID

ISO_UTC = "%Y-%m-%dT%H:%M:%S+00:00"  # the session is UTC (warehouse.db.connect)
# An id an older version loaded that is no notice id is not the crawler's to revisit.
_IS_NOTICE_ID = "regexp_full_match(s.notice_id, '" + NOTICE_ID.pattern + "')"
KNOWN_QUERY = f"""
    SELECT s.notice_id, s.url, s.status,
           coalesce(v.published_on, s.listed_on)    AS published_on,
           v.publicity_start, v.publicity_end,
           strftime(s.first_seen, '{ISO_UTC}')      AS first_seen,
           strftime(s.last_checked_at, '{ISO_UTC}') AS last_checked_at,
           s.etag, s.last_modified
    FROM notice_state AS s
    LEFT JOIN notice_versions AS v
           ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
    WHERE {_IS_NOTICE_ID}
    ORDER BY s.notice_id
"""


def write_known(con, out: Path) -> int:
    """Write one JSON line per known notice to ``out``; return how many.

    Fields: notice_id, url, status, published_on, publicity_start,
    publicity_end, first_seen, last_checked_at, etag, last_modified (dates
    ISO, instants ISO 8601 UTC, null where unknown). A notice listed but never
    read has ``last_checked_at`` null. The file appears whole or not at all
    (written beside it, then renamed; the temporary file never stays behind).
    """
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp_sql = str(tmp).replace("'", "''")
        # COPY answers with the number of rows it wrote
        count = con.execute(f"COPY ({KNOWN_QUERY}) TO '{tmp_sql}' (FORMAT json)").fetchone()[0]
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return count
