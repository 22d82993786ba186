"""Crawl behaviour against a pytest-httpserver on 127.0.0.1, with the crawler in a subprocess."""

from __future__ import annotations

import json
import re

import pytest
import sqlite_utils

from tests.conftest import talentwatch

ARTICLE = (
    "<html><head><title>{title}</title></head><body><nav>Home</nav><article><h1>{title}</h1>"
    "<p>The Government Digital Service will hire 40 engineers and designers this year, the agency said in a statement "
    "published on its blog, describing a two-year plan for the service.</p></article><footer>Footer</footer></body></html>"
)


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


def rss(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>Summary of {t}</description>"
        "<pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate></item>"
        for t, link in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><link>http://x/</link>{body}</channel></rss>'
    )


def sources_file(tmp_path, sources: list[dict]) -> str:
    path = tmp_path / "sources.yaml"
    path.write_text(json.dumps({"sources": sources, "settings": {"delay": 0, "allow_private": ["127.0.0.1/32"]}}))
    return str(path)


@pytest.mark.slow
def test_failures_are_counted_and_never_stop_other_sources(httpserver, tmp_path):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(
            [
                ("Good", httpserver.url_for("/good.html")),
                ("Gone", httpserver.url_for("/gone.html")),
                ("Sneaky", httpserver.url_for("/redirect")),
            ]
        ),  # fmt: skip
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/good.html").respond_with_data(ARTICLE.format(title="Good"), content_type="text/html")
    httpserver.expect_request("/gone.html").respond_with_data("gone", status=404)
    httpserver.expect_request("/redirect").respond_with_data(
        "", status=302, headers={"Location": "http://127.0.0.2:9/internal"}
    )
    httpserver.expect_request("/not-a-feed.xml").respond_with_data(
        "<html><body>hello</body></html>", content_type="text/html"
    )
    httpserver.expect_request("/missing.xml").respond_with_data("no", status=500)
    path = sources_file(
        tmp_path,
        [
            {"id": "good-feed", "kind": "feed", "url": httpserver.url_for("/feed.xml")},
            {"id": "html-feed", "kind": "feed", "url": httpserver.url_for("/not-a-feed.xml")},
            {"id": "broken", "kind": "feed", "url": httpserver.url_for("/missing.xml")},
        ],
    )
    db_path = tmp_path / "tw.db"
    result = talentwatch("crawl", "--sources", path, db=db_path)
    db = sqlite_utils.Database(db_path)
    state = {r["id"]: r for r in db["sources"].rows}
    assert state["good-feed"]["failures"] == 0 and state["good-feed"]["last_status"] == 200
    assert state["html-feed"]["failures"] == 1 and "not a readable feed" in state["html-feed"]["last_error"]
    assert state["broken"]["failures"] == 1 and state["broken"]["last_error"] == "HTTP 500"
    assert "sources failed 2" in result.stderr
    assert re.search(r"source broken failed \(1 in a row, next try [^)]+\): HTTP 500", result.stderr)
    assert re.search(r"source html-feed failed \(1 in a row, [^)]+\): not a readable feed", result.stderr)
    assert "source good-feed failed" not in result.stderr  # its lost articles are said, the source is fine

    pages = {r["url"].rsplit("/", 1)[-1]: r for r in db["pages"].rows}
    assert pages["good.html"]["status"] == 200 and pages["good.html"]["via"] == "feed"
    # The unreachable article keeps what the feed said about it.
    assert pages["gone.html"]["via"] == "feed-entry" and pages["gone.html"]["body"] is None
    assert json.loads(pages["gone.html"]["feed_entry"])["title"] == "Gone"
    # The redirect into 127.0.0.2 was refused: nothing of it is stored.
    assert not any("internal" in r["url"] for r in db["pages"].rows)
    assert "refused http://127.0.0.2:9/internal" in result.stderr

    talentwatch("process", db=db_path)
    titles = {r["title"] for r in db.query("SELECT title FROM articles")}
    assert {"Good", "Gone"} <= titles


@pytest.mark.slow
def test_listing_with_pagination_and_known_urls_are_not_fetched_again(httpserver, tmp_path):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    for page, (links, nxt) in {1: (["a", "b"], 2), 2: (["c"], 3), 3: (["d"], None)}.items():
        anchors = "".join(f'<h2><a href="/art/{x}.html?utm_source=list">{x}</a></h2>' for x in links)
        more = f'<a class="next" href="/list/{nxt}">next</a>' if nxt else ""
        httpserver.expect_request(f"/list/{page}").respond_with_data(
            f"<html><body>{anchors}{more}</body></html>", content_type="text/html"
        )
    for x in "abcd":
        httpserver.expect_request(f"/art/{x}.html").respond_with_data(ARTICLE.format(title=x), content_type="text/html")
    path = sources_file(
        tmp_path,
        [{"id": "news", "kind": "listing", "url": httpserver.url_for("/list/1"), "links": "h2 a", "next": "a.next"}],
    )
    db_path = tmp_path / "tw.db"
    talentwatch("crawl", "--sources", path, db=db_path)
    db = sqlite_utils.Database(db_path)
    assert sorted(r["canonical_url"].rsplit("/", 1)[-1] for r in db["pages"].rows) == [
        "a.html",
        "b.html",
        "c.html",
        "d.html",
    ]
    fetched_before = len([r for r in httpserver.log if r[0].path.startswith("/art/")])
    talentwatch("crawl", "--sources", path, db=db_path)
    fetched_after = len([r for r in httpserver.log if r[0].path.startswith("/art/")])
    assert fetched_after == fetched_before == 4
