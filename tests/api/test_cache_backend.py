"""core.cache.RedisCache: Django's Redis cache keeping one client per connection pool. The
API's throttles and counts go through it (settings.CACHES), on the real Redis."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import ConnectionError as RedisConnectionError

from core.cache import RedisCache


def test_the_configured_cache_is_ours_and_keeps_one_client():
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    assert backend._cache.get_client() is backend._cache.get_client(write=True)


def test_values_round_trip_as_with_djangos_backend(settings):
    ours = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "core-cache-test"})
    djangos = DjangoRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "core-cache-test"})
    ours.clear()
    values = {"n": 3, "text": "中文", "list": [1, "a", None], "none-like": 0, "flag": False}

    for key, value in values.items():
        ours.set(key, value, 30)
    assert {key: djangos.get(key) for key in values} == values
    assert ours.add("n", 9) is False
    assert ours.get("n") == 3
    assert ours.incr("n") == 4
    assert djangos.get("n") == 4
    assert ours.get_many(["text", "missing"]) == {"text": "中文"}
    assert ours.delete("text") is True
    assert djangos.get("text", "gone") == "gone"
    ours.clear()
    assert ours.get("list") is None


def test_an_unreachable_redis_still_raises_on_every_call():
    """The API's count cache and the page cache fall back on ConnectionError (CACHE_DOWN):
    a kept client must not swallow it, nor stay broken once Redis answers."""
    down = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    for _ in range(2):
        with pytest.raises(RedisConnectionError):
            down.get("anything")
