"""A programmable news site for crawl tests, served by pytest-httpserver on 127.0.0.1.

Feeds answer conditional requests the way real servers do (ETag and Last-Modified, 304 when unchanged),
articles are small real-looking pages, and every request is logged with its headers so that a test can
count exactly what the crawler asked for.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

from werkzeug import Request, Response

ARTICLE = (
    "<html><head><title>{title}</title></head><body><nav>Home</nav><article><h1>{title}</h1>"
    "<p>The Government Digital Service will hire {n} engineers and designers this year, the agency said in a "
    "statement published on its blog, describing a two-year plan for the service and its partners.</p>"
    "</article><footer>Footer</footer></body></html>"
)


def rss(title: str, items: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>Summary of {t}</description>"
        "<pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate></item>"
        for t, link in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>http://x/</link>{body}</channel></rss>'


@dataclass
class NewsSite:
    """Feeds of article links; `add` puts new entries at the top of a feed and changes its ETag."""

    base: str
    feeds: dict[str, list[str]] = field(default_factory=dict)  # feed name -> article slugs, newest first
    modified: dict[str, float] = field(default_factory=dict)
    robots: str = "User-agent: *\nAllow: /\n"

    def add(self, feed: str, slugs: list[str], when: float) -> None:
        self.feeds[feed] = slugs + self.feeds.get(feed, [])
        self.modified[feed] = when

    def feed_body(self, feed: str) -> bytes:
        items = [(f"Article {s}", f"{self.base}/a/{s}.html?utm_source=rss") for s in self.feeds[feed]]
        return rss(feed, items).encode()

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return Response(self.robots, content_type="text/plain")
        if path.startswith("/feeds/"):
            feed = path.removeprefix("/feeds/").removesuffix(".xml")
            if feed not in self.feeds:
                return Response("no such feed", status=404)
            body = self.feed_body(feed)
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            last_modified = formatdate(self.modified[feed], usegmt=True)
            headers = {"ETag": etag, "Last-Modified": last_modified}
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers=headers)
            return Response(body, content_type="application/rss+xml", headers=headers)
        if path.startswith("/a/"):
            slug = path.removeprefix("/a/").removesuffix(".html")
            return Response(ARTICLE.format(title=f"Article {slug}", n=len(slug) + 10), content_type="text/html")
        return Response("not found", status=404)


def sources_yaml(path: Path, sources: list[dict], **settings: object) -> Path:
    """A sources file for a local server: no delay, 127.0.0.1 allowed, plus any setting given."""
    path.write_text(
        json.dumps({"sources": sources, "settings": {"delay": 0, "allow_private": ["127.0.0.1/32"], **settings}}),
        encoding="utf-8",
    )
    return path


def requests_since(httpserver, start: int) -> list[tuple[str, int, dict[str, str]]]:  # noqa: ANN001
    """(path, status, request headers) of every request the server answered after the first `start`."""
    return [(req.path, resp.status_code, dict(req.headers)) for req, resp in httpserver.log[start:]]


class Servers:
    """Extra local servers, one origin each (robots.txt and delays are per origin); threaded so that a
    stalled response does not hold the others."""

    def __init__(self) -> None:
        self.started: list = []

    def new(self, host: str = "127.0.0.1", port: int = 0):  # noqa: ANN201 - a pytest_httpserver.HTTPServer
        """A server on `host`: Scrapy's per-host slots are per host name, not per port, so a test about
        two hosts needs two loopback addresses (and allow_private covering both). `port` 0: any free one."""
        from pytest_httpserver import HTTPServer

        server = HTTPServer(host=host, port=port, threaded=True)
        server.start()
        self.started.append(server)
        return server

    def stop(self) -> None:
        for server in self.started:
            server.clear()
            if server.is_running():
                server.stop()
