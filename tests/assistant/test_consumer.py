"""The chat socket through the real ASGI application, PostgreSQL and Redis, with the offline
provider (no API key in tests)."""

import asyncio
import datetime
import json
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from assistant.models import Conversation, Message
from finance.models import Budget, Expense
from tests.assistant.chat_helpers import (
    chat_turn,
    frames_until_turn_ends,
    next_frame,
    nothing_but_pushes,
    of_type,
    send_chat,
)
from tests.fakes.anthropic_server import text_then_stall

pytestmark = pytest.mark.django_db(transaction=True)

DENVER = zoneinfo.ZoneInfo("America/Denver")


def denver_today():
    return timezone.now().astimezone(DENVER).date()


@database_sync_to_async
def expenses_of(user):
    return list(Expense.objects.filter(user=user).values("amount", "category", "date", "merchant"))


@database_sync_to_async
def messages_of(user):
    return list(Message.objects.filter(user=user).order_by("created_at", "id").values(
        "role", "content", "status", "provider", "tool_calls", "reply_to_id", "client_message_id"))


class TestChatTurn:
    async def test_it_logs_an_expense_and_says_so(self, socket_for, alice):
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "I spent $45.20 on groceries at Safeway yesterday")

        types = [frame["type"] for frame in frames]
        assert types[0] == "message_ack" and types[1] == "chat_response_start"
        assert "tool_call" in types and "chat_response_delta" in types
        assert final["type"] == "chat_response" and final["status"] == "complete"
        assert final["source"] == "local"
        assert {"type": "reload_expenses"} in final["ui_actions"]
        assert "$45.20" in final["message"] and "groceries" in final["message"]
        # Deltas add up to the final text: the page shows exactly what was streamed.
        assert "".join(frame["delta"] for frame in of_type(frames, "chat_response_delta")) == final["message"]

        tool_call = of_type(frames, "tool_call")[0]
        assert tool_call["tool"] == "log_expense" and tool_call["status"] == "ok"
        yesterday = denver_today() - datetime.timedelta(days=1)
        assert (tool_call["label"], tool_call["summary"]) == ("Logged expense", f"$45.20 · groceries · {yesterday}")
        assert [e for e in await expenses_of(alice)] == [{
            "amount": Decimal("45.20"), "category": "groceries",
            "date": denver_today() - datetime.timedelta(days=1), "merchant": "Safeway",
        }]
        saved = await messages_of(alice)
        assert [m["role"] for m in saved] == ["user", "assistant"]
        assert saved[1]["content"] == final["message"] and saved[1]["provider"] == "local"
        assert saved[1]["tool_calls"][0]["tool"] == "log_expense"
        await socket.disconnect()

    async def test_every_frame_of_a_turn_carries_its_message_id(self, socket_for, alice):
        socket = await socket_for(alice)
        message_id = await send_chat(socket, "Add a $50 gas expense")
        frames = await frames_until_turn_ends(socket, message_id)
        assert all(frame["message_id"] == message_id for frame in frames)
        await socket.disconnect()

    async def test_it_reports_the_budget_with_real_figures(self, socket_for, alice):
        @database_sync_to_async
        def seed():
            Budget.objects.create(user=alice, category="fuel", monthly_limit=Decimal("600"))
            Budget.objects.create(user=alice, category="dining", monthly_limit=Decimal("100"))
            Expense.objects.create(user=alice, category="fuel", amount=Decimal("150.25"), date=denver_today())
            Expense.objects.create(user=alice, category="dining", amount=Decimal("95.00"), date=denver_today())

        await seed()
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "How's my budget looking?")
        assert of_type(frames, "tool_call")[0]["tool"] == "get_budget_status"
        assert "$150.25 of $600.00" in final["message"]
        assert "$95.00 of $100.00" in final["message"]
        assert "dining" in final["message"].lower() and "close to the limit" in final["message"]
        await socket.disconnect()

    async def test_a_logged_expense_shows_in_the_next_budget_answer(self, socket_for, alice):
        await database_sync_to_async(Budget.objects.create)(user=alice, category="propane", monthly_limit=80)
        socket = await socket_for(alice)
        _, before = await chat_turn(socket, "What's left in my propane budget?")
        assert "$0.00 of $80.00" in before["message"]
        await chat_turn(socket, "I spent $30 on propane", conversation_id=None)
        _, after = await chat_turn(socket, "What's left in my propane budget?")
        assert "$30.00 of $80.00" in after["message"] and "$50.00 left" in after["message"]
        await socket.disconnect()

    async def test_it_continues_a_conversation(self, socket_for, alice):
        socket = await socket_for(alice)
        _, first = await chat_turn(socket, "hi PAM")
        _, second = await chat_turn(socket, "Add a $50 gas expense", conversation_id=first["conversation_id"])
        assert second["conversation_id"] == first["conversation_id"]
        assert await database_sync_to_async(Conversation.objects.filter(user=alice).count)() == 1
        await socket.disconnect()

    async def test_unknown_wording_writes_nothing_and_says_what_pam_can_do(self, socket_for, alice):
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "I might spend money on a kayak someday")
        assert not of_type(frames, "tool_call")
        assert await expenses_of(alice) == []
        assert "Log an expense" in final["message"]
        await socket.disconnect()

    async def test_it_uses_the_browser_timezone_when_the_profile_has_none(self, socket_for, alice):
        await database_sync_to_async(type(alice.pam_profile).objects.filter(user=alice).update)(timezone="")
        socket = await socket_for(alice)
        tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
        await chat_turn(socket, "Add $120 fuel expense from yesterday", context={"timezone": "Asia/Tokyo"})
        [expense] = await expenses_of(alice)
        assert expense["date"] == timezone.now().astimezone(tokyo).date() - datetime.timedelta(days=1)
        await socket.disconnect()


class TestIdleSockets:
    async def test_an_idle_socket_outlives_the_channel_layers_blocking_pop(self, socket_for, alice):
        # channels-redis waits 5 s per blocking pop on Redis; a socket timeout at or under that
        # (redis-py 8's default) tore every idle socket down after ~5 s.
        socket = await socket_for(alice)
        await asyncio.sleep(6.5)
        _, final = await chat_turn(socket, "hi")
        assert final["type"] == "chat_response"
        await socket.disconnect()


class TestErrorFrames:
    async def expect_error(self, socket, raw, code):
        await socket.send_to(text_data=raw if isinstance(raw, str) else json.dumps(raw))
        frame = await socket.receive_json_from(timeout=5)
        assert frame["type"] == "error" and frame["error_code"] == code, frame
        return frame

    async def test_bad_frames_get_an_error_and_the_socket_stays_open(self, socket_for, alice):
        socket = await socket_for(alice)
        await self.expect_error(socket, "{not json", "VALIDATION_ERROR")
        await self.expect_error(socket, "[1, 2]", "VALIDATION_ERROR")
        await self.expect_error(socket, {"type": "dance"}, "VALIDATION_ERROR")
        await self.expect_error(socket, {"message": "no type"}, "VALIDATION_ERROR")
        bad_id = await self.expect_error(socket, {"type": "chat", "message": "hi", "message_id": "nope"},
                                         "VALIDATION_ERROR")
        assert "message_id" in bad_id["message"]
        empty = await self.expect_error(socket, {"type": "chat", "message": "   ", "message_id": str(uuid.uuid4())},
                                        "VALIDATION_ERROR")
        assert empty["message"] == "The message is empty."
        await socket.send_to(bytes_data=b"\x00\x01")
        assert (await socket.receive_json_from())["error_code"] == "VALIDATION_ERROR"

        # Still open and working.
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from() == {"type": "pong"}
        _, final = await chat_turn(socket, "hi")
        assert final["type"] == "chat_response"
        assert await database_sync_to_async(Message.objects.filter(role="user").count)() == 1
        await socket.disconnect()

    async def test_oversized_messages_are_refused_and_not_saved(self, socket_for, alice):
        socket = await socket_for(alice)
        message_id = str(uuid.uuid4())
        frame = await self.expect_error(
            socket, {"type": "chat", "message": "x" * 4001, "message_id": message_id}, "MESSAGE_TOO_LARGE")
        assert frame["message_id"] == message_id
        await self.expect_error(socket, json.dumps({"type": "ping", "pad": "y" * 20_000}), "MESSAGE_TOO_LARGE")
        assert await messages_of(alice) == []
        _, final = await chat_turn(socket, "x" * 3990 + " hello")  # exactly within the limit is fine
        assert final["type"] == "chat_response"
        await socket.disconnect()

    async def test_a_conversation_that_is_not_yours_is_not_found(self, socket_for, alice, bob):
        conversation = await database_sync_to_async(Conversation.objects.create)(user=alice, title="alice's")
        socket = await socket_for(bob)
        message_id = await send_chat(socket, "Add a $50 gas expense", conversation_id=conversation.id)
        frame = await socket.receive_json_from()
        assert frame == {"type": "error", "error_code": "NOT_FOUND", "message": "That conversation was not found.",
                         "message_id": message_id}
        assert await messages_of(bob) == [] and await expenses_of(bob) == []
        await socket.disconnect()

    async def test_too_many_messages_are_rate_limited_with_retry_after(self, socket_for, alice, settings):
        settings.PAM_CHAT_MESSAGES_PER_MINUTE = 2
        socket = await socket_for(alice)
        await chat_turn(socket, "hi")
        await chat_turn(socket, "hello")
        message_id = await send_chat(socket, "hey there")
        frame = await socket.receive_json_from()
        assert frame["error_code"] == "RATE_LIMIT_EXCEEDED" and frame["message_id"] == message_id
        assert 1 <= frame["retry_after"] <= 60
        assert len(await messages_of(alice)) == 4  # two turns; the third message was not taken
        await socket.disconnect()

    async def test_an_anonymous_socket_is_told_and_closed(self, socket_for):
        socket = await socket_for(None, expect_connection=False)
        frame = await socket.receive_json_from()
        assert frame["error_code"] == "UNAUTHENTICATED"
        closing = await socket.receive_output()
        assert closing == {"type": "websocket.close", "code": 4401}

    async def test_a_foreign_origin_is_refused(self, socket_for, alice):
        socket = await socket_for(alice, origin="https://evil.example", expect_connection=False)
        assert socket.accepted is False


class TestDuplicatesAndStop:
    async def test_a_resent_message_id_is_acknowledged_as_duplicate_and_not_answered_twice(self, socket_for, alice):
        socket = await socket_for(alice)
        message_id = str(uuid.uuid4())
        frames, final = await chat_turn(socket, "I spent $30 on propane", message_id=message_id)
        await send_chat(socket, "I spent $30 on propane", message_id=message_id)
        ack = await next_frame(socket)
        assert ack == {"type": "message_ack", "message_id": message_id,
                       "conversation_id": final["conversation_id"], "duplicate": True}
        assert await nothing_but_pushes(socket, timeout=0.5)
        assert len(await expenses_of(alice)) == 1
        assert [m["role"] for m in await messages_of(alice)] == ["user", "assistant"]
        await socket.disconnect()

    async def test_a_resent_message_id_on_a_new_socket_is_a_duplicate_too(self, socket_for, alice):
        first = await socket_for(alice)
        message_id = str(uuid.uuid4())
        await chat_turn(first, "Add a $50 gas expense", message_id=message_id)
        await first.disconnect()
        second = await socket_for(alice)
        await send_chat(second, "Add a $50 gas expense", message_id=message_id)
        assert (await second.receive_json_from())["duplicate"] is True
        assert await second.receive_nothing(timeout=0.5)
        assert len(await expenses_of(alice)) == 1
        await second.disconnect()

    async def test_stop_cancels_the_running_turn_and_keeps_what_was_said(self, socket_for, alice, fake_anthropic):
        fake_anthropic.push(text_then_stall("Let me think ", "about that… "))
        socket = await socket_for(alice)
        message_id = await send_chat(socket, "plan my winter")
        deltas = ""
        while deltas != "Let me think about that… ":
            frame = await socket.receive_json_from(timeout=5)
            deltas += frame.get("delta", "")
        await socket.send_json_to({"type": "ping"})  # the socket serves frames while the turn runs
        assert await socket.receive_json_from() == {"type": "pong"}
        await socket.send_json_to({"type": "stop", "message_id": message_id})
        final = await socket.receive_json_from(timeout=5)
        assert final["type"] == "chat_response" and final["status"] == "stopped"
        assert final["message"] == "Let me think about that… "
        saved = await messages_of(alice)
        assert saved[1]["status"] == "stopped" and saved[1]["content"] == "Let me think about that… "
        # The upstream request was closed, not left streaming.
        assert await asyncio.to_thread(fake_anthropic.disconnected.wait, 2)
        await socket.disconnect()

    async def test_a_second_message_while_a_turn_runs_is_refused_politely(self, socket_for, alice, fake_anthropic):
        fake_anthropic.push(text_then_stall("Hmm"))
        socket = await socket_for(alice)
        first_id = await send_chat(socket, "plan my winter")
        ack = await socket.receive_json_from()
        assert (await socket.receive_json_from())["type"] == "chat_response_start"
        assert (await socket.receive_json_from(timeout=5))["delta"] == "Hmm"
        await send_chat(socket, "plan my winter", message_id=first_id)  # a resend of the running one
        assert await socket.receive_json_from() == {**ack, "duplicate": True}
        second_id = await send_chat(socket, "hello again")
        frame = await socket.receive_json_from()
        assert frame["error_code"] == "RATE_LIMIT_EXCEEDED" and frame["message_id"] == second_id
        assert frame["retry_after"] == 1
        await socket.send_json_to({"type": "stop", "message_id": first_id})
        assert (await socket.receive_json_from())["status"] == "stopped"
        assert [m["content"] for m in await messages_of(alice)] == ["plan my winter", "Hmm"]
        await socket.disconnect()

    async def test_stop_for_nothing_running_is_not_found(self, socket_for, alice):
        socket = await socket_for(alice)
        await socket.send_json_to({"type": "stop", "message_id": str(uuid.uuid4())})
        assert (await socket.receive_json_from())["error_code"] == "NOT_FOUND"
        await socket.disconnect()

    async def test_disconnecting_mid_turn_saves_the_partial_reply_and_hangs_up_upstream(
        self, socket_for, alice, fake_anthropic
    ):
        fake_anthropic.push(text_then_stall("Working on it"))
        socket = await socket_for(alice)
        await send_chat(socket, "plan my winter")
        while (await socket.receive_json_from(timeout=5))["type"] != "chat_response_delta":
            pass
        await socket.disconnect()
        saved = await messages_of(alice)
        assert [(m["role"], m["status"], m["content"]) for m in saved][1] == ("assistant", "stopped", "Working on it")
        assert await asyncio.to_thread(fake_anthropic.disconnected.wait, 2)


class TestIsolation:
    async def test_bob_cannot_see_or_touch_alices_conversation_or_expenses(self, socket_for, alice, bob):
        alice_socket = await socket_for(alice)
        _, alice_final = await chat_turn(alice_socket, "I spent $45.20 on groceries at Safeway yesterday")
        await alice_socket.disconnect()

        bob_socket = await socket_for(bob)
        # Not through her conversation id…
        message_id = await send_chat(bob_socket, "How's my budget looking?",
                                     conversation_id=alice_final["conversation_id"])
        assert (await bob_socket.receive_json_from())["error_code"] == "NOT_FOUND"
        # …nor through his own questions: his figures do not include hers.
        _, summary = await chat_turn(bob_socket, "How much have I spent this month?")
        assert "$45.20" not in summary["message"] and "haven't logged any" in summary["message"]
        # Resending her message_id does not reveal or replay her message.
        alice_message_id = (await messages_of(alice))[0]["client_message_id"]
        frames, final = await chat_turn(bob_socket, "hi", message_id=str(alice_message_id))
        assert frames[0]["duplicate"] is False and final["type"] == "chat_response"
        await bob_socket.disconnect()
        assert len(await expenses_of(alice)) == 1 and await expenses_of(bob) == []
        assert message_id not in [str(m["client_message_id"]) for m in await messages_of(alice)]
