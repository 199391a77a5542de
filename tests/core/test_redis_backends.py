"""CACHE_DRIVER=redis and SESSION_DRIVER=redis against the real Redis server."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/11")

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def redis_settings(settings):
    """Point the cache and the session store at a Redis DB of the suite's own."""
    from scent.settings import _cache

    prefix = f"scent-test-{uuid.uuid4().hex[:8]}"
    backend = _cache("redis") | {"LOCATION": REDIS_TEST_URL, "KEY_PREFIX": prefix}
    settings.CACHES = {
        "default": backend,
        "sessions": backend | {"KEY_PREFIX": f"{prefix}:session"},
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.SESSION_CACHE_ALIAS = "sessions"
    client = redis.Redis.from_url(REDIS_TEST_URL)
    yield prefix, client
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_cache_values_live_in_redis(redis_settings):
    prefix, server = redis_settings
    from django.core.cache import cache

    # when the app caches a value
    cache.set("greeting", {"scent": "lavender"}, 30)
    # then it is stored in Redis under the configured prefix and read back
    assert any(server.scan_iter(f"{prefix}:*greeting"))
    assert cache.get("greeting") == {"scent": "lavender"}


def test_sessions_survive_between_requests_in_redis(redis_settings, client):
    prefix, server = redis_settings
    # given a visitor whose session was written by a request
    session = client.session
    session["cart_hint"] = "two candles"
    session.save()
    client.cookies["sessionid"] = session.session_key
    # then the session is a key in Redis, and a later request sees its data
    assert any(server.scan_iter(f"{prefix}:session*"))
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.session["cart_hint"] == "two candles"
