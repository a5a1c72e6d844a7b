"""Helpers for driving a chat socket in tests."""

import uuid

TURN_END = {"chat_response", "error"}
PUSHES = {"ui_actions", "proactive_alert"}  # pushed to every socket of the user; not part of a turn


async def send_chat(communicator, text, *, message_id=None, conversation_id=None, context=None):
    message_id = message_id or str(uuid.uuid4())
    frame = {"type": "chat", "message": text, "message_id": message_id}
    if conversation_id is not None:
        frame["conversation_id"] = conversation_id
    if context is not None:
        frame["context"] = context
    await communicator.send_json_to(frame)
    return message_id


async def frames_until_turn_ends(communicator, message_id, timeout=10, pushes=None):
    """Every frame of the turn up to and including its chat_response (or its error frame).
    Pushes that arrive meanwhile are left out (appended to ``pushes`` when given)."""
    frames = []
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] in PUSHES:
            if pushes is not None:
                pushes.append(frame)
            continue
        frames.append(frame)
        if frame["type"] in TURN_END and frame.get("message_id") == message_id:
            return frames


async def chat_turn(communicator, text, **kwargs):
    """Send a message and return ``(frames, final_frame)`` for its whole turn."""
    message_id = await send_chat(communicator, text, **kwargs)
    frames = await frames_until_turn_ends(communicator, message_id)
    return frames, frames[-1]


def of_type(frames, frame_type):
    return [frame for frame in frames if frame["type"] == frame_type]


async def next_frame(communicator, timeout=5):
    """The next frame that is not a push (a push from a write may arrive at any point)."""
    while (frame := await communicator.receive_json_from(timeout=timeout))["type"] in PUSHES:
        pass
    return frame


async def nothing_but_pushes(communicator, timeout=0.5) -> bool:
    """True when no frame other than a push arrives within ``timeout`` seconds."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (left := deadline - loop.time()) > 0:
        if await communicator.receive_nothing(timeout=left):
            return True
        if (await communicator.receive_json_from())["type"] not in PUSHES:
            return False
    return True
