"""A circuit breaker in front of PAM's Redis cache (issue 7: "short Redis timeouts and a breaker").

The cache's socket timeouts are short (``PAM_REDIS_TIMEOUT``, 0.5 s) and its errors are ignored
(a miss), but without a breaker every call to a Redis that hangs still waits out the timeout: a
turn makes several (its context's read and writes, the rate limits, the turn lock). Here, once a
connection to a Redis address fails (refused, reset, timed out), every connection to that address
fails at once for ``PAM_REDIS_BREAKER_SECONDS`` (2 s), without touching the network; then calls
try Redis again, so a Redis that came back is used again within that time (the issue's bound for
recovery is 5 s).

In-process and per address, like the providers' breakers (assistant/providers/base.py). The cache
(django-redis) and the rate limits (pam_project/ratelimit.py, on the cache's client) both go
through it: ``CACHES["default"]["OPTIONS"]["CONNECTION_POOL_CLASS"] =
"pam_project.redis_breaker.ConnectionPool"``.
"""

from __future__ import annotations

import functools
import logging
import time

import redis
from django.conf import settings
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

_open_until: dict[tuple, float] = {}  # address -> time.monotonic() until which it is not tried


def _address(connection) -> tuple:
    return getattr(connection, "host", None), getattr(connection, "port", None), getattr(connection, "path", None)


def is_open(address: tuple) -> bool:
    return _open_until.get(address, 0.0) > time.monotonic()


class BreakerMixin:
    """Fails a connection at once while its address's breaker is open; opens it on a failure."""

    def _trip(self, exc: Exception) -> None:
        address = _address(self)
        if not is_open(address):
            logger.warning("Redis at %s failed (%s); not tried for %g s", self._host_error(), exc,
                           settings.PAM_REDIS_BREAKER_SECONDS)
        _open_until[address] = time.monotonic() + settings.PAM_REDIS_BREAKER_SECONDS

    def connect(self):
        if is_open(_address(self)):
            raise ConnectionError(f"Redis at {self._host_error()} failed moments ago; not trying it yet")
        try:
            return super().connect()
        except (ConnectionError, TimeoutError) as exc:
            self._trip(exc)
            raise

    def send_packed_command(self, *args, **kwargs):
        try:
            return super().send_packed_command(*args, **kwargs)
        except (ConnectionError, TimeoutError) as exc:
            self._trip(exc)
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except (ConnectionError, TimeoutError) as exc:
            self._trip(exc)
            raise


@functools.cache
def with_breaker(connection_class: type) -> type:
    """``connection_class`` (TCP, TLS or Unix socket) behind the breaker."""
    return type(f"Breaker{connection_class.__name__}", (BreakerMixin, connection_class), {})


class ConnectionPool(redis.ConnectionPool):
    """redis-py's pool whose connections, of whichever kind the URL asks for, go through the breaker."""

    def __init__(self, connection_class=redis.Connection, **kwargs):
        super().__init__(connection_class=with_breaker(connection_class), **kwargs)
