"""One `runs` row per command, and the lock that keeps two writing commands from overlapping."""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from store.db import StoreError
from store.pages import utcnow


class RunLocked(Exception):
    """Another talentwatch command is writing to this database."""


class RunLock:
    """An exclusive advisory lock on `<db>.lock` (`<db>.<name>.lock` for another lock of that database),
    released by the kernel even if the holder is killed. With `wait`, a held lock is waited for that many
    seconds before RunLocked."""

    def __init__(self, db_path: str | Path, *, name: str = "", wait: float = 0):
        self.path = Path(f"{db_path}.{name}.lock" if name else f"{db_path}.lock")
        self.what = f"talentwatch {name}" if name else "talentwatch run"
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot take the lock {self.path} ({exc.strerror}): a command that writes to the "
                             "database needs to write in its folder") from None  # fmt: skip
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
                os.close(fd)
                waited = f" after waiting {self.wait:g} s" if self.wait else ""
                raise RunLocked(f"another {self.what} holds {self.path} (pid {holder}){waited}; not starting") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def start_run(db: sqlite_utils.Database, command: str) -> int:
    """A new `running` row. Call it holding the RunLock: any other row still `running` then belongs to a
    process that was killed before it could finish, and is marked `interrupted`."""
    with db.atomic():
        db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        table = db["runs"].insert({"command": command, "started_at": utcnow(), "status": "running"})
    return int(table.last_pk)


def recent_runs(db: sqlite_utils.Database, limit: int = 10) -> list[dict[str, Any]]:
    """The last `limit` runs, newest first, with their counters decoded."""
    rows = list(db.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit]))
    for row in rows:
        row["stats"] = json.loads(row["stats"]) if row["stats"] else {}
    return rows


def lock_is_held(db_path: str | Path) -> bool:
    """True while a talentwatch command holds the database's run lock (read without creating the lock file,
    which a read-only directory would refuse)."""
    try:
        fd = os.open(f"{db_path}.lock", os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing it releases a lock it took
    return False


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, stats: dict[str, Any]) -> None:
    with db.atomic():
        db["runs"].update(
            run_id, {"finished_at": utcnow(), "status": status, "stats": json.dumps(stats, sort_keys=True)}
        )
