"""Who is connecting: the IP allow-list and the client address behind trusted reverse proxies.

Pure functions over strings and `ipaddress` objects. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what
a dual-stack socket reports for an IPv4 peer) are treated as the IPv4 address they carry, so an IPv4 rule
matches them. Anything unparseable is refused, never guessed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeAlias

from mt5bridge.common.settings_base import ConfigError

Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(cidrs: Iterable[str], key: str) -> tuple[Network, ...]:
    """CIDRs (or bare addresses) to networks; raise ConfigError naming `key` on a bad entry.

    Host bits set (`10.0.0.7/8`) are refused rather than silently widened or narrowed.
    """
    networks: list[Network] = []
    for text in cidrs:
        try:
            network = ipaddress.ip_network(text.strip(), strict=True)
        except ValueError as exc:
            raise ConfigError(f"{key}: {text!r} is not a network in CIDR notation ({exc})") from None
        if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped is not None:
            # ::ffff:a.b.c.d/120 style rules: compare them in IPv4 space like the addresses.
            mapped = network.network_address.ipv4_mapped
            network = ipaddress.IPv4Network(f"{mapped}/{max(network.prefixlen - 96, 0)}", strict=False)
        networks.append(network)
    return tuple(networks)


def parse_address(text: str | None) -> Address | None:
    """An address from a socket peer or a header entry, IPv4-mapped IPv6 unwrapped; None if unparseable."""
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def in_networks(address: Address, networks: Iterable[Network]) -> bool:
    """Whether `address` lies in one of `networks` (versions never cross)."""
    return any(address.version == net.version and address in net for net in networks)


def forwarded_client(
    peer: Address, forwarded_for: Iterable[str], trusted: tuple[Network, ...]
) -> Address | None:
    """The client address for a request from `peer` carrying `X-Forwarded-For` values.

    The header is believed only when `peer` is a trusted proxy; then the right-most entry that is not a
    trusted proxy is the client (entries further left are whatever the client chose to send). If every
    entry is a trusted proxy the left-most one is used. An unparseable entry reached while walking makes
    the answer None (refuse), since the chain can no longer be followed.
    """
    if not trusted or not in_networks(peer, trusted):
        return peer
    entries = [part.strip() for value in forwarded_for for part in value.split(",")]
    entries = [entry for entry in entries if entry]
    if not entries:
        return peer
    candidate: Address | None = peer
    for entry in reversed(entries):
        candidate = parse_address(entry)
        if candidate is None:
            return None
        if not in_networks(candidate, trusted):
            return candidate
    return candidate


@dataclass(frozen=True, slots=True)
class IpPolicy:
    """The allow-list and trusted proxies of one configuration. An empty allow-list admits nobody."""

    allowed: tuple[Network, ...]
    trusted_proxies: tuple[Network, ...]

    @classmethod
    def from_lists(cls, allowed: Iterable[str], trusted_proxies: Iterable[str]) -> IpPolicy:
        return cls(
            parse_networks(allowed, "security.ip_whitelist"),
            parse_networks(trusted_proxies, "security.trusted_proxies"),
        )

    def client(self, peer: str | None, forwarded_for: Iterable[str]) -> Address | None:
        """The effective client address, or None when it cannot be determined."""
        address = parse_address(peer)
        if address is None:
            return None
        return forwarded_client(address, forwarded_for, self.trusted_proxies)

    def admits(self, address: Address) -> bool:
        return in_networks(address, self.allowed)
