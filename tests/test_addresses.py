"""The address policy (crawler.addresses), the resolver that applies it to every address a host name
resolves to (crawler.resolver), and the middlewares that report what they refuse: no network, no reactor."""

from __future__ import annotations

import ipaddress
import socket
from collections import Counter

import pytest
from scrapy import Request
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError

from crawler.addresses import allowed_networks, embedded_ipv4, is_forbidden, literal_address
from crawler.middlewares import AddressRefused, PrivateAddressGuard, ResolverRefusal
from crawler.resolver import AddressGuardResolver

LOOPBACK_ONE = allowed_networks(["127.0.0.1/32"])

# address, forbidden with 127.0.0.1/32 allowed
ADDRESSES = [
    ("127.0.0.1", False),
    ("127.0.0.2", True),
    ("10.1.2.3", True),
    ("169.254.169.254", True),
    ("100.64.0.1", True),  # shared address space (carrier-grade NAT): not global
    ("0.0.0.0", True),
    ("8.8.8.8", False),
    ("::1", True),
    ("::", True),
    ("fe80::1%eth0", True),
    ("fc00::1", True),
    ("2001:4860:4860::8888", False),
    # IPv4-mapped, dotted and hex: the IPv4 address itself
    ("::ffff:127.0.0.1", False),
    ("::ffff:127.0.0.2", True),
    ("::ffff:7f00:2", True),
    ("::ffff:169.254.169.254", True),
    ("::ffff:8.8.8.8", False),
    # IPv4-compatible (deprecated, but some stacks still route it)
    ("::127.0.0.2", True),
    ("::7f00:2", True),
    ("::a9fe:a9fe", True),
    ("::8.8.8.8", False),
    # NAT64 well-known prefix: the last 32 bits
    ("64:ff9b::7f00:2", True),
    ("64:ff9b::127.0.0.1", False),
    ("64:ff9b::a00:1", True),
    ("64:ff9b::808:808", False),
    # 6to4: bits 16-48
    ("2002:7f00:2::1", True),
    ("2002:a9fe:a9fe::", True),
    ("2002:808:808::1", False),
    ("not an address", True),
]


@pytest.mark.parametrize(("address", "forbidden"), ADDRESSES)
def test_the_address_policy_sees_the_ipv4_address_inside_ipv6_forms(address, forbidden):
    assert is_forbidden(address, LOOPBACK_ONE) is forbidden


def test_embedded_ipv4_addresses():
    def inner(text: str) -> str | None:
        found = embedded_ipv4(ipaddress.ip_address(text))
        return str(found) if found else None

    assert inner("::ffff:7f00:2") == inner("::7f00:2") == inner("64:ff9b::7f00:2") == "127.0.0.2"
    assert inner("2002:7f00:2:1::5") == "127.0.0.2"
    assert inner("::1") is inner("::") is inner("2001:db8::1") is inner("127.0.0.2") is None


def test_allowing_everything_or_nothing():
    assert allowed_networks(True) is None and allowed_networks(False) == allowed_networks(None) == []
    assert not is_forbidden("127.0.0.2", None) and is_forbidden("127.0.0.1", [])
    assert not is_forbidden("::ffff:10.0.0.5", allowed_networks(["10.0.0.0/8"]))
    assert not is_forbidden("::1", allowed_networks(["::1/128"])) and is_forbidden("::ffff:127.0.0.1", [])


def test_literal_hosts_are_read_without_a_lookup(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("looked up"))
    forms = {"127.0.0.2": "127.0.0.2", "0x7f000002": "127.0.0.2", "2130706434": "127.0.0.2", "127.1": "127.0.0.1",
             "[::1]": "::1", "::ffff:7f00:2": "::ffff:7f00:2", "fe80::1%25eth0": "fe80::1"}  # fmt: skip
    assert {host: str(literal_address(host)) for host in forms} == forms
    for name in ("example.com", "deadbeef", "cafe", "localhost", "1.2.3.4.example"):
        assert literal_address(name) is None, name


class Stats(Counter):
    def inc_value(self, key: str) -> None:
        self[key] += 1


def test_the_middleware_refuses_literals_and_leaves_names_to_the_resolver(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("the middleware looked a name up"))
    stats = Stats()
    guard = PrivateAddressGuard(["127.0.0.1/32"], stats)
    for url in ("http://127.0.0.2/", "http://[::1]:8080/", "http://0x7f000002/x", "http://[::ffff:7f00:2]/",
                "http://[64:ff9b::a9fe:a9fe]/latest", "http://[2002:7f00:2::1]/", "http://[::127.0.0.2]/"):  # fmt: skip
        with pytest.raises(AddressRefused, match="resolves to non-public address"):
            guard.process_request(Request(url))
    assert stats["talentwatch/blocked_requests"] == 7
    for url in ("http://127.0.0.1:8000/", "http://[::ffff:127.0.0.1]/", "http://internal.example/", "http://8.8.8.8/"):
        assert guard.process_request(Request(url)) is None


class SystemLookup:
    """The resolver CachingHostnameResolver wraps (the reactor's getaddrinfo): each lookup of a name answers
    the next of its answers, the last one repeating."""

    def __init__(self, answers: dict[str, list[list[str]]]):
        self.answers = answers
        self.lookups: Counter = Counter()

    def resolveHostName(self, receiver, hostName, portNumber=0, addressTypes=None, transportSemantics="TCP"):  # noqa: ANN001, ANN201, N802, N803
        answers = self.answers[hostName]
        answer = answers[min(self.lookups[hostName], len(answers) - 1)]
        self.lookups[hostName] += 1
        receiver.resolutionBegan(None)
        for host in answer:
            kind = IPv6Address if ":" in host else IPv4Address
            receiver.addressResolved(kind("TCP", host, portNumber))
        receiver.resolutionComplete()
        return None


class Connection:
    """What a connection (HostnameEndpoint) hears from the resolver."""

    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.complete = False

    def resolutionBegan(self, resolution):  # noqa: ANN001, ANN201, N802
        pass

    def addressResolved(self, address):  # noqa: ANN001, ANN201, N802
        self.addresses.append(address.host)

    def resolutionComplete(self):  # noqa: ANN201, N802
        self.complete = True


class Reactor:
    def __init__(self, lookup: SystemLookup):
        self.nameResolver = lookup


def connect(resolver: AddressGuardResolver, host: str) -> list[str]:
    connection = Connection()
    resolver.resolveHostName(connection, host, 80)
    assert connection.complete
    return connection.addresses


def test_the_resolver_hands_the_connection_only_allowed_addresses():
    lookup = SystemLookup({
        "mixed.resolver-test": [["127.0.0.2", "127.0.0.1", "::ffff:10.0.0.1"]],
        "internal.resolver-test": [["10.0.0.1", "::1"]],
        "mapped.resolver-test": [["::ffff:127.0.0.2", "64:ff9b::7f00:2", "2002:7f00:2::1"]],
    })  # fmt: skip
    resolver = AddressGuardResolver(Reactor(lookup), 100, LOOPBACK_ONE)
    assert connect(resolver, "mixed.resolver-test") == ["127.0.0.1"]
    assert "mixed.resolver-test" not in resolver.refused
    assert connect(resolver, "internal.resolver-test") == []
    assert resolver.refused["internal.resolver-test"] == "10.0.0.1"
    assert connect(resolver, "mapped.resolver-test") == []
    assert resolver.refused["mapped.resolver-test"] == "::ffff:127.0.0.2"


def test_a_name_that_rebinds_is_checked_on_the_answer_that_is_connected_to():
    # A public (here: allowed) answer first, an internal one after: the connection only ever gets what
    # was checked, from the cache or from a new lookup.
    lookup = SystemLookup({"rebind.resolver-test": [["127.0.0.1"], ["127.0.0.2"]],
                           "rebind-nocache.resolver-test": [["127.0.0.1"], ["127.0.0.2"]]})  # fmt: skip
    resolver = AddressGuardResolver(Reactor(lookup), 100, LOOPBACK_ONE)
    assert [connect(resolver, "rebind.resolver-test") for _ in range(3)] == [["127.0.0.1"]] * 3
    assert lookup.lookups["rebind.resolver-test"] == 1
    from scrapy.resolver import dnscache

    assert connect(resolver, "rebind-nocache.resolver-test") == ["127.0.0.1"]
    del dnscache["rebind-nocache.resolver-test"]  # expired from the cache: looked up again
    assert connect(resolver, "rebind-nocache.resolver-test") == []
    assert resolver.refused["rebind-nocache.resolver-test"] == "127.0.0.2"


def test_a_refused_resolution_is_reported_as_a_refusal_not_a_dns_failure():
    lookup = SystemLookup({"internal.refusal-test": [["10.0.0.1"]], "gone.refusal-test": [[]]})
    resolver = AddressGuardResolver(Reactor(lookup), 100, LOOPBACK_ONE)
    connect(resolver, "internal.refusal-test")
    connect(resolver, "gone.refusal-test")
    stats = Stats()
    middleware = ResolverRefusal(stats, resolver)
    with pytest.raises(AddressRefused) as refused:
        middleware.process_exception(Request("http://Internal.refusal-test/a"), DNSLookupError("no results"))
    assert (
        str(refused.value)
        == "refused http://internal.refusal-test/a: internal.refusal-test resolves to non-public address 10.0.0.1"
    )
    # A name that does not resolve at all stays a DNS failure (transient, retried)
    assert middleware.process_exception(Request("http://gone.refusal-test/"), DNSLookupError("no results")) is None
    assert middleware.process_exception(Request("http://internal.refusal-test/"), TimeoutError()) is None
    assert stats["talentwatch/blocked_requests"] == 1
