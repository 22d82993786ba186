"""Incremental crawling against a local site with 4 feeds and 200 articles: the first run stores them all,
a second run with nothing new costs one conditional request per feed, a third stores exactly what is new."""

from __future__ import annotations

import re
import time

import pytest
import sqlite_utils

from tests.conftest import talentwatch
from tests.crawl_site import NewsSite, requests_since, sources_yaml

FEEDS = ["policy", "jobs", "digital", "agencies"]


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


@pytest.fixture()
def site(httpserver):
    site = NewsSite(base=httpserver.url_for("").rstrip("/"))
    for i, feed in enumerate(FEEDS):
        site.add(feed, [f"{feed}-{n:03d}" for n in range(50)], when=time.time() - 86400 * (i + 1))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(site.handle)
    return site


def stored_pages(db_path) -> int:
    return sqlite_utils.Database(db_path).execute("SELECT count(*) FROM pages WHERE body IS NOT NULL").fetchone()[0]


@pytest.mark.slow
def test_second_run_costs_only_conditional_feed_requests_and_third_stores_the_new(httpserver, site, tmp_path):
    sources = sources_yaml(
        tmp_path / "sources.yaml",
        [
            {"id": f"feed-{f}", "kind": "feed", "url": httpserver.url_for(f"/feeds/{f}.xml"), "lang": "en"}
            for f in FEEDS
        ],
    )
    db_path = tmp_path / "tw.db"

    talentwatch("run", "--sources", str(sources), db=db_path)
    assert stored_pages(db_path) == 200
    state = sqlite_utils.Database(db_path)["sources"].get("feed-jobs")
    assert state["etag"].startswith('"') and state["last_modified"].endswith("GMT")
    first = requests_since(httpserver, 0)
    assert sum(p.startswith("/a/") for p, _, _ in first) == 200
    assert sum(p == "/robots.txt" for p, _, _ in first) == 1

    # Nothing new: only the four feeds, each conditional and answered 304 (robots.txt is cached a day).
    mark = len(httpserver.log)
    result = talentwatch("run", "--all", "--sources", str(sources), "-v", db=db_path)
    second = requests_since(httpserver, mark)
    assert sorted(p for p, _, _ in second) == sorted(f"/feeds/{f}.xml" for f in FEEDS)
    assert all(status == 304 and "If-None-Match" in headers for _, status, headers in second)
    assert stored_pages(db_path) == 200
    assert "crawl sources unchanged 4" in result.stderr

    # Five new entries in one feed: exactly those five are fetched and stored.
    site.add("jobs", [f"jobs-new-{n}" for n in range(5)], when=time.time())
    mark = len(httpserver.log)
    talentwatch("run", "--all", "--sources", str(sources), db=db_path)
    third = requests_since(httpserver, mark)
    articles = sorted(p for p, _, _ in third if p.startswith("/a/"))
    assert articles == [f"/a/jobs-new-{n}.html" for n in range(5)]
    assert len(third) == 4 + 5
    assert stored_pages(db_path) == 205
    db = sqlite_utils.Database(db_path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 205

    # A plain `run` within the hour visits nothing: no source is due yet.
    mark = len(httpserver.log)
    result = talentwatch("run", "--sources", str(sources), "-v", db=db_path)
    assert requests_since(httpserver, mark) == []
    assert "crawl sources not due 4" in result.stderr


@pytest.mark.slow
def test_a_server_without_validators_is_recognised_by_the_body_hash(httpserver, tmp_path):
    site = NewsSite(base=httpserver.url_for("").rstrip("/"))
    site.add("plain", ["p-1", "p-2"], when=time.time())

    def no_validators(request):  # noqa: ANN001, ANN202
        response = site.handle(request)
        response.headers.pop("ETag", None)
        response.headers.pop("Last-Modified", None)
        return response

    httpserver.expect_request(re.compile(".*")).respond_with_handler(no_validators)
    sources = sources_yaml(
        tmp_path / "s.yaml", [{"id": "plain", "kind": "feed", "url": httpserver.url_for("/feeds/plain.xml")}]
    )
    db_path = tmp_path / "tw.db"
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    mark = len(httpserver.log)
    result = talentwatch("crawl", "--sources", str(sources), db=db_path)
    assert [p for p, _, _ in requests_since(httpserver, mark)] == ["/feeds/plain.xml"]
    assert "sources unchanged 1" in result.stderr
