"""Chat and dashboard stay in sync: a change made through the REST API (the dashboard's path) is
in PAM's very next answer, and an open page is told to reload. Real ASGI app, PostgreSQL and Redis;
Claude is the fake Messages API server."""

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from tests.assistant.chat_helpers import chat_turn
from tests.fakes.anthropic_server import text_reply

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def dashboard_adds_expense(user, amount, category, description):
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    response = client.post("/api/v1/expenses/", {"amount": amount, "category": category,
                                                 "description": description}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


async def test_an_expense_added_on_the_dashboard_is_in_pams_next_answer(socket_for, alice, fake_anthropic):
    fake_anthropic.push(text_reply("Your propane is fine."), text_reply("Now it shows the refill."))
    socket = await socket_for(alice)
    await chat_turn(socket, "how is my propane budget?")  # builds and caches alice's context
    first_context = fake_anthropic.requests[0]["system"][1]["text"]
    assert "Blue Rhino swap" not in first_context

    await dashboard_adds_expense(alice, "23.50", "propane", "Blue Rhino swap")
    push = await socket.receive_json_from(timeout=5)
    assert push == {"type": "ui_actions", "actions": [{"type": "reload_expenses"}]}

    await chat_turn(socket, "and now?")
    second_context = fake_anthropic.requests[1]["system"][1]["text"]
    assert "Blue Rhino swap" in second_context and '"23.50"' in second_context


async def test_bobs_dashboard_changes_never_reach_alices_context(socket_for, alice, bob, fake_anthropic):
    fake_anthropic.push(text_reply("ok"))
    await dashboard_adds_expense(bob, "99.00", "fuel", "bob's diesel")
    socket = await socket_for(alice)
    await chat_turn(socket, "hi")
    assert "bob's diesel" not in fake_anthropic.requests[0]["system"][1]["text"]
