"""Open the database with the pragmas every command relies on, and bring its schema up to date."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

import sqlite_utils

from store.schema import ensure_db_shape, migrations


class StoreError(Exception):
    """The database cannot be read or written as this version needs (disk full, a newer or foreign file):
    the command stops and says so in one line."""


# A write refused for want of room: a full disk, a quota, a file size limit.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


def out_of_room(exc: BaseException) -> bool:
    """Whether `exc` is a write refused for want of disk space (SQLite's own says "database or disk is full"
    and is a sqlite3.Error; this is the OSError any other file write raises)."""
    return isinstance(exc, OSError) and exc.errno in _NO_ROOM


def open_db(path: str | Path | None = None, *, memory: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) a talentwatch database and apply pending migrations.

    WAL lets Datasette and `export` read while a run writes; busy_timeout makes a writer wait for the
    other writer's transaction instead of failing with "database is locked".
    """
    if memory:
        db = sqlite_utils.Database(memory=True)
    else:
        path = Path(path)
        if path.parent and not path.parent.exists():
            raise FileNotFoundError(f"directory {path.parent} does not exist")
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    migrations.apply(db)
    ensure_db_shape(db)
    return db


def stable_id(*parts: object) -> str:
    """A short, stable key for upserts: the same inputs always give the same row id."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]
