"""Downloader middlewares that keep the crawler from being turned against private networks."""

from __future__ import annotations

import logging
from typing import Any, NoReturn
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.utils.misc import load_object
from twisted.internet.error import DNSLookupError

from crawler.addresses import allowed_networks, described, is_forbidden, literal_address
from crawler.resolver import host_key

logger = logging.getLogger(__name__)


class Refused(IgnoreRequest):
    """A request that the next run would refuse too (forbidden address or scheme, robots.txt Disallow):
    unlike a transient failure, it does not keep a source's feed from being marked as read."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


class AddressRefused(Refused):
    """A request to a forbidden address; `reason` says which ("<host> resolves to non-public address ...")."""


def refuse(stats: Any, url: str, reason: str, kind: type[Refused] = Refused) -> NoReturn:
    """Count, log and raise the refusal of `url`."""
    if stats is not None:
        stats.inc_value("talentwatch/blocked_requests")
    logger.info("refused %s: %s", url, reason)  # the spider says it once per source and kind of failure
    raise kind(f"refused {url}: {reason}", reason)


class PrivateAddressGuard:
    """Refuse non-http(s) URLs and IP literals of loopback, private, link-local or reserved addresses
    (IPv6 forms that embed an IPv4 address are judged by it too: crawler.addresses).

    A host name is not looked up here: crawler.resolver.AddressGuardResolver checks the addresses it
    resolves to as the connection is made, and ResolverRefusal reports what it refused. Every redirect hop
    is a new request through this middleware, so a public page redirecting to an internal one is refused
    too. `TALENTWATCH_ALLOW_PRIVATE` = True allows every address; a list of networks allows just those
    (tests and the demo allow 127.0.0.1/32).
    """

    RESOLVER = "crawler.resolver.AddressGuardResolver"

    def __init__(self, allow: bool | list[str], stats=None):  # noqa: ANN001 - Scrapy stats collector
        self.allowed = allowed_networks(allow)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        allow = crawler.settings.get("TALENTWATCH_ALLOW_PRIVATE")
        resolver = load_object(crawler.settings.get("TWISTED_DNS_RESOLVER"))
        guarded = crawler.settings.getbool("TWISTED_REACTOR_ENABLED", True) and issubclass(
            resolver, load_object(cls.RESOLVER)
        )
        if allow is not True and not guarded:
            raise ValueError(
                f"host names would reach private addresses unchecked: TWISTED_DNS_RESOLVER must be {cls.RESOLVER} "
                "(or a subclass) on Twisted's reactor"
            )
        return cls(allow, crawler.stats)

    def process_response(self, request, response, spider=None):  # noqa: ANN001, ANN201
        """Scrapy does not follow a redirect to another scheme (file:, ftp:, gopher:...) but says nothing
        of it either: refuse it here, where the other refusals are counted and logged."""
        location = response.headers.get("Location") if 300 <= response.status < 400 else None
        if location:
            target = urljoin(request.url, location.decode("latin-1").strip())
            scheme = urlsplit(target).scheme
            if scheme not in ("http", "https"):
                refuse(self.stats, target, f"redirect from {request.url} to scheme {scheme!r} (only http and https)")
        return response

    def process_request(self, request, spider=None):  # noqa: ANN001, ANN201
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            refuse(self.stats, request.url, f"scheme {parts.scheme!r} is not http or https")
        address = literal_address(parts.hostname) if parts.hostname else None
        if address is not None and is_forbidden(address, self.allowed):
            refuse(self.stats, request.url, f"{parts.hostname} resolves to non-public address {described(address)}",
                   AddressRefused)  # fmt: skip
        return None


class ResolverRefusal:
    """A connection whose host name had only forbidden addresses fails for want of an address (Twisted's
    DNSLookupError, which Scrapy raises as CannotResolveHostError): report it as the refusal it is, from what the resolver recorded. Placed after the
    retry middleware (its process_exception runs first), so a refused host is not retried."""

    def __init__(self, stats=None, resolver=None):  # noqa: ANN001 - Scrapy stats collector, the resolver
        self.stats = stats
        self._resolver = resolver

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        return cls(crawler.stats)

    @property
    def resolver(self):  # noqa: ANN201 - the reactor's, which Scrapy installed from TWISTED_DNS_RESOLVER
        if self._resolver is None:
            from twisted.internet import reactor

            self._resolver = reactor.nameResolver
        return self._resolver

    def process_exception(self, request, exception, spider=None):  # noqa: ANN001, ANN201
        if not isinstance(exception, (CannotResolveHostError, DNSLookupError)):
            return None
        host = urlsplit(request.url).hostname or ""
        address = getattr(self.resolver, "refused", {}).get(host_key(host))
        if address:
            reason = f"{host} resolves to non-public address {described(address)}"
            refuse(self.stats, request.url, reason, AddressRefused)
        return None
