"""End to end: the money dashboard in a real browser (Debian's Chromium through Playwright)
against a real daphne process (tests/browser_support.py): budgets with their alert thresholds,
charts, adding, editing and deleting an expense through the REST API, and the live sync: an
expense logged in the chat shows on the open dashboard without a reload.

On failure a screenshot is saved to test-artifacts/ and daphne's output is part of the assertion
message; set PAM_TEST_SCREENSHOTS=1 to keep screenshots of the passing run as well.
"""

import datetime
from decimal import Decimal

from channels.db import database_sync_to_async
from django.utils import timezone
from playwright.async_api import expect

from finance import services
from finance.models import Expense
from tests.browser_support import DENVER, failure_report, keep_screenshot, log_in


def denver_today() -> datetime.date:
    return timezone.now().astimezone(DENVER).date()


@database_sync_to_async
def seed(user) -> None:
    """Alice's money this month: fuel on track, groceries past the alert threshold, dining over
    budget, a propane envelope carrying $40 over from last month, and her pension."""
    today = denver_today()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    services.budget_set(user=user, category="fuel", monthly_limit=Decimal("400"))
    services.budget_set(user=user, category="groceries", monthly_limit=Decimal("200"))
    services.budget_set(user=user, category="dining", monthly_limit=Decimal("100"), alert_threshold_percent=90)
    services.budget_set(user=user, category="propane", monthly_limit=Decimal("100"), rollover=True, today=last_month)
    for amount, category, merchant in [("300", "fuel", "Maverik"), ("170", "groceries", "City Market"),
                                       ("120", "dining", "Moab Brewery")]:
        services.expense_create(user=user, amount=Decimal(amount), category=category, date=today, merchant=merchant)
    services.expense_create(user=user, amount=Decimal("60"), category="propane", date=last_month, merchant="AmeriGas")
    services.income_create(user=user, source="Social Security", amount=Decimal("1500"), date=today, kind="pension")


@database_sync_to_async
def expenses_of(user) -> list[tuple]:
    return list(Expense.objects.filter(user=user).order_by("id").values_list("amount", "category", "merchant"))


CHART_DATA = """id => {
    const chart = window.Chart && window.Chart.getChart(document.getElementById(id));
    return chart ? chart.data.datasets.map(d => ({label: d.label || null, data: d.data})) : null;
}"""


class TestDashboardInTheBrowser:
    async def test_alice_sees_her_budgets_and_charts_edits_expenses_and_sees_chat_expenses_live(
        self, live_pam, browser_page, alice
    ):
        base_url, server_output = live_pam
        page = browser_page
        page_errors = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        await seed(alice)

        async with failure_report(page, "browser-dashboard", server_output, **{"Page errors": lambda: page_errors}):
            await log_in(page, base_url, "/finance/", "alice", "alice-password-123")
            await page.wait_for_selector('body[data-money-ready="1"]')
            await expect(page.locator("#live-status")).to_have_attribute("data-state", "connected")
            await expect(page.get_by_role("link", name="Money")).to_have_attribute("aria-current", "page")

            # Budgets: the right share used, the state, and the alert threshold marked on the bar.
            budgets = page.locator("li.budget")
            await expect(budgets).to_have_count(4)
            expected = {  # category: (state, percent text, threshold, left text)
                "fuel": ("ok", "75% used", "80%", "$100.00 left"),
                "groceries": ("near", "85% used", "80%", "$30.00 left"),
                "dining": ("over", "120% used", "90%", "$20.00 over"),
                "propane": ("ok", "0% used", "80%", "$140.00 left"),
            }
            for category, (state, used, threshold, left) in expected.items():
                budget = page.locator(f'li.budget[data-category="{category}"]')
                await expect(budget).to_have_attribute("data-state", state)
                await expect(budget.locator(".budget__pct")).to_contain_text(used)
                await expect(budget.locator(".budget__left")).to_have_text(left)
                tick = budget.locator(".meter__tick")
                await expect(tick).to_be_visible()
                assert await tick.evaluate("t => t.style.left") == threshold
                meter = budget.locator('[role="meter"]')
                await expect(meter).to_have_attribute("aria-valuetext", f"{used}; alert at {threshold}")
            await expect(page.locator('li.budget[data-category="groceries"] .badge')).to_have_text("Near limit")
            await expect(page.locator('li.budget[data-category="dining"] .badge')).to_have_text("Over budget")
            await expect(page.locator('li.budget[data-category="fuel"] .badge')).to_have_count(0)
            await expect(page.locator('li.budget[data-category="propane"] .budget__carry')).to_contain_text(
                "$40.00 carried over")
            await expect(page.locator("#stat-spent")).to_have_text("$590.00")
            await expect(page.locator("#stat-income")).to_have_text("$1,500.00")
            await expect(page.locator("#stat-net")).to_have_text("$910.00")

            # Charts drawn by the locally served Chart.js, with her figures.
            by_category = await page.evaluate(CHART_DATA, "chart-category")
            assert by_category == [{"label": None, "data": [300, 170, 120]}], by_category
            await expect(page.locator("#category-legend li")).to_have_count(3)
            by_month = await page.evaluate(CHART_DATA, "chart-month")
            assert by_month and len(by_month[0]["data"]) == 6, by_month
            totals = [sum(month) for month in zip(*(d["data"] for d in by_month), strict=True)]
            assert totals[-2:] == [60, 590], totals
            cashflow = await page.evaluate(CHART_DATA, "chart-cashflow")
            assert [d["label"] for d in cashflow] == ["Income", "Expenses"]
            assert cashflow[0]["data"][-1] == 1500 and cashflow[1]["data"][-1] == 590, cashflow
            await expect(page.locator("#cashflow-table tbody tr").first.locator(".net")).to_have_text("$910.00")
            await keep_screenshot(page, "browser-dashboard")

            rows = page.locator("#expense-rows tr")
            await expect(rows).to_have_count(4)

            # Add an expense: the API's validation error shows at the field, then it saves.
            await page.get_by_role("button", name="Add expense").first.click()
            dialog = page.locator("#expense-dialog")
            await expect(dialog).to_be_visible()
            await page.fill("#expense-amount", "0")
            await page.select_option("#expense-category", "supplies")
            await page.fill("#expense-merchant", "Ace Hardware")
            await page.fill("#expense-description", "firewood")
            await dialog.get_by_role("button", name="Add expense").click()
            await expect(page.locator("#expense-amount-error")).to_contain_text("0.01")
            await expect(page.locator("#expense-amount")).to_have_attribute("aria-invalid", "true")
            await page.fill("#expense-amount", "12.34")
            await dialog.get_by_role("button", name="Add expense").click()
            await expect(dialog).to_be_hidden()
            added = page.locator('#expense-rows tr[data-category="supplies"]')
            await expect(added).to_contain_text("Ace Hardware")
            await expect(added).to_contain_text("$12.34")
            await expect(rows).to_have_count(5)
            assert (Decimal("12.34"), "supplies", "Ace Hardware") in await expenses_of(alice)

            # Edit it.
            await added.get_by_role("button", name="Edit").click()
            await expect(dialog).to_be_visible()
            await expect(page.locator("#expense-amount")).to_have_value("12.34")
            await page.fill("#expense-amount", "15")
            await dialog.get_by_role("button", name="Save changes").click()
            await expect(dialog).to_be_hidden()
            await expect(added).to_contain_text("$15.00")
            assert (Decimal("15.00"), "supplies", "Ace Hardware") in await expenses_of(alice)
            await expect(page.locator("#stat-spent")).to_have_text("$605.00")

            # Delete it, after saying yes in the confirm dialog.
            await added.get_by_role("button", name="Delete").click()
            confirm = page.locator("#delete-dialog")
            await expect(confirm).to_be_visible()
            await expect(confirm).to_contain_text("$15.00 supplies at Ace Hardware")
            await confirm.get_by_role("button", name="Delete").click()
            await expect(confirm).to_be_hidden()
            await expect(added).to_have_count(0)
            await expect(rows).to_have_count(4)
            assert [row for row in await expenses_of(alice) if row[1] == "supplies"] == []

            # Live sync: log an expense in the chat (another page, same session); the open
            # dashboard shows it, and the budget it moves, without a reload.
            await page.evaluate("window.__sameDocument = true")
            chat = await page.context.new_page()
            await chat.goto(f"{base_url}/")
            await chat.wait_for_selector('body[data-pam-ready="1"]')
            await expect(chat.locator("#connection-status")).to_have_text("Connected")
            await chat.fill("#composer", "spent $23.50 on propane today")
            await chat.press("#composer", "Enter")
            reply = chat.locator('article.msg[data-role="assistant"][data-status="complete"]')
            await expect(reply.locator('li.tool-card[data-tool="log_expense"][data-status="ok"]')).to_be_visible()

            live_row = page.locator('#expense-rows tr[data-category="propane"][data-amount="23.50"]')
            await expect(live_row).to_be_visible()
            await expect(live_row).to_contain_text("$23.50")
            await expect(page.locator('li.budget[data-category="propane"] .budget__pct')).to_contain_text(
                "16.8% used")
            await expect(page.locator("#stat-spent")).to_have_text("$613.50")
            assert await page.evaluate("window.__sameDocument === true"), "the dashboard reloaded"
            assert [row[:2] for row in await expenses_of(alice)][-1] == (Decimal("23.50"), "propane")
            assert page_errors == []
            await keep_screenshot(page, "browser-dashboard-after-chat")
