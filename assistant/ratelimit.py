"""The chat socket's abuse limits (docs/protocol.md, "Limits"), on the shared token buckets and
locks of ``pam_project.ratelimit`` (Redis, or in-process while Redis is down).

    connections   per client IP        PAM_WS_CONNECTIONS_PER_MINUTE   pam:rl:connect:{ip}
    frames        per user, any frame  PAM_WS_FRAMES_PER_MINUTE        pam:rl:frames:{user_id}
    chat messages per user             PAM_CHAT_MESSAGES_PER_MINUTE    pam:rl:chat:{user_id}
    LLM turns     one running per user, across all their sockets       pam:turn:{user_id}

Each bucket holds a minute's allowance (the burst) and refills at that rate. The functions that
touch Redis are synchronous: call them from a worker thread, not the event loop.
"""

import asyncio
import contextlib
import logging

from asgiref.sync import sync_to_async
from django.conf import settings

from pam_project import ratelimit

logger = logging.getLogger(__name__)


def connection_retry_after(*, ip: str) -> int | None:
    """Count one connection attempt from ``ip``: None, or seconds to wait before the next."""
    return ratelimit.take(f"pam:rl:connect:{ip}", capacity=settings.PAM_WS_CONNECTIONS_PER_MINUTE, per_seconds=60)


def frame_bucket(user_id: int) -> ratelimit.Bucket:
    """Every client frame of the user's, any socket, any type."""
    return ratelimit.Bucket(f"pam:rl:frames:{user_id}", settings.PAM_WS_FRAMES_PER_MINUTE, 60)


def chat_bucket(user_id: int) -> ratelimit.Bucket:
    """Every new chat message of the user's."""
    return ratelimit.Bucket(f"pam:rl:chat:{user_id}", settings.PAM_CHAT_MESSAGES_PER_MINUTE, 60)


def turn_key(user_id: int) -> str:
    return f"pam:turn:{user_id}"


def frame_retry_after(*, user_id: int) -> int | None:
    """Count one client frame of the user's (any socket, any type): None, or seconds to wait."""
    bucket = frame_bucket(user_id)
    return ratelimit.take(bucket.key, capacity=bucket.capacity, per_seconds=bucket.per_seconds)


def chat_admit(*, user_id: int) -> ratelimit.Admission:
    """A chat frame's way in, in one Redis round trip: count it as a frame, take the user's turn
    slot (one running turn per user, in any tab or program) and count it as a chat message. The
    slot lapses PAM_TURN_LOCK_SECONDS after its last renewal, so a crashed process frees it.
    ``refused_by`` is ``"first"`` (frames), ``"lock"`` (a turn of theirs runs) or ``"second"``
    (messages); see ``pam_project.ratelimit.admit``."""
    return ratelimit.admit(frame_bucket(user_id), chat_bucket(user_id), turn_key(user_id),
                           ttl_seconds=settings.PAM_TURN_LOCK_SECONDS)


async def holding_turn(lock: ratelimit.Lock, turn):
    """Await the ``turn`` coroutine while renewing ``lock`` every third of its lifetime; release
    the lock when the turn ends, however it ends (done, failed, stopped or cancelled)."""

    async def keep():
        while True:
            await asyncio.sleep(lock.ttl_seconds / 3)
            if not await sync_to_async(lock.renew, thread_sensitive=False)():
                logger.warning("lost the turn lock %s while the turn was running", lock.key)
                return

    keeper = asyncio.create_task(keep())
    try:
        return await turn
    finally:
        keeper.cancel()
        if not lock.released:  # the turn usually lets it go itself, with its reply saved
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(sync_to_async(lock.release, thread_sensitive=False)())
