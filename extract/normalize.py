"""Text folding for rule matching: one definition, so every rule compares text the same way."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Casefold, strip accents and straighten apostrophes, so "Etat" matches "État" and "d’" matches "d'"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
