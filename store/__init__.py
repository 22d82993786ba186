"""SQLite storage: one file, WAL mode, idempotent upserts keyed by stable hashes. No network here."""

from store.db import open_db

__all__ = ["open_db"]
