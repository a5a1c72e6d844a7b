"""Whole turns with the offline provider: the real agent loop, the real tools and the database.

A turn is driven through ``assistant.agent.run_turn`` with a chain of the local provider alone,
as the chat consumer does, so the two-step flows (list the expenses the user means, then delete
or change the one that fits) run exactly as in the app. The user's local day is a Saturday,
2026-11-21, in Denver.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from assistant.models import PendingAction
from assistant.services import action_resolve
from finance.models import Budget, Expense, Income, RecurringExpense, RecurringIncome
from finance.services import expense_create
from tests.assistant.local_turns import TODAY, chat, context_for, tools_called

# The agent runs tools through database_sync_to_async (another thread): rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

DENVER = zoneinfo.ZoneInfo("America/Denver")
YESTERDAY = TODAY - datetime.timedelta(days=1)


def spend(user, amount, category, date, **fields) -> Expense:
    return expense_create(user=user, amount=Decimal(amount), category=category, date=date, **fields)


class TestDeleteExpenseFlow:
    def test_it_lists_then_proposes_deleting_the_one_that_fits(self, alice):
        propane = spend(alice, "30", "propane", datetime.date(2026, 11, 3), merchant="AmeriGas")
        spend(alice, "30", "groceries", datetime.date(2026, 11, 3), merchant="Safeway")

        state = chat(alice, "delete the $30 propane expense")

        listing, proposal = state.tool_calls
        assert listing["tool"] == "list_expenses"
        assert (listing["input"]["amount"], listing["input"]["category"]) == ("30.00", "propane")
        assert [expense["id"] for expense in listing["result"]["expenses"]] == [propane.id]
        assert proposal["tool"] == "delete_expense" and proposal["input"] == {"expense_id": propane.id}
        assert proposal["status"] == "needs_confirmation"
        assert state.text == ("I found the $30.00 propane expense from Nov 3 (AmeriGas). "
                              "Tap Approve to delete it, or Cancel to keep it.")
        assert Expense.objects.filter(user=alice).count() == 2
        action = PendingAction.objects.get(user=alice)
        assert (action.tool, action.arguments, action.status) == ("delete_expense", {"expense_id": propane.id},
                                                                   "pending")

    def test_only_the_users_approval_deletes_it_and_only_that_one(self, alice):
        spend(alice, "30", "propane", datetime.date(2026, 11, 3), merchant="AmeriGas")
        groceries = spend(alice, "30", "groceries", datetime.date(2026, 11, 3))
        chat(alice, "delete the $30 propane expense")
        action = PendingAction.objects.get(user=alice)

        resolution = action_resolve(user=alice, action_id=action.id, approved=True, ctx=context_for(alice))

        assert resolution.status == "done"
        assert list(Expense.objects.filter(user=alice)) == [groceries]

    def test_cancel_keeps_the_expense(self, alice):
        propane = spend(alice, "30", "propane", datetime.date(2026, 11, 3))
        chat(alice, "delete the $30 propane expense")

        action_resolve(user=alice, action_id=PendingAction.objects.get().id, approved=False, ctx=context_for(alice))

        assert Expense.objects.filter(id=propane.id).exists()

    def test_bob_saying_the_same_never_finds_alices_expense(self, alice, bob):
        propane = spend(alice, "30", "propane", datetime.date(2026, 11, 3), merchant="AmeriGas")

        state = chat(bob, "delete the $30 propane expense")

        assert tools_called(state) == ["list_expenses"]
        assert state.tool_calls[0]["result"]["count"] == 0
        assert state.text == ("I couldn't find a $30.00 propane expense in the last 90 days, "
                              "so I haven't deleted anything.")
        assert Expense.objects.filter(id=propane.id).exists() and not PendingAction.objects.exists()

    def test_it_asks_which_one_when_several_fit_and_proposes_nothing(self, alice):
        spend(alice, "30", "propane", datetime.date(2026, 11, 3), merchant="AmeriGas")
        spend(alice, "30", "propane", datetime.date(2026, 11, 10))

        state = chat(alice, "delete the $30 propane expense")

        assert tools_called(state) == ["list_expenses"] and not PendingAction.objects.exists()
        assert state.text.startswith("2 expenses fit that, so I haven't deleted anything yet:")
        assert "• Nov 10 — $30.00 propane" in state.text and "• Nov 3 — $30.00 propane at AmeriGas" in state.text
        assert "Which one should I delete?" in state.text

    def test_that_last_expense_is_the_newest(self, alice):
        spend(alice, "12", "dining", datetime.date(2026, 11, 19))
        newest = spend(alice, "64.10", "fuel", YESTERDAY, merchant="Love's")

        state = chat(alice, "delete that last expense")

        assert state.tool_calls[-1]["input"] == {"expense_id": newest.id}
        assert state.text.startswith("I found the $64.10 fuel expense from yesterday (Love's).")

    def test_yesterdays_dinner_is_not_the_one_from_the_day_before(self, alice):
        spend(alice, "40", "dining", TODAY - datetime.timedelta(days=2), description="dinner")
        dinner = spend(alice, "38.50", "dining", YESTERDAY, description="dinner")

        state = chat(alice, "remove yesterday's dinner expense")

        assert state.tool_calls[-1]["tool"] == "delete_expense"
        assert state.tool_calls[-1]["input"] == {"expense_id": dinner.id}

    def test_it_does_not_delete_several_at_once(self, alice):
        spend(alice, "30", "fuel", YESTERDAY)

        state = chat(alice, "delete all my fuel expenses")

        assert state.tool_calls == [] and "one expense at a time" in state.text
        assert Expense.objects.count() == 1


class TestUpdateExpenseFlow:
    def test_it_changes_the_amount_of_yesterdays_groceries(self, alice):
        groceries = spend(alice, "45.20", "groceries", YESTERDAY, merchant="Safeway")
        spend(alice, "45.20", "groceries", TODAY - datetime.timedelta(days=3))

        state = chat(alice, "change the groceries expense from yesterday to $52")

        assert tools_called(state) == ["list_expenses", "update_expense"]
        assert state.tool_calls[1]["input"]["expense_id"] == groceries.id
        groceries.refresh_from_db()
        assert groceries.amount == Decimal("52.00")
        assert sorted(Expense.objects.values_list("amount", flat=True)) == [Decimal("45.20"), Decimal("52.00")]
        assert state.text == ("Updated the $52.00 groceries expense from yesterday (Safeway): "
                              "amount $45.20 → $52.00.")

    def test_that_last_expense_was_actually_changes_the_newest(self, alice):
        older = spend(alice, "20", "dining", datetime.date(2026, 11, 18))
        newest = spend(alice, "45", "groceries", YESTERDAY)

        chat(alice, "that last expense was actually $52")

        newest.refresh_from_db()
        older.refresh_from_db()
        assert (newest.amount, older.amount) == (Decimal("52.00"), Decimal("20.00"))

    def test_it_moves_the_safeway_one_to_groceries(self, alice):
        safeway = spend(alice, "63.18", "dining", datetime.date(2026, 11, 12), merchant="Safeway")
        dinner = spend(alice, "30", "dining", datetime.date(2026, 11, 12), merchant="Denny's")

        state = chat(alice, "the Safeway one was groceries, not dining")

        safeway.refresh_from_db()
        dinner.refresh_from_db()
        assert (safeway.category, dinner.category) == ("groceries", "dining")
        assert state.text.endswith(": category dining → groceries.")

    def test_asking_for_what_it_already_says_changes_nothing(self, alice):
        spend(alice, "52", "groceries", YESTERDAY)

        state = chat(alice, "that last expense was actually $52")

        assert tools_called(state) == ["list_expenses"]
        assert state.text == ("The $52.00 groceries expense from yesterday already says that, "
                              "so I haven't changed anything.")

    def test_several_candidates_get_a_question_not_a_write(self, alice):
        spend(alice, "45.20", "groceries", YESTERDAY)
        spend(alice, "12.00", "groceries", YESTERDAY)

        state = chat(alice, "change the groceries expense from yesterday to $52")

        assert tools_called(state) == ["list_expenses"] and "Which one should I change?" in state.text
        assert not Expense.objects.filter(amount=Decimal("52")).exists()

    def test_bob_cannot_correct_alices_expense(self, alice, bob):
        expense = spend(alice, "45", "groceries", YESTERDAY)

        state = chat(bob, "that last expense was actually $52")

        assert tools_called(state) == ["list_expenses"]
        assert state.text == "I couldn't find any expenses in the last 90 days, so I haven't changed anything."
        expense.refresh_from_db()
        assert expense.amount == Decimal("45.00")


class TestIncomeFlow:
    def test_social_security_on_the_3rd_is_a_pension_on_nov_3(self, alice):
        state = chat(alice, "my Social Security of $1,850 came in on the 3rd")

        income = Income.objects.get(user=alice)
        assert (income.amount, income.kind, income.source, income.date) == (
            Decimal("1850.00"), "pension", "Social Security", datetime.date(2026, 11, 3))
        assert state.text.startswith("Logged $1,850.00 from Social Security on Tuesday, Nov 3.")
        assert "This month so far: $1,850.00 in, $0.00 out ($1,850.00 net)." in state.text

    def test_a_pension_every_month_on_the_1st_repeats(self, alice):
        state = chat(alice, "My pension of $1,200 comes every month on the 1st")

        recurring = RecurringIncome.objects.get(user=alice)
        assert (recurring.frequency, recurring.starts_on, recurring.next_due_on) == (
            "monthly", datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))
        assert Income.objects.get(user=alice).date == datetime.date(2026, 11, 1)
        assert "It repeats every month; the next one will be logged on Tuesday, Dec 1." in state.text

    def test_income_that_has_not_arrived_is_not_logged(self, alice):
        state = chat(alice, "I'll get my pension of $1,200 next week")

        assert state.tool_calls == [] and not Income.objects.exists()
        assert "haven't logged" in state.text


class TestRepeatingBillFlow:
    def test_starlink_every_month_posts_today_and_repeats(self, alice):
        state = chat(alice, "Starlink is $120 every month")

        recurring = RecurringExpense.objects.get(user=alice)
        assert (recurring.category, recurring.amount, recurring.frequency) == (
            "connectivity", Decimal("120.00"), "monthly")
        assert Expense.objects.get(user=alice).date == TODAY
        assert state.text.startswith("Logged $120.00 for connectivity today. It repeats every month; "
                                     "the next one will be logged on Monday, Dec 21.")

    def test_a_bill_starting_later_posts_nothing_yet(self, alice):
        state = chat(alice, "log my $95 insurance every month starting Dec 1")

        assert RecurringExpense.objects.get(user=alice).starts_on == datetime.date(2026, 12, 1)
        assert not Expense.objects.exists()
        assert state.text == ("Set up a repeating bill of $95.00 every month, starting Tuesday, Dec 1. "
                              "Nothing is logged until then.")


class TestReadFlows:
    def test_it_lists_this_weeks_fuel_only(self, alice, bob):
        spend(alice, "98.40", "fuel", YESTERDAY, merchant="Love's", description="diesel")
        spend(alice, "60", "fuel", datetime.date(2026, 11, 10))  # last week
        spend(alice, "20", "dining", YESTERDAY)
        spend(bob, "77", "fuel", YESTERDAY)

        state = chat(alice, "show my fuel expenses this week")

        assert state.text == ("You have 1 fuel expense this week, $98.40 in all:\n"
                              "• yesterday — $98.40 fuel at Love's (diesel)")

    def test_the_projection_names_the_budget_heading_over(self, alice):
        Budget.objects.create(user=alice, category="fuel", monthly_limit=Decimal("600"))
        spend(alice, "546", "fuel", datetime.date(2026, 11, 10))  # 26 a day for 21 days → 780 by the 30th

        state = chat(alice, "will I stay under budget this month?")

        assert tools_called(state) == ["predict_end_of_month"]
        assert state.text.startswith(
            "At this pace you'll spend about $780.00 on fuel, $180.00 over its $600.00 budget.")

    def test_savings_compare_this_month_with_the_usual(self, alice):
        for month in (8, 9, 10):
            spend(alice, "150", "dining", datetime.date(2026, month, 15))
        spend(alice, "210", "dining", datetime.date(2026, 11, 14))  # heading for 300

        state = chat(alice, "where can I save money?")

        assert "• Dining: about $300.00 this month vs $150.00 usually (+$150.00, 100% more)" in state.text
        assert "(your average for Aug–Oct)" in state.text

    def test_the_export_reply_gives_the_link(self, alice):
        spend(alice, "40", "fuel", datetime.date(2026, 10, 5))
        spend(alice, "25", "dining", datetime.date(2026, 10, 20))

        state = chat(alice, "export my expenses for last month")

        url = state.tool_calls[0]["result"]["url"]
        assert "start=2026-10-01" in url and "end=2026-10-31" in url
        assert state.text == f"Here's your CSV of 2 expenses from Oct 1 to Oct 31 ($65.00 in all): {url}"


class TestRolloverBudgetsInReplies:
    """A rollover budget's month is its limit plus what carried over: the reply says both, so its
    figures add up (spent + left = what the month has)."""

    @pytest.fixture
    def groceries(self, alice):
        budget = Budget.objects.create(user=alice, category="groceries", monthly_limit=Decimal("400"), rollover=True,
                                       rollover_started_on=datetime.date(2026, 10, 1))
        spend(alice, "300", "groceries", datetime.date(2026, 10, 12))  # $100 left in October rolls over
        return budget

    def test_logging_an_expense_says_what_the_month_has_with_the_carryover(self, alice, groceries):
        state = chat(alice, "spent $45 on groceries yesterday")
        assert "That's $45.00 of the $500.00 you have for groceries this month ($400.00 budget + $100.00 " \
               "rolled over, 9% used), $455.00 left." in state.text

    def test_the_budget_status_line_adds_up_too(self, alice, groceries):
        spend(alice, "120", "groceries", YESTERDAY)
        state = chat(alice, "how are my budgets?")
        assert "Groceries: $120.00 of $500.00 (24%; $400.00 budget + $100.00 rolled over) — $380.00 left" in state.text
