"""Scenario 17: the disk fills up while a crawl saves pages and while `process` saves articles. The file size
limit of the process (RLIMIT_FSIZE, with SIGXFSZ ignored so that a write fails with EFBIG instead of killing
it) stands in for a full disk: SQLite answers "database or disk is full" either way."""

from __future__ import annotations

import re
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlite_utils

from store import open_db
from tests.conftest import BIN, talentwatch
from tests.crawl_site import ARTICLE, rss, sources_yaml
from tests.reliability.test_crash_and_concurrency import counts

ALLOW = "User-agent: *\nAllow: /\n"
FILLER = "<p>The agency published its hiring figures for the quarter, office by office.</p>" * 60


def big_site(server, count: int) -> None:  # noqa: ANN001
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    server.expect_request("/feed.xml").respond_with_data(
        rss("F", [(f"Hiring {n}", server.url_for(f"/a/{n}.html")) for n in range(count)]),
        content_type="application/rss+xml",
    )
    for n in range(count):
        page = ARTICLE.format(title=f"Hiring {n}", n=n + 20).replace("</body>", f"{FILLER}</body>")
        server.expect_request(f"/a/{n}.html").respond_with_data(page, content_type="text/html")


def database_bytes(db_path: Path) -> int:
    return sum(p.stat().st_size for p in db_path.parent.glob(f"{db_path.name}*") if p.is_file())


def with_file_size_limit(argv: list[str], limit: int) -> subprocess.CompletedProcess:
    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([str(BIN / "talentwatch"), *argv], capture_output=True, text=True, timeout=300,
                          preexec_fn=limit_files)  # fmt: skip


def last_run(db_path: Path) -> dict:
    return next(sqlite_utils.Database(db_path).query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))


@pytest.mark.slow
def test_17_disk_full_while_saving(servers, tmp_path, record):
    server = servers.new()
    big_site(server, 150)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    clean = tmp_path / "clean.db"
    talentwatch("run", "--sources", str(sources), db=clean)
    expected = counts(clean)

    db_path = tmp_path / "tw.db"
    open_db(db_path).close()
    started = time.monotonic()
    crawl = with_file_size_limit(["--db", str(db_path), "crawl", "--sources", str(sources)],
                                 database_bytes(db_path) + 256 * 1024)  # fmt: skip
    crawl_seconds = time.monotonic() - started
    crawl_run, saved = last_run(db_path), sqlite_utils.Database(db_path)["pages"].count
    process = with_file_size_limit(["--db", str(db_path), "process"], database_bytes(db_path) + 64 * 1024)
    process_run = last_run(db_path)
    talentwatch("run", "--sources", str(sources), db=db_path)  # the disk has room again
    final = counts(db_path)
    integrity = sqlite_utils.Database(db_path).execute("PRAGMA integrity_check").fetchone()[0]
    record("17 disk full while the crawl saves pages and while process saves articles (file size limit)",
           f"crawl: exit {crawl.returncode} after {crawl_seconds:.1f} s, {len(crawl.stderr.splitlines())} line(s) "
           f"(\"{crawl.stderr.strip()[:160]}\"), run recorded {crawl_run['status']}, {saved}/150 pages saved before; "
           f"process: exit {process.returncode}, {len(process.stderr.splitlines())} line(s), run recorded "
           f"{process_run['status']}; after the next run with room: integrity {integrity}, counts equal to a run "
           f"that never failed: {final == expected}",
           "stops at the first storage error, recorded failed, non-zero exit, one line, nothing saved lost")  # fmt: skip
    for result, run in ((crawl, crawl_run), (process, process_run)):
        assert result.returncode == 1 and run["status"] == "failed", (result.stderr, run)
        lines = result.stderr.strip().splitlines()
        # SQLite says "database or disk is full" or "disk I/O error"; another file write (a model's temporary
        # file) "File too large"
        assert len(lines) == 1 and re.match(r"Error: (could not save to|no room left on the disk)", lines[0]), lines
        said = lines[0].replace(str(db_path), "DB")  # the test's folder is named after "disk full" too
        assert any(why in said for why in ("full", "too large", "I/O error")), lines
    assert 0 < saved < 150
    assert integrity == "ok" and final == expected
