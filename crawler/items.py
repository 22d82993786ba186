"""What the spider yields: fetched pages, and the outcome of each visit of a source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageItem:
    url: str
    canonical_url: str
    source_id: str
    via: str  # feed | listing | sitemap | page | feed-entry
    status: int | None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    feed_entry: dict[str, Any] | None = None
    note: str | None = None  # how the URL was reached when not directly (redirects, aggregator stubs)


@dataclass
class SourceVisit:
    source_id: str
    status: int | None
    error: str | None = None
    links: int = 0  # article links found
    new_links: int = 0  # of which not stored yet
    unchanged: bool = False  # 304 Not Modified, or the same body as last time: nothing was parsed


@dataclass
class SourceValidators:
    """What a source's URLs looked like (url -> etag, last_modified, body_hash), emitted once everything
    the visit linked to was handled."""

    source_id: str
    validators: dict[str, dict[str, str | None]]
