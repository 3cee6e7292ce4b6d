"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation (get, set,
add...), and redis-py's constructor sets up its response callbacks each time: ~55 µs of
CPU a call on this machine, next to ~30 µs for the GET itself (5,000 calls, one process).
An API list request makes about four (the throttle's read and write, the count's
generation and the count). The client holds no connection of its own (the pool does) and
Django's caches are per thread already, so keeping it per pool changes nothing else.
"""

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # the pools live as long as this client
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """settings.CACHES' BACKEND "core.cache.RedisCache": the same options as Django's."""

    def __init__(self, server: str, params: dict[str, Any]):
        super().__init__(server, params)
        self._class = RedisCacheClient
