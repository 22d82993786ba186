"""Scenario 19: heavy queries and writes sent to `talentwatch serve`. Each query answers within the time limit,
no response passes the cap, the server's memory stays bounded, and every POST is refused with a 4xx."""

from __future__ import annotations

import http.client
import resource
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from crawler.datasette_plugins.talentwatch_limits import MAX_RESPONSE_BYTES
from store import open_db
from tests.conftest import BIN
from tests.test_serve import free_port, wait_until_serving

MIB = 1024 * 1024
TIME_LIMIT_S = 3  # sql_time_limit_ms of `serve`
MARGIN_S = 5  # rendering, three queries sharing two cores, a loaded test machine
MEMORY_BOUND_MIB = 300  # growth of the serve processes' peak over their idle peak
# One instruction building a 900,000,000-character string: Datasette's time limit cannot stop it.
HUGE = "SELECT printf('%.*c', 900000000, 'x') AS x"
# 1000 rows (max_returned_rows) of 200,000 characters: 200 MB, each value far under the length limit.
WIDE = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) "
    "SELECT x, printf('%.*c', 200000, 'x') AS filler FROM c"
)
# 40 rows of 100,000 "é": 4 M characters read, 24 MB once the JSON escapes each one as \u00e9.
ESCAPED = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40) "
    "SELECT x, replace(printf('%.*c', 100000, 'x'), 'x', 'é') AS filler FROM c"
)
# One row of 60 values of 4,000,000 characters: 240 MB held by SQLite at once.
COLUMNS = "SELECT " + ", ".join(f"printf('%.*c', 4000000, 'x') AS c{i}" for i in range(60))
FILLER_ROWS, FILLER_CHARS = 4000, 10_000  # a 40 MB table, streamed as CSV
POSTS = ["/tw/-/query", "/tw", "/tw.json?sql=select+1", "/-/permissions", "/tw/timeline", "/-/messages", "/-/logout"]
# A regression must not take the test machine with it: the old code took 5 GB for one printf.
ADDRESS_SPACE = 4 * 1024 * MIB
BROKEN = -1


def query(sql: str, fmt: str = ".json") -> str:
    return f"/tw{fmt}?sql={urllib.parse.quote(sql)}"


def fetch(url: str, method: str = "GET") -> tuple[int, int, float, bytes]:
    """Status (BROKEN when the body was broken off), body size, seconds and the body's start, read in chunks (a
    huge body is counted, not kept)."""
    started = time.monotonic()
    data = b"sql=select+1" if method == "POST" else None
    request = urllib.request.Request(url, data=data, method=method)
    try:
        response = urllib.request.urlopen(request, timeout=120)
    except urllib.error.HTTPError as exc:
        response = exc
    status, head, size = response.status, b"", 0
    with response:
        try:
            while chunk := response.read(MIB):
                head = head if len(head) >= 2000 else (head + chunk)[:2000]
                size += len(chunk)
        except (http.client.HTTPException, OSError) as exc:  # the server broke the response off
            status, head = BROKEN, repr(exc).encode()
    return status, size, time.monotonic() - started, head


def tree_peak_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children, in MiB."""
    pids = [pid] + [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _parent(p) == pid  # the datasette child of `talentwatch serve`
    ]
    total = 0
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    return total / 1024


def _parent(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.slow
def test_19_heavy_queries_and_posts(tmp_path, record):
    db_path = tmp_path / "tw.db"
    open_db(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT)")
        conn.executemany("INSERT INTO filler (text) VALUES (?)", [("x" * FILLER_CHARS,)] * FILLER_ROWS)
    conn.close()
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "talentwatch"), "serve", str(db_path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=limit_address_space,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, f"{base}/-/versions.json")
        for warm_up in ("/tw/timeline", "/tw/filler.json", query("select 1"), "/-/dashboards/figures-over-time"):
            assert fetch(base + warm_up)[0] == 200, warm_up
        idle = tree_peak_mib(proc.pid)

        answers = {"printf of 900,000,000 characters": fetch(base + query(HUGE))}
        with ThreadPoolExecutor(3) as pool:
            together = list(pool.map(fetch, [base + query(HUGE)] * 3))
        for i, answer in enumerate(together, 1):
            answers[f"the same, 3 at once ({i})"] = answer
        heavy = {
            "200 MB of rows (.json)": query(WIDE),
            "200 MB of rows (.csv)": query(WIDE, ".csv"),
            "200 MB of rows (HTML)": query(WIDE, ""),
            "24 MB of JSON escapes": query(ESCAPED),
            "60 columns of 4 MB": query(COLUMNS),
            "40 MB table (.csv?_stream=1)": "/tw/filler.csv?_stream=1",
            "40 MB table (.json?_size=max)": "/tw/filler.json?_size=max",
            # the largest precision printf takes: a loop of 2**31 steps in one instruction, before the length limit
            "printf of 2,147,483,647 characters": query("SELECT printf('%.*c', 2147483647, 'x') AS x"),
        }
        for name, path in heavy.items():
            answers[name] = fetch(base + path)
        peak = tree_peak_mib(proc.pid)
        posts = {path: fetch(base + path, "POST")[0] for path in POSTS}
        still_serving = fetch(base + "/tw/timeline.json")[0]
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    slowest = max(seconds for _, _, seconds, _ in answers.values())
    largest = max(size for _, size, _, _ in answers.values())
    statuses = sorted({status for status, _, _, _ in answers.values()})
    record(
        "19 heavy queries and POSTs through talentwatch serve (printf of 900,000,000 characters, 3 at once, "
        "200 MB of rows as JSON, CSV and HTML, 24 MB of JSON escapes, 60 columns of 4 MB, a 40 MB table streamed "
        f"as CSV, {len(POSTS)} POSTs)",
        f"printf alone {answers['printf of 900,000,000 characters'][2]:.1f} s, 3 at once "
        f"{max(a[2] for a in together):.1f} s, slowest of all {slowest:.1f} s (statuses {statuses}); largest "
        f"response {largest / MIB:.1f} MiB; peak memory of the serve processes {peak:.0f} MiB, "
        f"{peak - idle:.0f} MiB over idle ({idle:.0f} MiB); POSTs: {sorted(set(posts.values()))}",
        f"each within {TIME_LIMIT_S} s + {MARGIN_S} s, no 5xx, every response at most "
        f"{MAX_RESPONSE_BYTES // MIB} MiB, memory under idle + {MEMORY_BOUND_MIB} MiB, every POST 4xx",
    )
    for name, (status, size, seconds, head) in answers.items():
        assert 200 <= status < 500, (name, status, head[:300])
        assert seconds < TIME_LIMIT_S + MARGIN_S, (name, seconds)
        assert size <= MAX_RESPONSE_BYTES + 1024, (name, size)  # the cap, and the line saying it was cut
    assert b"larger than" in answers["200 MB of rows (.json)"][3]
    # printf's width and precision are checked before SQLite loops over them: within the time limit itself
    assert all(answer[2] < TIME_LIMIT_S for name, answer in answers.items() if name.startswith(("printf", "the same")))
    assert peak - idle < MEMORY_BOUND_MIB, (idle, peak)
    assert all(400 <= status < 500 for status in posts.values()), posts
    assert still_serving == 200
