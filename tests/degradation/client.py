"""A program's chat socket to a running PAM (the ``websockets`` client, no Origin header, so it
signs in with a JWT ``auth`` frame: docs/protocol.md, "Connecting")."""

from __future__ import annotations

import asyncio
import json
import uuid
from types import SimpleNamespace

from rest_framework_simplejwt.tokens import AccessToken
from websockets.asyncio.client import connect

TURN_END = {"chat_response", "error"}
PUSHES = {"ui_actions", "proactive_alert"}


def access_token(user_id: int) -> str:
    """A JWT access token for the user, signed with this process's SECRET_KEY (the server under
    test is given the same key)."""
    return str(AccessToken.for_user(SimpleNamespace(id=user_id)))


class ChatClient:
    """One signed-in socket. ``frames`` is every frame received, in order; pushes (not part of a
    turn) are also collected in ``pushes``."""

    def __init__(self, ws):
        self.ws = ws
        self.frames: list[dict] = []
        self.pushes: list[dict] = []

    @classmethod
    async def open(cls, url: str, user_id: int) -> ChatClient:
        ws = await connect(url, open_timeout=10, max_size=2**20)
        client = cls(ws)
        await ws.send(json.dumps({"type": "auth", "token": access_token(user_id)}))
        frame = await client.receive(timeout=10)
        assert frame["type"] == "connection", frame
        return client

    async def receive(self, timeout: float = 15) -> dict:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.frames.append(frame)
        if frame["type"] in PUSHES:
            self.pushes.append(frame)
        return frame

    async def send_chat(self, text: str, message_id: str | None = None) -> str:
        message_id = message_id or str(uuid.uuid4())
        await self.ws.send(json.dumps({"type": "chat", "message": text, "message_id": message_id}))
        return message_id

    async def until(self, predicate, timeout: float = 15) -> dict:
        """Receive until a frame satisfies ``predicate``; returns it. TimeoutError after
        ``timeout`` seconds in all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.receive(timeout=max(0.0, deadline - loop.time()))
            if predicate(frame):
                return frame

    async def turn_end(self, message_id: str, timeout: float = 15) -> dict:
        """The frame that ends the turn of ``message_id``: its ``chat_response`` or ``error``."""
        return await self.until(lambda f: f["type"] in TURN_END and f.get("message_id") == message_id, timeout)

    async def turn(self, text: str, *, message_id: str | None = None, timeout: float = 15) -> dict:
        """Send a chat message and return the frame that ends its turn."""
        message_id = await self.send_chat(text, message_id)
        return await self.turn_end(message_id, timeout)

    async def gets(self, predicate, timeout: float) -> bool:
        """Whether a frame satisfying ``predicate`` arrives within ``timeout`` seconds."""
        try:
            await self.until(predicate, timeout)
        except TimeoutError:
            return False
        return True

    async def ping(self, timeout: float = 5) -> None:
        await self.ws.send(json.dumps({"type": "ping"}))
        await self.until(lambda f: f["type"] == "pong", timeout)

    def of(self, frame_type: str, message_id: str | None = None) -> list[dict]:
        return [f for f in self.frames if f["type"] == frame_type
                and (message_id is None or f.get("message_id") == message_id)]

    async def close(self) -> None:
        await self.ws.close()
