"""Server-side request forgery guard for webhook URLs.

Only well-formed http and https addresses: a host name (IDNA-encodable) or a literal address,
a port from 1 to 65535, no credentials, at most 500 characters. The host is resolved at save
time (a name that already points inside the network is refused with a message) and again at
send time, where the connection is made to the very address that was checked (no second lookup
a DNS-rebinding attacker could change). Refused: loopback, private (RFC 1918, ULA), link-local
(cloud metadata at 169.254.169.254), CGNAT, multicast, reserved and unspecified addresses, and
IPv6 forms that carry one of those IPv4 addresses (mapped, compatible, NAT64, 6to4) — unless
NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE is on (tests and the demo, whose receivers run on
127.0.0.1). Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings

ALLOWED_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 500  # WebhookEndpoint.url's max_length

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_PRIVATE_MESSAGE = "Addresses on this server or its private network are refused."
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# IPv6 prefixes whose low 32 bits are an IPv4 address the traffic ends up at.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local use, never public
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated IPv4-compatible (::7f00:1 = 127.0.0.1)


class UnsafeURL(Exception):
    """The URL may not be called: malformed, wrong scheme or an address inside the clinic's network."""


def private_allowed() -> bool:
    value = getattr(settings, "NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE", None)
    if value is None:
        value = os.environ.get("NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE", "") in ("1", "true", "yes") or (
            os.environ.get("NEEDLEPOINT_DEMO", "") in ("1", "true", "yes")
        )
    return bool(value)


def check_url(url: str, *, resolve: bool = False) -> None:
    """Raise UnsafeURL unless `url` is a well-formed http(s) address of a public host.

    Static by default (the dispatcher resolves at connect time, address by address); with
    `resolve` (saving an endpoint) a name that resolves is refused if any address it resolves to
    is not public. A name that does not resolve yet is accepted: it is checked again at send time."""
    host, port = _parse(url)
    address = _literal_address(host)
    if address is not None:
        check_address(address)
        return
    ascii_host = _ascii_host(host)
    if (ascii_host == "localhost" or ascii_host.endswith(".localhost")) and not private_allowed():
        raise UnsafeURL(_PRIVATE_MESSAGE)
    if resolve:
        try:
            infos = socket.getaddrinfo(ascii_host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        for *_, sockaddr in infos:
            check_address(ipaddress.ip_address(str(sockaddr[0])))


def _parse(url: str) -> tuple[str, int]:
    """The host (lower case, no trailing dot) and port of a well-formed http(s) URL."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(f"The address is too long ({MAX_URL_LENGTH} characters at most).")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise UnsafeURL("The address contains spaces or control characters.")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UnsafeURL(f"This is not a valid address ({exc}).") from None
    if parts.scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL("Only http:// and https:// addresses can receive webhooks.")
    if "@" in parts.netloc:
        raise UnsafeURL("Put credentials in the signature check, not in the address.")
    if not parts.hostname:
        raise UnsafeURL("The address has no host name.")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    elif not 1 <= port <= 65535:
        raise UnsafeURL("The port must be a number from 1 to 65535.")
    return parts.hostname.rstrip("."), port


def _literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP means, in any spelling the resolver accepts
    (127.0.0.1, 2130706433, 0x7f000001, 127.1, [::1])."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError, ValueError):
        return None


def _ascii_host(host: str) -> str:
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UnsafeURL("The host name is not valid.") from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise UnsafeURL("The host name is not valid.")
    if any(label.startswith("xn--") and len(label) == 4 for label in labels):
        raise UnsafeURL("The host name is not valid.")
    return ascii_host


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address delivers to: mapped (::ffff:a.b.c.d), compatible
    (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:AABB:CCDD::)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or address in _COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
        if address in _LOCAL_NAT64 or address.is_site_local:
            return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def check_address(address: IPAddress) -> None:
    if not is_public(address) and not private_allowed():
        raise UnsafeURL(_PRIVATE_MESSAGE)


def guarded_create_connection(
    address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
) -> socket.socket:
    """Drop-in for socket.create_connection used by http.client: resolve once, check every
    candidate address, connect to the first allowed one."""
    host, port = address
    last_error: Exception | None = None
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for family, socktype, proto, _, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0])
        try:
            check_address(ip)
        except UnsafeURL as exc:
            last_error = exc
            continue
        sock = socket.socket(family, socktype, proto)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    if last_error is None:
        raise OSError(f"{host} did not resolve")
    raise last_error
