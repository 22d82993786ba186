"""Typed, dated events (hiring, launch, resignation, layoff, budget, partnership, closure) from sentences."""

from __future__ import annotations

from typing import Any

from extract.normalize import fold
from extract.relevance import matches_any


def event_types(sentence: str, lang: str, topics: dict[str, Any]) -> list[str]:
    folded = fold(sentence)
    return [name for name, terms in topics["events"].items() if matches_any(folded, terms.get(lang, []))]


def events_from_sentence(
    sentence: str,
    lang: str,
    topics: dict[str, Any],
    *,
    subject: str | None,
    date: str | None,
    has_figure: bool,
    names_initiative: bool,
) -> list[dict[str, Any]]:
    """Events in one sentence: an event keyword plus an initiative named or a figure stated."""
    if not subject or not (names_initiative or has_figure):
        return []
    return [
        {"type": kind, "date": date, "subject": subject, "sentence": sentence}
        for kind in event_types(sentence, lang, topics)
    ]
