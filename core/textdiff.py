"""Character diffs of notice text: computed once by the diff stage, read by alerts and analysts.

A diff is a list of ``(op, text)`` pairs: -1 deleted, 0 unchanged, 1 inserted
(diff-match-patch's convention). It is computed character by character and
then given diff-match-patch's *semantic* clean-up, which merges the scattered
one-character matches that Chinese text produces into whole phrases, so a
reader sees "[-第一时间-]{+及时+}" rather than a confetti of single characters;
one or two unchanged characters between two changes are folded into them too.

``change_events.diff`` stores the whole diff as JSON (joining the ops with
op <= 0 gives the old text, op >= 0 the new). ``hunks`` cuts it down to the
changes with a few characters of context each side, for people; ``hunk_to_text``
writes one in the plain-text convention. The HTML and Markdown forms are
the alerts' (``alerts/render.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from diff_match_patch import diff_match_patch

Op = tuple[int, str]
Hunk = tuple[Op, ...]

CONTEXT = 30  # unchanged characters kept each side of a change
MAX_RUN = 1500  # characters of one deleted or inserted run shown before it is clipped
SHORT_RUN = 2  # an unchanged run this short between two changes reads as part of them
TIMEOUT = 5.0  # seconds diff-match-patch may spend before it settles for a coarser diff
ELLIPSIS = "…"


def compute_diff(old: str, new: str, *, timeout: float = TIMEOUT) -> list[Op]:
    """The character diff from ``old`` to ``new`` after semantic clean-up."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    ops = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(ops)
    return _join_phrases([(int(op), text) for op, text in ops if text])


def _join_phrases(ops: list[Op]) -> list[Op]:
    """Fold an unchanged run of one or two characters between two changes into them.

    Chinese has no spaces, so the semantic clean-up (which looks for word
    boundaries) leaves 专项[-整-]治{+理+}; a reader wants [-整治-]{+治理+}.
    """
    marked = [
        (9, text)  # 9: both deleted and inserted
        if op == 0 and 0 < i < len(ops) - 1 and len(text) <= SHORT_RUN and "\n" not in text
        and ops[i - 1][0] != 0 and ops[i + 1][0] != 0
        else (op, text)
        for i, (op, text) in enumerate(ops)
    ]  # fmt: skip
    out: list[Op] = []
    deleted: list[str] = []
    inserted: list[str] = []
    for op, text in [*marked, (0, "")]:
        if op == 0:
            out += [(o, "".join(t)) for o, t in ((-1, deleted), (1, inserted)) if t]
            deleted, inserted = [], []
            if text:
                out.append((0, text))
            continue
        if op in (-1, 9):
            deleted.append(text)
        if op in (1, 9):
            inserted.append(text)
    return out


def diff_to_json(diff: Sequence[Op]) -> str:
    """The stored form: ``[[op, text], ...]``, Chinese kept as is."""
    return json.dumps([[op, text] for op, text in diff], ensure_ascii=False)


def parse_diff(value: str | list | None) -> list[Op] | None:
    """``change_events.diff`` (JSON text or already decoded) back to ``(op, text)`` pairs."""
    if value is None:
        return None
    ops = json.loads(value) if isinstance(value, str) else value
    return [(int(op), str(text)) for op, text in ops]


def _lead(text: str, n: int) -> str:
    """The end of an unchanged run, as context before a change; stops at a paragraph break."""
    if n <= 0:
        return ""
    piece = text[-n:]
    if "\n" in piece:
        return piece[piece.rfind("\n") + 1 :]
    cut = len(text) > n and text[-n - 1] != "\n"
    return ELLIPSIS + piece if cut else piece


def _trail(text: str, n: int) -> str:
    """The start of an unchanged run, as context after a change; stops at a paragraph break."""
    if n <= 0:
        return ""
    piece = text[:n]
    if "\n" in piece:
        return piece[: piece.find("\n")]
    cut = len(text) > n and text[n] != "\n"
    return piece + ELLIPSIS if cut else piece


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}{ELLIPSIS}(省略 {len(text) - limit} 字)"


def hunks(diff: Sequence[Op] | None, context: int = CONTEXT) -> list[Hunk]:
    """The changes of ``diff``, each with up to ``context`` unchanged characters either side.

    Two changes closer than ``2 * context`` share a hunk; a longer unchanged
    run between them splits them. Very long deleted/inserted runs are clipped.
    """
    return [hunk for _, hunk in placed_hunks(diff, context)]


def placed_hunks(diff: Sequence[Op] | None, context: int = CONTEXT) -> list[tuple[int, Hunk]]:
    """``hunks(diff, context)``, each with the offset in the new text where its first change is.

    The offset is what ``warehouse.summaries.section_of`` needs to name the
    hunk's section; alerts and the warehouse's ``change_hunks`` cut passages
    with this one function, so they always agree.
    """
    ops = [(op, text) for op, text in (diff or ()) if text]
    changed = [i for i, (op, _) in enumerate(ops) if op != 0]
    if not changed:
        return []
    first, last = changed[0], changed[-1]
    out: list[tuple[int, Hunk]] = []
    current: list[Op] = []
    offset, start = 0, 0  # where we are in the new text; where this hunk's first change is
    for i, (op, text) in enumerate(ops):
        if op != 0:
            if not any(o for o, _ in current):
                start = offset
            current.append((op, _clip(text, MAX_RUN)))
        elif i < first:
            current.append((0, _lead(text, context)))
        elif i > last:
            current.append((0, _trail(text, context)))
        elif len(text) <= 2 * context:
            current.append((0, text))
        else:  # a long unchanged run between two changes closes this hunk and opens the next
            current.append((0, _trail(text, context)))
            out.append((start, tuple(current)))
            current = [(0, _lead(text, context))]
        if op >= 0:
            offset += len(text)
    out.append((start, tuple(current)))
    return [(at, tuple(o for o in h if o[1])) for at, h in out]


def hunk_to_text(hunk: Iterable[Op]) -> str:
    """One hunk in the plain-text convention: ``[-deleted-]{+inserted+}``."""
    marks = {-1: "[-{}-]", 0: "{}", 1: "{{+{}+}}"}
    return "".join(marks[op].format(text) for op, text in hunk)


# -- numbers and dates, widened for people -------------------------------------------------------

DIGITS = frozenset("0123456789０１２３４５６７８９")
# What holds a number, a date or a phone number together: 12月18日, 0756-7263766, 9:30.
# A number starts with a digit and ends with a digit or a unit, never with a separator.
NUMBER_UNITS = frozenset("年月日号时点分秒")
NUMBER_SEPARATORS = frozenset("-－—./:：．")
NUMBER_CHARS = DIGITS | NUMBER_UNITS | NUMBER_SEPARATORS
MAX_WIDEN = 16  # characters a change may grow by on each side


def _token_suffix(text: str) -> str:
    """The end of ``text`` that is part of a number or date (at most ``MAX_WIDEN`` chars)."""
    n = 0
    while n < min(len(text), MAX_WIDEN) and text[-1 - n] in NUMBER_CHARS:
        n += 1
    suffix = text[len(text) - n :]
    return suffix[next((i for i, c in enumerate(suffix) if c in DIGITS), len(suffix)) :]


def _token_prefix(text: str) -> str:
    """The start of ``text`` that is part of a number or date (at most ``MAX_WIDEN`` chars)."""
    n = 0
    while n < min(len(text), MAX_WIDEN) and text[n] in NUMBER_CHARS:
        n += 1
    while n and text[n - 1] in NUMBER_SEPARATORS:
        n -= 1
    return text[:n]


def widen_numbers(hunk: Iterable[Op]) -> list[Op]:
    """``hunk`` with each change inside a number or date widened to the whole of it.

    ``12月{+1+}8日`` reads as ``[-12月8日-]{+12月18日+}`` and a changed digit of a
    phone number shows the whole number, so a one-digit change is easy to spot.
    Only changes made of digits and their joiners (年月日, -, :, …) that touch a
    digit are widened; the old and new texts joined stay what they were.
    """
    ops = [(op, text) for op, text in hunk if text]
    out: list[Op] = []
    i = 0
    while i < len(ops):
        if ops[i][0] == 0:
            out.append(ops[i])
            i += 1
            continue
        j = i
        while j < len(ops) and ops[j][0] != 0:
            j += 1
        deleted = "".join(t for op, t in ops[i:j] if op < 0)
        inserted = "".join(t for op, t in ops[i:j] if op > 0)
        left = out.pop()[1] if out and out[-1][0] == 0 else ""
        right = ops[j][1] if j < len(ops) else ""
        changed = deleted + inserted
        numeric = set(changed) <= NUMBER_CHARS
        touches = DIGITS & set(changed + left[-1:] + right[:1])
        widen = numeric and touches
        lead, trail = (_token_suffix(left), _token_prefix(right)) if widen else ("", "")
        if left[: len(left) - len(lead)]:
            out.append((0, left[: len(left) - len(lead)]))
        if deleted or lead or trail:
            out.append((-1, lead + deleted + trail))
        out.append((1, lead + inserted + trail))
        rest = right[len(trail) :]
        if j < len(ops):
            ops[j] = (0, rest)  # what is left of the unchanged run (may be empty)
        i = j
    return _merge_adjacent([o for o in out if o[1]])


def _merge_adjacent(ops: list[Op]) -> list[Op]:
    """Join neighbouring runs of one kind (two widened changes that met); deletions first."""
    out: list[Op] = []
    for op, text in ops:
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif op < 0 and len(out) >= 1 and out[-1][0] > 0 and (len(out) < 2 or out[-2][0] != -1):
            out.insert(len(out) - 1, (op, text))
        elif op < 0 and len(out) >= 2 and out[-1][0] > 0 and out[-2][0] < 0:
            out[-2] = (-1, out[-2][1] + text)
        else:
            out.append((op, text))
    return out
