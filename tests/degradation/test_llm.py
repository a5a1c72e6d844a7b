"""The model stalls, or the client leaves mid-turn, on a running PAM (issue 7, "Degradation").

Already covered in-process by tests/assistant/test_anthropic_provider.py and test_consumer.py:
an error after text keeps the partial reply, overloaded before the first delta fails over, stop
hangs up upstream. Here, through daphne: a silent stream ends at the read timeout, a stream of
keep-alives at the total timeout, a model silent before its first word fails over, a message is
answered once however often it is resent, and a closed socket hangs up on the model within 1 s.
"""

import asyncio
import time

import pytest

from tests.degradation.conftest import llm_env
from tests.fakes.anthropic_server import silence, text_reply, text_then_silence, text_then_stall

READ_TIMEOUT_SECONDS = 1.0
TOTAL_TIMEOUT_SECONDS = 3.0
HANG_UP_SECONDS = 1.0  # issue 7: "the upstream LLM call is cancelled within 1 s"


@pytest.fixture(scope="module")
def pam_env(fake_llm):
    return llm_env(fake_llm, PAM_LLM_READ_TIMEOUT=str(READ_TIMEOUT_SECONDS),
                   PAM_LLM_TOTAL_TIMEOUT=str(TOTAL_TIMEOUT_SECONDS))


def assistant_messages(postgres, user_id) -> list[tuple]:
    """The user's replies from PAM as ``(status, content, model)``, oldest first."""
    return postgres.query("SELECT status, content, model FROM assistant_message "
                          "WHERE user_id = %s AND role = 'assistant' ORDER BY id", (user_id,))


class TestModelStalls:
    @pytest.mark.parametrize("script", [text_then_silence, text_then_stall], ids=["silent", "keep-alives only"])
    async def test_a_stalled_reply_ends_the_turn_cleanly_and_keeps_what_was_said(
            self, pam, private_postgres, fake_llm, open_chat, user_id, script):
        chat = await open_chat(user_id)
        fake_llm.push(script("Your fuel budget ", "is at "))
        asked = len(fake_llm.requests)
        message_id = await chat.send_chat("how is my fuel budget?")
        reply = await chat.turn_end(message_id)  # the read timeout, or the total one, ends it
        assert reply["type"] == "error" and reply["error_code"] == "PROVIDER_UNAVAILABLE", reply
        assert "".join(f["delta"] for f in chat.of("chat_response_delta", message_id)) == "Your fuel budget is at "
        assert not chat.of("chat_response", message_id)
        assert len(fake_llm.requests) == asked + 1  # text had reached the user: no other model
        assert private_postgres.replies([message_id]) == {message_id: ("error", "Your fuel budget is at ")}
        fake_llm.push(text_reply("Back again."))
        assert (await chat.turn("hello?"))["message"] == "Back again."  # the socket serves on

    async def test_a_model_silent_before_its_first_word_fails_over_and_a_resent_message_is_answered_once(
            self, pam, private_postgres, fake_llm, open_chat, user_id):
        chat = await open_chat(user_id)
        fake_llm.push(silence(), text_reply("Winter in Arizona, then.", model="claude-sonnet-5"))
        asked = len(fake_llm.requests)
        message_id = await chat.send_chat("plan my winter")
        assert await asyncio.to_thread(fake_llm.stalled.wait, 10)  # Claude has the request and says nothing
        await chat.send_chat("plan my winter", message_id=message_id)  # resent while the model is silent
        reply = await chat.turn_end(message_id)
        assert reply["type"] == "chat_response" and reply["model"] == "claude-sonnet-5", reply
        acks = chat.of("message_ack", message_id)
        assert [ack["duplicate"] for ack in acks] == [False, True]

        other_tab = await open_chat(user_id)  # and again later, from another socket
        await other_tab.send_chat("plan my winter", message_id=message_id)
        assert (await other_tab.until(lambda f: f["type"] == "message_ack"))["duplicate"] is True
        await other_tab.ping()
        await chat.ping()

        assert len(chat.of("chat_response", message_id)) == 1 and not other_tab.of("chat_response")
        assert [r["model"] for r in fake_llm.requests[asked:]] == ["claude-sonnet-5-5", "claude-sonnet-5"]
        assert assistant_messages(private_postgres, user_id) == [
            ("complete", "Winter in Arizona, then.", "claude-sonnet-5")]


class TestClientLeaves:
    @pytest.mark.parametrize("how", ["close", "drop"])
    async def test_leaving_mid_turn_hangs_up_on_the_model_within_1_s(
            self, pam, private_postgres, fake_llm, open_chat, user_id, how):
        chat = await open_chat(user_id)
        fake_llm.push(text_then_stall("Let me think ", "about that… "))
        message_id = await chat.send_chat("plan my winter")
        await chat.until(lambda f: f["type"] == "chat_response_delta")
        hang_ups = len(fake_llm.hung_up_at)

        left_at = time.monotonic()
        if how == "close":  # a clean WebSocket close
            await chat.close()
        else:  # the connection just goes (a phone losing signal)
            chat.ws.transport.abort()
        while len(fake_llm.hung_up_at) == hang_ups:
            assert time.monotonic() - left_at < HANG_UP_SECONDS, "the model's stream is still open"
            await asyncio.sleep(0.01)
        assert fake_llm.hung_up_at[hang_ups] - left_at < HANG_UP_SECONDS

        def saved():
            return private_postgres.replies([message_id]).get(message_id)

        deadline = time.monotonic() + 5
        while saved() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert saved() == ("stopped", "Let me think about that… ")
