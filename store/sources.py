"""Configured sources and their fetch state (last status, failures, last new item)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from store.pages import utcnow


def sync_sources(db: sqlite_utils.Database, sources: Iterable[Any]) -> None:
    """Insert or update the configured part of each source row; fetch state is kept."""
    with db.conn:
        for s in sources:
            db["sources"].upsert({"id": s.id, "kind": s.kind, "url": s.url, "lang": s.lang}, pk="id")


def record_source_fetch(
    db: sqlite_utils.Database, source_id: str, *, status: int | None, error: str | None, new_items: int = 0
) -> None:
    """One visit of a source: a failure increments its consecutive failures, a success resets them."""
    now = utcnow()
    with db.conn:
        row = db.execute("SELECT failures FROM sources WHERE id = ?", [source_id]).fetchone()
        failures = (row[0] or 0) if row else 0
        update: dict[str, Any] = {
            "id": source_id,
            "last_checked": now,
            "last_status": status,
            "last_error": error[:1000] if error else None,
            "failures": failures + 1 if error else 0,
        }
        if new_items:
            update["last_new_item"] = now
        db["sources"].upsert(update, pk="id")


def failing_sources(db: sqlite_utils.Database, ids: Iterable[str]) -> list[dict[str, Any]]:
    """The named sources whose last visit failed, with their error and consecutive failures."""
    wanted = list(ids)
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    return list(
        db.query(
            f"SELECT id, last_status, last_error, failures FROM sources WHERE id IN ({marks}) AND last_error IS NOT NULL"
            " ORDER BY id",
            wanted,
        )
    )
