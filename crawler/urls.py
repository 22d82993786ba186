"""URL canonicalisation, so one article is stored once whatever tracking parameters point to it."""

from __future__ import annotations

import re

from courlan import normalize_url

USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#@]*@")


def canonical_url(url: str) -> str:
    """Lowercase host, no fragment, no tracking parameters (courlan's strict normalisation)."""
    try:
        return normalize_url(url, strict=True)
    except ValueError:
        return url


def redacted(url: str) -> str:
    """`url` without the user name and password it may carry, for logs and messages."""
    return USERINFO.sub(r"\1***@", url)
