"""Is an article about a government tech-talent initiative? Rule-based score from topics.yaml."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from extract.normalize import fold


def _term_body(term: str) -> str:
    """A topics.yaml term as a regex body: `*` for any ending, whole word otherwise."""
    stem = term[:-1] if term.endswith("*") else term
    return re.escape(fold(stem)) + (r"\w*" if term.endswith("*") else r"(?!\w)")


@lru_cache(maxsize=128)
def terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """All of a signal's terms as one alternation: one pass over the text instead of one per term. The
    word-start test comes first, so the alternatives are only tried where a word begins."""
    if not terms:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<!\w)(?:" + "|".join(_term_body(t) for t in terms) + ")")


def matches_any(folded_text: str, terms: Iterable[str]) -> bool:
    return bool(terms_pattern(tuple(terms)).search(folded_text))


def actor_pattern(topics: dict[str, Any], lang: str) -> re.Pattern[str]:
    """The phrases that name a whole workforce or sector (topics.yaml `other_actors`), for folded text."""
    return terms_pattern(tuple(topics.get("other_actors", {}).get(lang, [])))


def score_relevance(
    text: str, lang: str, topics: dict[str, Any], program_named: str | None, body_named: str | None = None
) -> tuple[float, bool, list[str]]:
    """Score in [0, 1], the relevant flag (score >= threshold) and the reasons: each rule that counted, with
    its weight and what matched ("programme US Tech Force +0.35", "talent +0.3: recrut"). A known programme
    adds `initiative_weight`; else a known public body (a digital agency, a ministry) adds `body_weight`."""
    folded = fold(text)
    reasons = []
    score = 0.0
    if program_named:
        score = topics.get("initiative_weight", 0.0)
        reasons.append(f"programme {program_named} {score:+.2f}")
    elif body_named:
        score = topics.get("body_weight", 0.0)
        reasons.append(f"public body {body_named} {score:+.2f}")
    for name, signal in topics["signals"].items():
        match = terms_pattern(tuple(signal.get(lang, []))).search(folded)
        if match:
            score += signal["weight"]
            reasons.append(f"{name} {signal['weight']:+.2f}: {match.group()}")
    score = round(min(1.0, max(0.0, score)), 2)
    return score, score >= topics["threshold"], reasons
