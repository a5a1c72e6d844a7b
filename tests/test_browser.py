"""End to end: the chat in a real browser (Debian's Chromium through Playwright) against a real
daphne process serving PAM with DEBUG off, manifest static files, the test PostgreSQL database
and Redis (tests/browser_support.py).

On failure a screenshot is saved to test-artifacts/ and daphne's output is part of the assertion
message; set PAM_TEST_SCREENSHOTS=1 to keep a screenshot of the passing run as well.
"""

import asyncio
import datetime
import json
from decimal import Decimal

from channels.db import database_sync_to_async
from django.utils import timezone
from playwright.async_api import expect

from finance.models import Expense
from tests.browser_support import DENVER, failure_report, keep_screenshot, open_chat


@database_sync_to_async
def expenses_of(user):
    return list(Expense.objects.filter(user=user).values("amount", "category", "date"))


def denver_yesterday():
    return timezone.now().astimezone(DENVER).date() - datetime.timedelta(days=1)


class TestChatInTheBrowser:
    async def test_alice_logs_an_expense_by_chatting_and_finds_it_again_after_a_reload(
        self, live_pam, browser_page, alice
    ):
        base_url, server_output = live_pam
        page = browser_page
        frames = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
        page_errors = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))

        async with failure_report(page, "browser-chat", server_output, **{
            "Page errors": lambda: page_errors, "WebSocket frames": lambda: frames[-20:],
        }):
            # Not logged in: the chat sends her to the login page, then back to the chat.
            await open_chat(page, base_url, "alice")
            await expect(page.locator("#welcome")).to_be_visible()

            yesterday_before = denver_yesterday()
            await page.fill("#composer", "I spent $45.20 on groceries yesterday")
            await page.press("#composer", "Enter")

            user_bubble = page.locator('article.msg[data-role="user"]')
            await expect(user_bubble).to_have_count(1)
            await expect(user_bubble.locator(".msg__text")).to_have_text("I spent $45.20 on groceries yesterday")
            reply = page.locator('article.msg[data-role="assistant"][data-status="complete"]')
            await expect(reply).to_have_count(1)
            yesterday_after = denver_yesterday()

            await expect(reply.locator(".msg__text")).to_contain_text("Logged $45.20 for groceries")
            card = reply.locator('li.tool-card[data-tool="log_expense"][data-status="ok"]')
            await expect(card).to_be_visible()
            await expect(card).to_contain_text("$45.20")
            await expect(card).to_contain_text("groceries")
            await expect(page.locator("#composer")).to_have_value("")
            await expect(page.locator("#stop")).to_be_hidden()
            await expect(page.locator("#welcome")).to_have_count(0)

            # The reply streamed in: several deltas, all before the final frame, adding up to it.
            messages = [json.loads(f) for f in frames if isinstance(f, str)]
            types = [m["type"] for m in messages]
            assert "chat_response" in types, types
            end = types.index("chat_response")
            final = messages[end]
            deltas = [m["delta"] for m in messages[:end] if m["type"] == "chat_response_delta"]
            assert len(deltas) > 1, types
            assert "".join(deltas) == final["message"]
            assert final["status"] == "complete" and final["source"] == "local"

            # The expense is really in her books, dated yesterday in her own timezone.
            expenses = await expenses_of(alice)
            assert len(expenses) == 1, expenses
            assert expenses[0]["amount"] == Decimal("45.20")
            assert expenses[0]["category"] == "groceries"
            assert expenses[0]["date"] in {yesterday_before, yesterday_after}

            # The address now names the conversation, and a reload brings the history back.
            conversation_id = final["conversation_id"]
            await expect(page).to_have_url(f"{base_url}/?c={conversation_id}")
            await expect(page.locator(f'#conversation-list a[data-conversation="{conversation_id}"]')).to_have_count(1)
            await keep_screenshot(page, "browser-chat-after-reply")

            await page.reload()
            await page.wait_for_selector('body[data-pam-ready="1"]')
            bubbles = page.locator("article.msg")
            await expect(bubbles).to_have_count(2)
            await expect(bubbles.nth(0)).to_have_attribute("data-role", "user")
            await expect(bubbles.nth(0).locator(".msg__text")).to_have_text("I spent $45.20 on groceries yesterday")
            await expect(bubbles.nth(1)).to_have_attribute("data-role", "assistant")
            await expect(bubbles.nth(1)).to_have_attribute("data-status", "complete")
            await expect(bubbles.nth(1).locator(".msg__text")).to_have_text(final["message"])
            saved_card = bubbles.nth(1).locator('li.tool-card[data-tool="log_expense"][data-status="ok"]')
            await expect(saved_card).to_contain_text("$45.20")
            await expect(page.locator("#welcome")).to_have_count(0)
            assert page_errors == []
            await keep_screenshot(page, "browser-chat-after-reload")

    async def test_alice_deletes_an_expense_only_after_she_approves_it(self, live_pam, browser_page, alice):
        base_url, server_output = live_pam
        page = browser_page
        page_errors = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))

        @database_sync_to_async
        def seed():
            keep = Expense.objects.create(user=alice, amount=Decimal("30.00"), category="groceries",
                                          date=denver_yesterday(), merchant="Safeway")
            doomed = Expense.objects.create(user=alice, amount=Decimal("30.00"), category="propane",
                                            date=denver_yesterday(), merchant="AmeriGas")
            return keep.id, doomed.id

        keep_id, doomed_id = await seed()
        async with failure_report(page, "browser-confirm", server_output, **{"Page errors": lambda: page_errors}):
            await open_chat(page, base_url, "alice")
            await page.fill("#composer", "delete the $30 propane expense")
            await page.press("#composer", "Enter")

            card = page.locator('li.tool-card[data-tool="delete_expense"][data-status="pending"]')
            await expect(card).to_contain_text("Waiting for your approval")
            await expect(card).to_contain_text("$30.00 · propane")
            reply = page.locator('article.msg[data-role="assistant"][data-status="complete"]')
            await expect(reply.locator(".msg__text")).to_contain_text("Tap Approve to delete it")
            assert {e["category"] for e in await expenses_of(alice)} == {"groceries", "propane"}

            # A reload keeps the question open; approving it there works the same.
            await page.reload()
            await page.wait_for_selector('body[data-pam-ready="1"]')
            await expect(page.locator("#connection-status")).to_have_text("Connected")
            card = page.locator('li.tool-card[data-tool="delete_expense"][data-status="pending"]')
            await card.get_by_role("button", name="Approve").click()

            settled = page.locator('li.tool-card[data-tool="delete_expense"][data-status="done"]')
            await expect(settled).to_contain_text("✓ Approved Delete $30.00 · propane")
            await expect(settled.get_by_role("button", name="Approve")).to_have_count(0)
            await expect(settled.get_by_role("button", name="Cancel")).to_have_count(0)
            await expect(settled.get_by_role("button", name="Undo")).to_be_visible()  # for 10 minutes
            note = page.locator('article.msg[data-role="assistant"]').last.locator(".msg__text")
            deleted = f"$30.00 · propane · {denver_yesterday()} · AmeriGas"
            await expect(note).to_have_text(f"Done. Deleted expense: {deleted}.")
            await keep_screenshot(page, "browser-confirm-approved")

            @database_sync_to_async
            def remaining():
                return list(Expense.objects.filter(user=alice).values_list("id", flat=True))

            assert await remaining() == [keep_id]
            assert doomed_id != keep_id and page_errors == []

    async def test_an_alert_appears_in_the_open_chat_and_goes_once_acknowledged(self, live_pam, browser_page, alice):
        from assistant.models import Alert
        from assistant.services import alert_raise

        base_url, server_output = live_pam
        page = browser_page
        async with failure_report(page, "browser-alert", server_output):
            await open_chat(page, base_url, "alice")

            alert = await database_sync_to_async(alert_raise)(
                user=alice, category="budget", severity="high", title="Dining budget nearly spent",
                message="You have spent $255 of $300 (85%) with 9 days to go.", dedup_key="budget:dining:test",
                actions=[{"label": "Show my budget", "message": "how's my dining budget?"}])
            card = page.locator(f'#alerts article.alert[data-alert-id="{alert.id}"]')
            await expect(card).to_contain_text("Dining budget nearly spent")
            await expect(card).to_have_attribute("data-severity", "high")
            await keep_screenshot(page, "browser-alert")

            await card.get_by_role("button", name="Got it").click()
            await expect(card).to_have_count(0)

            @database_sync_to_async
            def read_at():
                return Alert.objects.get(id=alert.id).read_at

            deadline = asyncio.get_running_loop().time() + 5
            while await read_at() is None and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.1)
            assert await read_at() is not None
            await page.reload()
            await page.wait_for_selector('body[data-pam-ready="1"]')
            await expect(page.locator("#connection-status")).to_have_text("Connected")
            await expect(page.locator("#alerts article.alert")).to_have_count(0)
