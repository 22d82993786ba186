"""Read the packaged defaults, lay a user file on top, validate, and fail with file, key and reason.

Layering follows trafilatura's settings: packaged defaults first, then the user's file. A user sources
file replaces the default source list (a monitor of one's own sources should not also crawl ours) and
overrides `settings` key by key.
"""

from __future__ import annotations

import ipaddress
import re
import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from config.watches import Watch, parse_watches

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_KINDS = ("feed", "sitemap", "listing", "page")
ENTITY_KINDS = ("program", "agency", "company", "person", "place", "org")
# The analysed languages: one rule file each in config/languages/ (see its README)
LANGS = tuple(sorted(p.stem for p in (PACKAGE_DIR / "languages").glob("*.yaml")))
MAX_URL_LENGTH = 2083  # Scrapy's URLLENGTH_LIMIT: a longer URL would be dropped without a word
SOURCE_ID = re.compile(r"^[a-z0-9-]+$")
DEFAULT_USER_AGENT = "talentwatch/0.1 (+https://github.com/talentwatch/talentwatch)"
# A crawler must say who runs it: the User-Agent carries a URL or an e-mail address to contact.
CONTACT = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+\.[\w.-]+")
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
SETTING_KEYS = {
    "allow_private", "delay", "user_agent", "max_pages", "timeout", "max_bytes", "retries", "max_retry_after",
    "max_crawl_delay", "min_interval", "max_interval", "aggregators", "log_file", "dispute_window",
    "max_sitemap_depth", "max_sitemap_children",
}  # fmt: skip


class ConfigError(Exception):
    """A configuration file is wrong; the message names the file, the key and the reason."""

    def __init__(self, file: str | Path, key: str, reason: str):
        self.file, self.key, self.reason = str(file), key, reason
        super().__init__(f"{file}: {key}: {reason}" if key else f"{file}: {reason}")


def packaged_path(name: str) -> Path:
    return PACKAGE_DIR / name


@dataclass(frozen=True)
class Source:
    id: str
    kind: str
    url: str
    lang: str | None = None
    links: str | None = None
    next: str | None = None


@dataclass(frozen=True)
class Settings:
    allow_private: bool | tuple[str, ...] = False
    delay: float = 1.0  # seconds between two requests to one host (robots.txt Crawl-delay may raise it)
    user_agent: str = DEFAULT_USER_AGENT
    max_pages: int = 5  # listing pagination depth
    max_sitemap_depth: int = 3  # sitemap indexes within indexes below a source (each URL read once a visit)
    max_sitemap_children: int = 1000  # sitemaps followed from one index; the rest are skipped and counted
    timeout: float = 30.0  # seconds for one download, body included
    max_bytes: int = 10 * 1024 * 1024  # response body cap, after decompression
    retries: int = 2  # extra attempts on 5xx, 429, timeouts and connection errors
    max_retry_after: float = 120.0  # longest Retry-After honoured; a longer one gives up until the next run
    max_crawl_delay: float = 30.0  # longest robots.txt Crawl-delay honoured
    min_interval: float = 3600.0  # a source is checked at most this often...
    max_interval: float = 86400.0  # ...and at least this often (failures back off up to it too)
    aggregators: tuple[str, ...] = ("news.google.com",)  # hosts whose feed links are redirect stubs
    log_file: str | None = None  # `run`, `crawl` and `process` append their log here (INFO and above)
    # Different values from different outlets reported within this of each other are one disputed fact;
    # further apart they are a series. Facts are rebuilt when it changes.
    dispute_window: float = 60 * 86400.0

    @property
    def dispute_window_days(self) -> int:
        return round(self.dispute_window / 86400)

    def private_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
        """None means every address is allowed; a list names the only private networks allowed."""
        if self.allow_private is True:
            return None
        if self.allow_private is False:
            return []
        return [ipaddress.ip_network(n, strict=False) for n in self.allow_private]


@dataclass(frozen=True)
class SourcesConfig:
    sources: tuple[Source, ...]
    settings: Settings
    files: tuple[str, ...] = field(default=())
    watches: tuple[Watch, ...] = ()  # config/watches.py

    def select(self, ids: tuple[str, ...] | list[str] = ()) -> SourcesConfig:
        """Keep only the named sources; an unknown id is a configuration error."""
        if not ids:
            return self
        known = {s.id for s in self.sources}
        for wanted in ids:
            if wanted not in known:
                raise ConfigError(self.files[-1], "sources", f"no source with id {wanted!r}")
        chosen = tuple(s for s in self.sources if s.id in set(ids))
        return SourcesConfig(chosen, self.settings, self.files, self.watches)


@dataclass(frozen=True)
class Entity:
    name: str
    kind: str
    country: str | None
    aliases: tuple[str, ...] = ()
    aliases_ci: tuple[str, ...] = ()
    parent: str | None = None
    # False for a platform, service or funding plan the timeline does not follow (GOV.UK, Login.gov, France
    # 2030): its name is recognised, but it is the subject of its own counts only ("40 million users").
    initiative: bool = True


def _flag(value: Any, file: Path, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(file, key, f"must be true or false (got {_shown(value)})")
    return value


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read: {exc.strerror}") from None
    loader = YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node)
        if size is None:
            raise ConfigError(path, "", "invalid YAML: an alias refers to the node that contains it")
        if size > MAX_YAML_NODES:
            raise ConfigError(path, "", f"has more than {MAX_YAML_NODES:,} values once its aliases are expanded; "
                              "a configuration file never needs that many")  # fmt: skip
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise ConfigError(path, where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:
        raise ConfigError(path, "", "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()


# libyaml's parser when PyYAML was built with it: fifty times faster on a large file, and it refuses nesting
# over 1,000 levels itself.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A YAML alias costs one line and can stand for a whole tree: ten nested aliases of ten make ten billion
# values to validate. No configuration file comes near this many once expanded.
MAX_YAML_NODES = 100_000


def _expanded_size(root: yaml.Node) -> int | None:
    """How many values the document holds with every alias expanded, counted without expanding them (each
    node's size computed once), capped just above MAX_YAML_NODES; None if an alias refers to its own
    ancestor. Iterative: a deeply nested document must not exhaust Python's stack here."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        children = _children(node)
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = min(MAX_YAML_NODES + 1, 1 + sum(sizes[id(c)] for c in children))
            continue
        if id(node) in sizes:
            continue
        open_nodes.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                return None
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _shown(value: Any) -> str:
    """A value as an error message shows it: short, whatever the file holds."""
    return _SHORT_REPR.repr(value)


_SHORT_REPR = reprlib.Repr()  # keyword arguments only from Python 3.12
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 80
_SHORT_REPR.maxlist = _SHORT_REPR.maxdict = 4
_SHORT_REPR.maxlevel = 2


def _mapping(value: Any, file: Path, key: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(file, key, f"must be a mapping, got {type(value).__name__}")
    return value


def _string(value: Any, file: Path, key: str, *, required: bool = True) -> str | None:
    if value is None:
        if required:
            raise ConfigError(file, key, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(file, key, "must be a non-empty string")
    return value.strip()


def _parse_source(raw: Any, file: Path, key: str) -> Source:
    raw = _mapping(raw, file, key)
    unknown = set(raw) - {"id", "kind", "url", "lang", "links", "next"}
    if unknown:
        raise ConfigError(file, f"{key}.{sorted(unknown)[0]}", "unknown key")
    sid = _string(raw.get("id"), file, f"{key}.id")
    if not SOURCE_ID.match(sid):
        raise ConfigError(file, f"{key}.id", f"must match [a-z0-9-]+ (got {_shown(sid)})")
    kind = _string(raw.get("kind"), file, f"{key}.kind")
    if kind not in SOURCE_KINDS:
        raise ConfigError(file, f"{key}.kind", f"must be one of {', '.join(SOURCE_KINDS)} (got {_shown(kind)})")
    url = _string(raw.get("url"), file, f"{key}.url")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        # never echoed: the message would put the password in a cron mail or a log
        raise ConfigError(file, f"{key}.url", "must not carry a user name or password (user:password@host): "
                          "talentwatch would store and show them with every page of the source")  # fmt: skip
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(file, f"{key}.url", f"must be an http or https URL (got {_shown(url)})")
    if len(url) > MAX_URL_LENGTH:
        raise ConfigError(file, f"{key}.url", f"is {len(url)} characters long; the crawler's limit is {MAX_URL_LENGTH}")
    lang = _string(raw.get("lang"), file, f"{key}.lang", required=False)
    if lang is not None and lang not in LANGS:
        raise ConfigError(file, f"{key}.lang", f"must be one of {', '.join(LANGS)} (got {_shown(lang)})")
    links = _string(raw.get("links"), file, f"{key}.links", required=kind == "listing")
    nxt = _string(raw.get("next"), file, f"{key}.next", required=False)
    if kind != "listing" and (links or nxt):
        raise ConfigError(file, f"{key}.links", "only listing sources take CSS selectors")
    return Source(id=sid, kind=kind, url=url, lang=lang, links=links, next=nxt)


def _seconds(value: Any, file: Path, key: str) -> float:
    """A duration: a number of seconds, or a string such as "90s", "30m", "1h", "2d"."""
    if isinstance(value, bool):
        raise ConfigError(file, key, "must be a duration (seconds, or like 30m, 1h, 2d)")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        m = DURATION.match(value) if isinstance(value, str) else None
        if not m:
            raise ConfigError(file, key, f"must be a duration (seconds, or like 30m, 1h, 2d), got {_shown(value)}")
        seconds = float(m.group(1)) * DURATION_UNITS[m.group(2)]
    if seconds < 0:
        raise ConfigError(file, key, "must be >= 0")
    return seconds


def _count(value: Any, file: Path, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(file, key, f"must be an integer >= {minimum}")
    return value


def _parse_settings(raw: Any, file: Path, base: Settings) -> Settings:
    raw = _mapping(raw, file, "settings")
    unknown = set(raw) - SETTING_KEYS
    if unknown:
        raise ConfigError(file, f"settings.{sorted(unknown)[0]}", "unknown key")
    values = dict(base.__dict__)
    if "allow_private" in raw:
        allow = raw["allow_private"]
        if isinstance(allow, bool):
            values["allow_private"] = allow
        elif isinstance(allow, list) and all(isinstance(a, str) for a in allow):
            for i, net in enumerate(allow):
                try:
                    ipaddress.ip_network(net, strict=False)
                except ValueError:
                    raise ConfigError(
                        file, f"settings.allow_private[{i}]", f"not an address or network: {_shown(net)}"
                    ) from None
            values["allow_private"] = tuple(allow)
        else:
            raise ConfigError(file, "settings.allow_private", "must be true, false or a list of addresses/networks")
    if "delay" in raw:
        delay = raw["delay"]
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise ConfigError(file, "settings.delay", "must be a number of seconds >= 0")
        values["delay"] = float(delay)
    if "user_agent" in raw:
        agent = _string(raw["user_agent"], file, "settings.user_agent")
        if not CONTACT.search(agent):
            raise ConfigError(
                file, "settings.user_agent", "must include a contact URL or e-mail address, e.g. 'mybot (+https://...)'"
            )
        values["user_agent"] = agent
    for key in ("timeout", "max_retry_after", "max_crawl_delay", "min_interval", "max_interval", "dispute_window"):
        if key in raw:
            values[key] = _seconds(raw[key], file, f"settings.{key}")
    if values["timeout"] <= 0:
        raise ConfigError(file, "settings.timeout", "must be > 0")
    if values["min_interval"] > values["max_interval"]:
        raise ConfigError(file, "settings.min_interval", "must not exceed settings.max_interval")
    for key in ("max_pages", "max_sitemap_depth", "max_sitemap_children"):
        if key in raw:
            values[key] = _count(raw[key], file, f"settings.{key}", 1)
    if "max_bytes" in raw:
        values["max_bytes"] = _count(raw["max_bytes"], file, "settings.max_bytes", 1024)
    if "retries" in raw:
        values["retries"] = _count(raw["retries"], file, "settings.retries", 0)
    if "aggregators" in raw:
        hosts = raw["aggregators"]
        if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
            raise ConfigError(file, "settings.aggregators", "must be a list of host names")
        values["aggregators"] = tuple(h.strip().lower() for h in hosts)
    if "log_file" in raw:
        values["log_file"] = _string(raw["log_file"], file, "settings.log_file", required=False)
    return Settings(**values)


def _parse_sources_file(path: Path, base: Settings) -> tuple[list[Source] | None, Settings, tuple[Watch, ...] | None]:
    data = _mapping(_read_yaml(path), path, "")
    unknown = set(data) - {"sources", "settings", "watches"}
    if unknown:
        raise ConfigError(path, sorted(unknown)[0], "unknown key (expected sources, settings, watches)")
    settings = _parse_settings(data.get("settings"), path, base)
    watches = parse_watches(data["watches"] or [], path) if "watches" in data else None
    if "sources" not in data:
        return None, settings, watches
    raw_sources = data["sources"]
    if not isinstance(raw_sources, list):
        raise ConfigError(path, "sources", "must be a list")
    sources, seen = [], set()
    for i, raw in enumerate(raw_sources):
        source = _parse_source(raw, path, f"sources[{i}]")
        if source.id in seen:
            raise ConfigError(path, f"sources[{i}].id", f"duplicate id {source.id!r}")
        seen.add(source.id)
        sources.append(source)
    return sources, settings, watches


def load_sources(path: str | Path | None = None) -> SourcesConfig:
    """Packaged sources.yaml, then the user's file (if any) on top: its sources and its watches replace the
    packaged ones, its settings override them key by key."""
    default = packaged_path("sources.yaml")
    sources, settings, watches = _parse_sources_file(default, Settings())
    files = [str(default)]
    if path is not None:
        user = Path(path)
        user_sources, settings, user_watches = _parse_sources_file(user, settings)
        if user_sources is not None:
            sources = user_sources
        if user_watches is not None:
            watches = user_watches
        files.append(str(user))
    return SourcesConfig(tuple(sources or ()), settings, tuple(files), watches or ())


def load_entities(path: str | Path | None = None) -> tuple[list[Entity], list[str]]:
    """The gazetteer: canonical entities and the surface forms that are never entities."""
    path = Path(path) if path else packaged_path("entities.yaml")
    data = _mapping(_read_yaml(path), path, "")
    raw_entities = data.get("entities")
    if not isinstance(raw_entities, list):
        raise ConfigError(path, "entities", "must be a list")
    entities: list[Entity] = []
    owner: dict[str, str] = {}
    for i, raw in enumerate(raw_entities):
        key = f"entities[{i}]"
        raw = _mapping(raw, path, key)
        unknown = set(raw) - {"name", "kind", "country", "aliases", "aliases_ci", "parent", "initiative"}
        if unknown:
            raise ConfigError(path, f"{key}.{sorted(unknown)[0]}", "unknown key")
        name = _string(raw.get("name"), path, f"{key}.name")
        kind = _string(raw.get("kind"), path, f"{key}.kind")
        if kind not in ENTITY_KINDS:
            raise ConfigError(path, f"{key}.kind", f"must be one of {', '.join(ENTITY_KINDS)} (got {_shown(kind)})")
        lists = {}
        for list_key in ("aliases", "aliases_ci"):
            values = raw.get(list_key) or []
            if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
                raise ConfigError(path, f"{key}.{list_key}", "must be a list of non-empty strings")
            lists[list_key] = tuple(v.strip() for v in values)
        for surface in (name, *lists["aliases"], *lists["aliases_ci"]):
            previous = owner.get(surface.casefold())
            if previous is not None and previous != name:
                raise ConfigError(path, f"{key}", f"{surface!r} is already a name or alias of {previous!r}")
            owner[surface.casefold()] = name
        country = raw.get("country")
        entities.append(
            Entity(
                name=name,
                kind=kind,
                country=str(country) if country is not None else None,
                aliases=lists["aliases"],
                aliases_ci=lists["aliases_ci"],
                parent=_string(raw.get("parent"), path, f"{key}.parent", required=False),
                initiative=_flag(raw.get("initiative", True), path, f"{key}.initiative"),
            )
        )
    names = {e.name for e in entities}
    for i, entity in enumerate(entities):
        if entity.parent and entity.parent not in names:
            raise ConfigError(path, f"entities[{i}].parent", f"unknown entity {entity.parent!r}")
    ignore = data.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(v, str) for v in ignore):
        raise ConfigError(path, "ignore", "must be a list of strings")
    return entities, list(ignore)


def canonical_name(entities: list[Entity], name: str) -> str | None:
    """The gazetteer name that `name` is, or one of whose aliases it is ("USDS", "EIG"); None if none."""
    wanted = name.strip().casefold()
    for entity in entities:
        if wanted == entity.name.casefold() or wanted in (a.casefold() for a in (*entity.aliases, *entity.aliases_ci)):
            return entity.name
    return None


# what a language's `forms` may list (config/entities.yaml explains each)
FORM_LISTS = ("heads", "strong", "cues", "connectors", "conjunctions", "adjectives", "suffixes", "titles")


def load_entity_forms(path: str | Path | None = None) -> dict[str, dict[str, dict[str, list[str]]]]:
    """The head words by which bodies and programmes missing from the gazetteer are recognised (entities.yaml
    `forms`): kind -> language -> {"heads": [...], "strong": [...], "cues": [...], ...} (FORM_LISTS)."""
    path = Path(path) if path else packaged_path("entities.yaml")
    forms = _mapping(_mapping(_read_yaml(path), path, "").get("forms") or {}, path, "forms")
    for kind, by_lang in forms.items():
        if kind not in ENTITY_KINDS:
            raise ConfigError(path, f"forms.{kind}", f"must be one of {', '.join(ENTITY_KINDS)}")
        for lang, lists in _mapping(by_lang, path, f"forms.{kind}").items():
            if lang not in LANGS:
                raise ConfigError(path, f"forms.{kind}.{lang}", f"must be one of {', '.join(LANGS)}")
            for name, words in _mapping(lists, path, f"forms.{kind}.{lang}").items():
                if name not in FORM_LISTS:
                    raise ConfigError(
                        path, f"forms.{kind}.{lang}.{name}", f"unknown key (expected {', '.join(FORM_LISTS)})"
                    )
                if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
                    raise ConfigError(path, f"forms.{kind}.{lang}.{name}", "must be a list of strings")
    return forms


def load_topics(path: str | Path | None = None) -> dict:
    """Relevance signals and event keywords (see topics.yaml for the shape)."""
    path = Path(path) if path else packaged_path("topics.yaml")
    data = _mapping(_read_yaml(path), path, "")
    threshold = data.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise ConfigError(path, "threshold", "must be a number between 0 and 1")
    for section in ("signals",):
        entries = _mapping(data.get(section), path, section)
        if not entries:
            raise ConfigError(path, section, "is required")
        for name, entry in entries.items():
            entry = _mapping(entry, path, f"{section}.{name}")
            if section == "signals":
                weight = entry.get("weight")
                if isinstance(weight, bool) or not isinstance(weight, (int, float)):
                    raise ConfigError(path, f"{section}.{name}.weight", "must be a number")
            for lang in LANGS:
                terms = entry.get(lang, [])
                if not isinstance(terms, list) or not all(isinstance(t, str) and t for t in terms):
                    raise ConfigError(path, f"{section}.{name}.{lang}", "must be a list of strings")
    actors = _mapping(data.get("other_actors") or {}, path, "other_actors")
    for lang, terms in actors.items():
        if lang not in LANGS:
            raise ConfigError(path, f"other_actors.{lang}", f"must be one of {', '.join(LANGS)}")
        if not isinstance(terms, list) or not all(isinstance(t, str) and t for t in terms):
            raise ConfigError(path, f"other_actors.{lang}", "must be a list of strings")
    return data


def load_language_rules(directory: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Each analysed language's rule file (config/languages/<lang>.yaml), validated, by language code."""
    from config.rules import LanguageFile, validate

    directory = Path(directory) if directory else packaged_path("languages")
    return {path.stem: validate(LanguageFile, _read_yaml(path), path) for path in sorted(directory.glob("*.yaml"))}


def load_figure_rules(path: str | Path | None = None) -> dict[str, Any]:
    """The figure rules that hold in every language (config/figures.yaml), validated."""
    from config.rules import FigureRules, validate

    path = Path(path) if path else packaged_path("figures.yaml")
    return validate(FigureRules, _read_yaml(path), path)


def load_compare_measures(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The measures initiatives are compared on (config/compare.yaml), in column order, validated."""
    from config.rules import CompareFile, validate

    path = Path(path) if path else packaged_path("compare.yaml")
    measures = validate(CompareFile, _read_yaml(path), path)["measures"]
    names = [m["name"] for m in measures]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ConfigError(path, "measures", f"duplicate measure name {duplicate!r}")
    return measures
