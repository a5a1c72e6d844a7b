"""Abuse limits every process shares: token buckets and one-at-a-time locks in Redis, with an
in-process stand-in while Redis is down.

Token bucket (the classic policer, as in RFC 2697's single-rate meter): a bucket holds up to
``capacity`` tokens and refills continuously at ``capacity / per_seconds`` tokens a second; each
action takes one token, and an action that finds less than one is refused with the time until one
is there. So ``capacity=20, per_seconds=60`` allows a burst of 20, then one every 3 s. In Redis a
bucket is a hash ``{tokens, at}`` (``at`` in milliseconds of Redis's own clock, so the processes'
clocks do not matter) changed by one Lua script, atomic across processes; it expires once it
would be full again.

A lock is a Redis key set only if absent (``SET NX PX``) to a random token; renewing and releasing
check the token, so a lock that expired and was taken by another holder is never released by the
first.

Redis is the django-redis ``default`` cache's server. When the cache is not Redis, or a Redis
call fails (connection refused, the cache's short socket timeout), the same buckets and locks are
kept in this process's memory, and Redis is tried again after ``PAM_REDIS_BREAKER_SECONDS`` (2 s,
like the cache's breaker: pam_project/redis_breaker.py): limits then hold per process instead of
across processes, and no request waits on a dead Redis.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)

#: Buckets and locks kept in memory per Redis location before the full and expired ones are pruned.
MEMORY_PRUNE_AT = 10_000

# take(key, capacity, tokens per millisecond): 0 when a token was taken, else the milliseconds
# until one is there. ``now`` is Redis's clock in milliseconds.
_TAKE_FUNCTION = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function take(key, capacity, rate)
  local bucket = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(bucket[1]) or capacity
  local at = tonumber(bucket[2]) or now
  tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
  local wait = 0
  if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil((capacity - tokens) / rate) + 1000)
  return wait
end
"""
# KEYS[1] the bucket; ARGV capacity, tokens per millisecond.
TAKE_LUA = _TAKE_FUNCTION + "return take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))"
# KEYS: the first bucket, the second bucket, the lock; ARGV: their capacities and rates, the
# lock's token and lifetime in ms. Returns {step refused (0 none, 1 first bucket, 2 lock held,
# 3 second bucket), ms to wait}; the lock is let go again when the second bucket refuses.
ADMIT_LUA = _TAKE_FUNCTION + """
local wait = take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
if wait > 0 then return {1, wait} end
if not redis.call('SET', KEYS[3], ARGV[5], 'NX', 'PX', ARGV[6]) then return {2, 0} end
wait = take(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
if wait > 0 then redis.call('DEL', KEYS[3]) return {3, wait} end
return {0, 0}
"""
RENEW_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass
class _Memory:
    """The in-process stand-in: buckets ``{key: (tokens, at, capacity, rate)}`` (``at`` from
    time.monotonic) and locks ``{key: (token, expires_at)}``."""

    buckets: dict = field(default_factory=dict)
    locks: dict = field(default_factory=dict)
    down_until: float = 0.0
    mutex: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, capacity: int, rate: float) -> float:
        now = time.monotonic()
        with self.mutex:
            tokens, at, _, _ = self.buckets.get(key, (capacity, now, capacity, rate))
            tokens = min(capacity, tokens + (now - at) * rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / rate
            self.buckets[key] = (tokens, now, capacity, rate)
            if len(self.buckets) > MEMORY_PRUNE_AT:  # a bucket that is full again is as good as none
                self.buckets = {k: b for k, b in self.buckets.items() if b[0] + (now - b[1]) * b[3] < b[2]}
        return wait

    def acquire(self, key: str, token: str, ttl_seconds: float) -> bool:
        now = time.monotonic()
        with self.mutex:
            held = self.locks.get(key)
            if held is not None and held[1] > now:
                return False
            self.locks[key] = (token, now + ttl_seconds)
            if len(self.locks) > MEMORY_PRUNE_AT:
                self.locks = {k: v for k, v in self.locks.items() if v[1] > now}
        return True

    def renew(self, key: str, token: str, ttl_seconds: float) -> bool:
        with self.mutex:
            held = self.locks.get(key)
            if held is None or held[0] != token:
                return False
            self.locks[key] = (token, time.monotonic() + ttl_seconds)
        return True

    def release(self, key: str, token: str) -> None:
        with self.mutex:
            if self.locks.get(key, (None,))[0] == token:
                del self.locks[key]


_memories: dict[str, _Memory] = {}
_memories_mutex = threading.Lock()


def _memory() -> _Memory:
    """The stand-in for the configured Redis (one per cache location, so a test that points the
    cache at a dead server gets its own)."""
    location = str(settings.CACHES["default"].get("LOCATION", ""))
    with _memories_mutex:
        return _memories.setdefault(location, _Memory())


def _redis():
    """The Redis client of the ``default`` cache, or None when the cache is not Redis or Redis
    failed less than PAM_REDIS_BREAKER_SECONDS ago."""
    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        return None
    if _memory().down_until > time.monotonic():
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _redis_failed(action: str) -> None:
    logger.warning("rate limits: Redis failed (%s); using in-process limits for %.0f s", action,
                   settings.PAM_REDIS_BREAKER_SECONDS, exc_info=True)
    _memory().down_until = time.monotonic() + settings.PAM_REDIS_BREAKER_SECONDS


def _redis_errors():
    from redis.exceptions import RedisError

    return (RedisError, OSError)


def take(key: str, *, capacity: int, per_seconds: float) -> int | None:
    """Take one token from bucket ``key`` (``capacity`` tokens, refilled over ``per_seconds``).

    Returns None when the action may go ahead, else the whole seconds (at least 1) until a token
    is there. ``capacity`` and ``per_seconds`` must be above 0.
    """
    rate_per_second = capacity / per_seconds
    client = _redis()
    if client is not None:
        try:
            wait_ms = client.register_script(TAKE_LUA)(keys=[key], args=[capacity, rate_per_second / 1000])
        except _redis_errors():
            _redis_failed("take")
        else:
            return max(1, math.ceil(int(wait_ms) / 1000)) if int(wait_ms) > 0 else None
    wait = _memory().take(key, capacity, rate_per_second)
    return max(1, math.ceil(wait)) if wait > 0 else None


@dataclass
class Lock:
    """A held lock: renew it while the work runs, release it when the work ends."""

    key: str
    token: str
    ttl_seconds: float
    in_memory: bool
    released: bool = False  # set by release(): a second release is a no-op without a round trip

    def renew(self) -> bool:
        """Push the expiry ``ttl_seconds`` out again; False if the lock was lost (it expired and
        someone else may hold it now)."""
        if not self.in_memory:
            client = _redis()
            if client is None:
                return False
            try:
                return bool(client.register_script(RENEW_LUA)(
                    keys=[self.key], args=[self.token, int(self.ttl_seconds * 1000)]))
            except _redis_errors():
                _redis_failed("renew")
                return False
        return _memory().renew(self.key, self.token, self.ttl_seconds)

    def release(self) -> None:
        """Let go of the lock (a lost one is left alone). Never raises: an unreleased lock in
        Redis expires after ``ttl_seconds``. Releasing it again does nothing."""
        if self.released:
            return
        self.released = True
        if not self.in_memory:
            client = _redis()
            if client is None:
                return
            try:
                client.register_script(RELEASE_LUA)(keys=[self.key], args=[self.token])
            except _redis_errors():
                _redis_failed("release")
            return
        _memory().release(self.key, self.token)


def acquire(key: str, *, ttl_seconds: float) -> Lock | None:
    """Take the lock ``key`` for ``ttl_seconds`` unless someone holds it: the Lock, or None."""
    token = secrets.token_hex(16)
    client = _redis()
    if client is not None:
        try:
            if client.set(key, token, nx=True, px=int(ttl_seconds * 1000)):
                return Lock(key, token, ttl_seconds, in_memory=False)
            return None
        except _redis_errors():
            _redis_failed("acquire")
    if _memory().acquire(key, token, ttl_seconds):
        return Lock(key, token, ttl_seconds, in_memory=True)
    return None


@dataclass(frozen=True)
class Bucket:
    """A token bucket: ``capacity`` tokens refilled over ``per_seconds`` (see the module doc)."""

    key: str
    capacity: int
    per_seconds: float

    @property
    def rate_per_second(self) -> float:
        return self.capacity / self.per_seconds


@dataclass
class Admission:
    """What ``admit`` decided: ``refused_by`` None (admitted, holding ``lock``), ``"first"`` or
    ``"second"`` (that bucket is empty; ``retry_after`` whole seconds, at least 1) or ``"lock"``
    (someone holds it)."""

    refused_by: str | None
    retry_after: int | None = None
    lock: Lock | None = None


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


def admit(first: Bucket, second: Bucket, lock_key: str, *, ttl_seconds: float) -> Admission:
    """Take a token from ``first``, then the lock ``lock_key`` (for ``ttl_seconds``), then a token
    from ``second``, stopping at the first refusal (the lock is let go when ``second`` refuses).
    One Redis round trip (a Lua script, atomic across processes); in-process while Redis is down.
    """
    token = secrets.token_hex(16)
    client = _redis()
    if client is not None:
        try:
            step, wait_ms = client.register_script(ADMIT_LUA)(
                keys=[first.key, second.key, lock_key],
                args=[first.capacity, first.rate_per_second / 1000, second.capacity, second.rate_per_second / 1000,
                      token, int(ttl_seconds * 1000)])
        except _redis_errors():
            _redis_failed("admit")
        else:
            refused_by = {0: None, 1: "first", 2: "lock", 3: "second"}[int(step)]
            if refused_by is None:
                return Admission(None, lock=Lock(lock_key, token, ttl_seconds, in_memory=False))
            return Admission(refused_by, _seconds(int(wait_ms) / 1000) if int(wait_ms) else None)
    memory = _memory()
    if wait := memory.take(first.key, first.capacity, first.rate_per_second):
        return Admission("first", _seconds(wait))
    if not memory.acquire(lock_key, token, ttl_seconds):
        return Admission("lock")
    if wait := memory.take(second.key, second.capacity, second.rate_per_second):
        memory.release(lock_key, token)
        return Admission("second", _seconds(wait))
    return Admission(None, lock=Lock(lock_key, token, ttl_seconds, in_memory=True))


def client_ip(remote_addr: str | None, forwarded_for: str | None) -> str | None:
    """The client's address by the API's rule (DRF's ``get_ident``): the socket's address, or with
    ``PAM_API_NUM_PROXIES`` = n > 0 proxies in front, the n-th address from the right of
    X-Forwarded-For when that is an IP address. None when no address is known."""
    num_proxies = api_settings.NUM_PROXIES
    if num_proxies and forwarded_for:
        addresses = forwarded_for.split(",")
        candidate = addresses[-min(num_proxies, len(addresses))].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass  # not an address our proxy wrote: fall back to the socket's
    return remote_addr or None
