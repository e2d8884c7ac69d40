"""The diff between any two versions of a notice, computed here so the page needs no diff code.

Each pair is diffed with ``core.textdiff.compute_diff`` on the same text the
diff stage compares (title, line break, body), so the pair of two
consecutive versions reads exactly as the ``edited`` alert did. A page
carries the changed passages (``hunks``) with some context, not whole texts:
a notice with ten versions has 45 pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from core.textdiff import Hunk, compute_diff, hunks
from history.read import Version

CONTEXT = 40  # unchanged characters shown either side of a change on the page


@dataclass(frozen=True)
class PairDiff:
    """The changes from version ``from_version`` to version ``to_version``."""

    from_version: int
    to_version: int
    hunks: tuple[Hunk, ...]
    deleted: int  # characters
    inserted: int

    @property
    def anchor(self) -> str:
        """The fragment id of this pair on the notice page (``core.sitemap.diff_anchor``)."""
        return f"diff-{self.from_version}-{self.to_version}"


def pair_diff(old: Version, new: Version) -> PairDiff:
    """The diff from ``old`` to ``new``, cut to its changed passages."""
    ops = compute_diff(old.text, new.text)
    return PairDiff(
        from_version=old.version_no,
        to_version=new.version_no,
        hunks=tuple(hunks(ops, CONTEXT)),
        deleted=sum(len(t) for op, t in ops if op < 0),
        inserted=sum(len(t) for op, t in ops if op > 0),
    )


def all_pairs(versions: Sequence[Version]) -> list[PairDiff]:
    """A diff for every pair of versions, older first in each pair, in version order."""
    ordered = sorted(versions, key=lambda v: v.version_no)
    return [pair_diff(a, b) for a, b in combinations(ordered, 2)]
