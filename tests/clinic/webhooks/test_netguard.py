"""The webhook address guard: every URL a clinic saves or the worker calls is well formed (port,
host, no credentials, length) and reaches only public addresses, whatever IPv6 form hides a
private IPv4 address."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from needlepoint.clinic.webhooks.netguard import UnsafeURL, check_url, is_public

PRIVATE_V4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
]
NON_PUBLIC_V6 = [
    "::/128",  # unspecified
    "::1/128",
    "fe80::/10",  # link-local
    "fc00::/7",  # unique-local
    "fec0::/10",  # site-local (deprecated)
    "ff00::/8",  # multicast, including global-scope ff0e::
    "64:ff9b:1::/48",  # local-use NAT64
]


def _in(network: str) -> st.SearchStrategy[int]:
    net = ipaddress.ip_network(network)
    return st.integers(int(net.network_address), int(net.broadcast_address))


private_v4 = st.sampled_from(PRIVATE_V4).flatmap(_in).map(ipaddress.IPv4Address)
public_v4 = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address).filter(lambda a: is_public(a))


def _mapped(v4: ipaddress.IPv4Address, _: int) -> str:
    return f"::ffff:{v4}"


def _compatible(v4: ipaddress.IPv4Address, _: int) -> str:
    return str(ipaddress.IPv6Address(int(v4)))  # ::7f00:1 is 127.0.0.1


def _nat64(v4: ipaddress.IPv4Address, _: int) -> str:
    return str(ipaddress.IPv6Address((0x0064FF9B << 96) | int(v4)))


def _sixtofour(v4: ipaddress.IPv4Address, tail: int) -> str:
    return str(ipaddress.IPv6Address((0x2002 << 112) | (int(v4) << 80) | (tail & (2**80 - 1))))


EMBEDDINGS = [_mapped, _compatible, _nat64, _sixtofour]


@pytest.fixture(autouse=True)
def _strict(settings: Any) -> None:
    settings.NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE = False


@given(v4=private_v4, form=st.sampled_from(EMBEDDINGS), tail=st.integers(0, 2**80 - 1))
def test_private_ipv4_hidden_in_any_ipv6_form_is_refused(
    v4: ipaddress.IPv4Address, form: Any, tail: int
) -> None:
    v6 = form(v4, tail)
    assert not is_public(ipaddress.ip_address(v6))
    with pytest.raises(UnsafeURL, match="private network"):
        check_url(f"https://[{v6}]:8443/hook")


@given(v4=public_v4, form=st.sampled_from(EMBEDDINGS), tail=st.integers(0, 2**80 - 1))
def test_public_ipv4_in_a_translating_ipv6_form_is_judged_by_the_ipv4_address(
    v4: ipaddress.IPv4Address, form: Any, tail: int
) -> None:
    check_url(f"https://[{form(v4, tail)}]/hook")


@given(address=st.sampled_from(NON_PUBLIC_V6).flatmap(_in).map(ipaddress.IPv6Address))
def test_non_public_ipv6_ranges_are_refused(address: ipaddress.IPv6Address) -> None:
    assert not is_public(address)
    with pytest.raises(UnsafeURL):
        check_url(f"http://[{address}]/")


@given(v4=private_v4)
def test_private_ipv4_is_refused_in_every_spelling(v4: ipaddress.IPv4Address) -> None:
    # Dotted, one decimal number, hex and the short "127.1" forms all reach the same address.
    n = int(v4)
    for host in (str(v4), str(n), hex(n), f"{n >> 24}.{n & 0xFFFFFF}"):
        with pytest.raises(UnsafeURL):
            check_url(f"http://{host}/x")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com:99999/", "port"),
        ("http://example.com:0/", "port"),
        ("http://example.com:65536/", "port"),
        ("http://example.com:-1/", "port"),
        ("http://example.com:8o/", "port"),
        ("http://user@example.com/", "credentials"),
        ("http://:pw@example.com/", "credentials"),
        ("http://@example.com/", "credentials"),
        ("https:///path", "host"),
        ("https://exa mple.com/", "address"),
        ("https://example.com/a\r\nX-Evil: 1", "address"),
        ("https://" + "a" * 64 + ".example.com/", "host name"),
        ("https://a..example.com/", "host name"),
        ("https://xn--.example.com/", "host name"),
        ("https://example.com/" + "x" * 500, "long"),
        ("https://[::1/", "address"),
        ("https://localhost./x", "private network"),
        ("https://printer.localhost/x", "private network"),
    ],
)
def test_malformed_addresses_are_refused_with_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(UnsafeURL, match=message):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/np",
        "https://hooks.example.com:8443/np?x=1",
        "http://8.8.8.8/",
        "https://[2001:4860:4860::8888]/hook",
        "https://bücher.example/hook",  # IDNA-encodable
    ],
)
def test_public_well_formed_addresses_pass(url: str) -> None:
    check_url(url)
