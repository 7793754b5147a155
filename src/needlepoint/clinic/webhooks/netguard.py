"""Server-side request forgery guard for webhook URLs.

Only http and https. The host is resolved at send time and the connection is made to the very
address that was checked (no second lookup a DNS-rebinding attacker could change), refusing
loopback, private (RFC 1918, ULA), link-local (cloud metadata at 169.254.169.254), CGNAT,
multicast, reserved and unspecified addresses — unless NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE is
on (tests and the demo, whose receivers run on 127.0.0.1). Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from django.conf import settings

ALLOWED_SCHEMES = ("http", "https")


class UnsafeURL(Exception):
    """The URL may not be called: wrong scheme or an address inside the clinic's network."""


def private_allowed() -> bool:
    value = getattr(settings, "NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE", None)
    if value is None:
        value = os.environ.get("NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE", "") in ("1", "true", "yes") or (
            os.environ.get("NEEDLEPOINT_DEMO", "") in ("1", "true", "yes")
        )
    return bool(value)


def check_url(url: str) -> None:
    """Static check (forms and the dispatcher): scheme, host present, no credentials, and a
    literal IP address must be public."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL("Only http:// and https:// addresses can receive webhooks.")
    if not parts.hostname:
        raise UnsafeURL("The address has no host name.")
    if parts.username or parts.password:
        raise UnsafeURL("Put credentials in the signature check, not in the address.")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        if parts.hostname.lower() in ("localhost", "localhost.localdomain") and not private_allowed():
            raise UnsafeURL("Addresses on this server or its private network are refused.") from None
        return
    check_address(address)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if not is_public(address) and not private_allowed():
        raise UnsafeURL("Addresses on this server or its private network are refused.")


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
