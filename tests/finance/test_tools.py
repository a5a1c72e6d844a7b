"""The finance tools through the registry, as the agent calls them: validation, user scoping and
results."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from assistant.registry import ToolContext, all_tools, call_tool, get_tool
from finance.models import Budget, Expense

pytestmark = pytest.mark.django_db

DENVER = zoneinfo.ZoneInfo("America/Denver")


def context_for(user, now=None):
    return ToolContext(user=user, timezone=DENVER, now=now or timezone.now(), currency="USD")


class TestSchemas:
    def test_every_finance_tool_has_a_description_and_a_json_schema_from_its_model(self):
        for name in ("log_expense", "get_spending_summary", "get_budget_status", "set_budget"):
            schema = get_tool(name).schema()
            assert schema["name"] == name and len(schema["description"]) > 40
            assert schema["input_schema"]["type"] == "object"
        log_schema = get_tool("log_expense").schema()["input_schema"]
        assert set(log_schema["required"]) == {"amount", "category"}
        for tool in all_tools():  # the user comes from the context, never from the model
            names = tool.schema()["input_schema"].get("properties", {})
            assert not [name for name in names if "user" in name or "owner" in name], tool.name


class TestLogExpense:
    def test_it_logs_for_the_context_user_today_by_default(self, alice):
        ctx = context_for(alice)
        outcome = call_tool("log_expense", {"amount": "12.5", "category": "supplies"}, ctx)
        assert outcome.status == "ok" and outcome.ui_actions == [{"type": "reload_expenses"}]
        expense = Expense.objects.get()
        assert (expense.user, expense.amount, expense.date) == (alice, Decimal("12.50"), ctx.today)
        assert outcome.result["expense"]["amount"] == "12.50" and outcome.result["budget"] is None

    def test_today_is_the_users_local_date(self, alice):
        # 03:00 UTC on the 21st is still the evening of the 20th in Denver.
        now = datetime.datetime(2026, 11, 21, 3, 0, tzinfo=datetime.UTC)
        call_tool("log_expense", {"amount": "10", "category": "fuel"}, context_for(alice, now))
        assert Expense.objects.get().date == datetime.date(2026, 11, 20)

    def test_it_includes_the_categorys_budget_standing(self, alice):
        Budget.objects.create(user=alice, category="fuel", monthly_limit=Decimal("100"))
        outcome = call_tool("log_expense", {"amount": "85", "category": "fuel"}, context_for(alice))
        assert outcome.result["budget"]["state"] == "near" and outcome.result["budget"]["remaining"] == "15.00"

    def test_it_refuses_a_future_date_and_writes_nothing(self, alice):
        tomorrow = (timezone.now().astimezone(DENVER) + datetime.timedelta(days=1)).date()
        outcome = call_tool("log_expense", {"amount": "10", "category": "fuel", "date": tomorrow.isoformat()},
                            context_for(alice))
        assert outcome.status == "error" and "future" in outcome.result["error"]
        assert not Expense.objects.exists()

    @pytest.mark.parametrize("arguments,field", [
        ({"amount": "-5", "category": "fuel"}, "amount"),
        ({"amount": "5.123", "category": "fuel"}, "amount"),
        ({"amount": "5", "category": "yachts"}, "category"),
        ({"category": "fuel"}, "amount"),
        ({"amount": "5", "category": "fuel", "date": "not a date"}, "date"),
    ])
    def test_invalid_arguments_come_back_as_a_tool_error_naming_the_field(self, alice, arguments, field):
        outcome = call_tool("log_expense", arguments, context_for(alice))
        assert outcome.status == "error" and field in outcome.result["error"]
        assert not Expense.objects.exists()

    def test_an_unknown_tool_is_an_error_not_an_exception(self, alice):
        outcome = call_tool("delete_everything", {}, context_for(alice))
        assert outcome.status == "error" and "no tool" in outcome.result["error"]


class TestReadsAreScoped:
    def test_bob_sees_none_of_alices_spending_or_budgets(self, alice, bob):
        Budget.objects.create(user=alice, category="fuel", monthly_limit=Decimal("600"))
        call_tool("log_expense", {"amount": "45.20", "category": "fuel"}, context_for(alice))
        summary = call_tool("get_spending_summary", {"period": "this_month"}, context_for(bob)).result
        status = call_tool("get_budget_status", {}, context_for(bob)).result
        assert summary["total"] == "0.00" and summary["by_category"] == []
        assert status["budgets"] == [] and status["total_spent"] == "0.00"

    def test_set_budget_changes_only_the_context_users_budget(self, alice, bob):
        Budget.objects.create(user=alice, category="fuel", monthly_limit=Decimal("600"))
        outcome = call_tool("set_budget", {"category": "fuel", "monthly_limit": "200"}, context_for(bob))
        assert outcome.result["previous_limit"] is None
        assert Budget.objects.get(user=alice).monthly_limit == Decimal("600.00")
        assert Budget.objects.get(user=bob).monthly_limit == Decimal("200.00")


class TestSpendingSummaryArguments:
    def test_it_takes_explicit_dates(self, alice):
        call_tool("log_expense", {"amount": "10", "category": "fuel"}, context_for(alice))
        today = context_for(alice).today.isoformat()
        result = call_tool("get_spending_summary", {"start_date": today, "end_date": today}, context_for(alice))
        assert result.result["total"] == "10.00" and result.result["period"] is None

    @pytest.mark.parametrize("arguments", [
        {"start_date": "2026-11-01"},
        {"start_date": "2026-11-05", "end_date": "2026-11-01"},
        {"period": "this_month", "start_date": "2026-11-01", "end_date": "2026-11-02"},
        {"period": "fortnight"},
    ])
    def test_it_rejects_inconsistent_ranges(self, alice, arguments):
        assert call_tool("get_spending_summary", arguments, context_for(alice)).status == "error"


class TestMonthInTheUsersTimezone:
    INSTANT = datetime.datetime(2026, 12, 1, 3, 0, tzinfo=datetime.UTC)  # Nov 30, 8 pm in Denver

    def context(self, user, zone):
        return ToolContext(user=user, timezone=zoneinfo.ZoneInfo(zone), now=self.INSTANT)

    def test_the_projection_and_budgets_follow_the_users_own_calendar(self, alice, charlie):
        for user in (alice, charlie):
            Budget.objects.create(user=user, category="fuel", monthly_limit=Decimal("600"))
            Expense.objects.create(user=user, amount=Decimal("300"), category="fuel", date=datetime.date(2026, 11, 30))
        denver = call_tool("predict_end_of_month", {}, self.context(alice, "America/Denver")).result
        berlin = call_tool("predict_end_of_month", {}, self.context(charlie, "Europe/Berlin")).result
        assert (denver["month"], denver["days_elapsed"], denver["total_projected"]) == ("2026-11", 30, "300.00")
        assert (berlin["month"], berlin["days_elapsed"], berlin["total_projected"]) == ("2026-12", 1, "0.00")
        status = call_tool("get_budget_status", {}, self.context(alice, "America/Denver")).result
        assert status["budgets"][0]["spent"] == "300.00" and status["days_left"] == 1

    def test_income_logged_late_in_the_evening_is_dated_that_evening(self, alice):
        outcome = call_tool("log_income", {"amount": "1200", "source": "Pension", "kind": "pension"},
                            self.context(alice, "America/Denver"))
        assert outcome.result["income"]["date"] == "2026-11-30"
