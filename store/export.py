"""Read articles with their figures and entities for `talentwatch export`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from store.articles import FIGURE_COLUMNS


def iter_articles(db: sqlite_utils.Database, *, include_irrelevant: bool = False) -> Iterator[dict[str, Any]]:
    """Articles in publication order, each with its figures, entities and events."""
    where = "" if include_irrelevant else "WHERE relevant = 1 AND duplicate_of IS NULL"
    sql = (
        "SELECT id, url, source_id, title, lang, published, relevant, relevance, duplicate_of"
        f" FROM articles {where} ORDER BY published IS NULL, published, id"
    )
    for article in db.query(sql):
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
        cols = ", ".join(f'"{c}"' for c in FIGURE_COLUMNS)
        article["figures"] = [
            {**r, "approx": bool(r["approx"])}
            for r in db.query(f"SELECT {cols} FROM figures WHERE article_id = ? ORDER BY start", [aid])
        ]
        article["events"] = list(
            db.query("SELECT type, date, subject, sentence FROM events WHERE article_id = ? ORDER BY date", [aid])
        )
        yield article
