"""Save one processed article with its entities, figures and events, all or nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any, Protocol

import sqlite_utils

from store.db import stable_id
from store.pages import utcnow
from store.schema import STORY_DAY

# Syndicated copies appear within days of each other; looking further back costs time and finds nothing.
COPY_WINDOW_DAYS = 7

FIGURE_COLUMNS = (
    "kind", "value", "min", "max", "unit", "currency", "period", "what", "approx", "iso",
    "subject", "label", "text", "start", "end", "sentence",
)  # fmt: skip


class CopyTest(Protocol):
    """How to tell a syndicated copy (`extract.duplicates` is one): the store only runs the queries."""

    def close(self, a: str | None, b: str | None) -> bool: ...

    def same_story(self, a: str, b: str) -> bool: ...


def _story_day(record: dict[str, Any]) -> str:
    return record.get("published") or utcnow()[:10]


def find_copies(
    db: sqlite_utils.Database, article_id: str, record: dict[str, Any], copies: CopyTest | None = None
) -> list[tuple[str, str]]:
    """(id, story day) of the stored originals this article is a copy of, or that are copies of it: the
    same normalised text, else (with `copies`) a near-duplicate in the same language within a week,
    confirmed on the texts."""
    rows = db.execute(
        f"SELECT id, {STORY_DAY} FROM articles WHERE content_hash = ? AND id != ? AND duplicate_of IS NULL",
        [record["content_hash"], article_id],
    ).fetchall()
    if rows or copies is None or not record.get("simhash"):
        return [tuple(r) for r in rows]
    day = date.fromisoformat(_story_day(record))
    window = [
        (day - timedelta(days=COPY_WINDOW_DAYS)).isoformat(),
        (day + timedelta(days=COPY_WINDOW_DAYS)).isoformat(),
    ]
    candidates = db.execute(
        f"SELECT id, simhash, {STORY_DAY} FROM articles WHERE lang = ? AND {STORY_DAY} BETWEEN ? AND ?"
        " AND id != ? AND duplicate_of IS NULL AND simhash IS NOT NULL",
        [record.get("lang"), *window, article_id],
    ).fetchall()
    found = []
    for candidate_id, simhash, candidate_day in candidates:
        if copies.close(record["simhash"], simhash):
            text = db.execute("SELECT text FROM articles WHERE id = ?", [candidate_id]).fetchone()[0]
            if copies.same_story(record.get("text") or "", text or ""):
                found.append((candidate_id, candidate_day))
    return found


def link_copies(
    db: sqlite_utils.Database, article_id: str, record: dict[str, Any], copies: CopyTest | None
) -> str | None:
    """Make the first publication of a story the original of all its copies, whatever order they were
    processed in; returns what this article is a copy of (None when it is the original)."""
    found = find_copies(db, article_id, record, copies)
    if not found:
        return None
    original = min([*found, (article_id, _story_day(record))], key=lambda pair: (pair[1] or "", pair[0]))[0]
    for other, _day in found:
        if other != original:  # an earlier "original" turned out to be a later copy: it and its copies move
            db.execute(
                "UPDATE articles SET duplicate_of = ? WHERE id = ? OR duplicate_of = ?", [original, other, other]
            )
    return None if original == article_id else original


def save_article(
    db: sqlite_utils.Database,
    page: dict[str, Any],
    record: dict[str, Any],
    version: str,
    copies: CopyTest | None = None,
) -> str:
    """Replace the article of `page` and everything extracted from it in one transaction.

    Reprocessing deletes the previous figures, mentions and events first, so an article is never
    left half old, half new, and running twice gives the same rows. An article that copies an earlier
    one is linked to it (`duplicate_of`) and so kept out of the timeline.
    """
    article_id = page["id"]
    now = utcnow()
    with db.atomic():
        original = link_copies(db, article_id, record, copies)
        for table in ("figures", "events", "mentions"):
            db.execute(f"DELETE FROM {table} WHERE article_id = ?", [article_id])
        row = {
            "id": article_id,
            "page_id": page["id"],
            "url": record.get("url") or page["url"],
            "source_id": page.get("source_id"),
            "title": record.get("title"),
            "description": record.get("description"),
            "text": record.get("text"),
            "lang": record.get("lang"),
            "published": record.get("published"),
            "author": record.get("author"),
            "sitename": record.get("sitename"),
            "relevance": record.get("relevance"),
            "relevant": 1 if record.get("relevant") else 0,
            "content_hash": record["content_hash"],
            "simhash": record.get("simhash"),
            "duplicate_of": original,
            "extractor_version": version,
            "processed_at": now,
        }
        # First storage only: the export cursor's order, which reprocessing must not change. Set in the same
        # write as the rest, not by a second UPDATE: any update of an article re-indexes its whole text for
        # full-text search (the FTS trigger fires on every column).
        stored = db.execute("SELECT seq FROM articles WHERE id = ?", [article_id]).fetchone()
        if stored is None or stored[0] is None:
            row["first_seen"] = now
            row["seq"] = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM articles").fetchone()[0]
        db["articles"].upsert(row, pk="id")
        entities = record.get("entities", [])
        entity_ids = [stable_id("entity", e["name"], e["kind"]) for e in entities]
        # One statement per table, not one per row: sqlite-utils inspects the table on every call.
        db["entities"].insert_all(
            (
                {"id": entity_id, "name": e["name"], "kind": e["kind"], "country": e.get("country")}
                for entity_id, e in zip(entity_ids, entities, strict=True)
            ),
            pk="id",
            ignore=True,
        )
        db["mentions"].insert_all(
            (
                {
                    "article_id": article_id,
                    "entity_id": entity_id,
                    "surface": json.dumps(e.get("surface", []), ensure_ascii=False),
                    "count": e.get("mentions", 1),
                }
                for entity_id, e in zip(entity_ids, entities, strict=True)
            ),
            pk=("article_id", "entity_id"),
            replace=True,
        )
        figures = [
            {
                "id": stable_id("figure", article_id, f.get("start"), f.get("end"), f["kind"]),
                "article_id": article_id,
                **{c: f.get(c) for c in FIGURE_COLUMNS},
            }
            for f in record.get("figures", [])
        ]
        for figure in figures:
            figure["approx"] = 1 if figure["approx"] else 0
        if figures:
            db["figures"].insert_all(figures, pk="id", replace=True)
        events = [
            {
                "id": stable_id("event", article_id, e["type"], e.get("sentence")),
                "article_id": article_id,
                "type": e["type"],
                "date": e.get("date"),
                "subject": e.get("subject"),
                "sentence": e.get("sentence"),
            }
            for e in record.get("events", [])
        ]
        if events:
            db["events"].insert_all(events, pk="id", replace=True)
        db.execute("UPDATE pages SET processed_version = ?, processed_at = ? WHERE id = ?", [version, now, page["id"]])
    return article_id


def mark_unprocessable(db: sqlite_utils.Database, page_id: str, version: str) -> None:
    """A page with nothing to extract (empty body, not an article) is not retried for this version."""
    with db.atomic():
        db.execute(
            "UPDATE pages SET processed_version = ?, processed_at = ? WHERE id = ?", [version, utcnow(), page_id]
        )
