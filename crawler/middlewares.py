"""Downloader middleware that keeps the crawler from being turned against private networks."""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


class Refused(IgnoreRequest):
    """A request that the next run would refuse too (forbidden address or scheme, robots.txt Disallow):
    unlike a transient failure, it does not keep a source's feed from being marked as read."""


class PrivateAddressGuard:
    """Refuse non-http(s) URLs and hosts resolving to loopback, private, link-local or reserved addresses.

    Every redirect hop is a new request through this middleware, so a public page redirecting to an
    internal one is refused too. `TALENTWATCH_ALLOW_PRIVATE` = True allows everything; a list of networks
    allows just those (tests and the demo allow 127.0.0.1/32).
    """

    def __init__(self, allow: bool | list[str], stats=None):  # noqa: ANN001 - Scrapy stats collector
        self.allow_all = allow is True
        self.allowed = [] if allow in (True, False, None) else [ipaddress.ip_network(n, strict=False) for n in allow]
        self.stats = stats
        self._cache: dict[str, list[ipaddress._BaseAddress]] = {}

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        return cls(crawler.settings.get("TALENTWATCH_ALLOW_PRIVATE"), crawler.stats)

    def _addresses(self, host: str) -> list[ipaddress._BaseAddress]:
        if host not in self._cache:
            try:
                self._cache[host] = [ipaddress.ip_address(host)]
            except ValueError:
                try:
                    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
                except OSError:
                    self._cache[host] = []  # let the downloader report the DNS failure
                else:
                    self._cache[host] = [ipaddress.ip_address(i[4][0].split("%")[0]) for i in infos]
        return self._cache[host]

    def _refuse(self, request, reason: str, url: str | None = None) -> None:  # noqa: ANN001
        url = url or request.url
        if self.stats:
            self.stats.inc_value("talentwatch/blocked_requests")
        logger.info("refused %s: %s", url, reason)  # the spider says it once per source and kind of failure
        raise Refused(f"refused {url}: {reason}")

    def process_response(self, request, response, spider=None):  # noqa: ANN001, ANN201
        """Scrapy does not follow a redirect to another scheme (file:, ftp:, gopher:...) but says nothing
        of it either: refuse it here, where the other refusals are counted and logged."""
        location = response.headers.get("Location") if 300 <= response.status < 400 else None
        if location:
            target = urljoin(request.url, location.decode("latin-1").strip())
            scheme = urlsplit(target).scheme
            if scheme not in ("http", "https"):
                self._refuse(request, f"redirect from {request.url} to scheme {scheme!r} (only http and https)", target)
        return response

    def process_request(self, request, spider=None):  # noqa: ANN001, ANN201
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            self._refuse(request, f"scheme {parts.scheme!r} is not http or https")
        if self.allow_all or not parts.hostname:
            return None
        host = parts.hostname.strip("[]")
        for address in self._addresses(host):
            if address.is_global:
                continue
            if any(address in net for net in self.allowed):
                continue
            self._refuse(request, f"{host} resolves to non-public address {address}")
        return None
