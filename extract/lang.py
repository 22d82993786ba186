"""Language of an article: its true ISO 639-1 code, among every language py3langid's model knows (97), whether
talentwatch analyses that language or not. Told to choose among the analysed languages only, it labelled
German pages English and they were read with English rules."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# the first 2,000 characters say it as surely as the whole text, at a fraction of the cost
SAMPLE_CHARS = 2000
# The source's hint (its `lang`) wins only a near tie: when its probability is within this of the best one's.
# A short title can leave two languages close; a paragraph never does.
NEAR_TIE = 0.15


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, hint: str | None = None) -> str | None:
    """The language `text` is written in (ISO 639-1); the hint when the text is empty or the hint comes
    within NEAR_TIE of the best guess."""
    sample = text[:SAMPLE_CHARS].strip()
    if not sample:
        return hint
    best, probability = _identifier().classify(sample)
    if hint and hint != best and probability - dict(_identifier().rank(sample)).get(hint, 0.0) < NEAR_TIE:
        return hint
    return best
