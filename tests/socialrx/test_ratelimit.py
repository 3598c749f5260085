from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from socialrx.ratelimit import client_address, rate_limited


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _request(*, remote: str = "10.0.0.9", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_proxies_the_connection_address_counts_and_forwarded_is_ignored():
    assert client_address(_request(forwarded="1.2.3.4")) == "10.0.0.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_last_forwarded_entry_is_the_client():
    # The client wrote "6.6.6.6" itself to dodge the limit; the proxy appended what it saw.
    assert client_address(_request(forwarded="6.6.6.6, 203.0.113.7")) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_entry_two_from_the_end_is_the_client():
    assert client_address(_request(forwarded="6.6.6.6, 203.0.113.7, 10.0.0.2")) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_a_short_forwarded_header_falls_back_to_the_connection_address():
    assert client_address(_request(forwarded="203.0.113.7")) == "10.0.0.9"


def test_limit_counts_per_scope_and_key():
    assert [rate_limited(scope="a", key="x", limit=2) for _ in range(3)] == [False, False, True]
    assert rate_limited(scope="a", key="y", limit=2) is False
    assert rate_limited(scope="b", key="x", limit=2) is False


def test_the_cache_never_holds_the_address():
    rate_limited(scope="a", key="203.0.113.7", limit=2)
    keys = list(getattr(cache, "_cache", {}).keys())
    assert keys, "the local-memory cache should hold the counter"
    assert not any("203.0.113.7" in str(key) for key in keys)


@override_settings(TRUSTED_PROXY_COUNT=1, SELF_REFERRAL_RATE_LIMIT=1)
@pytest.mark.django_db
def test_self_referral_limit_follows_the_forwarded_client(client):
    # Two clients behind the same proxy are limited separately.
    from referrals.services.intake import self_referral_rate_limited

    assert self_referral_rate_limited(client_address="203.0.113.7") is False
    assert self_referral_rate_limited(client_address="203.0.113.7") is True
    assert self_referral_rate_limited(client_address="203.0.113.8") is False
