"""PAM's channel layer on the real Redis (pam_project/channel_layer.py): a closing socket's
receive ends, however its cancellation falls against the process's shared Redis reader."""

import asyncio

import pytest
from django.conf import settings

from pam_project.channel_layer import RedisChannelLayer


@pytest.fixture
async def layer():
    layer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    yield layer
    await layer.flush()


async def ended_within(task, seconds: float) -> bool:
    done, _ = await asyncio.wait([task], timeout=seconds)
    return bool(done)


# A socket's receive that has just taken over the shared reader, cancelled this long after: in
# this window channels-redis lost the cancellation and popped on for ever (measured: 0.5–2 ms).
@pytest.mark.parametrize("after_seconds", [0, 0.0003, 0.0006, 0.001, 0.0015, 0.002, 0.003, 0.01])
async def test_a_receive_cancelled_as_it_takes_over_the_reader_ends(layer, after_seconds):
    first, second = await layer.new_channel(), await layer.new_channel()
    reader = asyncio.ensure_future(layer.receive(first))  # the first in holds the reader
    await asyncio.sleep(0.2)
    waiting = asyncio.ensure_future(layer.receive(second))
    await asyncio.sleep(0.2)
    reader.cancel()  # its socket closes: the waiting receive takes the reader over
    assert await ended_within(reader, 2)
    await asyncio.sleep(after_seconds)
    waiting.cancel()  # and its own socket closes
    # At once, or at the end of the blocking pop in progress (brpop_timeout, 1 s).
    assert await ended_within(waiting, 2.5), "the receive went on after its cancellation"
    assert waiting.cancelled()
