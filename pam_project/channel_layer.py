"""channels-redis's channel layer, made to live through a Redis outage (issue 7, "Degradation").

Unchanged, a Redis error in a consumer's channel receive ends the consumer (channels'
``await_many_dispatch`` re-raises it), so every open socket is closed with 1011 the moment Redis
stops; a Redis that comes back empty has forgotten every group, so pushes reach no socket that
stayed open; and a Redis that hangs holds every push, group join and leave for the layer's socket
timeout (15 s), the turn that pushed included. Here:

- a consumer's receive waits out an outage: one probe a process (a PING every ``retry_seconds``,
  however many sockets wait) finds Redis back, then each channel is added back to the groups it
  had joined (kept in this process) and receives as before;
- a push or a group join or leave gives up after ``command_timeout_seconds`` and, after one
  failed, fails at once for ``PAM_REDIS_BREAKER_SECONDS`` (raising redis's ConnectionError).

Pushes sent during an outage are lost (they are a courtesy: assistant/push.py); the sockets and
the chat on them are not.
``CHANNEL_LAYERS["default"]["BACKEND"] = "pam_project.channel_layer.RedisChannelLayer"``.
"""

import asyncio
import logging
import time
from collections import defaultdict

from channels_redis import core
from django.conf import settings
from redis.exceptions import ConnectionError, RedisError

logger = logging.getLogger(__name__)


class RedisChannelLayer(core.RedisChannelLayer):
    #: Seconds between tries while Redis does not answer a receive (recovery must be within 5 s).
    retry_seconds = 0.5
    #: Seconds a group_send, group_add or group_discard may take before it counts as failed.
    command_timeout_seconds = 1.0
    #: Seconds a blocking pop for the process's messages waits (channels-redis: 5): how long a
    #: closing socket whose cancellation was lost lingers (``_brpop_with_clean``); an idle process
    #: asks Redis once a second instead of every 5 s.
    brpop_timeout = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel_groups: dict[str, set[str]] = defaultdict(set)
        self.is_down = False
        self.failed_until = 0.0  # time.monotonic() until which commands fail without trying
        self.answered_at = 0.0  # time.monotonic() of the last probe Redis answered
        self.probed_at = 0.0  # and of the last probe sent

    async def _bounded(self, command):
        if self.failed_until > time.monotonic():
            command.close()
            raise ConnectionError("the channel layer's Redis failed moments ago; not trying it yet")
        try:
            return await asyncio.wait_for(command, self.command_timeout_seconds)
        except (TimeoutError, RedisError, OSError) as exc:
            self.failed_until = time.monotonic() + settings.PAM_REDIS_BREAKER_SECONDS
            raise ConnectionError(f"the channel layer's Redis failed: {exc!r}") from exc

    async def group_add(self, group, channel):
        # Remembered first, so a socket that joins while Redis is down is in its group once it is back.
        self.channel_groups[channel].add(group)
        await self._bounded(super().group_add(group, channel))

    async def group_discard(self, group, channel):
        groups = self.channel_groups.get(channel)
        if groups is not None:
            groups.discard(group)
            if not groups:
                del self.channel_groups[channel]
        await self._bounded(super().group_discard(group, channel))

    async def group_send(self, group, message):
        await self._bounded(super().group_send(group, message))

    async def receive(self, channel):
        """The next message on ``channel``, however long Redis is away. A consumer's receive is
        cancelled only when the consumer ends, so its groups are forgotten then."""
        try:
            while True:
                try:
                    return await super().receive(channel)
                except (RedisError, OSError) as exc:
                    self.answered_at = 0.0
                    if not self.is_down:
                        self.is_down = True
                        logger.warning("channel layer: Redis failed (%r); sockets wait for it to come back", exc)
                    await self._rejoin(channel)
        except asyncio.CancelledError:
            self.channel_groups.pop(channel, None)
            raise

    async def _brpop_with_clean(self, index, channel, timeout):
        """channels-redis's blocking pop, not started again for a cancelled receive. A process's
        sockets share one reader: the receive that holds its lock pops for all of them. When a
        socket closes just as its receive takes that lock over (within a few milliseconds), the
        cancellation is lost inside the pop, and channels-redis would pop again every
        ``brpop_timeout`` for ever, the closed socket's consumer waiting on it (until daphne's
        close timeout; a test's teardown until its own). The task still counts the cancellation,
        so the next pop ends it: within ``brpop_timeout``. Raises CancelledError."""
        if asyncio.current_task().cancelling():
            raise asyncio.CancelledError
        return await super()._brpop_with_clean(index, channel, timeout)

    async def _rejoin(self, channel):
        """Return once Redis answers again, with ``channel`` back in its groups."""
        while True:
            await self._answering()
            try:
                for group in sorted(self.channel_groups.get(channel, ())):
                    await super().group_add(group, channel)
            except (RedisError, OSError):
                self.answered_at = 0.0  # gone again: probe anew
                continue
            return

    async def _answering(self):
        """Return once Redis answers a PING. The waiting sockets share the probes: one every
        ``retry_seconds`` for the process, not one each."""
        while time.monotonic() - self.answered_at > self.retry_seconds:
            await asyncio.sleep(self.retry_seconds)
            if time.monotonic() - self.probed_at < self.retry_seconds:
                continue  # another socket's probe is out or just failed
            self.probed_at = time.monotonic()
            try:
                await asyncio.wait_for(self.connection(0).ping(), self.command_timeout_seconds)
            except (TimeoutError, RedisError, OSError):
                continue
            self.answered_at = time.monotonic()
            if self.is_down:
                self.is_down = False
                logger.warning("channel layer: Redis is back")
