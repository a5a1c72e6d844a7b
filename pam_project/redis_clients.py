"""django-redis, trimmed for PAM's per-socket and per-turn costs (issue 7: bench/sockets.py,
bench/context.py). ``CACHES["default"]["OPTIONS"]``: ``"CLIENT_CLASS":
"pam_project.redis_clients.DefaultClient"``, ``"CONNECTION_FACTORY":
"pam_project.redis_clients.ConnectionFactory"``.

- One redis-py client per connection pool. Django keeps a cache's backend object per async
  context (``caches`` is an asgiref ``Local``), and django-redis makes a new redis-py client for
  every backend object (its connection pools are already shared, one per URL). A chat socket's
  consumer is one long-lived context, so each open socket kept a client of its own, about 14 KiB
  (mostly the client's table of response callbacks), for nothing: a redis-py client is
  thread-safe and they all used the same pool.
- A pickled value is unpickled straight away. django-redis first tries every value it reads as
  an integer (``incr`` stores integers unpickled), and the ``ValueError`` for a 3 KB pickle costs
  about 5 µs, a tenth of a context-cache hit's work above the Redis round trip. A pickle of
  protocol 2 or later starts with the PROTO opcode (0x80), which no integer does; anything else
  is decoded as django-redis does.
"""

import threading
from contextlib import suppress

from django_redis import pool
from django_redis.client import default
from django_redis.exceptions import CompressorError

PICKLE_PROTO = b"\x80"


class DefaultClient(default.DefaultClient):
    def decode(self, value):
        if isinstance(value, bytes) and value[:1] == PICKLE_PROTO:
            with suppress(CompressorError):
                value = self._compressor.decompress(value)
            return self._serializer.loads(value)
        return super().decode(value)


class ConnectionFactory(pool.ConnectionFactory):
    _clients: dict = {}  # (pool, client class, client kwargs) -> the redis-py client; process-wide
    _clients_lock = threading.Lock()

    def get_connection(self, params):
        connection_pool = self.get_or_create_connection_pool(params)
        key = (id(connection_pool), self.redis_client_cls, repr(sorted(self.redis_client_cls_kwargs.items())))
        client = self._clients.get(key)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._clients[key] = self.redis_client_cls(
                        connection_pool=connection_pool, **self.redis_client_cls_kwargs)
        return client
