"""A source's visit always ends, and ends right: whatever a callback chokes on, whatever URL is too long,
whichever article fails for now, wherever a feed or an article redirects. "Ends right" means the visit is
recorded (so `sources` tells what happened) and the feed's validators are saved only when nothing was
left to fetch again, so that the next conditional request cannot hide an article that was missed."""

from __future__ import annotations

import gzip
import re
import time

import pytest
import sqlite_utils
from werkzeug import Response

from tests.conftest import talentwatch
from tests.crawl_site import ARTICLE, rss, sources_yaml

ALLOW = "User-agent: *\nAllow: /\n"


def article(title: str) -> Response:
    return Response(ARTICLE.format(title=title, n=40), content_type="text/html")


def conditional(body: str, etag: str):  # noqa: ANN201 - a werkzeug handler
    """A feed handler that answers 304 to its own ETag."""

    def handler(request):  # noqa: ANN001, ANN202
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type="application/rss+xml", headers={"ETag": etag})

    return handler


def states(db_path) -> dict[str, dict]:  # noqa: ANN001
    return {r["id"]: r for r in sqlite_utils.Database(db_path)["sources"].rows}


def validated_urls(db_path) -> set[str]:  # noqa: ANN001
    return {r["url"] for r in sqlite_utils.Database(db_path)["validators"].rows}


@pytest.mark.slow
def test_content_a_parser_chokes_on_fails_the_source_or_marks_the_visit_partial(servers, tmp_path):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    # A listing URL that serves an image: there is no HTML to select links from.
    server.expect_request("/listing").respond_with_data(b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png")
    # A sitemap index with one good child and one truncated gzip child.
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{server.url_for('/good.xml')}</loc></sitemap>"
        f"<sitemap><loc>{server.url_for('/broken.xml.gz')}</loc></sitemap></sitemapindex>"
    )
    good = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{server.url_for('/a/one.html')}</loc></url></urlset>"
    )
    server.expect_request("/index.xml").respond_with_data(index, content_type="application/xml")
    server.expect_request("/good.xml").respond_with_data(good, content_type="application/xml", headers={"ETag": '"g"'})
    truncated = gzip.compress(good.encode() * 50)[:20]  # ends before any output: gunzip raises
    server.expect_request("/broken.xml.gz").respond_with_data(truncated, content_type="application/octet-stream")
    server.expect_request("/a/one.html").respond_with_handler(lambda r: article("One"))
    sources = sources_yaml(
        tmp_path / "s.yaml",
        [{"id": "listing", "kind": "listing", "url": server.url_for("/listing"), "links": "a"},
         {"id": "index", "kind": "sitemap", "url": server.url_for("/index.xml")}],
        retries=0,
    )  # fmt: skip
    db_path = tmp_path / "tw.db"
    result = talentwatch("crawl", "--sources", str(sources), db=db_path)

    state = states(db_path)
    assert state["listing"]["failures"] == 1 and "not a readable listing" in state["listing"]["last_error"]
    # The index visit ends: the good child's article is stored and the visit recorded, but no validator
    # is saved, so the next run reads the good child again along with the broken one.
    assert state["index"]["failures"] == 0 and state["index"]["next_check"]
    pages = [r["url"] for r in sqlite_utils.Database(db_path)["pages"].rows]
    assert pages == [server.url_for("/a/one.html")]
    assert validated_urls(db_path) == set()
    assert "pages of it unreadable" in result.stderr


@pytest.mark.slow
def test_a_url_too_long_to_fetch_is_skipped_and_the_visit_still_ends(servers, tmp_path):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    long_url = server.url_for("/a/" + "x" * 2100 + ".html")
    body = rss("F", [("Long", long_url), ("Short", server.url_for("/a/short.html"))])
    server.expect_request("/feed.xml").respond_with_handler(conditional(body, '"v1"'))
    server.expect_request("/a/short.html").respond_with_handler(lambda r: article("Short"))
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    db_path = tmp_path / "tw.db"
    result = talentwatch("crawl", "--sources", str(sources), db=db_path)
    assert [r["url"] for r in sqlite_utils.Database(db_path)["pages"].rows] == [server.url_for("/a/short.html")]
    assert states(db_path)["f"]["next_check"] and validated_urls(db_path) == {server.url_for("/feed.xml")}
    assert "links skipped, over 2083 characters: 1" in result.stderr and "links skipped 1" in result.stderr


@pytest.mark.slow
def test_an_article_failing_for_now_is_fetched_again_but_a_gone_one_is_not(servers, tmp_path):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    flaky_hits: list[int] = []

    def flaky(request):  # noqa: ANN001, ANN202
        flaky_hits.append(1)
        return Response("overloaded", status=500) if len(flaky_hits) == 1 else article("Flaky")

    server.expect_request("/flaky-feed.xml").respond_with_handler(
        conditional(rss("F", [("Flaky", server.url_for("/a/flaky.html"))]), '"f1"')
    )
    server.expect_request("/gone-feed.xml").respond_with_handler(
        conditional(rss("G", [("Gone", server.url_for("/a/gone.html"))]), '"g1"')
    )
    server.expect_request("/a/flaky.html").respond_with_handler(flaky)
    server.expect_request("/a/gone.html").respond_with_data("gone", status=410)
    sources = sources_yaml(
        tmp_path / "s.yaml",
        [{"id": "flaky", "kind": "feed", "url": server.url_for("/flaky-feed.xml")},
         {"id": "gone", "kind": "feed", "url": server.url_for("/gone-feed.xml")}],
        retries=0,
    )  # fmt: skip
    db_path = tmp_path / "tw.db"
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    # A 500 may pass: the flaky feed is not marked as read. A 410 will not: the gone feed is.
    assert validated_urls(db_path) == {server.url_for("/gone-feed.xml")}

    server.clear_log()
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    asked = sorted((request.path, response.status_code) for request, response in server.log)
    assert asked == [("/a/flaky.html", 200), ("/flaky-feed.xml", 200), ("/gone-feed.xml", 304)]
    flaky_page = next(r for r in sqlite_utils.Database(db_path)["pages"].rows if r["url"].endswith("flaky.html"))
    assert flaky_page["status"] == 200 and flaky_page["body"]

    server.clear_log()
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    assert sorted((r.path, s.status_code) for r, s in server.log) == [("/flaky-feed.xml", 304), ("/gone-feed.xml", 304)]


@pytest.mark.slow
def test_a_redirected_feed_is_asked_conditionally_under_its_configured_url(servers, tmp_path):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    server.expect_request("/old.xml").respond_with_data(
        "", status=301, headers={"Location": server.url_for("/feed.xml")}
    )
    body = rss("F", [("One", server.url_for("/a/one.html"))])
    server.expect_request("/feed.xml").respond_with_handler(conditional(body, '"v1"'))
    server.expect_request("/a/one.html").respond_with_handler(lambda r: article("One"))
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/old.xml")}])
    db_path = tmp_path / "tw.db"
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    assert validated_urls(db_path) == {server.url_for("/old.xml")}

    server.clear_log()
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    asked = [(r.path, s.status_code, r.headers.get("If-None-Match")) for r, s in server.log]
    assert asked == [("/old.xml", 301, '"v1"'), ("/feed.xml", 304, '"v1"')]


@pytest.mark.slow
def test_redirects_to_another_host_are_paced_by_that_host(servers, tmp_path):
    # Three host names (slots are per name, not per port); 127.0.0.2 stays the forbidden one elsewhere.
    fronts, back = [servers.new("127.0.0.3"), servers.new("127.0.0.4")], servers.new("127.0.0.5")
    times: list[float] = []

    def timed(request):  # noqa: ANN001, ANN202
        times.append(time.monotonic())
        return article(request.path)

    def to_back(request):  # noqa: ANN001, ANN202
        return Response("", status=302, headers={"Location": back.url_for("/news" + request.path.removeprefix("/go"))})

    for n, front in enumerate(fronts):
        front.expect_request("/robots.txt").respond_with_data(ALLOW)
        links = [(s, front.url_for(f"/go/{n}{s}")) for s in ("a", "b")]
        front.expect_request("/feed.xml").respond_with_data(rss("F", links), content_type="application/rss+xml")
        front.expect_request(re.compile(r"/go/.*")).respond_with_handler(to_back)
    back.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 2\n")
    back.expect_request(re.compile(r"/news/.*")).respond_with_handler(timed)
    sources = sources_yaml(
        tmp_path / "s.yaml",
        [{"id": f"f{n}", "kind": "feed", "url": f.url_for("/feed.xml")} for n, f in enumerate(fronts)],
        allow_private=["127.0.0.3/32", "127.0.0.4/31"],
    )
    result = talentwatch("crawl", "--sources", str(sources), db=tmp_path / "tw.db")
    assert len(times) == 4, result.stderr
    times.sort()
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # The back host's Crawl-delay holds across both front hosts the requests started from.
    assert min(gaps) >= 1.9, gaps


@pytest.mark.slow
def test_a_robots_txt_answering_429_disallows_the_host_for_this_run_only(servers, tmp_path):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data("slow down", status=429)
    server.expect_request("/feed.xml").respond_with_data(rss("F", []), content_type="application/rss+xml")
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    db_path = tmp_path / "tw.db"
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    assert {r.path for r, _ in server.log} == {"/robots.txt"}  # retried like any 429, then given up
    assert "HTTP 429" in states(db_path)["f"]["last_error"]
    assert sqlite_utils.Database(db_path)["robots"].count == 0  # asked again next run
