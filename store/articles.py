"""Save one processed article with its entities, figures and events, all or nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any, Protocol

import sqlite_utils

from store.clean import cleaned
from store.db import stable_id
from store.facts import mark_stale
from store.pages import utcnow
from store.schema import STORY_DAY

# Syndicated copies appear within days of each other; looking further back costs time and finds nothing.
COPY_WINDOW_DAYS = 7

# The fields of extract.records.Figure and Event, in their order (tests/test_store.py checks they agree).
FIGURE_COLUMNS = (
    "kind", "value", "min", "max", "unit", "currency", "period", "what", "measure", "approx", "iso", "as_of",
    "subject", "initiative_id", "label", "text", "start", "end", "sentence",
)  # fmt: skip
EVENT_COLUMNS = ("type", "date", "as_of", "subject", "initiative_id", "detail", "sentence")

ARTICLE_COLUMNS = (
    "id", "page_id", "url", "source_id", "title", "description", "text", "lang", "analysed", "published", "author",
    "sitename", "outlet", "initiative", "initiative_id", "relevance", "relevance_reasons", "relevant", "content_hash", "simhash",
    "duplicate_of", "extractor_version", "processed_at",
)  # fmt: skip
# Written with plain statements prepared once, not sqlite-utils' insert and upsert, which inspect the table
# on every call (a quarter of the time `process` spent beyond the models). One upsert, not an insert then an
# update: every update of an article re-indexes its text for full-text search (the FTS trigger fires on any
# column). first_seen and seq, the export cursor's order, are set when the article is first stored only.
UPSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}, first_seen, seq)"
    f" VALUES ({', '.join(':' + c for c in ARTICLE_COLUMNS)}, :first_seen,"
    " (SELECT coalesce(max(seq), 0) + 1 FROM articles))"
    f" ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in ARTICLE_COLUMNS[1:])},"
    " first_seen = coalesce(articles.first_seen, excluded.first_seen), seq = coalesce(articles.seq, excluded.seq)"
)
_QUOTED_FIGURE_COLUMNS = ", ".join(f'"{c}"' for c in FIGURE_COLUMNS)  # "end" is an SQL keyword
INSERT_FIGURE = (
    f"INSERT OR REPLACE INTO figures (id, article_id, {_QUOTED_FIGURE_COLUMNS})"
    f" VALUES (?, ?, {', '.join('?' * len(FIGURE_COLUMNS))})"
)
INSERT_EVENT = (
    f"INSERT OR REPLACE INTO event_mentions (id, article_id, {', '.join(EVENT_COLUMNS)})"
    f" VALUES (?, ?, {', '.join('?' * len(EVENT_COLUMNS))})"
)


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
            # what they stated leaves the facts: their groups are consolidated again
            mark_stale(db, "article_id IN (SELECT id FROM articles WHERE id = ? OR duplicate_of = ?)", [other, other])
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
    record = cleaned(record)
    article_id = page["id"]
    now = utcnow()
    with db.atomic():
        original = link_copies(db, article_id, record, copies)
        mark_stale(db, "article_id = ?", [article_id])  # the facts its previous figures were part of
        for table in ("figures", "event_mentions", "mentions"):
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
            "analysed": 0 if record.get("analysed") is False else 1,
            "published": record.get("published"),
            "author": record.get("author"),
            "sitename": record.get("sitename"),
            "outlet": record.get("outlet"),
            "initiative": record.get("initiative"),
            "initiative_id": record.get("initiative_id"),
            "relevance": record.get("relevance"),
            "relevance_reasons": json.dumps(record.get("relevance_reasons") or [], ensure_ascii=False),
            "relevant": 1 if record.get("relevant") else 0,
            "content_hash": record["content_hash"],
            "simhash": record.get("simhash"),
            "duplicate_of": original,
            "extractor_version": version,
            "processed_at": now,
            "first_seen": now,
        }
        db.execute(UPSERT_ARTICLE, row)
        entities = record.get("entities", [])
        # a gazetteer entity keeps the gazetteer's id; one the models found is keyed by its name and kind.
        # An entity already stored keeps its row, whatever id this record proposes.
        db.conn.executemany(
            "INSERT OR IGNORE INTO entities (id, name, kind, country) VALUES (?, ?, ?, ?)",
            [(e.get("id") or stable_id("entity", e["name"], e["kind"]), e["name"], e["kind"], e.get("country"))
             for e in entities],
        )  # fmt: skip
        entity_ids = [
            db.execute("SELECT id FROM entities WHERE name = ? AND kind = ?", [e["name"], e["kind"]]).fetchone()[0]
            for e in entities
        ]
        db.conn.executemany(
            "INSERT OR REPLACE INTO mentions (article_id, entity_id, surface, count) VALUES (?, ?, ?, ?)",
            [
                (article_id, i, json.dumps(e.get("surface", []), ensure_ascii=False), e.get("mentions", 1))
                for i, e in zip(entity_ids, entities, strict=True)
            ],
        )
        figures = []
        for f in record.get("figures", []):
            values = {c: f.get(c) for c in FIGURE_COLUMNS}
            values["approx"] = 1 if values["approx"] else 0
            figure_id = stable_id("figure", article_id, f.get("start"), f.get("end"), f["kind"])
            figures.append((figure_id, article_id, *values.values()))
        db.conn.executemany(INSERT_FIGURE, figures)
        db.conn.executemany(
            INSERT_EVENT,
            [
                (stable_id("event", article_id, e["type"], e.get("sentence")), article_id,
                 *(e.get(c) for c in EVENT_COLUMNS))
                for e in record.get("events", [])
            ],
        )  # fmt: skip
        mark_stale(db, "article_id = ?", [article_id])  # and the facts its new figures belong to
        db.execute("UPDATE pages SET processed_version = ?, processed_at = ? WHERE id = ?", [version, now, page["id"]])
    return article_id


def mark_unprocessable(db: sqlite_utils.Database, page_id: str, version: str) -> None:
    """A page with nothing to extract (empty body, not an article) is not retried for this version."""
    with db.atomic():
        db.execute(
            "UPDATE pages SET processed_version = ?, processed_at = ? WHERE id = ?", [version, utcnow(), page_id]
        )


def languages_not_analysed(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """(language, articles) for each language stored without rules to analyse it, most articles first."""
    if "analysed" not in db["articles"].columns_dict:
        return []  # a database from before true language labels, opened read-only (not migrated)
    return [
        (lang, n)
        for lang, n in db.execute(
            "SELECT lang, count(*) FROM articles WHERE analysed = 0 GROUP BY lang ORDER BY 2 DESC, 1"
        ).fetchall()
    ]
