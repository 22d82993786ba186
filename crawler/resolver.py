"""The host name resolver of the crawl (Scrapy's TWISTED_DNS_RESOLVER): Scrapy's caching resolver, which
hands a connection only the addresses the address policy allows.

The check is made on the addresses the connection is then made to, so a name that answers a public
address to one lookup and a private one to the next (DNS rebinding) cannot get past it; the lookup itself
runs in the reactor's thread pool (getaddrinfo), never on the reactor thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import IAddress, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from crawler.addresses import IPNetwork, allowed_networks, is_forbidden

if TYPE_CHECKING:
    from collections.abc import Sequence


def host_key(host: str) -> str:
    """One spelling of a host name for the resolver and the requests (Twisted passes IDNA names decoded)."""
    try:
        return host.strip("[]").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return host.lower()


@implementer(IResolutionReceiver)
class _AllowedOnly:
    """Passes the allowed addresses on to the connection; when there were only forbidden ones, the
    resolver remembers the first of them, to say why the connection found no address."""

    def __init__(self, receiver: IResolutionReceiver, host: str, resolver: AddressGuardResolver):
        self.receiver = receiver
        self.host = host
        self.resolver = resolver
        self.allowed = 0
        self.forbidden: str | None = None

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802 - Twisted's interface
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:  # noqa: N802
        host = getattr(address, "host", None)
        if host is None or is_forbidden(host, self.resolver.allowed):
            self.forbidden = self.forbidden or str(host)
            return
        self.allowed += 1
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:  # noqa: N802
        # Recorded before the connection hears of it: its failure is reported from this record.
        if self.forbidden and not self.allowed:
            self.resolver.refused[self.host] = self.forbidden
        else:
            self.resolver.refused.pop(self.host, None)
        self.receiver.resolutionComplete()


class AddressGuardResolver(CachingHostnameResolver):
    """Scrapy's CachingHostnameResolver (IPv4 and IPv6, cached by name), whose answers are filtered by
    TALENTWATCH_ALLOW_PRIVATE every time they are handed to a connection, from the cache or not. A name
    with no allowed address leaves the connection without any (a DNSLookupError); `refused` says which
    forbidden address it had, for crawler.middlewares.ResolverRefusal to report the request as refused."""

    def __init__(self, reactor: Any, cache_size: int, allowed: Sequence[IPNetwork] | None = ()):
        super().__init__(reactor, cache_size)
        self.allowed = allowed  # as crawler.addresses.is_forbidden takes it: None allows everything
        self.refused: dict[str, str] = {}  # host name -> the forbidden address it resolved to

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> AddressGuardResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allowed = allowed_networks(crawler.settings.get("TALENTWATCH_ALLOW_PRIVATE"))
        return resolver

    def resolveHostName(  # noqa: N802 - Twisted's interface
        self,
        resolutionReceiver: IResolutionReceiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[IAddress]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        guarded = _AllowedOnly(resolutionReceiver, host_key(hostName), self)
        return super().resolveHostName(guarded, hostName, portNumber, addressTypes, transportSemantics)
