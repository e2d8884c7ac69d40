#!/bin/sh
# Make previous_release.duckdb.gz: a warehouse written BY THE PREVIOUS RELEASE (commit
# 418771a, before sources existed), for tests/warehouse/test_upgrade.py. It checks that
# commit out in a worktree of its own, sets up its own .venv, and runs make.py there
# with that release's code: two cycles on its replica with a new notice, an edit and a
# removal between them. Run from anywhere: sh tests/data/upgrade/make.sh
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
old="${ZGWATCH_PREVIOUS:-/tmp/zgwatch-previous-release}"
if [ ! -d "$old" ]; then
    git -C "$here" worktree add --detach "$old" 418771a
fi
sh "$old/scripts/bootstrap.sh"
work="$(mktemp -d)"
(cd "$old" && .venv/bin/python "$here/make.py" "$work")
gzip -9 -n -c "$work/zgwatch.duckdb" > "$here/previous_release.duckdb.gz"
cp "$work/expected.json" "$here/previous_release.expected.json"
rm -rf "$work"
echo "wrote $here/previous_release.duckdb.gz (remove the worktree: git worktree remove $old)"
