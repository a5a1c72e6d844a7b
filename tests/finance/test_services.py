"""Finance services and selectors on the real database, with alice and bob."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from finance import selectors, services
from finance.models import Budget, Expense
from finance.periods import period_range

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)


def spend(user, amount, category, day=TODAY, **kwargs):
    return services.expense_create(user=user, amount=Decimal(amount), category=category, date=day, **kwargs)


class TestExpenseCreate:
    def test_it_saves_the_expense_rounded_to_cents(self, alice):
        expense = spend(alice, "45.205", "groceries", merchant=" Safeway ", description="weekly shop")
        expense.refresh_from_db()
        assert (expense.amount, expense.category, expense.merchant) == (Decimal("45.21"), "groceries", "Safeway")

    def test_it_rejects_a_zero_or_negative_amount(self, alice):
        for amount in ("0", "-3.50"):
            with pytest.raises(ValidationError) as info:
                spend(alice, amount, "fuel")
            assert "amount" in info.value.message_dict
        assert not Expense.objects.exists()

    def test_it_rejects_an_unknown_category(self, alice):
        with pytest.raises(ValidationError) as info:
            spend(alice, "10", "yachts")
        assert "category" in info.value.message_dict

    def test_the_database_enforces_the_rules_too(self, alice):
        with pytest.raises(IntegrityError):
            Expense.objects.create(user=alice, amount=Decimal("-1"), category="fuel", date=TODAY)


class TestBudgetSet:
    def test_it_creates_then_changes_a_budget_and_reports_the_previous_limit(self, alice):
        budget, previous = services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        assert previous is None and budget.alert_threshold_percent == 80
        budget, previous = services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("650.5"),
                                               alert_threshold_percent=90)
        assert previous == Decimal("600.00")
        assert Budget.objects.get(user=alice, category="fuel").monthly_limit == Decimal("650.50")
        assert budget.alert_threshold_percent == 90
        assert Budget.objects.count() == 1

    def test_budgets_are_per_user(self, alice, bob):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        services.budget_set(user=bob, category="fuel", monthly_limit=Decimal("300"))
        assert Budget.objects.get(user=alice).monthly_limit == Decimal("600.00")
        assert Budget.objects.get(user=bob).monthly_limit == Decimal("300.00")

    def test_it_rejects_a_threshold_outside_1_to_100(self, alice):
        with pytest.raises(ValidationError):
            services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"), alert_threshold_percent=120)


class TestSpendingSummary:
    def test_it_totals_by_category_within_the_range_for_the_user_only(self, alice, bob):
        spend(alice, "100.00", "fuel", TODAY)
        spend(alice, "20.50", "fuel", TODAY - datetime.timedelta(days=3))
        spend(alice, "45.20", "groceries", TODAY)
        spend(alice, "999.00", "fuel", datetime.date(2026, 10, 31))  # outside
        spend(bob, "77.00", "fuel", TODAY)  # someone else's
        summary = selectors.spending_summary(user=alice, start=datetime.date(2026, 11, 1), end=TODAY)
        assert summary["total"] == "165.70" and summary["count"] == 3
        assert summary["by_category"] == [
            {"category": "fuel", "total": "120.50", "count": 2},
            {"category": "groceries", "total": "45.20", "count": 1},
        ]

    def test_it_filters_by_category(self, alice):
        spend(alice, "100.00", "fuel")
        spend(alice, "45.20", "groceries")
        summary = selectors.spending_summary(user=alice, start=TODAY, end=TODAY, category="groceries")
        assert summary["total"] == "45.20" and summary["count"] == 1


class TestBudgetStatus:
    def test_it_reports_spent_percent_remaining_and_state_for_this_month(self, alice, bob):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        services.budget_set(user=alice, category="dining", monthly_limit=Decimal("100"))
        services.budget_set(user=alice, category="propane", monthly_limit=Decimal("80"))
        spend(alice, "150.25", "fuel")
        spend(alice, "85.00", "dining")
        spend(alice, "90.00", "propane")
        spend(alice, "22.35", "health")
        spend(alice, "500.00", "fuel", datetime.date(2026, 10, 30))  # last month
        spend(bob, "600.00", "fuel")

        status = selectors.budget_status(user=alice, today=TODAY)
        by_category = {item["category"]: item for item in status["budgets"]}
        assert by_category["fuel"] == {
            "category": "fuel", "monthly_limit": "600.00", "spent": "150.25", "remaining": "449.75",
            "percent_used": 25.0, "alert_threshold_percent": 80, "state": "ok",
            "rollover": False, "carryover": "0.00", "available": "600.00",
        }
        assert by_category["dining"]["state"] == "near" and by_category["dining"]["percent_used"] == 85.0
        assert by_category["propane"]["state"] == "over" and by_category["propane"]["remaining"] == "-10.00"
        assert status["unbudgeted"] == [{"category": "health", "spent": "22.35"}]
        assert status["days_left"] == 10 and status["month"] == "2026-11"
        assert status["total_limit"] == "780.00"
        assert status["total_spent_budgeted"] == "325.25" and status["total_spent"] == "347.60"

    def test_the_month_is_the_users_local_month(self, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("100"))
        spend(alice, "40.00", "fuel", datetime.date(2026, 11, 30))
        spend(alice, "60.00", "fuel", datetime.date(2026, 12, 1))
        november = selectors.budget_status(user=alice, today=datetime.date(2026, 11, 30))
        december = selectors.budget_status(user=alice, today=datetime.date(2026, 12, 1))
        assert november["budgets"][0]["spent"] == "40.00" and november["days_left"] == 1
        assert december["budgets"][0]["spent"] == "60.00" and december["days_left"] == 31


class TestPeriods:
    @pytest.mark.parametrize("period,start,end", [
        ("this_week", "2026-11-16", "2026-11-21"),
        ("this_month", "2026-11-01", "2026-11-21"),
        ("last_month", "2026-10-01", "2026-10-31"),
        ("last_7_days", "2026-11-15", "2026-11-21"),
        ("last_30_days", "2026-10-23", "2026-11-21"),
        ("this_year", "2026-01-01", "2026-11-21"),
    ])
    def test_named_periods_are_inclusive_date_ranges(self, period, start, end):
        assert period_range(period, TODAY) == (datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))

    def test_last_month_in_january_is_last_years_december(self):
        assert period_range("last_month", datetime.date(2027, 1, 5)) == (
            datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))

    def test_an_unknown_period_is_an_error(self):
        with pytest.raises(ValueError):
            period_range("fortnight", TODAY)
