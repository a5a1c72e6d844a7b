"""The cache's Redis client on the real Redis (pam_project/redis_clients.py): one client per
process however many sockets, and every kind of value still reads back as it was written."""

import contextvars

from django.core.cache import cache, caches


def backend_in_a_new_context():
    """The cache backend a new async context gets, as each chat socket's consumer does."""
    return contextvars.Context().run(lambda: caches["default"])


class TestRedisClientsTestCase:
    def test_every_socket_context_shares_one_redis_client(self):
        first, second = backend_in_a_new_context(), backend_in_a_new_context()
        assert first is not second  # Django's own behaviour: a backend object per context
        assert first.client.get_client() is second.client.get_client()

    def test_values_read_back_as_written(self):
        cache.set("pam:test:context", {"budget": "45.20", "trips": [1, 2]})
        cache.set("pam:test:count", 41)
        cache.incr("pam:test:count")
        cache.set("pam:test:text", "\x80 not a pickle")
        assert cache.get("pam:test:context") == {"budget": "45.20", "trips": [1, 2]}
        assert cache.get("pam:test:count") == 42
        assert cache.get("pam:test:text") == "\x80 not a pickle"
