"""PostgreSQL goes away under a running PAM (issue 7, "Degradation"): turns that need it
meanwhile end with an ``error`` frame on a socket that stays open, the model is never asked about
a message that could not be saved, and chat works again on the same socket within 10 s of
PostgreSQL being back."""

import asyncio
import time

import pytest
import requests

from tests.degradation.conftest import llm_env
from tests.degradation.pg_helpers import RECOVERY_SECONDS, chatting, stalled_turn
from tests.fakes.anthropic_server import text_reply


@pytest.fixture(scope="module")
def pam_env(fake_llm):
    # Claude (the fake) first, so the tests see whether the model was asked. A request waits 2 s
    # for a database connection before it fails (PAM_DB_POOL_TIMEOUT, 10 s by default), so a
    # turn meets the stopped server quickly.
    return llm_env(fake_llm, PAM_DB_POOL_TIMEOUT="2", PAM_HEALTH_TIMEOUT="0.5")


class TestPostgresDown:
    async def test_a_message_that_cannot_be_saved_gets_an_error_never_reaches_the_model_and_chat_recovers(
            self, pam, private_postgres, fake_llm, open_chat, user_id):
        chat = await chatting(open_chat, fake_llm, user_id)
        asked = len(fake_llm.requests)

        await asyncio.to_thread(private_postgres.stop)
        unsaved = await chat.send_chat("I spent $20 on firewood")
        reply = await chat.turn_end(unsaved)
        assert reply["type"] == "error" and reply["error_code"] == "INTERNAL_ERROR", reply
        assert not chat.of("chat_response_start", unsaved)
        await chat.ping()  # the socket stays open

        await asyncio.to_thread(private_postgres.start)
        back_at = time.monotonic()
        fake_llm.push(text_reply("Back again."))
        while True:  # the same socket, a new message until one is answered
            message_id = await chat.send_chat("are you there?")
            reply = await chat.turn_end(message_id, timeout=RECOVERY_SECONDS)
            if reply["type"] == "chat_response":
                break
            assert reply["type"] == "error", reply
            assert time.monotonic() - back_at < RECOVERY_SECONDS, "no answer within 10 s of PostgreSQL's return"
            await asyncio.sleep(0.2)
        assert reply["message"] == "Back again." and time.monotonic() - back_at < RECOVERY_SECONDS
        # One model call since the greeting: for the answered message, none for the firewood.
        assert len(fake_llm.requests) == asked + 1
        assert "firewood" not in str(fake_llm.requests[-1]["messages"])
        assert private_postgres.replies([unsaved, message_id]) == {message_id: ("complete", "Back again.")}

    async def test_a_turn_in_flight_when_postgres_goes_away_ends_with_an_error_frame(
            self, pam, private_postgres, fake_llm, open_chat, user_id):
        chat = await chatting(open_chat, fake_llm, user_id)

        in_flight = await stalled_turn(chat, fake_llm, "plan my winter")
        await asyncio.to_thread(private_postgres.stop)
        fake_llm.release.set()
        # Its reply cannot be saved: the client must not be told that the turn is complete.
        reply = await chat.turn_end(in_flight)
        assert reply["type"] == "error" and reply["message_id"] == in_flight, reply
        assert not chat.of("chat_response", in_flight)
        await chat.ping()

        await asyncio.to_thread(private_postgres.start)
        fake_llm.push(text_reply("Back again."))
        assert (await chat.turn("are you there?", timeout=RECOVERY_SECONDS))["type"] == "chat_response"

    def test_readiness_names_the_database_within_its_own_timeout_not_the_pools(self, pam, private_postgres):
        ready = f"http://127.0.0.1:{pam.port}/health/ready/"
        assert requests.get(ready, timeout=10).status_code == 200
        private_postgres.stop()
        started = time.monotonic()
        response = requests.get(ready, timeout=10)
        waited = time.monotonic() - started
        body = response.json()
        assert response.status_code == 503 and body["failing"] == ["database"], body
        assert body["checks"]["database"] == {"status": "down", "error": "PoolTimeout",
                                              "ms": body["checks"]["database"]["ms"]}
        assert body["checks"]["redis"]["status"] == "ok"
        # A load balancer's probe gets its answer within PAM_HEALTH_TIMEOUT (0.5 s here), not
        # after the 2 s a request waits for a pooled connection.
        assert waited < 1.5, waited
        private_postgres.start()
        deadline = time.monotonic() + RECOVERY_SECONDS
        while requests.get(ready, timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "not ready again within 10 s of PostgreSQL's return"
            time.sleep(0.2)
