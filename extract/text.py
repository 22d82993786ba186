"""HTML or plain text in, main text and metadata out (trafilatura does the HTML part)."""

from __future__ import annotations

import re
from typing import Any

import trafilatura
from trafilatura.deduplication import LRUCache
from trafilatura.utils import decode_file

HTML_HINT = re.compile(r"<(?:!doctype\s+html|html|head|body|article|div|p)[\s>]", re.IGNORECASE)
ISO_DATE = re.compile(r"\b((?:19|20)\d{2}-[01]\d-[0-3]\d)\b")


def to_str(content: str | bytes) -> str:
    """Decode bytes with trafilatura's charset detection; strip NULs that would poison the database."""
    text = decode_file(content) if isinstance(content, bytes) else content
    return text.replace("\x00", "")


def looks_like_html(content: str) -> bool:
    return bool(HTML_HINT.search(content[:4096]))


def document_from_html(html: str, url: str | None = None) -> dict[str, Any] | None:
    """Main text and metadata of a web page, without navigation, banners, "read also" and footers.

    Deduplication gets a fresh cache per document: trafilatura's default cache is shared by the whole
    process, which would drop a paragraph from the second of two syndicated copies.
    """
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        deduplicate=LRUCache(maxsize=2048),
    )
    if doc is None or not doc.text:
        return None
    return {
        "title": doc.title,
        "text": doc.text,
        "published": doc.date,
        "author": doc.author,
        "sitename": doc.sitename,
        "description": doc.description,
    }


def document_from_text(text: str) -> dict[str, Any]:
    """A plain-text article: the first non-empty line is its title; an ISO date near the top is its date."""
    lines = [line.strip() for line in text.splitlines()]
    body = "\n".join(line for line in lines if line)
    title = next((line for line in lines if line), None)
    date = ISO_DATE.search(text[:300])
    if title:
        # scraped text files often open with "date 2025-12-17 <title>"
        title = re.sub(r"^\W*(?:date\s+)?(?:19|20)\d{2}-[01]\d-[0-3]\d\s*", "", title) or title
    return {
        "title": title[:300] if title else None,
        "text": body,
        "published": date.group(1) if date else None,
        "author": None,
        "sitename": None,
        "description": None,
    }


# No news article comes near these; a page that does is cut, so that one hostile page cannot make the
# NLP (spaCy refuses texts over a million characters) or the database carry megabytes of text.
MAX_TEXT_CHARS = 200_000
MAX_FIELD_CHARS = {"title": 1024, "description": 4096, "author": 512, "sitename": 512}


def document_from_content(content: str | bytes, url: str | None = None) -> dict[str, Any] | None:
    text = to_str(content)
    if looks_like_html(text):
        doc = document_from_html(text, url)
    else:
        doc = document_from_text(text) if text.strip() else None
    return bounded(doc) if doc else None


def bounded(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with its text cut at MAX_TEXT_CHARS (at the last line break before it) and its
    metadata fields capped."""
    text = doc["text"]
    if len(text) > MAX_TEXT_CHARS:
        cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
        doc["text"] = text[: cut if cut > MAX_TEXT_CHARS // 2 else MAX_TEXT_CHARS]
    for key, limit in MAX_FIELD_CHARS.items():
        if isinstance(doc.get(key), str):
            doc[key] = doc[key][:limit]
    return doc
