"""Configured sources, their fetch state (last status, failures, last new item) and their schedule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from store.clean import clean_text
from store.pages import utcnow

# A source whose next check falls within this margin of the run's start is due: cron starts runs a few
# seconds early or late, and a source checked hourly must not skip every other hour.
DUE_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Schedule:
    """Bounds of a source's check interval, in seconds (settings.min_interval / max_interval)."""

    min_interval: float = 3600.0
    max_interval: float = 86400.0

    def after_success(self, interval: float | None, new_items: int) -> float:
        """A source that yielded something is checked twice as often, a quiet one 1.5 times less often."""
        current = interval or self.min_interval
        adapted = current / 2 if new_items else current * 1.5
        return min(self.max_interval, max(self.min_interval, adapted))

    def after_failure(self, failures: int) -> float:
        """Consecutive failures back off exponentially from the shortest interval, up to the longest."""
        return min(self.max_interval, self.min_interval * 2 ** max(0, failures - 1))


def _parse(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _format(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sync_sources(db: sqlite_utils.Database, sources: Iterable[Any]) -> None:
    """Insert or update the configured part of each source row; fetch state is kept."""
    with db.atomic():
        for s in sources:
            db["sources"].upsert({"id": s.id, "kind": s.kind, "url": s.url, "lang": s.lang}, pk="id")


def due_source_ids(db: sqlite_utils.Database, ids: Iterable[str], now: str | None = None) -> set[str]:
    """The sources among `ids` whose next check has come (or that were never checked)."""
    wanted = list(ids)
    if not wanted:
        return set()
    limit = _format(_parse(now or utcnow()) + DUE_MARGIN)
    marks = ",".join("?" * len(wanted))
    rows = db.execute(
        f"SELECT id FROM sources WHERE id IN ({marks}) AND (next_check IS NULL OR next_check <= ?)", [*wanted, limit]
    )
    return {r[0] for r in rows}


def conditional_state(db: sqlite_utils.Database) -> dict[str, dict[str, str | None]]:
    """What each source URL looked like at its source's last complete visit: ETag, Last-Modified, body hash."""
    rows = db.execute("SELECT url, etag, last_modified, body_hash FROM validators")
    return {r[0]: {"etag": r[1], "last_modified": r[2], "body_hash": r[3]} for r in rows}


def record_source_fetch(
    db: sqlite_utils.Database,
    source_id: str,
    *,
    status: int | None,
    error: str | None,
    new_items: int = 0,
    schedule: Schedule | None = None,
    now: str | None = None,
) -> None:
    """One visit of a source: a failure increments its consecutive failures and backs its next check
    off; a success resets them and adapts the interval to whether the visit found new items."""
    schedule = schedule or Schedule()
    now = now or utcnow()
    with db.atomic():
        row = db.execute("SELECT failures, check_interval FROM sources WHERE id = ?", [source_id]).fetchone()
        failures, interval = ((row[0] or 0), row[1]) if row else (0, None)
        update: dict[str, Any] = {
            "id": source_id,
            "last_checked": now,
            "last_status": status,
            "last_error": clean_text(error[:1000]) if error else None,
            "failures": failures + 1 if error else 0,
            "last_visit_new": None if error else new_items,
        }
        if error:
            wait = schedule.after_failure(failures + 1)
        else:
            wait = update["check_interval"] = schedule.after_success(interval, new_items)
        update["next_check"] = _format(_parse(now) + timedelta(seconds=wait))
        if new_items:
            update["last_new_item"] = now
        db["sources"].upsert(update, pk="id")


def record_validators(db: sqlite_utils.Database, source_id: str, validators: dict[str, dict[str, Any]]) -> None:
    """Validators of a source's URLs (url -> etag, last_modified, body_hash), saved only once everything
    the visit linked to has been handled: a run killed half-way re-reads the feed next time instead of
    getting a 304 and losing the articles it had not fetched yet."""
    now = utcnow()
    with db.atomic():
        db["validators"].upsert_all(
            [{"url": url, "source_id": source_id, **v, "saved_at": now} for url, v in validators.items()], pk="url"
        )
        # the source's own URL's validators also show on its row, next to the rest of its fetch state
        db.execute(
            "UPDATE sources SET etag = (SELECT etag FROM validators WHERE url = sources.url),"
            " last_modified = (SELECT last_modified FROM validators WHERE url = sources.url)"
            " WHERE id = ? AND url IN (SELECT url FROM validators)",
            [source_id],
        )


def source_states(db: sqlite_utils.Database, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every source (or the named ones) with its state, in id order."""
    columns = (
        "id, kind, url, last_checked, last_status, last_error, failures, last_new_item, last_visit_new,"
        " next_check, check_interval"
    )
    if ids is None:
        return list(db.query(f"SELECT {columns} FROM sources ORDER BY id"))
    wanted = list(ids)
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    return list(db.query(f"SELECT {columns} FROM sources WHERE id IN ({marks}) ORDER BY id", wanted))


def failing_sources(db: sqlite_utils.Database, ids: Iterable[str], since: str | None = None) -> list[dict[str, Any]]:
    """The named sources whose last visit failed (with `since`, a visit on or after that UTC timestamp),
    with their error and consecutive failures."""
    wanted = list(ids)
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    return list(
        db.query(
            f"SELECT id, last_status, last_error, failures, next_check FROM sources WHERE id IN ({marks})"
            " AND last_error IS NOT NULL AND last_checked >= ? ORDER BY id",
            [*wanted, since or ""],
        )
    )
