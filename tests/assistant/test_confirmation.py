"""Destructive tools wait for the user's approval (confirm_action), and changes reach every open
page of the user (ui_actions pushes). Real ASGI app, PostgreSQL, Redis; Claude is the fake
Messages API server."""

import datetime
import uuid
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from assistant.models import Message, PendingAction
from finance import services
from finance.models import Expense
from tests.assistant.chat_helpers import chat_turn, of_type
from tests.fakes.anthropic_server import text_reply, tool_use_reply

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def expense_for(user, amount="30.00", category="propane", merchant="AmeriGas"):
    return services.expense_create(user=user, amount=Decimal(amount), category=category,
                                   date=timezone.localdate() - datetime.timedelta(days=1), merchant=merchant)


@database_sync_to_async
def expense_exists(expense_id):
    return Expense.objects.filter(id=expense_id).exists()


async def propose_delete(socket, fake_anthropic, expense_id):
    fake_anthropic.push(
        tool_use_reply("delete_expense", {"expense_id": expense_id}),
        text_reply("I've found it. Approve the deletion and it's gone."),
    )
    frames, final = await chat_turn(socket, "delete the $30 propane expense")
    [tool_call] = of_type(frames, "tool_call")
    return tool_call, final


async def confirm(socket, action_id, approved=True):
    await socket.send_json_to({"type": "confirm_action", "action_id": action_id, "approved": approved})
    while True:
        frame = await socket.receive_json_from(timeout=10)
        if frame["type"] in ("action_result", "error"):
            return frame


class TestDeleteNeedsApproval:
    async def test_the_model_can_only_propose_and_the_user_approves(self, socket_for, alice, fake_anthropic):
        expense = await expense_for(alice)
        socket = await socket_for(alice)
        tool_call, final = await propose_delete(socket, fake_anthropic, expense.id)

        assert tool_call["status"] == "needs_confirmation" and tool_call["action_id"]
        assert tool_call["label"] == "Waiting for your approval"
        assert "$30.00 · propane" in tool_call["summary"]
        assert await expense_exists(expense.id), "nothing is deleted before the user approves"
        # Claude was told it waits for the user, not that it was done.
        result_sent = fake_anthropic.requests[1]["messages"][-1]["content"][0]["content"]
        assert "needs_confirmation" in result_sent and "Nothing has been changed yet" in result_sent

        result = await confirm(socket, tool_call["action_id"])
        assert result["status"] == "done" and result["tool"] == "delete_expense"
        assert result["ui_actions"] == [{"type": "reload_expenses"}]
        assert result["message"] == f"Done. Deleted expense: $30.00 · propane · {expense.date} · AmeriGas."
        assert not await expense_exists(expense.id)

        @database_sync_to_async
        def saved():
            return list(Message.objects.filter(user=alice).order_by("created_at", "id").values_list("role", "content"))
        messages = await saved()
        assert messages[-1] == ("assistant", result["message"]), "the outcome is part of the conversation"

    async def test_cancel_keeps_the_expense_and_an_action_runs_at_most_once(self, socket_for, alice, fake_anthropic):
        expense = await expense_for(alice)
        socket = await socket_for(alice)
        tool_call, _ = await propose_delete(socket, fake_anthropic, expense.id)

        cancelled = await confirm(socket, tool_call["action_id"], approved=False)
        assert cancelled["status"] == "cancelled" and "Nothing was changed" in cancelled["message"]
        again = await confirm(socket, tool_call["action_id"], approved=True)
        assert again["status"] == "cancelled" and again["already_resolved"] is True
        assert await expense_exists(expense.id)

    async def test_an_expired_action_does_not_run(self, socket_for, alice, fake_anthropic):
        expense = await expense_for(alice)
        socket = await socket_for(alice)
        tool_call, _ = await propose_delete(socket, fake_anthropic, expense.id)
        await database_sync_to_async(PendingAction.objects.filter(id=tool_call["action_id"]).update)(
            expires_at=timezone.now() - datetime.timedelta(seconds=1))

        result = await confirm(socket, tool_call["action_id"])
        assert result["status"] == "expired" and await expense_exists(expense.id)

    async def test_bob_cannot_approve_alices_action(self, socket_for, alice, bob, fake_anthropic):
        expense = await expense_for(alice)
        alice_socket = await socket_for(alice)
        tool_call, _ = await propose_delete(alice_socket, fake_anthropic, expense.id)

        bob_socket = await socket_for(bob)
        error = await confirm(bob_socket, tool_call["action_id"])
        assert error["type"] == "error" and error["error_code"] == "NOT_FOUND"
        assert await expense_exists(expense.id)
        status = await database_sync_to_async(lambda: PendingAction.objects.get(id=tool_call["action_id"]).status)()
        assert status == "pending"

    async def test_bob_cannot_even_propose_deleting_alices_expense(self, socket_for, alice, bob, fake_anthropic):
        expense = await expense_for(alice)
        socket = await socket_for(bob)
        tool_call, _ = await propose_delete(socket, fake_anthropic, expense.id)
        assert tool_call["status"] == "error" and "no expense" in tool_call["result"]["error"].lower()
        assert not await database_sync_to_async(PendingAction.objects.exists)()

    async def test_an_unknown_or_malformed_action_gets_a_clear_error(self, socket_for, alice):
        socket = await socket_for(alice)
        error = await confirm(socket, str(uuid.uuid4()))
        assert error["error_code"] == "NOT_FOUND"
        await socket.send_json_to({"type": "confirm_action", "action_id": "nope", "approved": "maybe"})
        frame = await socket.receive_json_from(timeout=5)
        assert frame["error_code"] == "VALIDATION_ERROR" and "action_id" in frame["message"]
        await socket.send_json_to({"type": "ping"})
        assert (await socket.receive_json_from(timeout=5))["type"] == "pong"


class TestOfflineProvider:
    async def test_the_local_provider_finds_the_expense_and_waits_for_approval(self, socket_for, alice):
        doomed = await expense_for(alice)
        kept = await expense_for(alice, category="groceries", merchant="Safeway")
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "delete the $30 propane expense")
        listed, proposed = of_type(frames, "tool_call")
        assert listed["tool"] == "list_expenses" and listed["result"]["count"] == 1
        assert proposed["tool"] == "delete_expense" and proposed["status"] == "needs_confirmation"
        assert final["source"] == "local" and "Tap Approve" in final["message"]
        assert "deleted" not in final["message"].lower()

        result = await confirm(socket, proposed["action_id"])
        assert result["status"] == "done"
        assert not await expense_exists(doomed.id) and await expense_exists(kept.id)


class TestPushes:
    async def test_a_change_reaches_the_users_other_pages_and_nobody_elses(self, socket_for, alice, bob):
        chat_page = await socket_for(alice)
        dashboard = await socket_for(alice)
        bobs_page = await socket_for(bob)

        await chat_turn(chat_page, "spent $23.50 on propane today")
        push = await dashboard.receive_json_from(timeout=5)
        assert push == {"type": "ui_actions", "actions": [{"type": "reload_expenses"}]}
        assert await bobs_page.receive_nothing(timeout=0.5)

    async def test_a_change_made_outside_chat_is_pushed_too(self, socket_for, alice):
        page = await socket_for(alice)
        await database_sync_to_async(services.income_create)(
            user=alice, source="Pension", amount=Decimal("1200"), date=timezone.localdate(), kind="pension")
        assert await page.receive_json_from(timeout=5) == {"type": "ui_actions", "actions": [{"type": "reload_income"}]}
