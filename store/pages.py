"""Raw fetched documents: saved once per canonical URL, compressed, and handed to the processing stage."""

from __future__ import annotations

import functools
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from store.clean import clean_text
from store.db import stable_id

# Stored text fields from the network are capped: a hostile feed must not fill the database.
MAX_FIELD_CHARS = 4096


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cap(value: Any) -> Any:
    """A text field from the network as stored: cleaned (store.clean) and capped."""
    if isinstance(value, str):
        return clean_text(value[:MAX_FIELD_CHARS])
    return value


def page_id(canonical_url: str) -> str:
    return stable_id("page", canonical_url)


def save_page(db: sqlite_utils.Database, page: dict[str, Any]) -> str:
    """Upsert one fetched page; returns "new", "updated" or "unchanged".

    A page whose body is unchanged is left alone (its processing state included), so a re-crawl
    of the same content writes nothing.
    """
    body: bytes | None = page.get("body")
    body_hash = hashlib.sha256(body).hexdigest() if body is not None else None
    pid = page_id(page["canonical_url"])
    feed_entry = page.get("feed_entry")
    if feed_entry:
        feed_entry = {k: _cap(v) for k, v in feed_entry.items()}
    row = {
        "id": pid,
        "url": _cap(page["url"]),
        "canonical_url": _cap(page["canonical_url"]),
        "source_id": page.get("source_id"),
        "via": page.get("via"),
        "status": page.get("status"),
        "content_type": _cap(page.get("content_type")),
        "headers": json.dumps(page.get("headers") or {}, ensure_ascii=False)[:MAX_FIELD_CHARS],
        "body": zlib.compress(body) if body is not None else None,
        "body_hash": body_hash,
        "size": len(body) if body is not None else 0,
        "feed_entry": json.dumps(feed_entry, ensure_ascii=False) if feed_entry else None,
        "note": _cap(page.get("note")),
        "fetched_at": page.get("fetched_at") or utcnow(),
        "processed_version": None,
        "processed_at": None,
    }
    with db.atomic():
        existing = db.execute("SELECT body_hash, status FROM pages WHERE id = ?", [pid]).fetchone()
        if existing is not None:
            if existing[0] == body_hash and existing[1] == row["status"]:
                return "unchanged"
            if body is None and existing[0] is not None:
                # A failed re-fetch must not replace a good copy.
                return "unchanged"
        db.execute(_upsert_sql(tuple(row)), row)
    return "updated" if existing is not None else "new"


@functools.cache
def _upsert_sql(columns: tuple[str, ...]) -> str:
    """One INSERT ... ON CONFLICT statement: sqlite-utils' upsert inspects the schema on every call (ten
    queries per page), more than half the time of saving a page."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    return (
        f"INSERT INTO pages ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
        f" ON CONFLICT(id) DO UPDATE SET {updates}"
    )


# Pages the crawler does not fetch again: articles stored, pages gone for good (404, 410), and aggregator
# stubs kept as feed entries. A page that failed for a passing reason (5xx, timeout) is tried again when its
# feed lists it again.
KEPT_FOR_GOOD = "((body IS NOT NULL AND status = 200) OR status IN (404, 410) OR note LIKE 'aggregator%')"


def stored_among(db: sqlite_utils.Database, canonical_urls: Iterable[str]) -> set[str]:
    """Those of `canonical_urls` that are kept for good (see KEPT_FOR_GOOD). Asked per feed through the
    canonical_url index, so that a crawl's memory and start-up do not grow with every URL ever stored."""
    wanted = list(dict.fromkeys(canonical_urls))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT canonical_url FROM pages WHERE canonical_url IN ({marks}) AND {KEPT_FOR_GOOD}", chunk
        )
        found.update(r[0] for r in rows)
    return found


def pages_to_process(
    db: sqlite_utils.Database, version: str, *, reprocess: bool = False, batch_size: int = 32
) -> Iterator[list[dict[str, Any]]]:
    """Batches of pages not yet processed by this extractor version (all pages with `reprocess`)."""
    where = "1 = 1" if reprocess else "(processed_version IS NULL OR processed_version != ?)"
    params: list[Any] = [] if reprocess else [version]
    ids = [r[0] for r in db.execute(f"SELECT id FROM pages WHERE {where} ORDER BY fetched_at, id", params)]
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        marks = ",".join("?" * len(chunk))
        rows = list(db.query(f"SELECT * FROM pages WHERE id IN ({marks}) ORDER BY fetched_at, id", chunk))
        for row in rows:
            row["body"] = zlib.decompress(row["body"]) if row["body"] is not None else None
            row["headers"] = json.loads(row["headers"] or "{}")
            row["feed_entry"] = json.loads(row["feed_entry"]) if row["feed_entry"] else None
        yield rows


def count_to_process(db: sqlite_utils.Database, version: str, *, reprocess: bool = False) -> int:
    if reprocess:
        return db["pages"].count
    return db.execute(
        "SELECT count(*) FROM pages WHERE processed_version IS NULL OR processed_version != ?", [version]
    ).fetchone()[0]
