"""Typed, dated events (hiring, launch, resignation, layoff, budget, partnership, closure) from sentences."""

from __future__ import annotations

import re

from extract.figures import clause_bounds
from extract.normalize import fold
from extract.relevance import terms_pattern
from extract.rules import LanguageRules

# An event's detail is the clause that reports it, unless that clause says too little to read alone.
MIN_DETAIL_WORDS = 6
MAX_DETAIL_CHARS = 200


def event_triggers(sentence: str, rules: LanguageRules, folded: str | None = None) -> list[tuple[str, int, int]]:
    """(type, start, end) of the first term of each event type found in the sentence (the language file's
    `verbs` and `events`, in extract.rules.EVENT_ORDER).

    Offsets are the sentence's own when folding kept its length (it nearly always does: accents go, letters
    stay), else the whole sentence. `folded` is `fold(sentence)` when the caller has it."""
    if folded is None:
        folded = fold(sentence)
    same_length = len(folded) == len(sentence)
    found = []
    for name, terms in rules.event_terms.items():
        match = terms_pattern(terms).search(folded)
        if match:
            found.append((name, *(match.span() if same_length else (0, len(sentence)))))
    return found


def event_detail(sentence: str, start: int, end: int, rules: LanguageRules) -> str:
    """What happened, in the sentence's own words: the clause around the event's term, or the whole sentence
    when that clause cannot be read alone (too short, or starting mid-sentence: "and warning that...")."""
    lo, hi = clause_bounds(sentence, start, end, rules)
    clause = sentence[lo:hi].strip(" ,;:-–—")
    # a clause reads alone when it has enough words and starts like a sentence (not "and warning that...")
    alone = len(clause.split()) >= MIN_DETAIL_WORDS and clause[:1].isupper() or clause[:1].isdigit()
    text = clause if alone else sentence.strip()
    text = re.sub(r"\s+", " ", text)
    if len(text) > MAX_DETAIL_CHARS:
        text = text[: MAX_DETAIL_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text
