#!/bin/sh
# Set up zgwatch on a fresh clone with only Python 3.11 and pip:
# uv (from PyPI), then the locked environment in .venv/ (uv.lock is the pin).
# --browser also installs Debian's chromium and CJK fonts (screenshot tests), when root.
set -eu
cd "$(dirname "$0")/.."

if command -v uv >/dev/null 2>&1; then
    UV="uv"
elif python3 -m uv --version >/dev/null 2>&1; then
    UV="python3 -m uv"
else
    echo "bootstrap: installing uv with pip" >&2
    python3 -m pip install --quiet --user uv 2>/dev/null \
        || python3 -m pip install --quiet uv 2>/dev/null \
        || python3 -m pip install --quiet --user --break-system-packages uv
    UV="python3 -m uv"
fi

# --compile-bytecode: CLI commands and every crawl subprocess start fast even where
# PYTHONDONTWRITEBYTECODE is set (no .pyc would ever be written otherwise)
UV_PYTHON_DOWNLOADS=never $UV sync --frozen --quiet --compile-bytecode

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing chromium and CJK fonts (apt)" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
    else
        echo "bootstrap: chromium missing and cannot be installed here (need root + apt)" >&2
        exit 1
    fi
fi
