"""Scenarios 21-23: database files talentwatch did not write as this version expects: one from a newer
talentwatch, one it may only read (a read-only mount), and damaged or foreign files. Every command answers
with one line, and nothing is written to a file it cannot use."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlite_utils

from tests.conftest import BIN, talentwatch
from tests.crawl_site import sources_yaml
from tests.test_serve import free_port, get

COMMANDS = (("status",), ("export",), ("export", "--facts", "--format", "atom"), ("process",), ("sources",))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_errors(db_path: Path, commands=COMMANDS) -> dict[str, str]:  # noqa: ANN001
    """Each command's stderr, asserted to be a single `Error:` line without a traceback."""
    answers = {}
    for argv in commands:
        result = talentwatch(*argv, db=db_path, check=False)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("Error: "), (argv, result.stderr)
        answers[" ".join(argv)] = lines[0]
    return answers


@pytest.mark.slow
def test_21_database_from_a_newer_talentwatch(demo_db, tmp_path, record):
    db_path = tmp_path / "tw.db"
    shutil.copy(demo_db, db_path)
    db = sqlite_utils.Database(db_path)
    future_view = "CREATE VIEW timeline AS SELECT 'from a newer version' AS what"
    with db.conn:
        db.execute("DROP VIEW timeline")
        db.execute(future_view)
        db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('talentwatch', "
                   "'m999_from_the_future', '2030-01-01 00:00:00')")  # fmt: skip
    db.close()
    before = digest(db_path)
    answers = one_line_errors(db_path)
    view = sqlite_utils.Database(db_path).execute("SELECT sql FROM sqlite_master WHERE name = 'timeline'").fetchone()[0]
    record("21 a database written by a newer talentwatch (an unknown schema step)",
           f"{len(answers)}/{len(COMMANDS)} commands refused in one line (\"{answers['status'][:110]}\"); "
           f"timeline view kept: {view == future_view}; file unchanged: {digest(db_path) == before}",
           "every command refuses in one line; nothing rewritten")  # fmt: skip
    assert all("newer talentwatch" in a for a in answers.values()), answers
    assert view == future_view and digest(db_path) == before


def read_only_argv(folder: Path, argv: list[str]) -> list[str]:
    """`argv` run where `folder` is a read-only mount (root) or read-only for this user (anyone else)."""
    if os.geteuid() != 0:
        return argv  # the test made the folder and file read-only with chmod
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare(1): cannot make a read-only mount for the test")
    mount = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
    return ["unshare", "--mount", "sh", "-c", mount, str(folder), *argv]


def run_read_only(folder: Path, *args: str, db: Path) -> subprocess.CompletedProcess:
    argv = read_only_argv(folder, [str(BIN / "talentwatch"), "--db", str(db), *args])
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_22_read_only_database(demo_db, tmp_path, record):
    folder = tmp_path / "ro"
    folder.mkdir()
    db_path = folder / "tw.db"
    shutil.copy(demo_db, db_path)
    if os.geteuid() == 0:
        probe = subprocess.run(read_only_argv(folder, ["sh", "-c", f"touch {folder}/probe"]), capture_output=True)
        if probe.returncode == 0 or b"Read-only" not in probe.stderr:
            pytest.skip(f"a read-only mount is not available here: {probe.stderr.decode().strip()}")
    else:
        db_path.chmod(0o444)
        folder.chmod(0o555)
    before = digest(db_path)
    status = run_read_only(folder, "status", db=db_path)
    export = run_read_only(folder, "export", "--facts", "--format", "atom", db=db_path)
    consumer = run_read_only(folder, "export", "--new", "--consumer", "desk", db=db_path)
    writer = run_read_only(folder, "process", "--reprocess", db=db_path)
    port = free_port()
    serve = subprocess.Popen(read_only_argv(folder, [str(BIN / "talentwatch"), "serve", str(db_path), "--port",
                                                     str(port)]),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline, answer = time.monotonic() + 60, None
        while answer is None and time.monotonic() < deadline and serve.poll() is None:
            try:
                answer = get(f"http://127.0.0.1:{port}/tw/timeline.json?_size=5")
            except OSError:
                time.sleep(0.3)
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        served_output = serve.communicate(timeout=20)[0].decode(errors="replace")
    if os.geteuid() != 0:
        folder.chmod(0o755)
    record("22 a read-only database (read-only mount): status, export, serve, and a writing command",
           f"status exit {status.returncode}, export exit {export.returncode} "
           f"({export.stdout.count('<entry>')} entries), export for a consumer exit {consumer.returncode} "
           f"(\"{consumer.stderr.strip()[:90]}\"), process exit {writer.returncode} in "
           f"{len(writer.stderr.strip().splitlines())} line(s), Datasette timeline: "
           f"{answer[0] if answer else 'no answer'}; file unchanged: {digest(db_path) == before}",
           "reading commands work; those that must write say why in one line")  # fmt: skip
    assert status.returncode == 0 and "RUN" in status.stdout.upper(), status.stderr
    assert export.returncode == 0 and export.stdout.count("<entry>") > 0, export.stderr
    assert consumer.returncode == 1 and "read-only" in consumer.stderr and consumer.stdout == "", consumer.stderr
    writer_lines = writer.stderr.strip().splitlines()
    assert writer.returncode == 1 and len(writer_lines) == 1 and "Read-only" in writer_lines[0], writer.stderr
    assert answer is not None and answer[0] == 200, served_output[-2000:]
    assert digest(db_path) == before


@pytest.mark.slow
def test_23_damaged_and_foreign_files(tmp_path, record):
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(os.urandom(64 * 1024))
    truncated = tmp_path / "truncated.db"
    talentwatch("status", db=truncated, check=False)  # a real database, then cut in the middle of its pages
    sqlite_utils.Database(truncated)["padding"].insert_all({"x": "y" * 1000} for _ in range(200))
    truncated.write_bytes(truncated.read_bytes()[:4096] + os.urandom(8192))
    foreign = tmp_path / "shop.db"
    sqlite_utils.Database(foreign)["customers"].insert({"name": "A", "email": "a@example.org"})
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": "http://127.0.0.1:9/feed.xml"}])
    answers, unchanged = {}, {}
    for path in (damaged, truncated, foreign):
        before = digest(path)
        answers[path.name] = one_line_errors(path, (*COMMANDS, ("run", "--sources", str(sources))))
        unchanged[path.name] = digest(path) == before
    record("23 damaged, truncated and foreign (another program's SQLite) database files, every command",
           f"{sum(len(a) for a in answers.values())}/{3 * (len(COMMANDS) + 1)} answers in one line "
           f"(\"{answers['damaged.db']['status'][:80]}\"; \"{answers['shop.db']['status'][:80]}\"); "
           f"files unchanged: {sum(unchanged.values())}/3",
           "one line each, no traceback, nothing written")  # fmt: skip
    assert all("not a SQLite database or is damaged" in a or "not a talentwatch database" in a
               for a in answers["damaged.db"].values()), answers  # fmt: skip
    assert all("not a talentwatch database" in a for a in answers["shop.db"].values()), answers["shop.db"]
    assert all(unchanged.values()), unchanged
