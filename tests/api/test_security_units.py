"""Pure parts of the security layer: CIDRs and proxies, token buckets, JWTs, the authenticator."""

from __future__ import annotations

import base64
import ipaddress
import json
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from api.security import jwt, security_middlewares
from api.security.auth import Authenticator, authenticate, bearer, token_subject
from api.security.ipfilter import IpPolicy, forwarded_client, in_networks, parse_address, parse_networks
from api.security.middleware import viewer_may
from api.security.ratelimit import RateLimiter, retry_after_header
from api.settings import SecuritySettings
from mt5bot.config import ConfigError
from storage.models import Role
from tests.api.conftest import JWT_SECRET, READ_ONLY_TOKEN, TOKEN

SECURITY = SecuritySettings(
    token=SecretStr(TOKEN), read_only_token=SecretStr(READ_ONLY_TOKEN), jwt_secret=SecretStr(JWT_SECRET)
)


# --- addresses -------------------------------------------------------------------------------------


def test_ipv6_cidrs_parse_and_match() -> None:
    nets = parse_networks(["2001:db8::/32", "::1/128", "fe80::/10"], "k")
    assert in_networks(ipaddress.ip_address("2001:db8:1:2::99"), nets)
    assert in_networks(ipaddress.ip_address("::1"), nets)
    assert not in_networks(ipaddress.ip_address("2001:db9::1"), nets)
    # A scoped link-local address as a socket reports it.
    link_local = parse_address("fe80::1%eth0")
    assert link_local is not None
    assert in_networks(link_local, nets)
    # Versions never cross: an IPv4 address is not in any of these.
    assert not in_networks(ipaddress.ip_address("127.0.0.1"), nets)


def test_ipv4_mapped_addresses_match_ipv4_rules() -> None:
    nets = parse_networks(["10.0.0.0/8"], "k")
    mapped = parse_address("::ffff:10.1.2.3")
    assert mapped == ipaddress.ip_address("10.1.2.3")
    assert mapped is not None
    assert in_networks(mapped, nets)
    # A rule written in mapped form covers the plain IPv4 address too.
    assert in_networks(ipaddress.ip_address("192.0.2.7"), parse_networks(["::ffff:192.0.2.0/120"], "k"))


@pytest.mark.parametrize("bad", ["10.0.0.7/8", "300.1.1.1/32", "2001:db8::/129", "not-an-ip", ""])
def test_bad_cidrs_are_config_errors_naming_the_key(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"security\.ip_whitelist"):
        parse_networks([bad], "security.ip_whitelist")


def test_parse_address_refuses_garbage() -> None:
    assert parse_address("[2001:db8::1]") == ipaddress.ip_address("2001:db8::1")
    for garbage in (None, "", "unknown", "1.2.3", "10.0.0.1:8080"):
        assert parse_address(garbage) is None


def test_forwarded_for_is_ignored_from_an_untrusted_peer() -> None:
    trusted = parse_networks(["127.0.0.1/32"], "k")
    peer = ipaddress.ip_address("198.51.100.9")
    assert forwarded_client(peer, ["203.0.113.5"], trusted) == peer
    assert forwarded_client(peer, ["203.0.113.5"], ()) == peer


def test_forwarded_for_takes_the_right_most_untrusted_entry() -> None:
    trusted = parse_networks(["127.0.0.1/32", "10.0.0.0/8"], "k")
    proxy = ipaddress.ip_address("127.0.0.1")
    # The client forged the left-most entry; the proxies appended the real one, then themselves.
    chain = ["1.2.3.4, 203.0.113.5", "10.0.0.2"]
    assert forwarded_client(proxy, chain, trusted) == ipaddress.ip_address("203.0.113.5")
    # All trusted: the left-most one is the client.
    assert forwarded_client(proxy, ["10.0.0.3, 10.0.0.2"], trusted) == ipaddress.ip_address("10.0.0.3")
    # No header from a trusted proxy: the proxy itself.
    assert forwarded_client(proxy, [], trusted) == proxy
    # Garbage where the real client should be: refuse rather than guess.
    assert forwarded_client(proxy, ["203.0.113.5, bogus"], trusted) is None


def test_ip_policy_client_and_admission() -> None:
    policy = IpPolicy.from_lists(["192.0.2.0/24"], ["127.0.0.1/32"])
    client = policy.client("127.0.0.1", ["192.0.2.10"])
    assert client is not None
    assert policy.admits(client)
    assert policy.client(None, []) is None
    empty = IpPolicy.from_lists([], [])
    assert not empty.admits(ipaddress.ip_address("127.0.0.1"))


# --- rate limit ------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_bursts_then_refills() -> None:
    clock = Clock()
    limiter = RateLimiter(6, clock)  # one token every 10 s
    assert [limiter.take(["a"]) for _ in range(6)] == [0.0] * 6
    wait = limiter.take(["a"])
    assert wait == pytest.approx(10.0)
    assert retry_after_header(wait) == "10"
    assert limiter.take(["b"]) == 0.0  # keys are independent
    clock.now += 9.9
    assert limiter.take(["a"]) > 0
    clock.now += 0.2
    assert limiter.take(["a"]) == 0.0


def test_take_charges_all_keys_or_none() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock)
    assert limiter.take(["sub", "ip1"]) == 0.0
    assert limiter.take(["sub", "ip1"]) == 0.0
    # The subject is exhausted: ip2 must not be charged for the refused request.
    assert limiter.take(["sub", "ip2"]) > 0
    assert limiter.take(["ip2"]) == 0.0
    assert limiter.take(["ip2"]) == 0.0
    assert limiter.take(["ip2"]) > 0


def test_idle_buckets_are_swept() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock)
    for i in range(1000):
        limiter.take([f"ip:{i}"])
    assert len(limiter) == 1000
    clock.now += 61  # every bucket has refilled
    limiter.take(["fresh"])
    assert len(limiter) == 1


def test_retry_after_is_at_least_one_second() -> None:
    assert retry_after_header(0.01) == "1"
    assert retry_after_header(1.2) == "2"


# --- JWT -------------------------------------------------------------------------------------------


def test_jwt_round_trip_has_every_claim() -> None:
    issued = jwt.mint(JWT_SECRET, "tok-abc", Role.VIEWER, timedelta(minutes=5))
    raw = pyjwt.decode(issued.token, JWT_SECRET, algorithms=["HS256"])
    assert set(raw) == {"sub", "role", "iat", "exp", "jti"}
    assert raw["exp"] - raw["iat"] == 300
    claims = jwt.verify(JWT_SECRET, issued.token)
    assert claims is not None
    assert (claims.sub, claims.role, claims.expires_at) == ("tok-abc", Role.VIEWER, issued.expires_at)


def test_jwt_expired_tampered_wrong_key_and_none_alg_are_refused() -> None:
    past = datetime.now(UTC) - timedelta(hours=2)
    expired = jwt.mint(JWT_SECRET, "tok-abc", Role.ADMIN, timedelta(minutes=5), now=past)
    assert jwt.verify(JWT_SECRET, expired.token) is None
    good = jwt.mint(JWT_SECRET, "tok-abc", Role.VIEWER, timedelta(minutes=5)).token
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert jwt.verify(JWT_SECRET, f"{header}.{forged}.{signature}") is None
    assert jwt.verify("x" * 40, good) is None
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    assert jwt.verify(JWT_SECRET, unsigned) is None


def test_jwt_missing_claim_or_unknown_role_is_refused() -> None:
    now = int(datetime.now(UTC).timestamp())
    base = {"sub": "s", "role": "admin", "iat": now, "exp": now + 60, "jti": "j"}
    assert jwt.verify(JWT_SECRET, pyjwt.encode(base, JWT_SECRET, algorithm="HS256")) is not None
    for missing in base:
        partial = {k: v for k, v in base.items() if k != missing}
        assert jwt.verify(JWT_SECRET, pyjwt.encode(partial, JWT_SECRET, algorithm="HS256")) is None
    root = pyjwt.encode({**base, "role": "root"}, JWT_SECRET, algorithm="HS256")
    assert jwt.verify(JWT_SECRET, root) is None


def test_short_jwt_secret_is_unusable() -> None:
    assert not jwt.usable_secret("short")
    with pytest.raises(ValueError, match="32 bytes"):
        jwt.mint("short", "s", Role.ADMIN, timedelta(minutes=1))


# --- authenticator ---------------------------------------------------------------------------------


def test_static_tokens_and_jwts_map_to_roles() -> None:
    auth = Authenticator(SECURITY)
    admin = auth.authenticate(TOKEN)
    viewer = auth.authenticate(READ_ONLY_TOKEN)
    assert admin is not None and admin.role is Role.ADMIN and admin.via == "token"
    assert viewer is not None and viewer.role is Role.VIEWER
    assert admin.subject == token_subject(TOKEN) and TOKEN not in admin.subject
    minted = auth.mint(Role.VIEWER)
    by_jwt = auth.authenticate(minted.token)
    assert by_jwt is not None and by_jwt.role is Role.VIEWER and by_jwt.via == "jwt"
    assert by_jwt.subject == admin.subject  # shares the master token's rate-limit budget
    assert auth.authenticate(minted.token) == by_jwt  # from the cache
    assert auth.authenticate(TOKEN + "x") is None
    assert auth.authenticate("") is None


def test_rotating_the_master_token_revokes_jwts() -> None:
    old = Authenticator(SECURITY).mint(Role.ADMIN).token
    rotated = Authenticator(SECURITY.model_copy(update={"token": SecretStr("another-master-token-42")}))
    assert rotated.authenticate(old) is None


def test_nothing_authenticates_without_a_master_token() -> None:
    no_master = SECURITY.model_copy(update={"token": None})
    auth = Authenticator(no_master)
    assert not auth.configured
    assert auth.authenticate(READ_ONLY_TOKEN) is None
    assert authenticate(no_master, READ_ONLY_TOKEN) is None
    assert authenticate(SECURITY, READ_ONLY_TOKEN) is not None


def test_bearer_header_parsing() -> None:
    assert bearer("Bearer abc") == "abc"
    assert bearer("bearer  abc ") == "abc"
    assert bearer("Basic abc") is None
    assert bearer("Bearer ") is None
    assert bearer(None) is None


def test_viewer_routes() -> None:
    assert viewer_may("GET", "/api/v1/account")
    assert viewer_may("POST", "/api/v1/order/preview")
    assert viewer_may("POST", "/api/v1/chat")
    assert not viewer_may("POST", "/api/v1/chat/confirm")
    assert not viewer_may("POST", "/api/v1/order/open")
    assert not viewer_may("DELETE", "/api/v1/account")
    assert not viewer_may("POST", None)


def test_startup_refuses_a_read_only_token_equal_to_the_master_token() -> None:
    same = SECURITY.model_copy(update={"read_only_token": SecretStr(TOKEN)})
    with pytest.raises(ConfigError, match="read_only_token must differ"):
        security_middlewares(same)
    with pytest.raises(ConfigError, match=r"security\.trusted_proxies"):
        security_middlewares(SECURITY.model_copy(update={"trusted_proxies": ("nope",)}))
    assert len(security_middlewares(SECURITY)) == 1


@given(
    per_minute=st.integers(min_value=1, max_value=600),
    gaps=st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=300),
)
def test_bucket_never_admits_more_than_budget_plus_refill(per_minute: int, gaps: list[float]) -> None:
    clock = Clock()
    start = clock.now
    limiter = RateLimiter(per_minute, clock)
    admitted = 0
    for gap in gaps:
        clock.now += gap
        wait = limiter.take(["k"])
        assert wait >= 0
        admitted += wait == 0
        assert admitted <= per_minute + (clock.now - start) * per_minute / 60 + 1e-6
