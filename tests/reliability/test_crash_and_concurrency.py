"""Scenarios 8 and 9: runs killed at random moments, and a run that writes while readers query and a
second run tries to start."""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
import sqlite_utils
from werkzeug import Response

from tests.conftest import BIN, talentwatch
from tests.crawl_site import ARTICLE, rss, sources_yaml

ALLOW = "User-agent: *\nAllow: /\n"


def slow_site(server, count: int, delay: float) -> None:  # noqa: ANN001
    """A feed of `count` articles, each answered after `delay` seconds."""
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    server.expect_request("/feed.xml").respond_with_data(
        rss("F", [(f"Hiring {n}", server.url_for(f"/a/{n}.html")) for n in range(count)]),
        content_type="application/rss+xml",
    )

    def page(request):  # noqa: ANN001, ANN202
        time.sleep(delay)
        n = int(request.path.rsplit("/", 1)[1].removesuffix(".html"))
        return Response(ARTICLE.format(title=f"Hiring {n}", n=n + 20), content_type="text/html")

    server.expect_request(re.compile(r"/a/.*")).respond_with_handler(page)


@pytest.mark.slow
def test_09_a_run_writes_while_readers_query_and_a_second_run_starts(servers, tmp_path, record):
    server = servers.new()
    slow_site(server, 40, 0.1)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    db_path = tmp_path / "tw.db"
    talentwatch("process", db=db_path)  # creates the database, as a deployed one would be
    argv = [str(BIN / "talentwatch"), "--db", str(db_path), "run", "--sources", str(sources)]
    writer = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop, errors, latencies = threading.Event(), [], []

    def read() -> None:  # what Datasette does: its own read-only connections, queries while the run writes
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        while not stop.is_set():
            started = time.monotonic()
            try:
                conn.execute("SELECT count(*) FROM pages").fetchone()
                conn.execute("SELECT * FROM timeline LIMIT 20").fetchall()
                conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'hire'").fetchone()
            except sqlite3.Error as exc:
                errors.append(str(exc))
            latencies.append(time.monotonic() - started)
            time.sleep(0.01)
        conn.close()

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    time.sleep(1.5)  # the first run is crawling
    second_started = time.monotonic()
    second = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    second_took = time.monotonic() - second_started
    try:
        writer.wait(timeout=180)
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=10)
    db = sqlite_utils.Database(db_path)
    articles = db["articles"].count
    record("09 concurrency (a run writing, 2 readers, a second run)",
           f"{len(latencies)} reader queries, {len(errors)} errors, slowest {max(latencies) * 1000:.0f} ms; "
           f"second run exited {second.returncode} after {second_took:.1f} s: "
           f"\"{second.stderr.strip().replace(str(db_path), 'tw.db')}\"; "
           f"first run: {articles} articles",
           "no 'database is locked' for readers; second run waits or exits cleanly with a clear message")  # fmt: skip
    assert errors == [], errors[:3]
    assert (
        second.returncode == 1 and "another talentwatch run holds" in second.stderr and "Traceback" not in second.stderr
    )
    assert writer.returncode == 0 and articles == 40
    assert [r["status"] for r in db["runs"].rows] == ["ok", "ok"]  # the refused run never started one


def counts(db_path) -> dict[str, int]:  # noqa: ANN001
    db = sqlite_utils.Database(db_path)
    return {t: db[t].count for t in ("pages", "articles", "figures", "entities", "mentions", "events")}


@pytest.mark.slow
def test_08_kill_9_at_random_moments_then_replay(servers, tmp_path, record):
    server = servers.new()
    slow_site(server, 200, 0.02)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    clean = tmp_path / "clean.db"
    talentwatch("run", "--sources", str(sources), db=clean)  # what a run that is never killed stores
    expected = counts(clean)

    def article_requests() -> int:
        return sum(request.path.startswith("/a/") for request, _ in server.log)

    db_path = tmp_path / "tw.db"
    rng = random.Random(8)  # the same "random" moments every time the suite runs
    kills, checks, partial = 0, [], []
    for round_ in range(20):
        # Even rounds: `run`, killed after a random number of article downloads (1 to 15 of the 200, so
        # there is always work left); odd rounds: `process --reprocess`, killed after a random number of
        # pages saved (0 to all but one of those stored).
        if round_ % 2 == 0:
            argv, mark, wanted = ["run", "--sources", str(sources), "--all"], article_requests(), rng.randint(1, 15)
        else:
            stored = sqlite_utils.Database(db_path)["pages"].count
            argv, wanted = ["process", "--reprocess"], rng.randint(0, max(0, stored - 1))
            time.sleep(1.0)  # processed_at has a one-second resolution: this round's saves are the newer ones
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        proc = subprocess.Popen([str(BIN / "talentwatch"), "--db", str(db_path), *argv],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        started = time.monotonic()
        while proc.poll() is None and time.monotonic() - started < 60:
            if round_ % 2 == 0:
                reached = article_requests() - mark >= wanted
            else:
                with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as reader:
                    done = reader.execute("SELECT count(*) FROM pages WHERE processed_at >= ?", [since]).fetchone()[0]
                reached = done >= wanted
            if reached:
                break
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        db = sqlite3.connect(db_path)
        checks.append(db.execute("PRAGMA integrity_check").fetchone()[0])
        # An article is saved with its figures in one transaction: none may be left without them
        partial.append(
            db.execute(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM figures f WHERE f.article_id = a.id)"
            ).fetchone()[0]
        )
        db.close()
    talentwatch("run", "--sources", str(sources), "--all", db=db_path)
    final = counts(db_path)
    record("08 crash and replay (20 x kill -9 during run and process)",
           f"{kills} kills (10 while crawling, 10 while processing); integrity_check ok {checks.count('ok')}/"
           f"{len(checks)}; articles without their figures after a kill: {max(partial)}; final counts equal to a "
           f"run never killed: {final == expected} ({final['articles']} articles, {final['figures']} figures)",
           "integrity ok every time, no partial article, final counts equal")  # fmt: skip
    assert kills == 20
    assert checks == ["ok"] * len(checks)
    assert max(partial) == 0
    assert final == expected
