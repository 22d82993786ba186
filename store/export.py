"""Read articles with their figures, entities and events for `talentwatch export`, and keep each
consumer's cursor.

Filters are bound parameters and the SQL text is fixed: nothing a user types becomes SQL. An export
reads one snapshot (a read transaction), so the cursor it proposes covers exactly what it returned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from store.articles import FIGURE_COLUMNS
from store.pages import utcnow


@dataclass(frozen=True)
class ExportFilter:
    """Which articles to export; every field narrows the selection."""

    after_seq: int = 0  # only articles first stored after this one (a consumer's cursor)
    upto_seq: int | None = None  # and up to this one (the snapshot's newest)
    since: str | None = None  # ISO date: published on or after it (undated: first stored on or after it)
    initiative: str | None = None  # canonical name: articles naming it or stating figures/events about it
    kind: str | None = None  # a figure kind or an event type: articles with one, figures narrowed to it
    lang: str | None = None
    min_relevance: float | None = None
    include_irrelevant: bool = False  # irrelevant articles and syndicated copies too


def _where(f: ExportFilter) -> tuple[str, list[Any]]:
    clauses, params = ["a.seq > ?"], [f.after_seq]
    if f.upto_seq is not None:
        clauses.append("a.seq <= ?")
        params.append(f.upto_seq)
    if not f.include_irrelevant:
        clauses.append("a.relevant = 1 AND a.duplicate_of IS NULL")
    if f.since:
        clauses.append("coalesce(a.published, a.first_seen) >= ?")
        params.append(f.since)
    if f.lang:
        clauses.append("a.lang = ?")
        params.append(f.lang)
    if f.min_relevance is not None:
        clauses.append("a.relevance >= ?")
        params.append(f.min_relevance)
    if f.initiative:
        clauses.append(
            "(EXISTS (SELECT 1 FROM mentions m JOIN entities e ON e.id = m.entity_id"
            "  WHERE m.article_id = a.id AND e.name = ? COLLATE NOCASE)"
            " OR EXISTS (SELECT 1 FROM figures x WHERE x.article_id = a.id AND x.subject = ? COLLATE NOCASE)"
            " OR EXISTS (SELECT 1 FROM events x WHERE x.article_id = a.id AND x.subject = ? COLLATE NOCASE))"
        )
        params += [f.initiative] * 3
    if f.kind:
        clauses.append(
            "(EXISTS (SELECT 1 FROM figures x WHERE x.article_id = a.id AND x.kind = ?)"
            " OR EXISTS (SELECT 1 FROM events x WHERE x.article_id = a.id AND x.type = ?))"
        )
        params += [f.kind, f.kind]
    return " AND ".join(clauses), params


def latest_seq(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]


def iter_articles(db: sqlite_utils.Database, f: ExportFilter | None = None) -> Iterator[dict[str, Any]]:
    """Articles in the order they were first stored, each with its figures, entities and events (figures
    and events narrowed to the filter's initiative and kind). Run it inside a read transaction
    (`snapshot`) for a consistent export."""
    f = f or ExportFilter()
    where, params = _where(f)
    sql = (
        "SELECT a.seq, a.id, a.url, a.source_id, a.title, a.lang, a.published, a.first_seen, a.relevant,"
        f" a.relevance, a.duplicate_of FROM articles a WHERE {where} ORDER BY a.seq"
    )
    cols = ", ".join(f'"{c}"' for c in FIGURE_COLUMNS)
    for article in db.query(sql, params):
        aid = article["id"]
        article["relevant"] = bool(article["relevant"])
        article["entities"] = [
            {"name": r["name"], "kind": r["kind"], "country": r["country"],
             "surface": json.loads(r["surface"] or "[]"), "mentions": r["count"]}
            for r in db.query(
                "SELECT e.name, e.kind, e.country, m.surface, m.count FROM mentions m"
                " JOIN entities e ON e.id = m.entity_id WHERE m.article_id = ? ORDER BY m.count DESC, e.name",
                [aid],
            )
        ]  # fmt: skip
        figures = [
            {**r, "approx": bool(r["approx"])}
            for r in db.query(f"SELECT {cols} FROM figures WHERE article_id = ? ORDER BY start", [aid])
        ]
        events = list(
            db.query("SELECT type, date, subject, sentence FROM events WHERE article_id = ? ORDER BY date", [aid])
        )
        article["initiative"] = main_initiative(figures, events, article["entities"])
        article["figures"] = [x for x in figures if _kept(x["subject"], x["kind"], f)]
        article["events"] = [x for x in events if _kept(x["subject"], x["type"], f)]
        yield article


def _kept(subject: str | None, kind: str, f: ExportFilter) -> bool:
    if f.kind and kind != f.kind:
        return False
    return not f.initiative or (subject or "").casefold() == f.initiative.casefold()


def main_initiative(figures: list[dict], events: list[dict], entities: list[dict]) -> str | None:
    """What the article is mostly about: the subject of most of its figures and events, else the
    programme it names most."""
    counts: dict[str, int] = {}
    for item in (*figures, *events):
        if item.get("subject"):
            counts[item["subject"]] = counts.get(item["subject"], 0) + 1
    if counts:
        return max(counts, key=lambda s: (counts[s], s))
    programmes = [e for e in entities if e["kind"] == "program"]
    return programmes[0]["name"] if programmes else None


class snapshot:  # noqa: N801 - used as a context manager, like a function
    """A read transaction: every query inside sees the database as it was when the first one ran, while
    a run goes on writing (WAL)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def __enter__(self) -> sqlite_utils.Database:
        self.db.execute("BEGIN")
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.execute("ROLLBACK")


def consumer_cursor(db: sqlite_utils.Database, consumer: str) -> int:
    row = db.execute("SELECT last_seq FROM exports WHERE consumer = ?", [consumer]).fetchone()
    return row[0] if row else 0


def advance_cursor(db: sqlite_utils.Database, consumer: str, upto: int, items: int, fmt: str) -> None:
    """Record that `consumer` has received everything up to `upto`; never moves a cursor back."""
    with db.atomic():
        db.execute(
            "INSERT INTO exports (consumer, last_seq, items, format, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(consumer) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq),"
            " items = items + excluded.items, format = excluded.format, updated_at = excluded.updated_at",
            [consumer, upto, items, fmt, utcnow()],
        )
