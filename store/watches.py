"""What each watch target has been sent: its cursor in facts and events, its counters and its last error.

A watch's cursor is the facts export cursor of its id (`exports`, issue 8): the point every one of its
targets has received. Each target also keeps its own (`watch_targets`), so that a target that was down gets
what it missed once it is back while the others get nothing twice. A target new to a watch starts at the
watch's cursor: replacing a password or adding a chat to a watch does not replay the history.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from store.export import advance_fact_cursor, consumer_fact_cursor
from store.pages import utcnow


def target_cursors(db: sqlite_utils.Database, watch: str, targets: list[str]) -> dict[str, int]:
    """Where each target of `watch` is (a new one: at the watch's cursor)."""
    start = consumer_fact_cursor(db, watch)
    known = dict(db.execute("SELECT target, last_fact_seq FROM watch_targets WHERE watch = ?", [watch]).fetchall())
    return {t: known.get(t, start) for t in targets}


def record_sent(db: sqlite_utils.Database, watch: str, target: str, upto: int, items: int) -> None:
    """`target` has received everything of `watch` up to `upto` (`items` of them in this message, or none
    when nothing matched)."""
    now = utcnow()
    with db.atomic():
        db.execute(
            "INSERT INTO watch_targets (watch, target, last_fact_seq, messages, items, failures, failed_total,"
            " last_attempt, last_sent) VALUES (:watch, :target, :upto, :messages, :items, 0, 0, :now, :sent)"
            " ON CONFLICT(watch, target) DO UPDATE SET last_fact_seq = max(last_fact_seq, :upto),"
            " messages = messages + :messages, items = items + :items, failures = 0, last_error = NULL,"
            " last_attempt = :now, last_sent = coalesce(:sent, last_sent)",
            {"watch": watch, "target": target, "upto": upto, "messages": int(items > 0), "items": items, "now": now,
             "sent": now if items else None},
        )  # fmt: skip


def record_failed(db: sqlite_utils.Database, watch: str, target: str, error: str) -> None:
    """A message to `target` did not go through: its cursor stays, so the next run sends it again."""
    start = consumer_fact_cursor(db, watch)
    with db.atomic():
        db.execute(
            "INSERT INTO watch_targets (watch, target, last_fact_seq, messages, items, failures, failed_total,"
            " last_error, last_attempt) VALUES (:watch, :target, :start, 0, 0, 1, 1, :error, :now)"
            " ON CONFLICT(watch, target) DO UPDATE SET failures = failures + 1, failed_total = failed_total + 1,"
            " last_error = :error, last_attempt = :now",
            {"watch": watch, "target": target, "start": start, "error": error, "now": utcnow()},
        )


def settle_watch(db: sqlite_utils.Database, watch: str, targets: list[str], items: int) -> int:
    """Move the watch's cursor to what every one of its `targets` has received, and forget the targets the
    watch no longer has. Returns the watch's cursor."""
    cursors = target_cursors(db, watch, targets)
    upto = min(cursors.values())
    with db.atomic():
        marks = ", ".join("?" * len(targets))
        db.execute(f"DELETE FROM watch_targets WHERE watch = ? AND target NOT IN ({marks})", [watch, *targets])
        advance_fact_cursor(db, watch, upto, items, "notify")
    return upto


def watch_states(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every watch target with its counters and last error, failing ones first."""
    if not db["watch_targets"].exists():  # a database older than watches, opened read-only
        return []
    return list(db.query("SELECT * FROM watch_targets ORDER BY failures = 0, watch, target"))
