"""The client's address behind a configured number of trusted proxies, and limits per address."""

from __future__ import annotations

import ipaddress
import uuid

import pytest
import redis
from django.test import RequestFactory
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from scent.core.client import UNKNOWN_ADDRESS, client_address, over_limit
from tests.core.test_redis_backends import REDIS_TEST_URL

NGINX = "10.0.0.2"  # the proxy's own address, as the app sees the connection


def _request(remote_addr: str = NGINX, **headers: str):
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(settings):
    # given no proxy is trusted (a machine reached directly)
    settings.TRUSTED_PROXY_COUNT = 0
    settings.CLIENT_IP_HEADERS = ["HTTP_FLY_CLIENT_IP", "HTTP_X_FORWARDED_FOR"]
    # when a visitor sends headers claiming another address
    request = _request(
        "198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.66", HTTP_FLY_CLIENT_IP="203.0.113.67"
    )
    # then the address is the connection's own
    assert client_address(request) == "198.51.100.7"


def test_behind_one_proxy_the_address_the_proxy_appended_is_used(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # given nginx appended the address it received the request from
    request = _request(HTTP_X_FORWARDED_FOR="198.51.100.7")
    # then that is the client, not the proxy
    assert client_address(request) == "198.51.100.7"


def test_behind_one_proxy_entries_the_visitor_wrote_are_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # given a visitor forged X-Forwarded-For and nginx appended the real address
    request = _request(HTTP_X_FORWARDED_FOR="203.0.113.66, not-an-ip, 198.51.100.7")
    # then the forged entries do not change the address
    assert client_address(request) == "198.51.100.7"


def test_behind_two_proxies_the_outer_proxys_entry_is_the_client(settings):
    # given a CDN in front of nginx: the CDN appends the client, nginx appends the CDN
    settings.TRUSTED_PROXY_COUNT = 2
    request = _request(HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.7, 192.0.2.10")

    assert client_address(request) == "198.51.100.7"


def test_on_fly_the_fly_client_ip_header_is_read_first(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.CLIENT_IP_HEADERS = ["HTTP_FLY_CLIENT_IP", "HTTP_X_FORWARDED_FOR"]
    request = _request(
        HTTP_FLY_CLIENT_IP="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.7"
    )

    assert client_address(request) == "198.51.100.7"


def test_off_fly_a_forged_fly_client_ip_is_ignored(settings):
    # given a VPS behind nginx, which passes any header the visitor sends
    settings.TRUSTED_PROXY_COUNT = 1
    settings.CLIENT_IP_HEADERS = ["HTTP_X_FORWARDED_FOR"]
    request = _request(HTTP_FLY_CLIENT_IP="203.0.113.66", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert client_address(request) == "198.51.100.7"


def test_a_request_that_skipped_the_proxy_is_known_by_its_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(_request("198.51.100.7")) == "198.51.100.7"


def test_an_unreadable_address_is_one_shared_bucket_not_an_error(settings):
    # given a Unix-socket proxy that sends no header (REMOTE_ADDR is empty)
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request("")
    # then the address is a fixed placeholder, so limits still apply and nothing crashes
    assert client_address(request) == UNKNOWN_ADDRESS


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    forwarded=st.text(max_size=300),
    fly=st.text(max_size=60),
    remote=st.one_of(st.just("198.51.100.7"), st.text(max_size=40)),
    count=st.integers(min_value=0, max_value=3),
)
def test_any_header_a_visitor_sends_gives_an_address_and_never_an_error(
    forwarded, fly, remote, count
):
    from django.test import override_settings

    request = _request(remote, HTTP_X_FORWARDED_FOR=forwarded, HTTP_FLY_CLIENT_IP=fly)
    headers = ["HTTP_FLY_CLIENT_IP", "HTTP_X_FORWARDED_FOR"]
    with override_settings(TRUSTED_PROXY_COUNT=count, CLIENT_IP_HEADERS=headers):
        address = client_address(request)
    ipaddress.ip_address(address)  # always a plain address the rate limiter can count by
    if count == 0 and remote == "198.51.100.7":
        assert address == "198.51.100.7"


def test_axes_and_the_rate_limiter_use_the_same_address(settings):
    from axes.helpers import get_client_ip_address
    from django_ratelimit.core import _get_ip

    settings.TRUSTED_PROXY_COUNT = 1
    request = _request(HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.7")

    assert get_client_ip_address(request) == "198.51.100.7"
    assert _get_ip(request) == "198.51.100.7"


def _three_per_minute(request) -> list[bool]:
    return [over_limit(request, group="test", rate="3/m") for _ in range(4)]


def test_a_limit_refuses_the_request_after_the_rate_and_only_for_that_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert _three_per_minute(_request("198.51.100.7")) == [False, False, False, True]
    assert over_limit(_request("198.51.100.8"), group="test", rate="3/m") is False


def test_limits_work_on_the_embedded_default_database_cache(settings, db):
    # given CACHE_DRIVER=database, the embedded default
    from scent.settings import _cache

    settings.CACHES = {**settings.CACHES, "default": _cache("database")}
    settings.TRUSTED_PROXY_COUNT = 0
    # then the fourth request of one address in a minute is refused
    assert _three_per_minute(_request("198.51.100.7")) == [False, False, False, True]


def test_a_cache_that_is_down_lets_requests_through(settings):
    # given the rate-limit cache points at a Redis that is not there
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    # then a limited view is not a 500: the request is let through
    assert over_limit(_request(), group="test", rate="1/m") is False


@pytest.mark.redis
def test_limits_count_in_real_redis_across_processes_sharing_it(settings):
    from scent.settings import _cache

    # given the rate-limit cache is Redis (CACHE_DRIVER=redis)
    prefix = f"scent-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        **settings.CACHES,
        "default": _cache("redis") | {"LOCATION": REDIS_TEST_URL, "KEY_PREFIX": prefix},
    }
    settings.TRUSTED_PROXY_COUNT = 0
    server = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        # when one address makes four requests against a limit of three
        results = _three_per_minute(_request("198.51.100.7"))
        # then the fourth is refused and the counter is a key in Redis
        assert results == [False, False, False, True]
        keys = list(server.scan_iter(f"{prefix}:*ratelimit:*"))
        assert len(keys) == 1
        assert int(server.get(keys[0])) == 4
    finally:
        for key in server.scan_iter(f"{prefix}*"):
            server.delete(key)
