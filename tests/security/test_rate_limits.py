"""Abuse limits (pam_project/ratelimit.py, assistant/ratelimit.py): token buckets and the one
running turn per user, in the real Redis and, with Redis down, in the process; through the real
ASGI app and the REST API."""

import asyncio
import socket as sockets
import time

import pytest
from channels.db import database_sync_to_async
from rest_framework_simplejwt.tokens import AccessToken

from assistant.models import Message
from pam_project import ratelimit
from tests.assistant.chat_helpers import chat_turn, send_chat
from tests.fakes.anthropic_server import text_reply, text_then_error, text_then_stall

API = "/api/v1"


@pytest.fixture
def redis_down(settings):
    """The cache, and so the limits, pointed at a local port where nothing listens."""
    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{port}/0"}}


@database_sync_to_async
def messages_of(user):
    return list(Message.objects.filter(user=user).order_by("created_at", "id").values_list("role", "content"))


async def refused_with(socket, close_code: int) -> dict:
    frame = await socket.receive_json_from(timeout=5)
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": close_code}
    return frame


class TestTokenBucket:
    def test_a_bucket_allows_its_burst_then_says_how_long_to_wait(self):
        results = [ratelimit.take("pam:test:bucket", capacity=3, per_seconds=60) for _ in range(4)]
        assert results[:3] == [None, None, None]
        assert 19 <= results[3] <= 20  # one token comes back every 20 s
        assert ratelimit.take("pam:test:another", capacity=3, per_seconds=60) is None

    def test_a_bucket_refills_over_time(self):
        assert [ratelimit.take("pam:test:fast", capacity=2, per_seconds=1) for _ in range(3)] == [None, None, 1]
        time.sleep(0.6)  # 2 tokens a second: one is back
        assert ratelimit.take("pam:test:fast", capacity=2, per_seconds=1) is None

    def test_the_bucket_lives_in_redis_shared_by_every_process(self):
        from django_redis import get_redis_connection

        ratelimit.take("pam:test:shared", capacity=5, per_seconds=60)
        tokens = float(get_redis_connection("default").hget("pam:test:shared", "tokens"))
        assert 3.9 < tokens < 4.1

    def test_with_redis_down_the_process_keeps_limiting_without_waiting(self, redis_down):
        started = time.monotonic()
        results = [ratelimit.take("pam:test:bucket", capacity=3, per_seconds=60) for _ in range(4)]
        assert results[:3] == [None, None, None] and results[3] >= 19
        assert time.monotonic() - started < 1.0

    def test_a_lock_is_held_once_until_released(self):
        first = ratelimit.acquire("pam:test:lock", ttl_seconds=5)
        assert first is not None and ratelimit.acquire("pam:test:lock", ttl_seconds=5) is None
        first.release()
        assert ratelimit.acquire("pam:test:lock", ttl_seconds=5) is not None

    def test_a_lapsed_lock_is_not_released_by_its_old_holder(self):
        old = ratelimit.acquire("pam:test:lock", ttl_seconds=0.2)
        time.sleep(0.3)
        new = ratelimit.acquire("pam:test:lock", ttl_seconds=5)
        assert new is not None
        old.release()
        assert old.renew() is False
        assert ratelimit.acquire("pam:test:lock", ttl_seconds=5) is None  # still the new holder's

    def test_with_redis_down_a_lock_still_excludes_a_second_holder(self, redis_down):
        first = ratelimit.acquire("pam:test:lock", ttl_seconds=5)
        assert first is not None and ratelimit.acquire("pam:test:lock", ttl_seconds=5) is None
        first.release()
        assert ratelimit.acquire("pam:test:lock", ttl_seconds=5) is not None


@pytest.mark.django_db(transaction=True)
class TestSocketFrames:
    async def test_too_many_frames_get_rate_limit_exceeded_and_the_socket_stays_open(self, socket_for, alice,
                                                                                     settings):
        settings.PAM_WS_FRAMES_PER_MINUTE = 3
        socket = await socket_for(alice)
        for _ in range(3):
            await socket.send_json_to({"type": "ping"})
            assert await socket.receive_json_from() == {"type": "pong"}
        message_id = await send_chat(socket, "I spent $5 on ice")
        frame = await socket.receive_json_from()
        assert frame["error_code"] == "RATE_LIMIT_EXCEEDED" and frame["message_id"] == message_id
        assert 19 <= frame["retry_after"] <= 20
        assert await messages_of(alice) == []
        assert await socket.receive_nothing(timeout=0.2)  # not closed

    async def test_the_frame_allowance_is_per_user_across_sockets(self, socket_for, alice, bob, settings):
        settings.PAM_WS_FRAMES_PER_MINUTE = 2
        first, second, bobs = await socket_for(alice), await socket_for(alice), await socket_for(bob)
        for socket in (first, second):
            await socket.send_json_to({"type": "ping"})
            assert await socket.receive_json_from() == {"type": "pong"}
        await first.send_json_to({"type": "ping"})
        assert (await first.receive_json_from())["error_code"] == "RATE_LIMIT_EXCEEDED"
        await bobs.send_json_to({"type": "ping"})
        assert await bobs.receive_json_from() == {"type": "pong"}


@pytest.mark.django_db(transaction=True)
class TestConnectionAttempts:
    async def test_too_many_connections_from_one_address_are_refused_with_4429(self, program_socket, settings):
        settings.PAM_WS_CONNECTIONS_PER_MINUTE = 2
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        allowed = [await program_socket(forwarded_for="203.0.113.7") for _ in range(2)]
        refused = await program_socket(forwarded_for="203.0.113.7")
        frame = await refused_with(refused, 4429)
        assert frame["error_code"] == "RATE_LIMIT_EXCEEDED" and 29 <= frame["retry_after"] <= 30
        other = await program_socket(forwarded_for="198.51.100.4")  # another address has its own allowance
        assert await other.receive_nothing(timeout=0.2)
        assert all([await socket.receive_nothing(timeout=0.1) for socket in allowed])  # still open

    async def test_with_redis_down_connections_are_still_limited(self, redis_down, program_socket, settings):
        settings.PAM_WS_CONNECTIONS_PER_MINUTE = 1
        await program_socket()
        frame = await refused_with(await program_socket(), 4429)
        assert frame["error_code"] == "RATE_LIMIT_EXCEEDED" and frame["retry_after"] >= 1


async def first_delta(socket):
    while (frame := await socket.receive_json_from(timeout=5))["type"] != "chat_response_delta":
        pass
    return frame


@pytest.mark.django_db(transaction=True)
class TestOneTurnPerUser:
    async def test_a_second_tab_cannot_start_a_turn_while_one_runs(self, socket_for, alice, bob, fake_anthropic):
        fake_anthropic.push(text_then_stall("Thinking"), text_reply("Sure."), text_reply("Spring it is."))
        first, second = await socket_for(alice), await socket_for(alice)
        first_id = await send_chat(first, "plan my winter")
        await first_delta(first)
        second_id = await send_chat(second, "and my spring")
        frame = await second.receive_json_from(timeout=5)
        assert frame["error_code"] == "RATE_LIMIT_EXCEEDED" and frame["message_id"] == second_id
        assert frame["retry_after"] == 1
        # bob is not held up by alice's turn
        _, bobs = await chat_turn(await socket_for(bob), "hello")
        assert bobs["status"] == "complete" and bobs["message"] == "Sure."
        await first.send_json_to({"type": "stop", "message_id": first_id})
        while (await first.receive_json_from(timeout=5))["type"] != "chat_response":
            pass
        _, final = await chat_turn(second, "and my spring", message_id=second_id)  # the slot is free again
        assert final["status"] == "complete" and final["message"] == "Spring it is."
        assert [content for _, content in await messages_of(alice)] == [
            "plan my winter", "Thinking", "and my spring", "Spring it is."]

    async def test_the_slot_is_freed_when_a_turn_fails(self, socket_for, alice, fake_anthropic):
        fake_anthropic.push(text_then_error("Half an"), text_reply("Whole answer."))
        first, second = await socket_for(alice), await socket_for(alice)
        await send_chat(first, "plan my winter")
        while (frame := await first.receive_json_from(timeout=5))["type"] != "error":
            pass
        assert frame["error_code"] == "PROVIDER_UNAVAILABLE"
        _, final = await chat_turn(second, "try again")
        assert final["message"] == "Whole answer."

    async def test_the_slot_is_freed_when_the_socket_closes_mid_turn(self, socket_for, alice, fake_anthropic):
        fake_anthropic.push(text_then_stall("Working"), text_reply("Done."))
        first, second = await socket_for(alice), await socket_for(alice)
        await send_chat(first, "plan my winter")
        await first_delta(first)
        await first.disconnect()
        _, final = await chat_turn(second, "still there?")
        assert final["message"] == "Done."

    async def test_a_program_and_a_browser_of_one_user_share_the_slot(self, socket_for, program_socket, alice,
                                                                      fake_anthropic):
        fake_anthropic.push(text_then_stall("Thinking"))
        browser = await socket_for(alice)
        program = await program_socket()
        await program.send_json_to({"type": "auth", "token": str(AccessToken.for_user(alice))})
        assert (await program.receive_json_from(timeout=5))["type"] == "connection"
        await send_chat(browser, "plan my winter")
        await first_delta(browser)
        await send_chat(program, "and my spring")
        assert (await program.receive_json_from(timeout=5))["error_code"] == "RATE_LIMIT_EXCEEDED"

    async def test_with_redis_down_one_turn_per_user_still_holds(self, redis_down, socket_for, alice,
                                                                  fake_anthropic):
        fake_anthropic.push(text_then_stall("Thinking"))
        first, second = await socket_for(alice), await socket_for(alice)
        await send_chat(first, "plan my winter")
        await first_delta(first)
        await send_chat(second, "and my spring")
        assert (await second.receive_json_from(timeout=5))["error_code"] == "RATE_LIMIT_EXCEEDED"


@pytest.mark.django_db
class TestRestThrottles:
    @pytest.fixture
    def user_rate(self, settings):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "3/min"}}

    def test_the_api_rate_holds_with_redis_down(self, redis_down, user_rate, as_alice):
        assert [as_alice.get(f"{API}/expenses/").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert 19 <= int(as_alice.get(f"{API}/expenses/")["Retry-After"]) <= 20

    def test_a_throttled_client_waits_for_one_token_not_a_whole_window(self, user_rate, as_alice):
        assert [as_alice.get(f"{API}/expenses/").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert 19 <= int(as_alice.get(f"{API}/expenses/")["Retry-After"]) <= 20


class TestSettings:
    @pytest.mark.parametrize("name", ["PAM_WS_FRAMES_PER_MINUTE", "PAM_WS_AUTH_TIMEOUT_SECONDS",
                                      "PAM_LOGIN_FAILURE_LIMIT"])
    def test_a_limit_of_zero_stops_start_up_naming_it(self, name):
        from tests.test_settings import start_django

        result = start_django(DJANGO_DEBUG="1", **{name: "0"})
        assert result.returncode != 0 and name in result.stderr


class TestMessageSize:
    async def test_the_server_refuses_a_huge_message_before_pam_reads_it(self, live_pam, alice):
        """daphne (as deployed) closes the socket with 1009 past 1 MiB; under it, PAM's own cap
        answers MESSAGE_TOO_LARGE and keeps the socket open."""
        import json

        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        base_url, _ = live_pam
        url = base_url.replace("http", "ws", 1) + "/ws/pam/"
        token = str(AccessToken.for_user(alice))
        async with connect(url) as socket:
            await socket.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(await socket.recv())["type"] == "connection"
            await socket.send(json.dumps({"type": "ping", "padding": "x" * 20_000}))
            assert json.loads(await socket.recv())["error_code"] == "MESSAGE_TOO_LARGE"
            await socket.send(json.dumps({"type": "ping"}))
            assert json.loads(await socket.recv()) == {"type": "pong"}
            with pytest.raises(ConnectionClosed) as closed:
                await socket.send("x" * (2 * 1024 * 1024))
                while True:  # PAM would answer MESSAGE_TOO_LARGE; the server hangs up instead
                    frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
                    assert frame.get("error_code") != "MESSAGE_TOO_LARGE", "PAM read the huge message"
        # The close frame (1009, message too big) may be lost to the reset of the send under way.
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
        async with connect(url) as socket:  # the server is fine
            await socket.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(await socket.recv())["type"] == "connection"
