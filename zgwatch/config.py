"""Settings: one validated object built from flags, environment, a TOML file and defaults.

Precedence is flag > environment > file > default. Bad input becomes a
``ConfigError`` with one line naming the option; the CLI turns it into exit 2.
"""

from __future__ import annotations

import os
import re
import tomllib
import types
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from alerts.destinations import OPERATORS, Destination, check_url
from core import sitemap
from core import sources as src
from core import vocabulary as v
from core.errors import ConfigError
from core.sources import Source

DEFAULT_CONFIG = Path(v.CONFIG_FILE)
# How operators re-send deliveries given up (docs/alerts.md); named in their message.
RESEND_COMMAND = "zgwatch alert --retry-failed"

# option name -> environment variable, for the options of docs/interfaces.md and a few more.
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
    "host_wait": "ZGWATCH_HOST_WAIT",
    "site_url": "ZGWATCH_SITE_URL",
    "site_dir": "ZGWATCH_SITE_DIR",
    "max_list_pages": "ZGWATCH_MAX_LIST_PAGES",
    "statsd": "ZGWATCH_STATSD",
    "statsd_prefix": "ZGWATCH_STATSD_PREFIX",
    "lake": "ZGWATCH_LAKE",
    "lake_data": "ZGWATCH_LAKE_DATA",
    "source_id": "ZGWATCH_SOURCE_ID",
    "crawl_budget": "ZGWATCH_CRAWL_BUDGET",
    "publish_budget": "ZGWATCH_PUBLISH_BUDGET",
    "progress_expected_months": "ZGWATCH_PROGRESS_EXPECTED_MONTHS",
    "poll": "ZGWATCH_POLL",
    "every": "ZGWATCH_EVERY",
}
LIST_OPTIONS = {"notify", "operators_notify"}


class SourceEntry(BaseModel):
    """One ``[[sources]]`` table of zgwatch.toml (or an item of the Variable's ``sources``):
    checked here, carried on as a ``core.sources.Source`` (docs/sources.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    url: str
    name: str
    kind: Literal["rectification", "stationing", "feedback", "other"] = src.DEFAULT_KIND
    profile: str = "auto"
    db: Path | None = None
    # the Celery queue of the machine holding its warehouse (docs/scale.md); else the default
    queue: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,100}$")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not src.is_source_id(value):
            raise ValueError("id must be 1 to 40 of a-z, 0-9 and '-' (it keys everything "
                             f"the source owns; got {value[:60]!r})")
        return value

    @field_validator("url")
    @classmethod
    def _list_url(cls, value: str) -> str:
        return v.column_url(value)

    @field_validator("name")
    @classmethod
    def _readable(cls, value: str) -> str:
        if not value.strip() or not value.isprintable() or len(value) > 100:
            raise ValueError("name must be one line of printable text, at most 100 characters")
        return value.strip()

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        from crawler.profiles import AUTO, PROFILES

        if value != AUTO and value not in PROFILES:
            raise ValueError(f"profile must be auto or one of {', '.join(sorted(PROFILES))}"
                             f" (got {value[:40]!r})")
        return value

    def source(self) -> Source:
        return Source(id=self.id, url=self.url, name=self.name, kind=self.kind,
                      profile=self.profile, db=self.db, queue=self.queue)


class Settings(BaseModel):
    """Everything a cycle needs; build it with ``load_settings``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = v.REAL_COLUMN
    db: Path = Path("data/zgwatch.duckdb")
    data_dir: Path = Path("data")
    notify: tuple[str, ...] = ()
    destinations: tuple[Destination, ...] = ()  # from the file: routed destinations
    operators_notify: tuple[str, ...] = ()  # operators' destinations (pipeline trouble)
    as_of: date = Field(default_factory=v.today_in_shanghai)
    warn_days: int = Field(default=v.WARN_DAYS, ge=0, le=366)
    delay: float = Field(default=v.DELAY, ge=0, le=3600, allow_inf_nan=False)
    timeout: float = Field(default=v.TIMEOUT, gt=0, le=3600, allow_inf_nan=False)
    # revisit policy (crawler/revisit.py)
    recent_days: int = Field(default=v.RECENT_DAYS, ge=0, le=500_000)  # a date stays a date
    revisit_days: float = Field(default=v.REVISIT_DAYS, gt=0, le=3660, allow_inf_nan=False)
    # the list walk's hard cap (crawler/spiders/column.py); past it: list_runaway
    max_list_pages: int = Field(default=v.MAX_LIST_PAGES, ge=1, le=1_000_000)
    # seconds a crawl may take; past it, it stops with what it has (crawl_runaway)
    crawl_budget: float = Field(default=v.CRAWL_BUDGET, gt=0, le=86400, allow_inf_nan=False)
    # warehouse: how long to wait for a write lock held by another process (a day at most)
    lock_wait: float = Field(default=v.LOCK_WAIT, ge=0, le=86400, allow_inf_nan=False)
    # how long a crawl waits for its host, crawled by another source (zgwatch.lock.host_lock)
    host_wait: float = Field(default=v.HOST_WAIT, ge=0, le=86400, allow_inf_nan=False)
    # seconds between two absences that count towards a removal (0: every cycle counts;
    # the demo's and some tests' cycles are seconds apart)
    absence_interval: float = Field(default=v.ABSENCE_INTERVAL.total_seconds(), ge=0,
                                    le=30 * 86400, allow_inf_nan=False)
    # the publish step's time budget (seconds); what is left is finished next cycle
    publish_budget: float = Field(default=v.PUBLISH_BUDGET, gt=0, le=86400,
                                  allow_inf_nan=False)
    # the inspection cycle (docs/inspection.md): months after feedback by which a progress
    # notice is expected (the user's rule: no public deadline exists)
    progress_expected_months: int = Field(default=v.PROGRESS_EXPECTED_MONTHS, ge=1, le=120)
    # the watchers (zgwatch watch, the Airflow trigger): seconds between two probes of a
    # source's first list page, and between two full cycles (the back-off's ceiling too)
    poll: float = Field(default=v.POLL, gt=0, le=86400, allow_inf_nan=False)
    every: float = Field(default=v.EVERY, gt=0, le=7 * 86400, allow_inf_nan=False)
    # alerts: failed runs after which a delivery is marked failed
    max_attempts: int = Field(default=v.MAX_ATTEMPTS, ge=1, le=10_000)
    # alerts: more messages than this to one destination in one run are sent as one digest
    flood_threshold: int = Field(default=v.FLOOD_MESSAGES, ge=1, le=100_000)
    user_agent: str = v.USER_AGENT
    # the history site (history/, docs/site.md): where the publish step writes it, and the
    # public base URL it is served at (links in alerts and the feed; none without it)
    site_dir: Path | None = None
    site_url: str | None = None
    # metrics (zgwatch/metrics.py): the StatsD collector, host:port, and the names' prefix
    statsd: str | None = None
    statsd_prefix: str = Field(default="zgwatch", pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
    # the lake past one machine (warehouse/lake.py, docs/scale.md): the DuckLake catalog (a
    # PostgreSQL URL), the folder of its data files, and this source's id in it. Without
    # `lake` the publish step writes the analyst copy only.
    lake: str | None = None
    lake_data: str | None = None
    source_id: str = Field(default=src.DEFAULT_SOURCE_ID, pattern=r"^[a-z0-9-]{1,40}$")
    # the registry of sources (docs/sources.md); empty: `source` is the one, default source
    sources: tuple[SourceEntry, ...] = ()
    # the site profile of `source` (crawler/profiles.py); a registry source brings its own
    profile: str = "auto"
    # the data folder the registry's sources live under; set by `for_source`, never by hand
    data_root: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _registry_whole(self):
        ids, keys = set(), {}
        for entry in self.sources:
            if entry.id in ids:
                raise ValueError(f"sources: id {entry.id!r} is given twice")
            ids.add(entry.id)
            key = v.column_key(entry.url)
            if key in keys:
                raise ValueError(f"sources: {entry.id!r} and {keys[key]!r} watch the same list "
                                 f"({entry.url})")
            keys[key] = entry.id
        if self.sources and "source" in self.model_fields_set and self.data_root is None:
            raise ValueError("source (--source, ZGWATCH_SOURCE) cannot be given with a "
                             "[[sources]] registry: pick one of its sources with --only ID")
        return self

    @model_validator(mode="after")
    def _followed_sources_known(self):
        """A destination's ``sources`` name sources of the registry (or the default one)."""
        known = [s.id for s in self.source_list]
        for d in self.destinations:
            if bad := [s for s in d.sources or () if s not in known]:
                raise ValueError(f"destinations: sources {', '.join(bad)}: no such source "
                                 f"(the sources are: {', '.join(known)})")
        return self

    @field_validator("profile")
    @classmethod
    def _profile_name(cls, value: str) -> str:
        return SourceEntry._known_profile(value)

    @field_validator("lake", "lake_data")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _lake_whole(self):
        if self.lake and not self.lake_data:
            raise ValueError("lake_data (ZGWATCH_LAKE_DATA) must be set with lake: the folder "
                             "every worker and analyst reaches for the lake's files")
        return self

    @field_validator("source")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return v.column_url(value)  # checked before any request; scheme and host in lower case

    @field_validator("statsd")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port (a StatsD collector, UDP)")
        return value.strip()

    @field_validator("user_agent")
    @classmethod
    def _header_value(cls, value: str) -> str:
        # sent as an HTTP header: a line break would add headers of its own
        if not value.strip() or not value.isprintable() or len(value) > 300:
            raise ValueError("must be one line of printable text, at most 300 characters")
        return value

    @field_validator("site_url")
    @classmethod
    def _site_base(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return sitemap.normalise_base(value)

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_day(cls, value):
        if isinstance(value, str):
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                raise ValueError("must be a date YYYY-MM-DD")
            try:
                return date.fromisoformat(value.strip())
            except ValueError as exc:
                raise ValueError(f"not a real date: {exc}") from None
        return value

    @field_validator("notify", "operators_notify")
    @classmethod
    def _urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_url(url) for url in urls)

    @property
    def all_destinations(self) -> tuple[Destination, ...]:
        """``--notify`` URLs (everything), the file's routed destinations, the operators'."""
        return (*(Destination(url=u) for u in self.notify), *self.destinations,
                *(Destination(url=u, audience=OPERATORS) for u in self.operators_notify))

    def crawl_options(self, *, quick: bool = False):
        """What the crawl stage takes of these settings (``crawler.runner.CrawlOptions``);
        ``quick``: the watcher's crawl, up to the first known notice."""
        from crawler.runner import CrawlOptions

        return CrawlOptions(quick=quick, source=self.source, raw_dir=self.raw_dir, as_of=self.as_of,
                            delay=self.delay, timeout=self.timeout, user_agent=self.user_agent,
                            recent_days=self.recent_days, revisit_days=self.revisit_days,
                            max_list_pages=self.max_list_pages,
                            crawl_budget=self.crawl_budget, profile=self.profile)

    def alert_config(self):
        """What the alert stage takes of these settings (``alerts.run.AlertConfig``)."""
        from alerts.run import AlertConfig  # late: Apprise and the templates load with it
        from zgwatch import runbook

        return AlertConfig(destinations=self.all_destinations, max_attempts=self.max_attempts,
                           source=self.current_source,
                           several_sources=len(self.source_list) > 1, resend_hint=RESEND_COMMAND,
                           site_url=self.source_site_url, runbook=runbook.location(),
                           flood_threshold=self.flood_threshold)

    @property
    def aliases_file(self) -> Path:
        """The analysts' hand-added unit aliases (docs/inspection.md): ``unit_aliases.csv``
        in the data folder every source shares (the registry's root)."""
        return (self.data_root or self.data_dir) / "unit_aliases.csv"

    @property
    def across_copy(self) -> Path | None:
        """With a registry, the analysts' copy across all sources (docs/sources.md), where
        a source's diff finds the rounds other sources tell; None without one."""
        if not self.sources:
            return None
        from warehouse.across import across_path

        return across_path(self.data_root or self.data_dir)

    def cycle_rules(self):
        """The inspection cycle's rules (``warehouse.inspection.CycleRules``), the aliases
        file read (``ConfigError`` when it is malformed)."""
        from warehouse.inspection import CycleRules, read_aliases

        others = tuple(s.id for s in self.source_list if s.id != self.source_id) \
            if self.sources else ()  # fmt: skip
        return CycleRules(expected_months=self.progress_expected_months,
                          aliases=tuple(read_aliases(self.aliases_file)),
                          across=self.across_copy, others=others)

    # -- sources (core/sources.py, docs/sources.md) --------------------------------------

    @property
    def source_site_url(self) -> str | None:
        """Where the current source's pages are on the history site: ``site_url``, and with
        a registry its folder there (``sources/<id>/``, docs/site.md)."""
        if not self.site_url or not self.has_registry:
            return self.site_url
        return sitemap.join(self.site_url, sitemap.source_folder(self.current_source.id))

    @property
    def has_registry(self) -> bool:
        """Whether zgwatch.toml (or the Variable) lists ``[[sources]]``."""
        return bool(self.sources)

    @property
    def source_list(self) -> tuple[Source, ...]:
        """Every source, in the registry's order; without one, the default source of
        ``source`` (id ``source_id``, the paths ``db`` and ``data_dir`` as they are)."""
        if self.sources:
            return tuple(entry.source() for entry in self.sources)
        return (Source(id=self.source_id, url=self.source, profile=self.profile),)

    @property
    def current_source(self) -> Source:
        """The source these settings run a cycle of (after ``for_source``; without a
        registry, the default source)."""
        return next((s for s in self.source_list if s.id == self.source_id),
                    self.source_list[0])

    def select(self, only: str | None = None) -> tuple[Source, ...]:
        """The sources a command runs: all of them, or the one of id ``only``
        (``ConfigError`` naming the known ids when there is none)."""
        if only is None:
            return self.source_list
        found = [s for s in self.source_list if s.id == only]
        if not found:
            known = ", ".join(s.id for s in self.source_list)
            raise ConfigError(f"--only {only}: no such source (the sources are: {known})")
        return tuple(found)

    def for_source(self, source: Source) -> Settings:
        """These settings for one cycle of ``source``: its URL, id, profile, warehouse and data
        folder (``Source.data_dir``: the default source keeps ``db`` and ``data_dir``; a
        registry source gets ``<data_dir>/sources/<id>/``, its ``db`` there unless it names
        one). Every other setting is shared. Idempotent: applied twice, the same paths."""
        if not self.sources:
            return self
        root = self.data_root or self.data_dir
        folder = source.data_dir(root, implicit=False)
        return self.model_copy(update={
            "source": source.url, "source_id": source.id, "profile": source.profile,
            "data_dir": folder, "db": source.db or folder / "zgwatch.duckdb",
            "data_root": root,
        })

    @property
    def batches_dir(self) -> Path:
        return self.data_dir / "batches"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def site_folder(self) -> Path:
        """Where the publish step writes the site: ``site_dir``, else ``<data_dir>/site`` (a
        registry's sources share the one site of the data folder they live under)."""
        return self.site_dir or (self.data_root or self.data_dir) / "site"

    @property
    def failed_dir(self) -> Path:
        """Where incomplete batches go (``crawler.leftovers``)."""
        return self.data_dir / "failed"


def split_urls(value: str) -> list[str]:
    """URLs separated by spaces or commas; a comma inside a URL (``to=a@x,b@y``) stays."""
    parts = re.split(r"\s+|,\s*(?=[a-z][a-z0-9+.-]*://)", value.strip())
    return [u.strip(",") for u in parts if u.strip(",")]


def _read_file(path: Path) -> dict[str, Any]:
    """The file's settings: its top-level keys and those of its ``[zgwatch]`` table, merged.

    Every key is checked by ``Settings`` (unknown ones refused), wherever it sits: beside
    the table, under it, or in a ``[[destinations]]`` entry. A key given both at the top
    level and under ``[zgwatch]`` is refused rather than one silently winning.
    """
    try:
        # a byte-order mark (Windows editors write one) is not part of the TOML
        data = tomllib.loads(path.read_bytes().decode("utf-8").removeprefix("\ufeff"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path}: not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path}: not UTF-8 text (byte {exc.object[exc.start]:#04x}"
                          f" at offset {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read ({exc.strerror})") from None
    section = data.pop("zgwatch", {})
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: zgwatch must be a table ([zgwatch])")
    merged = {k.replace("-", "_"): v for k, v in data.items()}
    for key, value in section.items():
        name = key.replace("-", "_")
        if name in merged:
            raise ConfigError(f"config file {path}: {key} is set both at the top level and "
                              "under [zgwatch]")
        merged[name] = value
    _check_types(path, merged)
    return merged


# What each field's type takes from a TOML file, which has types of its own: no guessing
# that "3" is a number, true a delay or "yes" a yes (the environment's text is converted).
_TOML_TYPES: dict[type, tuple[tuple[type, ...], str]] = {
    bool: ((bool,), "true or false"),
    int: ((int,), "a whole number"),
    float: ((int, float), "a number"),
    str: ((str,), "a string"),
    Path: ((str,), "a path (a string)"),
    date: ((date, str), "a date"),
}
_TOML_NAMES = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
               list: "an array", dict: "a table", date: "a date"}


def _check_types(path: Path, values: Mapping[str, Any], model: type[BaseModel] = Settings,
                 where: str = "") -> None:
    """Refuse a file's value whose TOML type is not its setting's (``ConfigError``, one line,
    naming the key and the types, never the value: a destination's may hold a secret)."""
    for name, value in values.items():
        field = model.model_fields.get(name)
        if field is None:
            continue  # unknown keys are refused by the model, naming them
        if not _fits(field.annotation, value, path, f"{where}{name}"):
            got = next((n for t, n in _TOML_NAMES.items()
                        if isinstance(value, t) and not (t is int and isinstance(value, bool))),
                       type(value).__name__)
            raise ConfigError(f"{where}{name} in {path}: must be {_expected(field.annotation)},"
                              f" not {got}")


def _fits(annotation, value, path: Path, where: str) -> bool:
    """Whether a TOML ``value`` has the type ``annotation`` asks for (a table of a model is
    checked key by key, its errors naming ``where``)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_fits(a, value, path, where) for a in get_args(annotation))
    if origin is Literal:
        return value in get_args(annotation)
    if origin is tuple:
        item = get_args(annotation)[0]
        return isinstance(value, list) and all(_fits(item, x, path, where) for x in value)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not isinstance(value, dict):
            return False
        _check_types(path, value, annotation, f"{where}: ")
        return True
    if annotation is type(None):
        return value is None
    allowed = _TOML_TYPES.get(annotation)
    if allowed is None:
        return True
    return isinstance(value, allowed[0]) and (annotation is bool or not isinstance(value, bool))


def _expected(annotation) -> str:
    """What ``annotation`` takes, in words: "a whole number", "a list", "true or false"."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return " or ".join(_expected(a) for a in get_args(annotation) if a is not type(None))
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(annotation))
    if origin is tuple:
        return "a list"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "a table"
    return _TOML_TYPES.get(annotation, ((), "another type"))[1]


Layer = tuple[str, Mapping[str, Any]]  # (where its values come from, e.g. "--{}", values)


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    layers: Iterable[Layer] = (),
) -> Settings:
    """Merge flags > layers > environment > config file > defaults and validate once.

    ``flags`` holds only options given on the command line (None means not given).
    ``layers`` are further sources above the environment, lowest first, each
    ``(where, values)`` with ``where`` a format naming a value's origin in
    errors (``"Airflow Variable zgwatch_settings key {}"``). A list setting
    given as one string is split as ``ZGWATCH_NOTIFY`` is (``split_urls``).
    The config file is ``config_file``, else ``$ZGWATCH_CONFIG``, else
    ``./zgwatch.toml`` when it exists.
    """
    env = os.environ if env is None else env
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
        merged[name] = split_urls(raw) if name in LIST_OPTIONS else raw.strip()
        origin[name] = var

    for where, values in (*layers, ("--{}", flags or {})):
        for name, value in values.items():
            if value is None:
                continue
            if name in LIST_OPTIONS and isinstance(value, str):
                value = split_urls(value)
            merged[name] = value
            origin[name] = where.format(name.replace("_", "-") if where == "--{}" else name)

    try:
        return Settings(**merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "settings"
        where = origin.get(name, name)
        if name == "sources" and len(err["loc"]) > 2:  # which entry and key: ("sources", 1, "url")
            where = f"{where}: source {err['loc'][1] + 1} {err['loc'][2]}"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown setting" if len(err["loc"]) == 1 else f"unknown key {err['loc'][-1]!r}"
        got = err.get("input")
        # never echo a destination back: it may hold a secret
        quiet = err["type"] == "extra_forbidden" or name in LIST_OPTIONS or name == "destinations"
        if isinstance(got, str):
            got = _USERINFO.sub("//****@", got)  # a password typed into a URL is not printed
        shown = "" if quiet or isinstance(got, dict | list | tuple) else f" (got {got!r})"
        raise ConfigError(f"{where}: {msg}{shown}") from None


_USERINFO = re.compile(r"//[^/@]*@")
