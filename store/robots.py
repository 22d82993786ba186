"""robots.txt bodies per origin, reused for a day so that a quiet hourly run costs only its feed requests.

RFC 9309 lets a crawler cache robots.txt for up to 24 hours. Only answers that mean something for later
runs are kept (2xx: the rules; 4xx: no rules); a 5xx or an unreachable host is not cached, so the next run
asks again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlite_utils

from store.pages import utcnow

MAX_AGE = timedelta(hours=24)
MAX_BODY = 512 * 1024  # Google's limit for robots.txt; the rest is ignored


def cached_robots(db: sqlite_utils.Database, origin: str, now: datetime | None = None) -> tuple[int, bytes] | None:
    """(status, body) of the origin's robots.txt if it was fetched less than a day ago."""
    row = db.execute("SELECT fetched_at, status, body FROM robots WHERE origin = ?", [origin]).fetchone()
    if row is None:
        return None
    fetched = datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if (now or datetime.now(UTC)) - fetched >= MAX_AGE:
        return None
    return row[1], row[2] or b""


def save_robots(db: sqlite_utils.Database, origin: str, status: int, body: bytes) -> None:
    with db.atomic():
        db["robots"].upsert(
            {"origin": origin, "fetched_at": utcnow(), "status": status, "body": body[:MAX_BODY]}, pk="origin"
        )
