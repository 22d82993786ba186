"""Downloader middlewares that keep the crawler polite: robots.txt per RFC 9309 with Crawl-delay, and
Retry-After on 429/503.

Scrapy's RobotsTxtMiddleware reads a 5xx robots.txt as "no rules" and fetches robots.txt on every run;
RFC 9309 says an unreachable robots.txt (5xx or network error; 429 here too) means complete disallow, and allows a
cached copy for 24 hours. Scrapy's RetryMiddleware retries 429/503 at once, ignoring Retry-After.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater

from crawler.middlewares import AddressRefused, Refused, refuse
from store import open_db
from store.robots import cached_robots, save_robots

logger = logging.getLogger(__name__)


class Unavailable(RobotParser):
    """The robots.txt of a host that answered 5xx or could not be reached: nothing is allowed this run."""

    def __init__(self, reason: str):
        self.reason = reason

    @classmethod
    def from_crawler(cls, crawler: Any, robotstxt_body: bytes) -> Unavailable:  # pragma: no cover - unused
        return cls("unavailable")

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        return None


class RefusedHost(Unavailable):
    """The robots.txt of a host name whose addresses are all forbidden: every request to the host is refused
    as its robots.txt request was, a refusal (the next run refuses it too), not a host that is down."""


def unavailable(status: int) -> bool:
    """A robots.txt answer that says the server cannot serve now (5xx, or 429 Too Many Requests)."""
    return status >= 500 or status == 429


def hold_host(crawler: Any, request: Request, seconds: float) -> None:
    """No request to the request's host for `seconds` (the downloader slot's next start moves later)."""
    downloader = crawler.engine.downloader
    key = downloader.get_slot_key(request)
    slot = downloader.slots.get(key)
    if slot is not None:
        slot.lastseen = max(slot.lastseen, time.monotonic() + seconds - slot.delay)


def set_host_delay(crawler: Any, request: Request, seconds: float) -> None:
    """At least `seconds` between two requests to the request's host, for this run."""
    downloader = crawler.engine.downloader
    key = downloader.get_slot_key(request)
    settings = downloader.per_slot_settings.setdefault(key, {})
    settings["delay"] = max(settings.get("delay", 0.0), seconds, downloader._delay)
    if key in downloader.slots:
        downloader.slots[key].delay = max(downloader.slots[key].delay, seconds)


class PoliteRobotsMiddleware(RobotsTxtMiddleware):
    """robots.txt per origin: cached a day in the database, 5xx or unreachable = disallowed this run,
    4xx = no rules, Crawl-delay applied to the host (up to TALENTWATCH_MAX_CRAWL_DELAY)."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.db_path = crawler.settings.get("TALENTWATCH_DB")
        self.max_crawl_delay = crawler.settings.getfloat("TALENTWATCH_MAX_CRAWL_DELAY", 30.0)
        self._db = None
        crawler.signals.connect(self.close_db, signal=signals.spider_closed)

    def close_db(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self):  # noqa: ANN201 - a sqlite_utils.Database, opened on first use
        if self._db is None:
            self._db = open_db(self.db_path)
        return self._db

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        origin = f"{url.scheme}://{url.netloc}"  # http and https of one host may have different rules
        if origin not in self._parsers:
            self._parsers[origin] = Deferred()
            try:
                cached = cached_robots(self.db, origin)
                if cached is not None:
                    self._stats.inc_value("talentwatch/robots_cached")
                    parser = self._parser_for(origin, *cached)
                else:
                    self._stats.inc_value("robotstxt/request_count")
                    parser = await self._fetch(origin)
            except Exception as exc:  # the database is locked or broken: fetch nothing from that host
                reason = f"robots.txt of {origin} could not be read or cached ({type(exc).__name__}: {exc})"
                logger.warning("%s: host treated as disallowed for this run", reason)
                self._stats.inc_value("talentwatch/robots_unavailable")
                parser = Unavailable(reason)
            self._settle(origin, request, parser)
        parser = self._parsers[origin]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _fetch(self, origin: str) -> RobotParser:
        robots_request = Request(
            f"{origin}/robots.txt", priority=self.DOWNLOAD_PRIORITY, meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )  # fmt: skip
        try:
            response = await self.crawler.engine.download_async(robots_request)
        except AddressRefused as exc:  # counted and logged as the robots.txt request's refusal
            return RefusedHost(exc.reason)
        except Exception as exc:  # DNS failure, connection refused, timeout
            reason = f"robots.txt of {origin} unreachable ({type(exc).__name__}: {exc})"
            logger.warning("%s: host treated as disallowed for this run", reason)
            self._stats.inc_value("talentwatch/robots_unavailable")
            return Unavailable(reason)
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if not unavailable(response.status):
            save_robots(self.db, origin, response.status, response.body)
        return self._parser_for(origin, response.status, response.body)

    def _parser_for(self, origin: str, status: int, body: bytes) -> RobotParser:
        if unavailable(status):
            reason = f"robots.txt of {origin} answered HTTP {status}"
            logger.warning("%s: host treated as disallowed for this run (RFC 9309)", reason)
            self._stats.inc_value("talentwatch/robots_unavailable")
            return Unavailable(reason)
        # other 4xx: no robots.txt, everything is allowed; 2xx (after redirects): its rules
        return build_from_crawler(self._parserimpl, self.crawler, body if status < 400 else b"")

    def _settle(self, origin: str, request: Request, parser: RobotParser) -> None:
        delay = parser.crawl_delay(self._robotstxt_useragent or self._default_useragent)
        if delay:
            set_host_delay(self.crawler, request, min(float(delay), self.max_crawl_delay))
        pending = self._parsers[origin]
        self._parsers[origin] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if isinstance(rp, RefusedHost):
            refuse(self._stats, request.url, rp.reason, AddressRefused)
        if isinstance(rp, Unavailable):
            self._stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest(f"{rp.reason}: not fetched")  # transient: tried again next run
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as exc:  # Disallow: refused again next run
            raise Refused(str(exc)) from exc


class RedirectSlot:
    """A redirect copies the request's meta, download slot included, so a redirect to another host would
    be paced by the first host's delay and connection limit; the new hop gets its own host's slot."""

    def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("redirect_urls"):
            request.meta.pop("download_slot", None)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware(RetryMiddleware):
    """Retries as Scrapy does, but a 429/503 with Retry-After waits that long first (and holds the whole
    host meanwhile); a Retry-After above TALENTWATCH_MAX_RETRY_AFTER gives up until the next run."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.max_retry_after = crawler.settings.getfloat("TALENTWATCH_MAX_RETRY_AFTER", 120.0)
        return middleware

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status in (429, 503) and not request.meta.get("dont_retry"):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            retries_left = request.meta.get("retry_times", 0) < request.meta.get(
                "max_retry_times", self.max_retry_times
            )
            if wait is not None and retries_left:
                if wait > self.max_retry_after:
                    self.crawler.stats.inc_value("talentwatch/retry_after_too_long")
                    logger.warning(
                        "%s answered %s with Retry-After %.0f s (more than %.0f s): not retried this run",
                        request.url, response.status, wait, self.max_retry_after,
                    )  # fmt: skip
                    return response
                self.crawler.stats.inc_value("talentwatch/retry_after_waits")
                logger.info("%s answered %s: waiting %.1f s (Retry-After)", request.url, response.status, wait)
                hold_host(self.crawler, request, wait)
                from twisted.internet import reactor  # the one Scrapy installed; importing it early would pick another

                await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return super().process_response(request, response)
