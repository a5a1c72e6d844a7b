"""A per-user limit on chat messages, counted in the shared cache (Redis) so every daphne
process sees the same count. With the cache down the limit is not enforced."""

import time

from django.core.cache import cache


def chat_retry_after(*, user_id: int, limit: int, window_seconds: int = 60) -> int | None:
    """Count one chat message; returns seconds to wait when over ``limit`` per window, else None.

    A fixed window keyed by its start time: ``pam:rl:chat:{user_id}:{window_start}``.
    """
    now = int(time.time())
    window_start = now - now % window_seconds
    key = f"pam:rl:chat:{user_id}:{window_start}"
    cache.add(key, 0, window_seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key vanished (cache restarted or unreachable): let the message through
        return None
    if count is not None and count > limit:
        return max(1, window_start + window_seconds - now)
    return None
