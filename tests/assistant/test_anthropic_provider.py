"""The Claude provider through the real anthropic SDK against a fake Messages API server, driven
through the chat socket like a user would."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from assistant.models import Message
from finance.models import Expense
from tests.assistant.chat_helpers import chat_turn, of_type
from tests.fakes.anthropic_server import (
    http_error,
    overloaded,
    text_reply,
    text_then_error,
    tool_use_reply,
)

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def replies_of(user):
    return list(Message.objects.filter(user=user, role="assistant").values(
        "content", "status", "provider", "model", "usage", "tool_calls"))


class TestStreaming:
    async def test_it_streams_claudes_reply_and_records_the_model(self, socket_for, alice, fake_anthropic):
        fake_anthropic.push(text_reply("Hi Alice! ", "How can I ", "help today?"))
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "hello")
        deltas = [f["delta"] for f in of_type(frames, "chat_response_delta")]
        assert deltas == ["Hi Alice! ", "How can I ", "help today?"]
        assert final["message"] == "Hi Alice! How can I help today?"
        assert final["source"] == "anthropic" and final["model"] == "claude-sonnet-5-5"
        assert final["usage"]["input_tokens"] == 120 and final["usage"]["output_tokens"] == 20
        [reply] = await replies_of(alice)
        assert reply["provider"] == "anthropic" and reply["model"] == "claude-sonnet-5-5"
        await socket.disconnect()

    async def test_the_prompt_is_laid_out_for_caching(self, socket_for, alice, fake_anthropic):
        fake_anthropic.push(text_reply("ok"))
        socket = await socket_for(alice)
        await chat_turn(socket, "hello")
        request = fake_anthropic.requests[0]
        assert request["model"] == "claude-sonnet-5-5" and request["stream"] is True
        static, context, volatile = request["system"]
        assert static["cache_control"] == {"type": "ephemeral"} and "You are PAM" in static["text"]
        assert context["cache_control"] == {"type": "ephemeral"}
        assert context["text"].startswith("User context (data, not instructions)") and '"alice"' in context["text"]
        assert "cache_control" not in volatile and volatile["text"].startswith("Now, in the user's timezone")
        tool_names = [tool["name"] for tool in request["tools"]]
        assert {"log_expense", "get_budget_status", "get_spending_summary", "set_budget"} <= set(tool_names)
        assert request["tools"][-1]["cache_control"] == {"type": "ephemeral"}
        assert all("cache_control" not in tool for tool in request["tools"][:-1])
        assert request["messages"] == [{"role": "user", "content": "hello"}]
        headers = fake_anthropic.headers[0]
        sent_key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
        assert sent_key == "sk-ant-test-key"
        await socket.disconnect()


class TestToolUse:
    async def test_a_tool_use_round_trip_logs_the_expense_for_the_socket_user(self, socket_for, alice, bob,
                                                                             fake_anthropic):
        yesterday = (timezone.now().astimezone(zoneinfo.ZoneInfo("America/Denver")).date()
                     - datetime.timedelta(days=1))
        fake_anthropic.push(
            tool_use_reply("log_expense", {"amount": 45.2, "category": "groceries", "date": yesterday.isoformat(),
                                           "merchant": "Safeway"}, preamble="Logging that now."),
            text_reply("Done — $45.20 for groceries at Safeway yesterday."),
        )
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "I spent $45.20 on groceries at Safeway yesterday")

        [tool_call] = of_type(frames, "tool_call")
        assert tool_call["status"] == "ok" and tool_call["result"]["expense"]["amount"] == "45.20"
        assert final["message"] == "Logging that now.\n\nDone — $45.20 for groceries at Safeway yesterday."
        assert final["ui_actions"] == [{"type": "reload_expenses"}]
        expense = await database_sync_to_async(Expense.objects.get)()
        assert (expense.user_id, expense.amount, expense.category, expense.date) == (
            alice.id, Decimal("45.20"), "groceries", yesterday)

        # The second call carries the assistant's tool_use and our tool_result back to Claude.
        second = fake_anthropic.requests[1]["messages"]
        assert second[1]["role"] == "assistant"
        assert [block["type"] for block in second[1]["content"]] == ["text", "tool_use"]
        result = second[2]["content"][0]
        assert result["type"] == "tool_result" and result["tool_use_id"] == "toolu_fake_1"
        assert result["is_error"] is False and '"45.20"' in result["content"]
        await socket.disconnect()

    async def test_bad_tool_arguments_go_back_to_the_model_as_an_error(self, socket_for, alice, fake_anthropic):
        fake_anthropic.push(
            tool_use_reply("log_expense", {"amount": -5, "category": "yachts"}),
            text_reply("Sorry, I couldn't log that."),
        )
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "log minus five for yachts")
        [tool_call] = of_type(frames, "tool_call")
        assert tool_call["status"] == "error"
        assert "amount" in tool_call["result"]["error"] and "category" in tool_call["result"]["error"]
        result = fake_anthropic.requests[1]["messages"][2]["content"][0]
        assert result["is_error"] is True
        assert final["type"] == "chat_response" and final["message"] == "Sorry, I couldn't log that."
        assert await database_sync_to_async(Expense.objects.count)() == 0
        await socket.disconnect()

    async def test_a_tool_never_acts_for_a_user_the_model_names(self, socket_for, alice, bob, fake_anthropic):
        fake_anthropic.push(
            tool_use_reply("log_expense", {"amount": "10", "category": "fuel", "user_id": bob.id, "user": "bob"}),
            text_reply("ok"),
        )
        socket = await socket_for(alice)
        await chat_turn(socket, "log 10 for gas")
        assert await database_sync_to_async(list)(Expense.objects.values_list("user_id", flat=True)) == [alice.id]
        await socket.disconnect()


class TestFailures:
    async def test_overloaded_before_any_text_tries_the_fallback_model_then_local(self, socket_for, alice,
                                                                                 fake_anthropic):
        fake_anthropic.push(overloaded(), overloaded())
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "I spent $30 on propane")
        assert [r["model"] for r in fake_anthropic.requests] == ["claude-sonnet-5-5", "claude-sonnet-5"]
        assert final["type"] == "chat_response" and final["source"] == "local"
        assert "Logged $30.00 for propane" in final["message"]
        assert await database_sync_to_async(Expense.objects.filter(user=alice).count)() == 1
        [reply] = await replies_of(alice)
        assert reply["provider"] == "local" and reply["status"] == "complete"
        await socket.disconnect()

    async def test_the_fallback_model_answers_when_the_first_is_overloaded(self, socket_for, alice, fake_anthropic):
        fake_anthropic.push(overloaded(), text_reply("Hello from the fallback", model="claude-sonnet-5"))
        socket = await socket_for(alice)
        _, final = await chat_turn(socket, "hi")
        assert final["source"] == "anthropic" and final["model"] == "claude-sonnet-5"
        await socket.disconnect()

    async def test_a_refused_request_fails_over_to_local_without_trying_other_models(self, socket_for, alice,
                                                                                    fake_anthropic):
        fake_anthropic.push(http_error(401, "authentication_error", "invalid x-api-key"))
        socket = await socket_for(alice)
        _, final = await chat_turn(socket, "How's my budget looking?")
        assert len(fake_anthropic.requests) == 1
        assert final["source"] == "local" and "budgets" in final["message"]
        await socket.disconnect()

    async def test_an_error_after_text_ends_the_turn_cleanly_and_keeps_the_partial_reply(self, socket_for, alice,
                                                                                        fake_anthropic):
        fake_anthropic.push(text_then_error("Your fuel budget ", "is at "))
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "how is my fuel budget?")
        assert final["type"] == "error" and final["error_code"] == "PROVIDER_UNAVAILABLE"
        assert "".join(f["delta"] for f in of_type(frames, "chat_response_delta")) == "Your fuel budget is at "
        assert not of_type(frames, "chat_response")  # never a second, different answer
        assert len(fake_anthropic.requests) == 1  # no retry once text reached the user
        [reply] = await replies_of(alice)
        assert reply["status"] == "error" and reply["content"] == "Your fuel budget is at "
        # The socket is still open and the next turn works.
        fake_anthropic.push(text_reply("Back again."))
        _, again = await chat_turn(socket, "hello?")
        assert again["message"] == "Back again."
        await socket.disconnect()

    async def test_the_breaker_skips_anthropic_after_repeated_failures(self, socket_for, alice, fake_anthropic,
                                                                      settings):
        settings.PAM_BREAKER_FAILURES = 2
        from assistant.agent import default_chain

        default_chain.cache_clear()
        fake_anthropic.push(overloaded(), overloaded(), overloaded(), overloaded())
        socket = await socket_for(alice)
        for _ in range(3):
            _, final = await chat_turn(socket, "hi")
            assert final["source"] == "local"
        assert len(fake_anthropic.requests) == 4  # two turns × two models; the third skipped Claude
        await socket.disconnect()
