"""SQLite storage: one file, WAL mode, idempotent upserts keyed by stable hashes. No network here."""

from store.db import StoreError, open_db, out_of_room

__all__ = ["StoreError", "open_db", "out_of_room"]
