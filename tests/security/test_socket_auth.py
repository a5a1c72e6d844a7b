"""Who may use the chat socket (docs/protocol.md, "Connecting"), through the real ASGI app:
browsers by session cookie with their own Origin, programs (no Origin) by a JWT access token in
their first frame, nobody by a token in the URL or by a cookie without an Origin."""

import datetime

import jwt
import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from assistant.models import Message
from tests.assistant.chat_helpers import chat_turn, send_chat

pytestmark = pytest.mark.django_db(transaction=True)


async def refused_with(socket, close_code: int) -> dict:
    """The error frame the server sent before closing with ``close_code``."""
    frame = await socket.receive_json_from(timeout=5)
    assert frame["type"] == "error"
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": close_code}
    return frame


def access_token(user) -> str:
    return str(AccessToken.for_user(user))


@database_sync_to_async
def messages_of(user):
    return list(Message.objects.filter(user=user).values_list("role", "content"))


@database_sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


class TestProgramsSignInWithAnAuthFrame:
    async def test_an_access_token_in_the_first_frame_signs_the_socket_in(self, program_socket, alice):
        socket = await program_socket()
        await socket.send_json_to({"type": "auth", "token": access_token(alice)})
        frame = await socket.receive_json_from(timeout=5)
        assert frame["type"] == "connection" and frame["status"] == "connected"
        assert frame["user"]["id"] == alice.id and frame["protocol_version"] == 1
        _, final = await chat_turn(socket, "I spent $12 on propane")
        assert final["type"] == "chat_response" and final["status"] == "complete"
        assert ("user", "I spent $12 on propane") in await messages_of(alice)

    async def test_an_expired_token_is_refused_with_4401(self, program_socket, alice):
        token = AccessToken.for_user(alice)
        token.set_exp(lifetime=-datetime.timedelta(seconds=1))
        socket = await program_socket()
        await socket.send_json_to({"type": "auth", "token": str(token)})
        frame = await refused_with(socket, 4401)
        assert frame["error_code"] == "UNAUTHENTICATED" and "expired" in frame["message"]

    async def test_a_token_signed_with_another_key_is_refused(self, program_socket, alice):
        claims = AccessToken.for_user(alice).payload
        forged = jwt.encode(claims, "not-the-server-key-0123456789-abcdefghijklmnop", algorithm="HS256")
        socket = await program_socket()
        await socket.send_json_to({"type": "auth", "token": forged})
        assert (await refused_with(socket, 4401))["error_code"] == "UNAUTHENTICATED"

    async def test_a_refresh_token_is_not_an_access_token(self, program_socket, alice):
        socket = await program_socket()
        refresh = await database_sync_to_async(RefreshToken.for_user)(alice)  # recorded for the blacklist
        await socket.send_json_to({"type": "auth", "token": str(refresh)})
        assert (await refused_with(socket, 4401))["error_code"] == "UNAUTHENTICATED"

    async def test_a_deactivated_users_token_is_refused(self, program_socket, alice):
        token = access_token(alice)
        alice.is_active = False
        await database_sync_to_async(alice.save)()
        socket = await program_socket()
        await socket.send_json_to({"type": "auth", "token": token})
        assert (await refused_with(socket, 4401))["error_code"] == "UNAUTHENTICATED"

    async def test_a_token_in_the_url_signs_nobody_in(self, program_socket, alice):
        socket = await program_socket(f"/ws/pam/?token={access_token(alice)}")
        assert await socket.receive_nothing(timeout=0.3)  # no `connection` frame
        await send_chat(socket, "Add a $50 gas expense")
        frame = await refused_with(socket, 4401)
        assert frame["error_code"] == "UNAUTHENTICATED"
        assert await messages_of(alice) == []

    async def test_any_other_first_frame_is_refused_and_does_nothing(self, program_socket, alice):
        socket = await program_socket()
        await send_chat(socket, "Add a $50 gas expense")
        frame = await refused_with(socket, 4401)
        assert frame["error_code"] == "UNAUTHENTICATED" and '"auth"' in frame["message"]

    async def test_not_signing_in_in_time_closes_with_4408(self, program_socket, settings):
        settings.PAM_WS_AUTH_TIMEOUT_SECONDS = 0.3
        socket = await program_socket()
        frame = await refused_with(socket, 4408)
        assert frame["error_code"] == "UNAUTHENTICATED" and "0.3 s" in frame["message"]

    async def test_a_session_cookie_without_an_origin_signs_nobody_in(self, program_socket, alice):
        socket = await program_socket(headers=[(b"cookie", await session_cookie(alice))])
        assert await socket.receive_nothing(timeout=0.3)
        await socket.send_json_to({"type": "ping"})
        assert (await refused_with(socket, 4401))["error_code"] == "UNAUTHENTICATED"

    async def test_a_token_for_bob_shows_bob_none_of_alices_messages(self, program_socket, alice, bob):
        first = await program_socket()
        await first.send_json_to({"type": "auth", "token": access_token(alice)})
        await first.receive_json_from(timeout=5)
        _, final = await chat_turn(first, "hi PAM")
        second = await program_socket()
        await second.send_json_to({"type": "auth", "token": access_token(bob)})
        assert (await second.receive_json_from(timeout=5))["user"]["id"] == bob.id
        message_id = await send_chat(second, "hello", conversation_id=final["conversation_id"])
        frame = await second.receive_json_from(timeout=5)
        assert frame["error_code"] == "NOT_FOUND" and frame["message_id"] == message_id


class TestBrowsers:
    async def test_a_browser_with_its_own_origin_is_signed_in_by_its_cookie(self, socket_for, alice):
        socket = await socket_for(alice)
        assert socket.connection_frame["user"]["id"] == alice.id

    async def test_a_foreign_origin_is_refused_before_the_socket_opens(self, socket_for, alice):
        socket = await socket_for(alice, origin="https://evil.example", expect_connection=False)
        assert socket.accepted is False

    async def test_a_foreign_origin_is_refused_without_a_cookie_too(self, socket_for):
        socket = await socket_for(None, origin="https://evil.example", expect_connection=False)
        assert socket.accepted is False
