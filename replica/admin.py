"""The replica's admin API under ``/_replica/``: change a replica in another process.

``POST /_replica/<operation>`` with a JSON object of the ``Replica`` method's
keyword arguments (dates as ISO strings) calls that method; the answer is
JSON. ``GET /_replica/state`` and ``GET /_replica/notice/<id>`` read. The
prefix is disallowed in robots.txt and lies outside the column's folder.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from replica.response import Response
from replica.state import Replica

PREFIX = "/_replica/"
OPERATIONS = (
    "add_notice",
    "edit",
    "set_period",
    "remove",
    "restore",
    "set_template",
    "set_fault",
    "clear_faults",
)
# The same changes in any column or site, by its ``path``: 整改落实's (/xunshizgls/) or one of
# replica/columns.py's.
COLUMN_OPERATIONS = ("column_add_notice", "column_edit", "column_remove", "column_restore")


def handle_admin(site: Replica, method: str, path: str, body: bytes) -> Response:
    """Answer one admin request; bad input is a 400 with ``{"error": …}``, unknown ids 404."""
    name = path.removeprefix(PREFIX)
    try:
        if method == "GET" and name == "state":
            return _json(200, state(site))
        if method == "GET" and name.startswith("notice/"):
            return _json(200, _plain(dataclasses.asdict(site.notice(name.removeprefix("notice/")))))
        if method == "POST" and name in OPERATIONS + COLUMN_OPERATIONS:
            args = json.loads(body or b"{}")
            if not isinstance(args, dict):
                raise TypeError("the body must be a JSON object")
            result = (_in_column(site, name.removeprefix("column_"), args)
                      if name in COLUMN_OPERATIONS else getattr(site, name)(**_dates(name, args)))
            if dataclasses.is_dataclass(result):
                result = _plain(dataclasses.asdict(result))
            return _json(200, {"ok": True, "result": result})
    except KeyError as exc:
        return _json(404, {"error": f"no notice {exc.args[0]}"})
    except (TypeError, ValueError) as exc:
        return _json(400, {"error": str(exc)})
    return _json(404, {"error": f"no admin operation {method} {path}"})


def _in_column(site: Replica, operation: str, args: dict[str, Any]) -> Any:
    """``operation`` (add_notice, edit, remove, restore) in the column at ``args["path"]``
    (``Replica.column``), with the rest of ``args``."""
    args = dict(args)
    return getattr(site.column(args.pop("path", None)), operation)(**args)


def state(site: Replica) -> dict[str, Any]:
    """A summary of the replica: template, listed ids in order, active faults."""
    return {
        "seed": site.seed,
        "today": site.today.isoformat(),
        "template": site.template,
        "pages": site.page_count(),
        "notice_ids": site.notice_ids(),
        "faults": [dataclasses.asdict(f) for f in site.faults.active()],
    }


def _dates(operation: str, args: dict[str, Any]) -> dict[str, Any]:
    """ISO strings to dates for the arguments that are dates."""
    out = dict(args)
    for key in ("start", "end"):
        if operation == "set_period" and isinstance(out.get(key), str):
            out[key] = date.fromisoformat(out[key])
    if isinstance(out.get("published_at"), str):
        out["published_at"] = datetime.fromisoformat(out["published_at"])
    if isinstance(out.get("period"), list):
        out["period"] = tuple(date.fromisoformat(d) for d in out["period"])
    return out


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO strings, sets and tuples as lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_plain(v) for v in items]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json(status: int, payload: Any) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json; charset=utf-8"})
