"""The one spider: visits every configured source (feed, sitemap, listing, page) and fetches its articles."""

from __future__ import annotations

import calendar
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import feedparser
import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from config import SourcesConfig, load_sources
from crawler.items import PageItem, SourceVisit
from crawler.urls import canonical_url

ARTICLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
KEPT_HEADERS = ("Content-Type", "Last-Modified", "ETag", "Content-Language")
MAX_TITLE = 1024


def _iso(parsed_time: Any) -> str | None:
    """feedparser's UTC struct_time as ISO 8601."""
    if not parsed_time:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed_time)))


def describe_failure(failure: Failure) -> tuple[int | None, str]:
    if failure.check(HttpError):
        status = failure.value.response.status
        return status, f"HTTP {status}"
    return None, f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500]


class SourcesSpider(scrapy.Spider):
    name = "sources"

    def __init__(
        self,
        sources_config: SourcesConfig | None = None,
        sources_file: str | None = None,
        known_urls: set[str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.config = sources_config or load_sources(sources_file)
        self.known = set(known_urls or ())
        self.requested: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.config.sources:
            callback = {
                "feed": self.parse_feed,
                "sitemap": self.parse_sitemap,
                "listing": self.parse_listing,
                "page": self.parse_page_source,
            }[source.kind]
            yield scrapy.Request(
                source.url,
                callback=callback,
                errback=self.source_failed,
                cb_kwargs={"source": source},
                dont_filter=True,
            )

    # -- sources ---------------------------------------------------------------------------------------

    def source_failed(self, failure: Failure) -> Iterator[SourceVisit]:
        source = failure.request.cb_kwargs["source"]
        status, error = describe_failure(failure)
        yield SourceVisit(source.id, status, error)

    def _article_requests(self, source, urls, via: str, entries=None) -> tuple[list[scrapy.Request], int]:  # noqa: ANN001
        requests, new = [], 0
        for i, url in enumerate(urls):
            canonical = canonical_url(url)
            if canonical in self.known or canonical in self.requested:
                self.crawler.stats.inc_value("talentwatch/articles_already_stored")
                continue
            self.requested.add(canonical)
            new += 1
            requests.append(
                scrapy.Request(
                    url,
                    callback=self.parse_article,
                    errback=self.article_failed,
                    cb_kwargs={
                        "source": source,
                        "via": via,
                        "canonical": canonical,
                        "feed_entry": entries[i] if entries else None,
                    },
                )  # fmt: skip
            )
        return requests, new

    def parse_feed(self, response, source) -> Iterator[Any]:  # noqa: ANN001
        parsed = feedparser.parse(response.body, response_headers={"content-location": response.url})
        if not parsed.entries and (parsed.bozo or not parsed.version):
            reason = getattr(parsed, "bozo_exception", None) or "no feed entries"
            yield SourceVisit(source.id, response.status, f"not a readable feed: {reason}"[:500])
            return
        urls, entries = [], []
        for entry in parsed.entries:
            link = entry.get("link")
            if not link:
                continue
            urls.append(response.urljoin(link))
            entries.append(
                {
                    "title": (entry.get("title") or "")[:MAX_TITLE] or None,
                    "summary": entry.get("summary"),
                    "published": _iso(entry.get("published_parsed") or entry.get("updated_parsed")),
                }
            )
        requests, new = self._article_requests(source, urls, "feed", entries)
        yield SourceVisit(source.id, response.status, links=len(urls), new_links=new)
        yield from requests

    def parse_sitemap(self, response, source) -> Iterator[Any]:  # noqa: ANN001
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises several types on garbage
            yield SourceVisit(source.id, response.status, f"not a readable sitemap: {exc}"[:500])
            return
        locs = [entry["loc"] for entry in sitemap if entry.get("loc")]
        if sitemap.type == "sitemapindex":
            yield SourceVisit(source.id, response.status, links=len(locs))
            for loc in locs:
                yield scrapy.Request(loc, callback=self.parse_sitemap, errback=self.source_failed,
                                     cb_kwargs={"source": source})  # fmt: skip
            return
        requests, new = self._article_requests(source, locs, "sitemap")
        yield SourceVisit(source.id, response.status, links=len(locs), new_links=new)
        yield from requests

    def parse_listing(self, response, source, page: int = 1) -> Iterator[Any]:  # noqa: ANN001
        links = [response.urljoin(a.attrib["href"]) for a in response.css(source.links) if a.attrib.get("href")]
        requests, new = self._article_requests(source, links, "listing")
        yield SourceVisit(source.id, response.status, links=len(links), new_links=new)
        yield from requests
        max_pages = self.crawler.settings.getint("TALENTWATCH_MAX_PAGES", 5)
        if source.next and page < max_pages:
            nxt = response.css(source.next)
            if nxt and nxt[0].attrib.get("href"):
                yield scrapy.Request(
                    response.urljoin(nxt[0].attrib["href"]),
                    callback=self.parse_listing,
                    errback=self.source_failed,
                    cb_kwargs={"source": source, "page": page + 1},
                )

    def parse_page_source(self, response, source) -> Iterator[Any]:  # noqa: ANN001
        canonical = canonical_url(response.request.url)
        is_new = canonical not in self.known
        yield SourceVisit(source.id, response.status, links=1, new_links=int(is_new))
        if is_new:
            yield from self.parse_article(response, source, "page", canonical, None)

    # -- articles --------------------------------------------------------------------------------------

    def parse_article(self, response, source, via: str, canonical: str, feed_entry) -> Iterator[PageItem]:  # noqa: ANN001
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if content_type and not content_type.startswith(ARTICLE_TYPES):
            self.crawler.stats.inc_value("talentwatch/articles_not_html")
            return
        headers = {k: response.headers.get(k).decode("latin-1") for k in KEPT_HEADERS if response.headers.get(k)}
        yield PageItem(
            url=response.url,
            canonical_url=canonical,
            source_id=source.id,
            via=via,
            status=response.status,
            content_type=content_type or None,
            headers=headers,
            body=response.body,
            feed_entry=feed_entry,
        )

    def article_failed(self, failure: Failure) -> Iterator[PageItem]:
        """The article could not be fetched: keep what the feed said about it, if anything."""
        kwargs = failure.request.cb_kwargs
        status, error = describe_failure(failure)
        self.crawler.stats.inc_value("talentwatch/articles_failed")
        self.logger.warning("article %s failed: %s", failure.request.url, error)
        if kwargs.get("feed_entry"):
            # After redirects, request.url is the last hop (maybe a refused address): keep the feed's link.
            original_url = (failure.request.meta.get("redirect_urls") or [failure.request.url])[0]
            yield PageItem(
                url=original_url,
                canonical_url=kwargs["canonical"],
                source_id=kwargs["source"].id,
                via="feed-entry",
                status=status,
                feed_entry=kwargs["feed_entry"],
            )
