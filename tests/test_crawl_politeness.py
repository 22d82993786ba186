"""Politeness against local servers: robots.txt (allow, disallow, 404, 503, Crawl-delay) and Retry-After."""

from __future__ import annotations

import re
import threading
import time

import pytest
import sqlite_utils
from werkzeug import Response

from tests.conftest import talentwatch
from tests.crawl_site import ARTICLE, rss, sources_yaml


def article(title: str) -> Response:
    return Response(ARTICLE.format(title=title, n=40), content_type="text/html")


def feed_site(server, robots: str | None, robots_status: int = 200, slugs=("one", "two")) -> None:  # noqa: ANN001
    """A feed at /feed.xml linking to /news/<slug>.html and /private/<slug>.html, with a given robots.txt."""
    links = [(s, server.url_for(f"/news/{s}.html")) for s in slugs] + [
        (s, server.url_for(f"/private/{s}.html")) for s in slugs
    ]
    server.expect_request("/robots.txt").respond_with_data(
        robots or "", status=robots_status, content_type="text/plain"
    )
    server.expect_request("/feed.xml").respond_with_data(rss("F", links), content_type="application/rss+xml")
    server.expect_request(re.compile(r"/(news|private)/.*")).respond_with_handler(lambda r: article(r.path))


def paths(server) -> list[str]:  # noqa: ANN001
    return [request.path for request, _ in server.log]


@pytest.mark.slow
def test_robots_txt_allow_disallow_404_and_503(servers, tmp_path):
    disallowing, missing, broken = servers.new(), servers.new(), servers.new()
    feed_site(disallowing, "User-agent: *\nDisallow: /private/\n")
    feed_site(missing, "not here", robots_status=404)
    feed_site(broken, "down", robots_status=503)
    sources = sources_yaml(
        tmp_path / "s.yaml",
        [{"id": name, "kind": "feed", "url": server.url_for("/feed.xml")}
         for name, server in (("disallowing", disallowing), ("missing", missing), ("broken", broken))],
        retries=0,
    )  # fmt: skip
    db_path = tmp_path / "tw.db"
    result = talentwatch("crawl", "--sources", str(sources), db=db_path)

    # Disallow: /private/ is never fetched, /news/ is.
    assert not any(p.startswith("/private/") for p in paths(disallowing))
    assert {"/news/one.html", "/news/two.html"} <= set(paths(disallowing))
    # A 404 robots.txt allows everything.
    assert {"/news/one.html", "/private/one.html"} <= set(paths(missing))
    # A 503 robots.txt: the host gets no page fetch at all this run, and the source says why.
    assert paths(broken) == ["/robots.txt"]
    state = {r["id"]: r for r in sqlite_utils.Database(db_path)["sources"].rows}
    assert "robots.txt" in state["broken"]["last_error"] and "HTTP 503" in state["broken"]["last_error"]
    assert state["broken"]["failures"] == 1 and state["missing"]["failures"] == 0
    assert "source broken failed" in result.stderr

    # robots.txt is reused for a day, except the 503 one, which is asked again.
    for server in (disallowing, missing, broken):
        server.clear_log()
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    assert "/robots.txt" not in paths(disallowing) and "/robots.txt" not in paths(missing)
    assert paths(broken) == ["/robots.txt"]


@pytest.mark.slow
def test_one_connection_per_host_even_without_a_delay(servers, tmp_path):
    server = servers.new()
    lock, active, peak = threading.Lock(), [0], [0]

    def counted(request):  # noqa: ANN001, ANN202
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return article(request.path)

    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    links = [(s, server.url_for(f"/news/{s}.html")) for s in "abcdefgh"]
    server.expect_request("/feed.xml").respond_with_data(rss("F", links), content_type="application/rss+xml")
    server.expect_request(re.compile(r"/news/.*")).respond_with_handler(counted)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    talentwatch("crawl", "--sources", str(sources), db=tmp_path / "tw.db")
    assert len([p for p in paths(server) if p.startswith("/news/")]) == 8
    assert peak[0] == 1


@pytest.mark.slow
def test_crawl_delay_spaces_requests_to_a_host(servers, tmp_path):
    server = servers.new()
    times: list[float] = []

    def timed(request):  # noqa: ANN001, ANN202
        times.append(time.monotonic())
        return article(request.path)

    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 2\n")
    links = [(s, server.url_for(f"/news/{s}.html")) for s in ("a", "b", "c")]
    server.expect_request("/feed.xml").respond_with_data(rss("F", links), content_type="application/rss+xml")
    server.expect_request(re.compile(r"/news/.*")).respond_with_handler(timed)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "slow", "kind": "feed", "url": server.url_for("/feed.xml")}])
    talentwatch("crawl", "--sources", str(sources), db=tmp_path / "tw.db")
    assert len(times) == 3
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 1.9, gaps  # configured delay is 0: the 2 s come from robots.txt


@pytest.mark.slow
def test_retry_after_is_honoured_on_429(servers, tmp_path):
    server = servers.new()
    hits: list[float] = []

    def busy_then_ok(request):  # noqa: ANN001, ANN202
        hits.append(time.monotonic())
        if len(hits) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "2"})
        return article("Finally")

    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/feed.xml").respond_with_data(
        rss("F", [("Finally", server.url_for("/news/x.html"))]), content_type="application/rss+xml"
    )
    server.expect_request("/news/x.html").respond_with_handler(busy_then_ok)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "busy", "kind": "feed", "url": server.url_for("/feed.xml")}])
    db_path = tmp_path / "tw.db"
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    assert len(hits) == 2 and hits[1] - hits[0] >= 2.0, hits
    pages = list(sqlite_utils.Database(db_path)["pages"].rows)
    assert len(pages) == 1 and pages[0]["status"] == 200 and pages[0]["body"] is not None


@pytest.mark.slow
def test_a_retry_after_beyond_the_bound_gives_up_until_the_next_run(servers, tmp_path):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/feed.xml").respond_with_data("busy", status=503, headers={"Retry-After": "3600"})
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "busy", "kind": "feed", "url": server.url_for("/feed.xml")}])
    started = time.monotonic()
    result = talentwatch("crawl", "--sources", str(sources), db=tmp_path / "tw.db")
    assert time.monotonic() - started < 30
    assert paths(server).count("/feed.xml") == 1
    assert re.search(r"source busy failed \(1 in a row, next try [^)]+\): HTTP 503", result.stderr)
