"""Open the database with the pragmas every command relies on, and bring its schema up to date."""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
from pathlib import Path

import sqlite_utils

from store.schema import ensure_db_shape, migrations

# The schema steps this version knows (listed without touching any database).
KNOWN_MIGRATIONS = frozenset(m.name for m in migrations.pending(sqlite_utils.Database(memory=True)))


class StoreError(Exception):
    """The database cannot be read or written as this version needs (disk full, a newer or foreign file):
    the command stops and says so in one line."""


# A write refused for want of room: a full disk, a quota, a file size limit.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


def out_of_room(exc: BaseException) -> bool:
    """Whether `exc` is a write refused for want of disk space (SQLite's own says "database or disk is full"
    and is a sqlite3.Error; this is the OSError any other file write raises)."""
    return isinstance(exc, OSError) and exc.errno in _NO_ROOM


def writable(path: str | Path) -> bool:
    """Whether this process may write the database file and create its journal files beside it."""
    path = Path(path)
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def open_db(path: str | Path | None = None, *, memory: bool = False, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) a talentwatch database and apply pending migrations.

    WAL lets Datasette and `export` read while a run writes; busy_timeout makes a writer wait for the
    other writer's transaction instead of failing with "database is locked". `read_only` opens it for reading
    only (no migration, nothing written): what `status`, `export` and `serve` do with a file they may not write.
    A file that is not a talentwatch database this version can use raises StoreError, with the reason.
    """
    if memory:
        db = sqlite_utils.Database(memory=True)
    else:
        path = Path(path)
        if path.parent and not path.parent.exists():
            raise FileNotFoundError(f"directory {path.parent} does not exist")
    try:
        if not memory:
            db = _connect_read_only(path) if read_only else sqlite_utils.Database(path)
        _check_known(db, path)
        db.execute("PRAGMA busy_timeout=30000")
        if read_only:
            if migrations.pending(db):
                raise StoreError(f"{path} needs its schema brought up to this version, which needs write access: "
                                 "run `talentwatch status` once with write access to it")  # fmt: skip
            return db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        migrations.apply(db)
        ensure_db_shape(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(_unusable(path, exc)) from None
    return db


def _connect_read_only(path: Path) -> sqlite_utils.Database:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        # A WAL database needs its -shm file, which a read-only directory does not let SQLite create; nobody
        # can be writing it then, so it is read as it is on disk.
        conn.close()
        conn = sqlite3.connect(f"{uri}&immutable=1", uri=True)
    return sqlite_utils.Database(conn)


def _check_known(db: sqlite_utils.Database, path: Path | None) -> None:
    """Refuse a database another program wrote, or a newer talentwatch (whose views and tables this version
    would rewrite to its own older shape)."""
    applied = [m.name for m in migrations.applied(db)]
    unknown = [name for name in applied if name not in KNOWN_MIGRATIONS]
    if unknown:
        raise StoreError(f"{path} was written by a newer talentwatch (its schema step {unknown[-1]} is unknown "
                         "to this version): upgrade talentwatch to use it")  # fmt: skip
    if not applied:
        tables = [t for t in db.table_names() if not t.startswith("sqlite_")]
        if tables:
            raise StoreError(f"{path} is not a talentwatch database (it has tables {', '.join(tables[:5])}): "
                             "not opened, nothing written")  # fmt: skip


def _unusable(path: Path | None, exc: sqlite3.DatabaseError) -> str:
    message = str(exc)
    if "readonly" in message or "read-only" in message:
        return f"{path} is read-only ({message}): this command writes to the database"
    if "not a database" in message or "malformed" in message:
        return f"{path} is not a SQLite database or is damaged ({message}): not opened"
    return f"could not open {path} ({message})"


def stable_id(*parts: object) -> str:
    """A short, stable key for upserts: the same inputs always give the same row id."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]
