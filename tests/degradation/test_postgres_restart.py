"""PostgreSQL restarts under a running PAM (issue 7, "Degradation"): the connections it cut are
not handed out again, so a turn in flight keeps its reply and the next message is answered."""

import asyncio

import pytest

from tests.degradation.conftest import llm_env
from tests.degradation.pg_helpers import RECOVERY_SECONDS, chatting, stalled_turn
from tests.fakes.anthropic_server import text_reply


@pytest.fixture(scope="module")
def pam_env(fake_llm):
    return llm_env(fake_llm)  # PAM's own pool settings: how long a request waits for a connection included


class TestPostgresRestarts:
    async def test_a_restart_mid_turn_loses_nothing_and_the_next_message_just_works(
            self, pam, private_postgres, fake_llm, open_chat, user_id):
        chat = await chatting(open_chat, fake_llm, user_id)

        in_flight = await stalled_turn(chat, fake_llm, "plan my winter")
        await asyncio.to_thread(private_postgres.restart)  # every connection PAM held is cut
        fake_llm.release.set()
        reply = await chat.turn_end(in_flight, timeout=RECOVERY_SECONDS)
        assert reply["type"] == "chat_response" and reply["reply_id"] is not None, reply
        assert private_postgres.replies([in_flight]) == {in_flight: ("complete", "Thinking about your winter.")}

        # The next message is answered at the first try.
        fake_llm.push(text_reply("Still here."))
        message_id = await chat.send_chat("are you there?")
        reply = await chat.turn_end(message_id, timeout=RECOVERY_SECONDS)
        assert reply["type"] == "chat_response" and reply["message"] == "Still here.", reply
        assert private_postgres.replies([message_id]) == {message_id: ("complete", "Still here.")}
