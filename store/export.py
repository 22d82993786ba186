"""Read articles with their figures, entities and events, or the facts and events, for `talentwatch
export`, and keep each consumer's cursors (one in articles, one in facts).

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

# How long an export for a consumer waits for another export for the same consumer (cron overlapping a
# manual run) before it refuses; each is a read of new items and a write, seconds at most.
CONSUMER_WAIT = 60


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
            " OR EXISTS (SELECT 1 FROM event_mentions x WHERE x.article_id = a.id AND x.subject = ? COLLATE NOCASE))"
        )
        params += [f.initiative] * 3
    if f.kind:
        clauses.append(
            "(EXISTS (SELECT 1 FROM figures x WHERE x.article_id = a.id AND x.kind = ?)"
            " OR EXISTS (SELECT 1 FROM event_mentions x WHERE x.article_id = a.id AND x.type = ?))"
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
        "SELECT a.seq, a.id, a.url, a.source_id, a.outlet, a.title, a.lang, a.published, a.first_seen, a.relevant,"
        f" a.relevance, a.duplicate_of, a.initiative FROM articles a WHERE {where} ORDER BY a.seq"
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
            db.query(
                "SELECT type, date, subject, detail, sentence FROM event_mentions WHERE article_id = ? ORDER BY date",
                [aid],
            )
        )
        article["figures"] = [x for x in figures if _kept(x["subject"], x["kind"], f)]
        article["events"] = [x for x in events if _kept(x["subject"], x["type"], f)]
        yield article


def _kept(subject: str | None, kind: str, f: ExportFilter) -> bool:
    if f.kind and kind != f.kind:
        return False
    return not f.initiative or (subject or "").casefold() == f.initiative.casefold()


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


# -- facts and events ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactFilter:
    """Which facts and events to export; every field narrows the selection."""

    after_seq: int = 0  # only what is new or changed after this (a consumer's fact cursor)
    upto_seq: int | None = None  # and up to this (the snapshot's newest)
    since: str | None = None  # ISO date: reported (last report) on or after it
    initiatives: tuple[str, ...] = ()  # canonical names; none: every initiative
    kinds: tuple[str, ...] = ()  # figure kinds (facts) or event types (events); none: all


def latest_fact_seq(db: sqlite_utils.Database) -> int:
    return db.execute(
        "SELECT max(coalesce((SELECT max(seq) FROM facts), 0), coalesce((SELECT max(seq) FROM events), 0))"
    ).fetchone()[0]


def _fact_where(f: FactFilter, kind_column: str) -> tuple[str, dict[str, Any]]:
    """The WHERE clause and its named parameters (`:after` is the cursor the change is computed against)."""
    clauses, params = ["seq > :after"], {"after": f.after_seq}
    if f.upto_seq is not None:
        clauses.append("seq <= :upto")
        params["upto"] = f.upto_seq
    if f.since:
        clauses.append("last_reported >= :since")
        params["since"] = f.since
    for column, values, name in (("initiative COLLATE NOCASE", f.initiatives, "i"), (kind_column, f.kinds, "k")):
        if values:
            names = [f"{name}{n}" for n in range(len(values))]
            clauses.append(f"{column} IN ({', '.join(':' + n for n in names)})")
            params.update(zip(names, values, strict=True))
    return " AND ".join(clauses), params


def _outlets(value: str | None) -> list[str]:
    return [x for x in (value or "").split("; ") if x]


def iter_facts(db: sqlite_utils.Database, f: FactFilter | None = None) -> Iterator[dict[str, Any]]:
    """Facts (with their claims) and events, in the order they became new or last changed (`seq`), each as
    one item: `item` says which. `change` is what changed since `after_seq` (the reader's cursor): new to
    the reader, disputed since, or only a new outlet; so a fact that appeared and gained an outlet since is
    new. Run it inside a read transaction (`snapshot`)."""
    f = f or FactFilter()
    where, params = _fact_where(f, "kind")
    facts = db.query(
        "SELECT 'fact' AS item, seq, CASE WHEN coalesce(first_seq, seq) > :after THEN 'new'"
        " WHEN coalesce(disputed_seq, 0) > :after THEN 'disputed' ELSE 'new outlet' END AS change, id, date,"
        " initiative, initiative_id, kind, what, label, status, value, min, max, unit, currency, period, approx,"
        " outlets, reported_by, articles, claims, first_reported, last_reported, url, title, evidence, updated"
        f" FROM facts WHERE {where} ORDER BY seq",
        params,
    )
    where, params = _fact_where(f, "type")
    events = db.query(
        "SELECT 'event' AS item, seq, CASE WHEN coalesce(first_seq, seq) > :after THEN 'new' ELSE 'new outlet' END"
        " AS change, id, date, initiative, initiative_id, type AS kind, NULL AS what,"
        " detail AS label, CASE WHEN outlets > 1 THEN 'agreed' ELSE 'single' END AS status, outlets, reported_by,"
        " articles, first_reported, last_reported, url, title, sentence AS evidence, updated"
        f" FROM events WHERE {where} ORDER BY seq",
        params,
    )
    for item in _merge_by_seq(facts, events):
        item["reported_by"] = _outlets(item["reported_by"])
        if item["item"] == "fact":
            item["approx"] = bool(item["approx"])
            item["claims"] = [
                {**c, "approx": bool(c["approx"]), "reported_by": _outlets(c["reported_by"])}
                for c in db.query(
                    "SELECT value, min, max, unit, period, approx, label, outlets, reported_by, articles,"
                    " first_reported, last_reported, evidence, url FROM claims WHERE fact_id = ?"
                    " ORDER BY outlets DESC, first_reported, label",
                    [item["id"]],
                )
            ]
        yield item


def _merge_by_seq(a: Iterator[dict[str, Any]], b: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Two iterators ordered by seq, as one (seq numbers are shared, never equal)."""
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x["seq"] < y["seq"]):
            yield x
            x = next(a, None)
        else:
            yield y
            y = next(b, None)


def consumer_fact_cursor(db: sqlite_utils.Database, consumer: str) -> int:
    row = db.execute("SELECT last_fact_seq FROM exports WHERE consumer = ?", [consumer]).fetchone()
    return (row[0] or 0) if row else 0


def advance_fact_cursor(db: sqlite_utils.Database, consumer: str, upto: int, items: int, fmt: str) -> None:
    """Record that `consumer` has received every fact and event change up to `upto`; never moves back."""
    with db.atomic():
        db.execute(
            "INSERT INTO exports (consumer, last_seq, items, last_fact_seq, fact_items, format, updated_at)"
            " VALUES (?, 0, 0, ?, ?, ?, ?) ON CONFLICT(consumer) DO UPDATE SET"
            " last_fact_seq = max(coalesce(last_fact_seq, 0), excluded.last_fact_seq),"
            " fact_items = coalesce(fact_items, 0) + excluded.fact_items, format = excluded.format,"
            " updated_at = excluded.updated_at",
            [consumer, upto, items, fmt, utcnow()],
        )
