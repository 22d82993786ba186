"""URL canonicalisation, so one article is stored once whatever tracking parameters point to it."""

from __future__ import annotations

from courlan import normalize_url


def canonical_url(url: str) -> str:
    """Lowercase host, no fragment, no tracking parameters (courlan's strict normalisation)."""
    try:
        return normalize_url(url, strict=True)
    except ValueError:
        return url
