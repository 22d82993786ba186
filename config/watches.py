"""Watches: what someone follows and where to tell them (the sources file's `watches:`).

A watch names initiatives (or countries), the figure kinds or event types it cares about, which changes it
is told about, and apprise notification URLs (mailto://, json://, slack://, ... ). A URL may hold `${NAME}`,
replaced by the environment variable NAME when the file is read, so that secrets can stay out of the file.
Nothing here ever shows a URL as it was written: an error names the key, and the URL kept for display is
apprise's privacy form (passwords and tokens masked).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# What a reader can be told about a fact (store/export.py computes it against each target's cursor)
CHANGES = ("new", "disputed", "new outlet")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Target(BaseModel):
    """One place a watch tells: the URL apprise sends to, and how it is shown (secrets masked)."""

    model_config = ConfigDict(frozen=True)

    url: str = Field(repr=False)  # with its secrets: only ever given to apprise
    shown: str  # apprise's privacy form without the query: the key of its delivery state too


class Watch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9-]+$")  # also the watch's export consumer name
    initiatives: tuple[str, ...] = ()  # names or aliases from the gazetteer; none: every initiative
    countries: tuple[str, ...] = ()  # ISO codes (FR, US): the initiatives of these countries
    kinds: tuple[str, ...] = ()  # figure kinds or event types; none: all
    only: tuple[Literal["new", "disputed", "new outlet"], ...] = ()  # none: every change
    notify: tuple[Target, ...] = Field(min_length=1)

    @field_validator("countries")
    @classmethod
    def _codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not re.fullmatch(r"[A-Za-z]{2}", c) for c in value):
            raise ValueError("countries are two-letter ISO codes such as FR or US")
        return tuple(c.upper() for c in value)


def notification_target(url: Any) -> Target:
    """A notification URL as apprise reads it, its `${NAME}` variables replaced. A ValueError otherwise,
    whose message never shows the URL."""
    import apprise  # only when the file has watches

    if not isinstance(url, str) or not url.strip():
        raise ValueError("must be a notification URL such as mailtos://user:password@host?to=address")
    missing = sorted({m.group(1) for m in _VARIABLE.finditer(url) if m.group(1) not in os.environ})
    if missing:
        raise ValueError(f"uses the environment variable {missing[0]}, which is not set")
    expanded = _VARIABLE.sub(lambda m: os.environ[m.group(1)], url.strip())
    plugin = apprise.Apprise.instantiate(expanded, suppress_exceptions=True)
    if plugin is None:
        scheme = expanded.partition("://")[0] if "://" in expanded else ""
        named = f" (scheme {scheme!r})" if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,20}", scheme) else ""
        raise ValueError(f"is not a notification URL apprise can use{named}: see "
                         "https://github.com/caronc/apprise/wiki for the form of each service")  # fmt: skip
    shown = plugin.url(privacy=True).partition("?")[0]
    return Target(url=expanded, shown=shown)


def parse_watches(raw: Any, path: Path) -> tuple[Watch, ...]:
    """The `watches:` list of a sources file, validated; ids unique, each target once per watch."""
    from config.loader import ConfigError
    from config.rules import parse

    if not isinstance(raw, list):
        raise ConfigError(path, "watches", "must be a list")
    watches: list[Watch] = []
    for i, item in enumerate(raw):
        if isinstance(item, dict) and isinstance(item.get("notify"), list):
            item = {**item, "notify": [_target(url, path, f"watches[{i}].notify[{n}]")
                                       for n, url in enumerate(item["notify"])]}  # fmt: skip
        watch = parse(Watch, item, path, prefix=f"watches[{i}]")
        if any(w.id == watch.id for w in watches):
            raise ConfigError(path, f"watches[{i}].id", f"duplicate id {watch.id!r}")
        shown = [t.shown for t in watch.notify]
        repeated = next((n for n, s in enumerate(shown) if s in shown[:n]), None)
        if repeated is not None:
            raise ConfigError(path, f"watches[{i}].notify[{repeated}]", "the same target as an earlier entry")
        watches.append(watch)
    return tuple(watches)


def _target(url: Any, path: Path, key: str) -> Target:
    from config.loader import ConfigError

    try:
        return notification_target(url)
    except ValueError as exc:
        raise ConfigError(path, key, str(exc)) from None
