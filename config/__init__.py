"""Packaged configuration (sources, topics, language and figure rules, entity gazetteer, Datasette metadata)
and its loader."""

from config.loader import (
    LANGS,
    ConfigError,
    Entity,
    Settings,
    Source,
    SourcesConfig,
    canonical_name,
    load_compare_measures,
    load_entities,
    load_entity_forms,
    load_figure_rules,
    load_language_rules,
    load_sources,
    load_topics,
    packaged_path,
)
from config.watches import Watch

__all__ = [
    "LANGS",
    "ConfigError",
    "Entity",
    "Settings",
    "Source",
    "SourcesConfig",
    "Watch",
    "canonical_name",
    "load_compare_measures",
    "load_entities",
    "load_entity_forms",
    "load_figure_rules",
    "load_language_rules",
    "load_sources",
    "load_topics",
    "packaged_path",
]
