"""Scenarios 24-25: a user name and password in a source's URL or in a link, which must never be stored,
logged or exported; and two exports for one consumer at the same time, which must not both deliver the same
items."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
import sqlite_utils

from tests.conftest import BIN, talentwatch
from tests.crawl_site import ARTICLE, rss, sources_yaml

ALLOW = "User-agent: *\nAllow: /\n"
SECRET = "hunter2-s3cret"


def everything_stored(db_path) -> str:  # noqa: ANN001
    db = sqlite_utils.Database(db_path)
    return "\n".join(json.dumps(list(db[t].rows), default=str) for t in db.table_names() if "fts" not in t)


@pytest.mark.slow
def test_24_credentials_in_urls(servers, tmp_path, record):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    host = f"127.0.0.1:{server.port}"
    server.expect_request("/feed.xml").respond_with_data(
        rss(
            "F",
            [("With a password", f"http://reader:{SECRET}@{host}/a/1.html"), ("Plain", server.url_for("/a/2.html"))],
        ),  # fmt: skip
        content_type="application/rss+xml",
    )
    for n in (1, 2):
        server.expect_request(f"/a/{n}.html").respond_with_data(ARTICLE.format(title=f"A{n}", n=30 + n),
                                                                content_type="text/html")  # fmt: skip
    in_source = sources_yaml(tmp_path / "bad.yaml", [{"id": "f", "kind": "feed",
                                                      "url": f"http://reader:{SECRET}@{host}/feed.xml"}])  # fmt: skip
    refused = talentwatch("run", "--sources", str(in_source), db=tmp_path / "refused.db", check=False)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    db_path, log = tmp_path / "tw.db", tmp_path / "run.log"
    run = talentwatch("run", "--sources", str(sources), "--log-file", str(log), "-v", db=db_path)
    export = talentwatch("export", "--include-irrelevant", db=db_path)
    status = talentwatch("status", db=db_path)
    leaks = {name: SECRET in text for name, text in (
        ("refusal", refused.stdout + refused.stderr), ("run output", run.stdout + run.stderr),
        ("log file", log.read_text()), ("database", everything_stored(db_path)), ("export", export.stdout),
        ("status", status.stdout + status.stderr),
    )}  # fmt: skip
    requested = [request.path for request, _ in server.log]
    record("24 a password in a source's URL, and in a link of a feed",
           f"source refused at load: exit {refused.returncode} in {len(refused.stderr.strip().splitlines())} line(s); "
           f"link skipped and counted: {'credentials' in run.stderr}; places holding the password: "
           f"{[k for k, v in leaks.items() if v] or 'none'} of {len(leaks)} looked at",
           "the password nowhere: not in logs, database, status or exports")  # fmt: skip
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "user name or password" in refused.stderr
    assert "credentials" in run.stderr, run.stderr
    assert not any(leaks.values()), leaks
    assert "/a/1.html" not in requested and "/a/2.html" in requested


def start_export(db_path, consumer: str) -> subprocess.Popen:  # noqa: ANN001
    return subprocess.Popen([str(BIN / "talentwatch"), "--db", str(db_path), "export", "--new", "--consumer",
                             consumer, "--include-irrelevant"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


@pytest.mark.slow
def test_25_two_exports_for_one_consumer_at_once(demo_db, tmp_path, record):
    import shutil

    db_path = tmp_path / "tw.db"
    shutil.copy(demo_db, db_path)
    total = len(talentwatch("export", "--include-irrelevant", db=db_path).stdout.splitlines())
    first = start_export(db_path, "desk")
    # the first export fills its pipe (64 KiB) and waits for a reader, holding what it has read
    time.sleep(3)
    second = start_export(db_path, "desk")
    time.sleep(2)
    second_waited = second.poll() is None
    out_first, _ = first.communicate(timeout=120)
    out_second, err_second = second.communicate(timeout=120)
    ids = [json.loads(line)["id"] for out in (out_first, out_second) for line in out.decode().splitlines()]
    record("25 two exports for one consumer at the same time (the first blocked on its reader)",
           f"{total} items to deliver; first export {len(out_first.splitlines())}, second "
           f"{len(out_second.splitlines())} (it waited for the first: {second_waited}); delivered twice: "
           f"{len(ids) - len(set(ids))}",
           "every item once: the second waits for the first, then finds nothing new")  # fmt: skip
    assert total > 0 and len(out_first) > 64 * 1024, "the first export must fill the pipe for the test to mean anything"
    assert first.returncode == 0 and second.returncode == 0, err_second.decode()
    assert sorted(ids) == sorted(set(ids)) and len(ids) == total
