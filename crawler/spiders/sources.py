"""The one spider: visits the due sources (feed, sitemap, listing, page) and fetches their new articles.

Incremental by construction: each feed, sitemap or listing request carries the ETag / Last-Modified of
the last complete visit, so an unchanged feed costs one 304; a body identical to last time (hash) is not
parsed again; article URLs already stored are never requested. A visit is recorded (next check, validators)
only when every request it led to has finished, so a run killed half-way loses nothing: the next run
re-reads the feed. Validators are not saved either when an article failed for a reason that may pass
(5xx, timeout), so that the next run lists it again instead of receiving a 304. A sitemap index is always
read (its children may change while it does not); each child is conditional.

Memory does not grow with the size of the feeds or of the database: whether an article is stored already
is asked of the database, feed by feed, and a visit hands Scrapy at most CONCURRENT_REQUESTS article
requests at a time; the others wait as (URL, feed entry) until one of those ends.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import feedparser
import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from config import Settings, Source, SourcesConfig, load_sources
from crawler.items import PageItem, SourceValidators, SourceVisit
from crawler.middlewares import Refused
from crawler.urls import canonical_url, redacted
from store import open_db
from store.pages import stored_among

ARTICLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
KEPT_HEADERS = ("Content-Type", "Last-Modified", "ETag", "Content-Language")
MAX_TITLE = 1024
# An entity declaration in a DOCTYPE is how billion-laughs and external-entity attacks start; no real
# feed or sitemap needs one, so such a document is refused before any XML parser sees it.
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# What feedparser flags in feeds that are fine to read: a charset the body contradicts, a text/html type.
BENIGN_FEED_PROBLEMS = (feedparser.exceptions.CharacterEncodingOverride, feedparser.exceptions.NonXMLContentType)


def feed_headers(response) -> dict[str, str]:  # noqa: ANN001
    """The response headers feedparser reads: its encoding detection (RFC 7303: a charset in Content-Type
    wins) and its bozo flags only mean what they say when it sees the real Content-Type."""
    headers = {"content-location": response.url}
    for name in ("Content-Type", "ETag", "Last-Modified"):
        value = response.headers.get(name)
        if value:
            headers[name.lower()] = value.decode("latin-1")
    return headers


def is_http_url(value: Any) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def entry_url(entry: Any) -> str | None:
    """An entry's article URL: its link, else its id when that is an http(s) URL (a GUID permalink, an
    RDF item's rdf:about, an Atom id), else None. feedparser puts an id it took for the link in `link`
    (guidislink): a link made of a non-URL id (urn:uuid:..., tag:...) names no article."""
    link = entry.get("link")
    if link and not (entry.get("guidislink") and not is_http_url(link)):
        return link
    guid = entry.get("id")
    return guid if is_http_url(guid) else None


def entry_page_url(feed_url: str, entry: Any, kept: dict[str, Any]) -> str:
    """Where a feed entry without an article is stored: the feed's URL with a fragment naming the entry, by
    its id or, without one, by a hash of what it says."""
    key = entry.get("id") or "\x1f".join(str(kept.get(k) or "") for k in ("title", "summary", "published"))
    return f"{feed_url}#entry-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


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


# Byte order marks, longest first (a UTF-32-LE mark begins like UTF-16-LE's).
XML_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


def xml_encoding(body: bytes) -> str:
    """The encoding an XML document's first bytes imply before any declaration can be read (XML 1.0,
    appendix F): a byte order mark, else the zero bytes around the first character; UTF-8 otherwise (the
    ASCII-compatible encodings all write "<!ENTITY" as those bytes)."""
    head = body[:4]
    for marker, encoding in XML_BOMS:
        if head.startswith(marker):
            return encoding
    if len(head) == 4 and head.count(0) == 3:
        return "utf-32-be" if head[3] else "utf-32-le"
    if len(head) == 4 and head[0::2] == b"\x00\x00":
        return "utf-16-be"
    if len(head) == 4 and head[1::2] == b"\x00\x00":
        return "utf-16-le"
    return "utf-8"


def error_class(failure: Failure, status: int | None) -> str:
    """What a failure is, for counting alike failures together: its HTTP status or its exception's type."""
    return f"HTTP {status}" if status else failure.type.__name__


def declares_entities(body: bytes) -> str | None:
    """Why an XML document is refused before any parser sees it: it declares entities, in whichever
    encoding it is written (UTF-16 and UTF-32 with or without byte order mark are decoded first)."""
    encoding = xml_encoding(body)
    if encoding == "utf-8":
        found = ENTITY_DECLARATION.search(body) is not None
    else:
        found = "<!entity" in body.decode(encoding, errors="replace").lower()
    return f"it declares XML entities ({encoding.upper()}, refused before parsing)" if found else None


def not_fetchable(url: str) -> str | None:
    """Why a link found in a feed, sitemap or listing cannot be fetched (mailto:, javascript:, tel:, data:,
    no host, a broken IPv6 literal), or None for an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return f"malformed ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"not http or https ({parts.scheme or 'no scheme'})"
    if parts.username is not None or parts.password is not None:
        return "carrying credentials (user:password@)"  # they would be stored and shown with the URL
    return None if host else "no host"


def joined(response, href: str) -> str:  # noqa: ANN001
    """A link made absolute against its page; one urljoin cannot parse (a broken IPv6 literal) is kept as
    written, so that the visit skips and counts it rather than failing whole."""
    try:
        return response.urljoin(href)
    except ValueError:
        return href


def requested_url(request: scrapy.Request) -> str:
    """The URL as the spider asked for it, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def transient(failure: Failure, status: int | None) -> bool:
    """A failure that may not happen next time (network, timeout, 5xx, 429, robots.txt unavailable), as
    opposed to a page that is gone (404, 410, other 4xx) or a request that will be refused again."""
    if failure.check(Refused):
        return False
    return status is None or status >= 500 or status in (408, 429)


def _header(response: Any, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1")[:500] if value else None


@dataclass
class Visit:
    """One source's visit in this run: requests still in flight, and what to record when they end."""

    source: Source
    discovery: int = 0  # feed, sitemap and listing requests in flight
    articles: int = 0  # article requests in flight
    status: int | None = None
    error: str | None = None
    links: int = 0
    new: int = 0
    unchanged: bool = False
    partial: bool = False  # a request of the visit failed for now: validators are not saved
    validators: dict[str, dict[str, str | None]] = field(default_factory=dict)  # url -> to save at the end
    reported: bool = False
    sitemaps: set[str] = field(default_factory=set)  # sitemap URLs requested in this visit: each once
    # new articles not handed to Scrapy yet: (url, canonical URL, via, feed entry)
    waiting: deque[tuple[str, str, str, dict[str, Any] | None]] = field(default_factory=deque)
    scheduled: int = 0  # article requests handed to Scrapy and not ended yet
    # what went wrong with items of the visit -> [how many times, the first one's detail]: said once at its end
    problems: dict[str, list] = field(default_factory=dict)


class SourcesSpider(scrapy.Spider):
    name = "sources"

    def __init__(
        self,
        sources_config: SourcesConfig | None = None,
        sources_file: str | None = None,
        conditional: dict[str, dict[str, str | None]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.config = sources_config or load_sources(sources_file)
        self.conditional = conditional or {}
        self.requested: set[str] = set()
        self.visits: dict[str, Visit] = {}
        self._db = None

    @property
    def db(self):  # noqa: ANN201 - a sqlite_utils.Database, opened on first use
        if self._db is None:
            self._db = open_db(self.crawler.settings.get("TALENTWATCH_DB"))
        return self._db

    def closed(self, reason: str) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    async def start(self) -> AsyncIterator[Any]:
        for source in self.config.sources:
            visit = self.visits[source.id] = Visit(source)
            try:
                requests = list(self._follow(visit, source.url, self.parse_source, root=True))
            except Exception as exc:  # whatever building the request raises, the visit ends, failed
                visit.error = f"its request could not be made: {type(exc).__name__}: {exc}"[:500]
                requests = []
            for request in requests:
                yield request
            if not requests:
                visit.error = visit.error or "its URL cannot be requested (see the log)"
                visit.discovery += 1
                for item in self._finish(visit, "discovery"):
                    yield item

    # -- bookkeeping -----------------------------------------------------------------------------------

    def _finish(self, visit: Visit, kind: str) -> Iterator[Any]:
        """One request of `visit` ended. Once none is left, report the visit (its next check) and its
        validators; a run killed before that visits the source again next time and loses nothing."""
        setattr(visit, kind, getattr(visit, kind) - 1)
        if visit.discovery or visit.articles or visit.reported:
            return
        visit.reported = True
        for what, (count, first) in visit.problems.items():
            self.logger.warning("source %s: %s: %d (first: %s; -v or the log file lists each)", visit.source.id,
                                what, count, first)  # fmt: skip
        if visit.validators and not visit.partial:
            yield SourceValidators(visit.source.id, visit.validators)
        visit.validators = {}
        yield SourceVisit(
            visit.source.id, visit.status, visit.error, links=visit.links, new_links=visit.new,
            unchanged=visit.unchanged,
        )  # fmt: skip

    def _problem(self, visit: Visit, what: str, detail: str, stat: str) -> None:
        """One more item of the visit met `what`: counted, its detail in the log file, and `what` said once
        with its count when the visit ends (a feed of 50,000 failing entries is one line, not 50,000)."""
        self.crawler.stats.inc_value(f"talentwatch/{stat}")
        self.logger.info("source %s: %s: %s", visit.source.id, what, detail)
        visit.problems.setdefault(what, [0, detail[:300]])[0] += 1

    def _skipped(self, visit: Visit, url: str) -> bool:
        """A link that cannot be requested is skipped, counted and said, and the rest of the source goes on:
        Scrapy would refuse it with an exception (mailto:, javascript:) or drop it without a word (a URL over
        URLLENGTH_LIMIT)."""
        reason = not_fetchable(url)
        if reason:
            self._problem(visit, f"links skipped, {reason.split(' (')[0]}", redacted(url)[:200], "links_skipped")
            return True
        limit = self.crawler.settings.getint("URLLENGTH_LIMIT", 2083)
        if len(url) > limit:
            self._problem(visit, f"links skipped, over {limit} characters", f"{url[:100]}...", "links_skipped")
            return True
        return False

    def _follow(self, visit: Visit, url: str, callback: Any, **kwargs: Any) -> Iterator[scrapy.Request]:
        """A discovery request of the visit (the source's URL, a sitemap child, a next listing page),
        conditional on what the URL looked like last time."""
        if self._skipped(visit, url):  # the source's own URL cannot be: the config refuses it
            return
        visit.discovery += 1
        state = self.conditional.get(url) or {}
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        yield scrapy.Request(
            url, callback=callback, errback=self.discovery_failed, cb_kwargs={"visit": visit, **kwargs},
            headers=headers, meta={"handle_httpstatus_list": [304]}, dont_filter=True,
        )  # fmt: skip

    def _unchanged(self, response, visit: Visit) -> bool:  # noqa: ANN001
        """True for a 304 or a body identical to last time; otherwise the URL's new validators are kept
        for the end of the visit."""
        url = requested_url(response.request)
        body_hash = hashlib.sha256(response.body).hexdigest()
        state = self.conditional.get(url) or {}
        if response.status == 304 or (state.get("body_hash") and state["body_hash"] == body_hash):
            return True
        visit.validators[url] = {
            "etag": _header(response, "ETag"),
            "last_modified": _header(response, "Last-Modified"),
            "body_hash": body_hash,
        }
        return False

    def discovery_failed(self, failure: Failure) -> Iterator[Any]:
        kwargs = failure.request.cb_kwargs
        visit: Visit = kwargs["visit"]
        status, error = describe_failure(failure)
        if kwargs.get("root"):
            visit.status, visit.error = status, error
        else:
            visit.partial = True
            self._problem(visit, f"pages of it failed ({error_class(failure, status)})",
                          f"{failure.request.url}: {error}", "discovery_failed")  # fmt: skip
        yield from self._finish(visit, "discovery")

    # -- sources ---------------------------------------------------------------------------------------

    def _guarded(self, visit: Visit, steps: Iterator[Any], root: bool) -> Iterator[Any]:
        """Run a discovery callback's steps; whatever they raise (garbage that a parser chokes on, a
        truncated gzip), the request still ends: the source fails, or the visit is partial."""
        try:
            yield from steps
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:300]
            if root:
                self._refuse(visit, visit.source.kind, reason)
            else:
                visit.partial = True
                self._problem(visit, f"pages of it unreadable ({type(exc).__name__})", reason, "discovery_failed")
        yield from self._finish(visit, "discovery")

    def parse_source(self, response, visit: Visit, root: bool = True) -> Iterator[Any]:  # noqa: ANN001
        """The source's own URL: skip it when unchanged, else parse it according to the source's kind."""
        visit.status = response.status
        yield from self._guarded(visit, self._parse_source(response, visit), root=True)

    def _parse_source(self, response, visit: Visit) -> Iterator[Any]:  # noqa: ANN001
        if self._unchanged(response, visit):
            visit.unchanged = True
            return
        parse = {
            "feed": self.parse_feed,
            "sitemap": self.parse_sitemap,
            "listing": self.parse_listing,
            "page": self.parse_page_source,
        }[visit.source.kind]
        yield from parse(response, visit)

    def _article_requests(self, visit: Visit, urls: list[str], via: str, entries=None) -> list[scrapy.Request]:  # noqa: ANN001
        """The visit's new articles among `urls` wait their turn; returns the requests that may start now."""
        candidates = [
            (url, canonical_url(url), via, entries[i] if entries else None)
            for i, url in enumerate(urls)
            if not self._skipped(visit, url)
        ]
        stored = stored_among(self.db, [c[1] for c in candidates])
        new = 0
        for candidate in candidates:
            canonical = candidate[1]
            if canonical in stored or canonical in self.requested:
                self.crawler.stats.inc_value("talentwatch/articles_already_stored")
                continue
            self.requested.add(canonical)
            visit.waiting.append(candidate)
            new += 1
        visit.links += len(urls)
        visit.new += new
        visit.articles += new
        return self._release(visit)

    def _release(self, visit: Visit) -> list[scrapy.Request]:
        """Hand Scrapy the visit's waiting articles, up to CONCURRENT_REQUESTS of them at a time: enough to
        keep every connection busy (a Google News feed links to many hosts), while the requests of a
        10,000-entry feed do not all sit in memory at once."""
        limit = self.crawler.settings.getint("CONCURRENT_REQUESTS", 16)
        requests = []
        while visit.waiting and visit.scheduled < limit:
            url, canonical, via, feed_entry = visit.waiting.popleft()
            kwargs = {"visit": visit, "via": via, "canonical": canonical, "feed_entry": feed_entry}
            try:
                request = scrapy.Request(
                    url, callback=self.parse_article, errback=self.article_failed, cb_kwargs=kwargs, dont_filter=True
                )
            except Exception as exc:  # a URL Scrapy refuses despite the checks: the article ends, lost
                self._problem(visit, f"links skipped, refused by Scrapy ({type(exc).__name__})", f"{url[:200]}: {exc}",
                              "links_skipped")  # fmt: skip
                visit.articles -= 1
                continue
            visit.scheduled += 1
            requests.append(request)
        return requests

    def _article_ended(self, visit: Visit) -> Iterator[Any]:
        """An article request ended (fetched or lost): the next waiting one may start; the visit may end."""
        visit.scheduled -= 1
        yield from self._release(visit)
        yield from self._finish(visit, "articles")

    def _refuse(self, visit: Visit, what: str, reason: str) -> None:
        visit.error = f"not a readable {what}: {reason}"[:500]
        visit.validators = {}

    def parse_feed(self, response, visit: Visit) -> Iterator[Any]:  # noqa: ANN001
        refused = declares_entities(response.body)
        if refused:
            self._refuse(visit, "feed", refused)
            return
        parsed = feedparser.parse(response.body, response_headers=feed_headers(response))
        benign = not parsed.bozo or isinstance(parsed.bozo_exception, BENIGN_FEED_PROBLEMS)
        if not parsed.entries and not (parsed.version and benign):
            # a well-formed feed with no entries (a search feed without hits today) is a healthy visit
            self._refuse(visit, "feed", str(getattr(parsed, "bozo_exception", None) or "no feed entries"))
            return
        if not benign:
            # Broken XML (a truncated feed, say): keep the entries feedparser could read, but the source failed
            # this time, and its validators are not saved so that the next visit reads it whole.
            visit.error = (
                f"feed is not well-formed: {parsed.bozo_exception} ({len(parsed.entries)} entries read anyway)"[:500]
            )
            visit.validators = {}
        feed_url = requested_url(response.request)
        urls, entries, linkless = [], [], []
        for entry in parsed.entries:
            kept = {
                "title": (entry.get("title") or "")[:MAX_TITLE] or None,
                "summary": entry.get("summary"),
                "published": _iso(entry.get("published_parsed") or entry.get("updated_parsed")),
            }
            url = entry_url(entry)
            if url:
                urls.append(joined(response, url))
                entries.append(kept)
            elif kept["title"] or kept["summary"]:
                linkless.append((entry, kept))
            else:
                self._problem(visit, "entries skipped, no link, title or summary", f"entry {entry.get('id') or '?'} "
                              f"of {feed_url}", "entries_skipped")  # fmt: skip
        yield from self._entry_pages(visit, feed_url, linkless)
        yield from self._article_requests(visit, urls, "feed", entries)

    def _entry_pages(
        self, visit: Visit, feed_url: str, linkless: list[tuple[Any, dict[str, Any]]]
    ) -> Iterator[PageItem]:
        """Entries that name no article (a title and a description, a media item) are kept as they are: a
        feed-entry page keyed by the feed's URL and the entry's id (or its content), so it is stored once."""
        pages = {entry_page_url(feed_url, entry, kept): kept for entry, kept in linkless}
        stored = stored_among(self.db, list(pages))
        for url, kept in pages.items():
            visit.links += 1
            if url in stored or url in self.requested:
                self.crawler.stats.inc_value("talentwatch/articles_already_stored")
                continue
            self.requested.add(url)
            self.crawler.stats.inc_value("talentwatch/entries_without_link")
            visit.new += 1
            yield PageItem(url=url, canonical_url=url, source_id=visit.source.id, via="feed-entry", status=None,
                           feed_entry=kept, note="the feed entry names no article: feed entry kept")  # fmt: skip

    def parse_sitemap(self, response, visit: Visit, depth: int = 0) -> Iterator[Any]:  # noqa: ANN001
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        refused = declares_entities(body)
        if refused:
            self._refuse(visit, "sitemap", refused)
            return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises several types on garbage, some with an empty message
            self._refuse(visit, "sitemap", f"{type(exc).__name__}: {exc}".rstrip(": "))
            return
        locs = [entry["loc"] for entry in sitemap if entry.get("loc")]
        if sitemap.type == "sitemapindex":
            # read again next time whatever it says: a child may change while the index does not
            visit.validators.pop(requested_url(response.request), None)
            yield from self._sitemap_children(visit, requested_url(response.request), locs, depth)
            return
        yield from self._article_requests(visit, locs, "sitemap")

    def _sitemap_children(self, visit: Visit, index: str, locs: list[str], depth: int) -> Iterator[scrapy.Request]:
        """An index's sitemaps, each fetched once per visit however many indexes list it (an index that lists
        itself, A -> B -> A), no deeper than max_sitemap_depth and no more than max_sitemap_children of it."""
        settings = self.crawler.settings
        max_depth = settings.getint("TALENTWATCH_MAX_SITEMAP_DEPTH", Settings.max_sitemap_depth)
        max_children = settings.getint("TALENTWATCH_MAX_SITEMAP_CHILDREN", Settings.max_sitemap_children)
        visit.sitemaps.add(canonical_url(index))
        followed = 0
        for loc in locs:
            canonical = canonical_url(loc)
            if canonical in visit.sitemaps:
                self._problem(visit, "sitemaps listed again, read once", f"{loc} (in {index})", "sitemaps_skipped")
            elif depth >= max_depth:
                self._problem(visit, f"sitemaps skipped, deeper than max_sitemap_depth {max_depth}",
                              f"{loc} (in {index})", "sitemaps_skipped")  # fmt: skip
            elif followed >= max_children:
                self._problem(visit, f"sitemaps skipped, over max_sitemap_children {max_children} in one index",
                              f"{loc} (in {index})", "sitemaps_skipped")  # fmt: skip
            else:
                visit.sitemaps.add(canonical)
                followed += 1
                yield from self._follow(visit, loc, self.parse_child_sitemap, depth=depth + 1)

    def parse_child_sitemap(self, response, visit: Visit, depth: int) -> Iterator[Any]:  # noqa: ANN001
        steps = self._if_changed(response, visit, self.parse_sitemap, depth=depth)
        yield from self._guarded(visit, steps, root=False)

    def _if_changed(self, response, visit: Visit, parse: Any, **kwargs: Any) -> Iterator[Any]:  # noqa: ANN001
        if not self._unchanged(response, visit):
            yield from parse(response, visit, **kwargs)

    def parse_listing(self, response, visit: Visit, page: int = 1) -> Iterator[Any]:  # noqa: ANN001
        source = visit.source
        links = [joined(response, a.attrib["href"]) for a in response.css(source.links) if a.attrib.get("href")]
        yield from self._article_requests(visit, links, "listing")
        max_pages = self.crawler.settings.getint("TALENTWATCH_MAX_PAGES", 5)
        if source.next and page < max_pages:
            nxt = response.css(source.next)
            if nxt and nxt[0].attrib.get("href"):
                next_url = joined(response, nxt[0].attrib["href"])
                yield from self._follow(visit, next_url, self.parse_next_page, page=page + 1)

    def parse_next_page(self, response, visit: Visit, page: int) -> Iterator[Any]:  # noqa: ANN001
        steps = self._if_changed(response, visit, self.parse_listing, page=page)
        yield from self._guarded(visit, steps, root=False)

    def parse_page_source(self, response, visit: Visit) -> Iterator[Any]:  # noqa: ANN001
        canonical = canonical_url(response.request.url)
        visit.links += 1
        if not stored_among(self.db, [canonical]):
            visit.new += 1
            yield from self._page_item(response, visit, "page", canonical, None)

    # -- articles --------------------------------------------------------------------------------------

    def _page_item(self, response, visit: Visit, via: str, canonical: str, feed_entry) -> Iterator[PageItem]:  # noqa: ANN001
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if content_type and not content_type.startswith(ARTICLE_TYPES):
            self.crawler.stats.inc_value("talentwatch/articles_not_html")
            return
        requested = requested_url(response.request)
        aggregators = set(self.crawler.settings.getlist("TALENTWATCH_AGGREGATORS"))
        note = None
        if requested != response.url:
            note = f"followed redirect from {requested}"[:1000]
        if urlsplit(requested).hostname in aggregators and urlsplit(response.url).hostname in aggregators:
            # A Google News item link answers with a page that redirects by script: nothing to extract
            self.crawler.stats.inc_value("talentwatch/aggregator_links_unresolved")
            yield PageItem(
                url=requested, canonical_url=canonical, source_id=visit.source.id, via="feed-entry",
                status=response.status, feed_entry=feed_entry,
                note="aggregator link not resolved (a redirect page without the article): feed entry kept",
            )  # fmt: skip
            return
        headers = {k: response.headers.get(k).decode("latin-1") for k in KEPT_HEADERS if response.headers.get(k)}
        yield PageItem(
            url=response.url,
            canonical_url=canonical,
            source_id=visit.source.id,
            via=via,
            status=response.status,
            content_type=content_type or None,
            headers=headers,
            body=response.body,
            feed_entry=feed_entry,
            note=note,
        )

    def parse_article(self, response, visit: Visit, via: str, canonical: str, feed_entry) -> Iterator[Any]:  # noqa: ANN001
        try:
            items = list(self._page_item(response, visit, via, canonical, feed_entry))
        except Exception as exc:  # a response no page can be made of: treated as a failed fetch
            error = f"{type(exc).__name__}: {exc}"
            items = list(self._article_lost(visit, response.request, error, retry_next_run=True))
        yield from items
        yield from self._article_ended(visit)

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        visit: Visit = failure.request.cb_kwargs["visit"]
        status, error = describe_failure(failure)
        yield from self._article_lost(
            visit, failure.request, error, transient(failure, status), status, error_class(failure, status)
        )
        yield from self._article_ended(visit)

    def _article_lost(
        self,
        visit: Visit,
        request: scrapy.Request,
        error: str,
        retry_next_run: bool,
        status: int | None = None,
        kind: str = "unreadable response",
    ) -> Iterator[PageItem]:
        """The article could not be had: keep what the feed said about it, if anything. A transient
        failure keeps the source's validators from being saved, so the next run lists the article again."""
        self._problem(visit, f"articles failed ({kind})", f"{request.url}: {error}", "articles_failed")
        if retry_next_run:
            visit.partial = True
        kwargs = request.cb_kwargs
        if kwargs.get("feed_entry"):
            yield PageItem(
                url=requested_url(request),  # after redirects request.url is the last hop, maybe a refused one
                canonical_url=kwargs["canonical"],
                source_id=visit.source.id,
                via="feed-entry",
                status=status,
                feed_entry=kwargs["feed_entry"],
                note=f"article not fetched ({error}): feed entry kept"[:1000],
            )
