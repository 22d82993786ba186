"""Scenarios 15 and 16: runs stopped by SIGTERM or SIGINT (a service manager, `kill`, Ctrl-C) are recorded
as interrupted and the next run completes the work; a crawl opens no control channel (no listening socket,
no job file with a token)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import sqlite_utils

from tests.conftest import BIN, talentwatch
from tests.crawl_site import sources_yaml
from tests.reliability.test_crash_and_concurrency import counts, slow_site


def listening_ports(pid: int) -> list[int]:
    """TCP ports the process listens on (its socket inodes matched against /proc/net/tcp and tcp6)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def running(db_path: Path) -> bool:
    """A run has started its work (its row is written just before)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as reader:
        return bool(reader.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0])


def stop(argv: list[str], db_path: Path, env: dict, when, sig: int) -> tuple[subprocess.CompletedProcess, float]:  # noqa: ANN001
    """Start talentwatch, send `sig` once `when(proc)` is true, and wait for it to end."""
    proc = subprocess.Popen([str(BIN / "talentwatch"), "--db", str(db_path), *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while proc.poll() is None and not when(proc) and time.monotonic() < deadline:
        time.sleep(0.01)
    signalled = time.monotonic()
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), time.monotonic() - signalled


@pytest.mark.slow
def test_15_a_stopped_run_is_interrupted_and_the_next_run_completes(servers, tmp_path, record):
    server = servers.new()
    slow_site(server, 60, 0.1)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    clean = tmp_path / "clean.db"
    talentwatch("run", "--sources", str(sources), db=clean)
    expected = counts(clean)

    def article_requests() -> int:
        return sum(request.path.startswith("/a/") for request, _ in server.log)

    db_path, env = tmp_path / "tw.db", {**os.environ, "PYTHONUNBUFFERED": "1"}
    mark = article_requests()
    crawling, crawl_seconds = stop(["run", "--sources", str(sources), "--all"], db_path, env,
                                   lambda _: article_requests() - mark >= 5, signal.SIGTERM)  # fmt: skip
    stored = sqlite_utils.Database(db_path)["pages"].count
    processing, process_seconds = stop(["process"], db_path, env, lambda _: running(db_path), signal.SIGINT)
    finished = talentwatch("run", "--sources", str(sources), "--all", db=db_path)
    runs = [r["status"] for r in sqlite_utils.Database(db_path).query("SELECT status FROM runs ORDER BY id")]
    final = counts(db_path)
    record("15 runs stopped by SIGTERM while crawling and SIGINT while processing, then a plain run",
           f"exit codes {crawling.returncode} and {processing.returncode}, ended {crawl_seconds:.1f} s and "
           f"{process_seconds:.1f} s after the signal; runs recorded: {', '.join(runs)}; stored before the stop: "
           f"{stored}/60 pages, kept; after the next run: {final['articles']} articles, equal to a run never "
           f"stopped: {final == expected}; stderr: \"{crawling.stderr.strip()}\"",
           "recorded interrupted, non-zero exit, one line, nothing stored lost, the next run completes")  # fmt: skip
    assert crawling.returncode == 128 + signal.SIGTERM and processing.returncode == 128 + signal.SIGINT
    assert runs == ["interrupted", "interrupted", "ok"]
    assert crawling.stderr.strip() == "run stopped by SIGTERM: what was stored is kept, the next run does the rest"
    assert processing.stderr.strip().splitlines() == [
        "process stopped by SIGINT: what was stored is kept, the next run does the rest"
    ]
    assert 0 < stored < 60 and final == expected
    assert crawl_seconds < 15 and process_seconds < 15
    assert finished.returncode == 0


@pytest.mark.slow
def test_16_a_crawl_opens_no_control_channel(servers, tmp_path, record):
    server = servers.new()
    slow_site(server, 30, 0.2)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    home, state = tmp_path / "home", tmp_path / "state"
    env = {**os.environ, "HOME": str(home), "XDG_STATE_HOME": str(state), "PYTHONUNBUFFERED": "1"}
    seen: list[int] = []

    def crawling(proc: subprocess.Popen) -> bool:
        if not any(request.path.startswith("/a/") for request, _ in server.log):
            return False
        seen.extend(listening_ports(proc.pid))
        return True

    result, _ = stop(["crawl", "--sources", str(sources)], tmp_path / "tw.db", env, crawling, signal.SIGTERM)
    left = [str(p.relative_to(tmp_path)) for p in (*home.rglob("*"), *state.rglob("*")) if p.is_file()]
    record("16 control channels of a crawl (telnet console, remote control, job files)",
           f"listening sockets while crawling: {len(seen)}; files left under HOME and XDG_STATE_HOME: {len(left)}; "
           f"exit {result.returncode}",
           "no listening socket, no job file with a token")  # fmt: skip
    assert seen == [] and left == [], (seen, left)
    assert result.returncode == 128 + signal.SIGTERM
