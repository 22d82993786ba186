"""`talentwatch run` as cron runs it: silent when all is well, one line per source that failed in this
run, the whole story in the log file, every run in `runs`, and `talentwatch status` to read them."""

from __future__ import annotations

import re

import pytest
import sqlite_utils

from store import open_db
from store.runs import start_run
from tests.conftest import talentwatch
from tests.crawl_site import ARTICLE, rss, sources_yaml


@pytest.mark.slow
def test_run_reports_only_what_failed_in_this_run_and_logs_everything(servers, tmp_path):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/feed.xml").respond_with_data(
        rss("F", [("Hiring", server.url_for("/a.html"))]), content_type="application/rss+xml"
    )
    server.expect_request("/a.html").respond_with_data(ARTICLE.format(title="Hiring", n=40), content_type="text/html")
    server.expect_request("/broken.xml").respond_with_data("down", status=500)
    log_file = tmp_path / "tw.log"
    sources = sources_yaml(
        tmp_path / "s.yaml",
        [{"id": "good", "kind": "feed", "url": server.url_for("/feed.xml")},
         {"id": "bad", "kind": "feed", "url": server.url_for("/broken.xml")}],
        retries=0, log_file=str(log_file),
    )  # fmt: skip
    db_path = tmp_path / "tw.db"

    first = talentwatch("run", "--sources", str(sources), db=db_path)
    assert first.returncode == 0 and first.stdout == ""  # one failing source does not fail the run
    assert re.fullmatch(r"source bad failed \(1 in a row, next try [\d-]+ [\d:]+\): HTTP 500\n", first.stderr)
    log = log_file.read_text(encoding="utf-8")
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ \[talentwatch\] INFO: talentwatch .*run", log, re.M)
    assert "source bad failed" in log and "run: " in log  # the summary goes to the file, not to cron's mail
    assert "Dumping Scrapy stats" in log  # the crawler's own log too

    # An hour later nothing is due (the bad source backs off): nothing to say.
    second = talentwatch("run", "--sources", str(sources), db=db_path)
    assert second.stderr == "" and second.stdout == ""
    assert [r["status"] for r in sqlite_utils.Database(db_path)["runs"].rows] == ["ok", "ok"]

    verbose = talentwatch("run", "--sources", str(sources), "--all", "-v", db=db_path)
    assert "run: crawl requests" in verbose.stderr and "source bad failed (2 in a row" in verbose.stderr

    status = talentwatch("status", db=db_path).stdout
    lines = status.splitlines()
    assert lines[0].split() == ["run", "command", "started", "(UTC)", "took", "status", "summary"]
    assert re.match(r"3\s+run\s+\S+ \S+\s+\d+s\s+ok\s+2 sources, 1 failed", lines[1]), lines[1]
    assert "Failing sources (1):" in status and "bad: 2 failure(s) in a row" in status and "HTTP 500" in status


def test_a_killed_run_shows_as_interrupted(tmp_path):
    db_path = tmp_path / "tw.db"
    db = open_db(db_path)
    start_run(db, "run")  # never finished: its process was killed
    db.close()
    assert re.search(r"^1\s+run\s+.*\binterrupted\b", talentwatch("status", db=db_path).stdout, re.M)
    talentwatch("process", db=db_path)  # the next command that takes the lock records it too
    assert [r["status"] for r in sqlite_utils.Database(db_path)["runs"].rows] == ["interrupted", "ok"]
    assert "All sources healthy." in talentwatch("status", db=db_path).stdout


def test_status_and_log_file_errors_are_one_line(tmp_path):
    missing = talentwatch("status", db=tmp_path / "none.db", check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    bad_log = talentwatch("process", "--log-file", str(tmp_path / "no" / "dir.log"), db=tmp_path / "tw.db", check=False)
    assert bad_log.returncode == 1 and "log file directory" in bad_log.stderr and "Traceback" not in bad_log.stderr
