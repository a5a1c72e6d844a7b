"""What a chat turn costs the database (issue 7): on a cache hit a turn is three statements (save
the message, read the history, save the reply), signing in costs nothing per message, and read
tools take at most two statements each. Counted with pytest-django's query counter on the real
PostgreSQL, Redis and ASGI application."""

import asyncio
import threading
import uuid

import pytest
from prometheus_client import REGISTRY

from assistant import agent
from assistant.consumers import finish_turn, receive_chat
from assistant.context import user_context
from assistant.models import Conversation, Message
from assistant.protocol import ChatFrame
from assistant.registry import call_tool
from assistant.services import ConversationNotFound
from pam_project import rls
from pam_project.worker_threads import in_worker_thread
from tests.assistant.chat_helpers import chat_turn

# Read tools the model calls most, with arguments it would send: each answers in ≤ 2 statements.
READ_TOOLS = [
    ("get_budget_status", {}),
    ("get_budget_status", {"category": "groceries"}),
    ("get_spending_summary", {}),
    ("list_expenses", {"category": "groceries"}),
    ("list_trips", {}),
    ("list_calendar_events", {}),
    ("get_maintenance_due", {}),
    ("find_saved_places", {"text": "Moab"}),
    ("export_expenses", {}),
    ("estimate_travel_time", {"distance_miles": 320}),
]


def chat_frame(text, conversation_id=None):
    return ChatFrame.model_validate({"type": "chat", "message": text, "message_id": str(uuid.uuid4()),
                                     "conversation_id": conversation_id})


def one_turn(user, text, conversation_id=None):
    """The turn's database work as the consumer does it, with a reply in place of the model's."""
    received = receive_chat(user, chat_frame(text, conversation_id), text)
    assert received.created and received.prepared is not None, received
    finish_turn(received.message, agent.TurnState(text="Hello!", provider="local"), "complete", 3, received.turn_lock)
    return received.message


@pytest.fixture
def alice_chatting(alice):
    """Alice in a running conversation, her context cached (the turn before warmed it)."""
    with rls.scope(alice):
        first = one_turn(alice, "hi PAM")
    return alice, first.conversation_id


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: no test transaction around
class TestATurn:
    def test_on_a_cache_hit_a_turn_is_three_statements(self, alice_chatting, django_assert_max_num_queries):
        alice, conversation_id = alice_chatting
        with rls.scope(alice), django_assert_max_num_queries(3) as statements:
            one_turn(alice, "thanks!", conversation_id)
        kinds = [query["sql"].split()[0] for query in statements.captured_queries]
        assert kinds == ["INSERT", "SELECT", "INSERT"], statements.captured_queries  # no BEGIN, no COMMIT
        roles = list(Message.objects.filter(conversation_id=conversation_id).values_list("role", flat=True))
        assert roles == ["user", "assistant", "user", "assistant"]

    def test_a_new_message_moves_its_conversation_up_without_an_update_from_pam(self, alice_chatting):
        alice, conversation_id = alice_chatting
        other = Conversation.objects.create(user=alice, title="later")
        assert Conversation.objects.filter(user=alice).first() == other
        with rls.scope(alice):
            one_turn(alice, "back to this one", conversation_id)
        assert Conversation.objects.filter(user=alice).first().id == conversation_id

    def test_a_conversation_of_someone_else_is_refused_in_the_same_statement(self, alice_chatting, bob):
        _, alices_conversation = alice_chatting
        with rls.scope(bob), pytest.raises(ConversationNotFound):
            receive_chat(bob, chat_frame("hi", alices_conversation), "hi")
        assert not Message.objects.filter(user=bob).exists()
        assert Message.objects.filter(conversation_id=alices_conversation).count() == 2


@pytest.mark.django_db(transaction=True)
class TestOverTheSocket:
    async def test_signing_in_costs_no_statement_per_message(self, socket_for, alice):
        socket = await socket_for(alice)
        await chat_turn(socket, "hi PAM")  # starts the conversation and fills the context cache
        _, first = await chat_turn(socket, "hello again")
        conversation_id = first["conversation_id"]
        before = REGISTRY.get_sample_value("pam_db_statements_total")
        for text in ("good morning", "thanks!", "hi"):
            _, final = await chat_turn(socket, text, conversation_id=conversation_id)
            assert final["type"] == "chat_response" and final["message"]
        # Every statement of every process thread is counted: three per turn, none for the session.
        assert REGISTRY.get_sample_value("pam_db_statements_total") - before == 3 * 3
        await socket.disconnect()

    async def test_the_reply_says_what_the_server_spent(self, socket_for, alice):
        socket = await socket_for(alice)
        _, final = await chat_turn(socket, "hi PAM")
        assert 0 <= final["provider_ms"] <= final["server_ms"]
        assert final["server_ms"] >= final["latency_ms"] - 1
        await socket.disconnect()


class TestReadTools:
    @pytest.mark.parametrize(("tool", "arguments"), READ_TOOLS)
    def test_a_read_tool_takes_at_most_two_statements(self, alice, tool, arguments, django_assert_max_num_queries):
        from assistant.consumers import tool_context

        with rls.scope(alice):
            ctx = tool_context(alice, user_context(alice)["profile"], None, None)
            with django_assert_max_num_queries(2):
                outcome = call_tool(tool, arguments, ctx)
        assert outcome.status == "ok", outcome.result



@pytest.mark.django_db(transaction=True)
class TestWorkerThreads:
    async def test_database_calls_of_two_sockets_run_side_by_side(self, alice, bob):
        # Not queued for the one shared thread of database_sync_to_async's default: two calls
        # meet at a barrier, which a single thread could never pass.
        barrier = threading.Barrier(2, timeout=5)

        def meet(user):
            barrier.wait()
            with rls.scope(user):
                return Message.objects.filter(user=user).count()

        assert await asyncio.gather(in_worker_thread(meet)(alice), in_worker_thread(meet)(bob)) == [0, 0]
