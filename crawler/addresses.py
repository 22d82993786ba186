"""Which IP addresses the crawler may connect to: the one address policy of the middleware (IP literals in
URLs) and the resolver (every address a host name resolves to)."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: the IPv4 address is the last 32 bits
# What the C library reads as an IPv4 address without asking DNS (inet_aton): 2130706434, 0x7f000002, 0177.1
NUMERIC_IPV4 = re.compile(r"(?i)^[0-9a-fx.]+$")


def allowed_networks(allow: bool | list[str] | tuple[str, ...] | None) -> list[IPNetwork] | None:
    """TALENTWATCH_ALLOW_PRIVATE as networks; None when every address is allowed (True)."""
    if allow is True:
        return None
    if not allow:
        return []
    return [ipaddress.ip_network(n, strict=False) for n in allow]


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and reaches: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
    (::a.b.c.d, but not :: or ::1), NAT64 (64:ff9b::/96) or 6to4 (2002::/16)."""
    if address.version == 4:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    packed = int(address)
    if packed >> 32 == 0 and packed > 1:
        return ipaddress.IPv4Address(packed)
    if address in NAT64:
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def is_forbidden(address: IPAddress | str, allowed: Sequence[IPNetwork] | None) -> bool:
    """True unless the address is in an allowed network (itself or the IPv4 address it embeds), or it and
    the IPv4 address it embeds are both global. `allowed` None allows everything."""
    if allowed is None:
        return False
    if isinstance(address, str):
        try:
            address = ipaddress.ip_address(address.split("%")[0])  # an IPv6 zone (fe80::1%eth0) is no part of it
        except ValueError:
            return True
    judged = [address]
    inner = embedded_ipv4(address)
    if inner is not None:
        judged.append(inner)
    if any(a in net for a in judged for net in allowed if net.version == a.version):
        return False
    return not all(a.is_global for a in judged)


def described(address: IPAddress | str) -> str:
    """An address as a refusal names it, with the IPv4 address it embeds: "64:ff9b::7f00:2 (IPv4 127.0.0.2)"."""
    try:
        inner = embedded_ipv4(ipaddress.ip_address(str(address).split("%")[0]))
    except ValueError:
        inner = None
    return f"{address} (IPv4 {inner})" if inner else str(address)


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host is written as, or None for a host name: IPv4 and IPv6 literals, and the
    numeric forms the C library takes for IPv4 without a lookup (0x7f000002, 2130706434, 127.1)."""
    host = host.strip("[]").split("%")[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if NUMERIC_IPV4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None
