"""Settings: one validated object built from flags, environment, a TOML file and defaults.

Precedence is flag > environment > file > default. Bad input becomes a
``ConfigError`` with one line naming the option; the CLI turns it into exit 2.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zgwatch.errors import ConfigError

SHANGHAI = ZoneInfo("Asia/Shanghai")
REAL_COLUMN = "https://www.gdjct.gd.gov.cn/xunshizgls/"
DEFAULT_CONFIG = Path("zgwatch.toml")

# option name -> environment variable, for the options of interfaces.md and a few more.
ENV = {
    "source": "ZGWATCH_SOURCE",
    "db": "ZGWATCH_DB",
    "data_dir": "ZGWATCH_DATA_DIR",
    "notify": "ZGWATCH_NOTIFY",
    "as_of": "ZGWATCH_AS_OF",
    "warn_days": "ZGWATCH_WARN_DAYS",
    "delay": "ZGWATCH_DELAY",
    "timeout": "ZGWATCH_TIMEOUT",
    "operators_notify": "ZGWATCH_OPERATORS_NOTIFY",
    "lock_wait": "ZGWATCH_LOCK_WAIT",
}
LIST_OPTIONS = {"notify", "operators_notify"}


def today_in_shanghai() -> date:
    return datetime.now(SHANGHAI).date()


class Destination(BaseModel):
    """Where alerts go: an Apprise URL, optionally only some kinds or some notices."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    kinds: tuple[str, ...] | None = None  # None: every alerted kind
    match: tuple[str, ...] | None = None  # keywords; an event passes if issuer or title holds one

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, v: str) -> str:
        v = v.strip()
        scheme = v.split("://", 1)[0] if "://" in v else ""
        if not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme):
            raise ValueError("not an Apprise URL (scheme://…)")
        import apprise  # late: only when destinations are configured

        quiet = logging.getLogger("apprise")
        level, quiet.level = quiet.level, logging.CRITICAL  # our one line says it
        try:
            plugin = apprise.Apprise.instantiate(v, suppress_exceptions=True)
        finally:
            quiet.level = level
        if plugin is None:
            raise ValueError(f"Apprise cannot send to this {scheme}:// URL (unknown or incomplete)")
        return v

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, v):
        known = {"new", "edited", "removed", "restored", "expiring", "expired"}
        if v is not None and (bad := set(v) - known):
            raise ValueError(f"unknown kinds {sorted(bad)}; known: {sorted(known)}")
        return v


class Settings(BaseModel):
    """Everything a cycle needs; build it with ``load_settings``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = REAL_COLUMN
    db: Path = Path("data/zgwatch.duckdb")
    data_dir: Path = Path("data")
    notify: tuple[str, ...] = ()
    destinations: tuple[Destination, ...] = ()  # from the file: routed destinations
    operators_notify: tuple[str, ...] = ()  # operators' destinations (pipeline trouble)
    as_of: date = Field(default_factory=today_in_shanghai)
    warn_days: int = Field(default=3, ge=0, le=366)
    delay: float = Field(default=1.0, ge=0, le=3600)
    timeout: float = Field(default=30.0, gt=0, le=3600)
    # revisit policy (crawler/revisit.py)
    recent_days: int = Field(default=30, ge=0)
    revisit_days: float = Field(default=7.0, gt=0)
    # warehouse: how long to wait for a write lock held by another process
    lock_wait: float = Field(default=120.0, ge=0)
    # alerts: failed runs after which a delivery is marked failed
    max_attempts: int = Field(default=8, ge=1)
    user_agent: str = (
        "zgwatch/0.1 (+https://github.com/zgwatch/zgwatch; watches the 整改落实 column)"
    )

    @field_validator("source")
    @classmethod
    def _http_url(cls, v: str) -> str:
        parts = urlsplit(v.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"must be an http(s) URL of the column's index, got {v!r}")
        return v.strip()

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_day(cls, v):
        if isinstance(v, str):
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
                raise ValueError("must be a date YYYY-MM-DD")
            try:
                return date.fromisoformat(v.strip())
            except ValueError as exc:
                raise ValueError(f"not a real date: {exc}") from None
        return v

    @field_validator("notify", "operators_notify")
    @classmethod
    def _urls(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for url in v:
            Destination(url=url)
        return v

    @property
    def all_destinations(self) -> tuple[Destination, ...]:
        """``--notify`` URLs (everything) followed by the file's routed destinations."""
        return tuple(Destination(url=u) for u in self.notify) + self.destinations

    @property
    def batches_dir(self) -> Path:
        return self.data_dir / "batches"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"


def _split_urls(value: str) -> list[str]:
    """URLs separated by spaces or commas; a comma inside a URL (``to=a@x,b@y``) stays."""
    parts = re.split(r"\s+|,\s*(?=[a-z][a-z0-9+.-]*://)", value.strip())
    return [u.strip(",") for u in parts if u.strip(",")]


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path}: not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read ({exc.strerror})") from None
    section = data.get("zgwatch", data)
    return {k.replace("-", "_"): v for k, v in section.items()}


def load_settings(
    flags: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Merge flags > environment > config file > defaults and validate once.

    ``flags`` holds only options given on the command line (None means not given).
    The config file is ``config_file``, else ``$ZGWATCH_CONFIG``, else ``./zgwatch.toml``
    when it exists.
    """
    env = os.environ if env is None else env
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    origin: dict[str, str] = {}

    path = config_file or (Path(env["ZGWATCH_CONFIG"]) if env.get("ZGWATCH_CONFIG") else None)
    if path is None and DEFAULT_CONFIG.exists():
        path = DEFAULT_CONFIG
    merged: dict[str, Any] = {}
    if path is not None:
        merged.update(_read_file(path))
        origin.update({k: f"{k} in {path}" for k in merged})

    for name, var in ENV.items():
        raw = env.get(var)
        if raw is None or raw.strip() == "":
            continue
        merged[name] = _split_urls(raw) if name in LIST_OPTIONS else raw.strip()
        origin[name] = var

    for name, value in flags.items():
        merged[name] = value
        origin[name] = "--" + name.replace("_", "-")

    try:
        return Settings(**merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "settings"
        where = origin.get(name, name)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown setting"
        got = err.get("input")
        # never echo a destination back: it may hold a secret
        quiet = err["type"] == "extra_forbidden" or name in LIST_OPTIONS or name == "destinations"
        shown = "" if quiet or isinstance(got, dict | list | tuple) else f" (got {got!r})"
        raise ConfigError(f"{where}: {msg}{shown}") from None
