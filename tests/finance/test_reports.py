"""Reports on the real database: rollover, projections, savings, by-month and cash flow."""

import datetime
from decimal import Decimal

import pytest

from finance import selectors, services
from finance.models import Budget

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)  # day 21 of a 30-day month


def spend(user, amount, category, day=TODAY, **kwargs):
    return services.expense_create(user=user, amount=Decimal(amount), category=category, date=day, **kwargs)


def rollover_budget(user, category, limit, since):
    budget, _ = services.budget_set(user=user, category=category, monthly_limit=Decimal(limit), rollover=True,
                                    today=since)
    return budget


def budget_of(status, category):
    return next(item for item in status["budgets"] if item["category"] == category)


class TestRollover:
    def test_unspent_money_carries_into_the_next_month(self, alice):
        rollover_budget(alice, "groceries", "500", since=datetime.date(2026, 9, 10))
        spend(alice, "420.00", "groceries", datetime.date(2026, 9, 5))   # 80 left
        spend(alice, "470.50", "groceries", datetime.date(2026, 10, 31))  # 29.50 left
        spend(alice, "100.00", "groceries")
        item = budget_of(selectors.budget_status(user=alice, today=TODAY), "groceries")
        assert item["carryover"] == "109.50" and item["available"] == "609.50"
        assert item["remaining"] == "509.50" and item["percent_used"] == 16.4

    def test_overspending_is_taken_from_the_next_month(self, alice):
        rollover_budget(alice, "dining", "200", since=datetime.date(2026, 10, 1))
        spend(alice, "260.00", "dining", datetime.date(2026, 10, 15))
        spend(alice, "100.00", "dining")
        item = budget_of(selectors.budget_status(user=alice, today=TODAY), "dining")
        assert item["carryover"] == "-60.00" and item["available"] == "140.00"
        assert item["remaining"] == "40.00" and item["state"] == "ok"

    def test_an_envelope_emptied_by_last_month_is_over_with_any_spending(self, alice):
        rollover_budget(alice, "dining", "100", since=datetime.date(2026, 10, 1))
        spend(alice, "230.00", "dining", datetime.date(2026, 10, 15))
        spend(alice, "5.00", "dining")
        item = budget_of(selectors.budget_status(user=alice, today=TODAY), "dining")
        assert item["available"] == "-30.00" and item["state"] == "over" and item["remaining"] == "-35.00"

    def test_months_before_rollover_was_switched_on_do_not_count(self, alice):
        spend(alice, "10.00", "fuel", datetime.date(2026, 9, 3))
        rollover_budget(alice, "fuel", "600", since=datetime.date(2026, 10, 2))
        item = budget_of(selectors.budget_status(user=alice, today=TODAY), "fuel")
        assert item["carryover"] == "600.00"  # October's whole limit, September ignored

    def test_a_budget_without_rollover_starts_fresh_each_month(self, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        spend(alice, "100.00", "fuel", datetime.date(2026, 10, 3))
        item = budget_of(selectors.budget_status(user=alice, today=TODAY), "fuel")
        assert (item["rollover"], item["carryover"], item["available"]) == (False, "0.00", "600.00")

    def test_switching_rollover_off_forgets_the_start(self, alice):
        budget = rollover_budget(alice, "fuel", "600", since=datetime.date(2026, 10, 2))
        assert budget.rollover_started_on == datetime.date(2026, 10, 1)
        budget, previous = services.budget_update(user=alice, budget_id=budget.id, rollover=False)
        assert previous == {"rollover": True} and budget.rollover_started_on is None

    def test_bobs_spending_never_moves_alices_envelope(self, alice, bob):
        rollover_budget(alice, "fuel", "600", since=datetime.date(2026, 10, 1))
        spend(bob, "500.00", "fuel", datetime.date(2026, 10, 3))
        assert budget_of(selectors.budget_status(user=alice, today=TODAY), "fuel")["carryover"] == "600.00"


class TestProjection:
    def test_it_extrapolates_the_months_pace(self, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        spend(alice, "420.00", "fuel", datetime.date(2026, 11, 3))  # $20/day over 21 days
        projection = selectors.month_projection(user=alice, today=TODAY)
        fuel = projection["categories"][0]
        assert fuel == {"category": "fuel", "spent": "420.00", "projected": "600.00", "monthly_limit": "600.00",
                        "projected_over": None, "state": "ok"}
        assert (projection["days_elapsed"], projection["days_in_month"]) == (21, 30)

    def test_it_says_how_far_over_the_budget_the_pace_leads(self, alice):
        services.budget_set(user=alice, category="dining", monthly_limit=Decimal("300"))
        spend(alice, "315.00", "dining", datetime.date(2026, 11, 10))  # $15/day → $450
        projection = selectors.month_projection(user=alice, today=TODAY)
        dining = projection["categories"][0]
        assert dining["projected"] == "450.00" and dining["projected_over"] == "150.00"
        assert projection["over_budget"] == ["dining"]

    def test_recurring_bills_are_counted_once_not_extrapolated(self, alice):
        services.recurring_expense_create(user=alice, amount=Decimal("120"), category="connectivity",
                                          starts_on=datetime.date(2026, 11, 1), description="Starlink")
        services.recurring_expense_create(user=alice, amount=Decimal("95"), category="insurance",
                                          starts_on=datetime.date(2026, 10, 28), description="RV insurance")
        services.recurring_post_due(user=alice, today=TODAY)
        projection = {c["category"]: c for c in selectors.month_projection(user=alice, today=TODAY)["categories"]}
        assert projection["connectivity"]["projected"] == "120.00"  # posted on the 1st, not × 30/21
        assert projection["insurance"]["spent"] == "0.00"
        assert projection["insurance"]["projected"] == "95.00"  # still due on the 28th

    def test_the_last_day_of_the_month_projects_what_was_spent(self, alice):
        spend(alice, "33.33", "supplies", datetime.date(2026, 11, 30))
        projection = selectors.month_projection(user=alice, today=datetime.date(2026, 11, 30))
        assert projection["total_projected"] == "33.33" and not projection["is_early"]

    def test_it_rounds_to_cents_half_up(self, alice):
        spend(alice, "10.00", "groceries", datetime.date(2026, 11, 1))
        projection = selectors.month_projection(user=alice, today=datetime.date(2026, 11, 3))
        assert projection["categories"][0]["projected"] == "100.00"
        spend(alice, "0.01", "groceries", datetime.date(2026, 11, 1))  # 10.01 / 3 × 30 = 100.1
        projection = selectors.month_projection(user=alice, today=datetime.date(2026, 11, 3))
        assert projection["categories"][0]["projected"] == "100.10" and projection["is_early"]


class TestSavingsOpportunities:
    def test_it_finds_categories_above_their_three_month_average(self, alice, bob):
        for month in (8, 9, 10):
            spend(alice, "150.00", "dining", datetime.date(2026, month, 12))
            spend(alice, "600.00", "groceries", datetime.date(2026, month, 12))
        spend(alice, "210.00", "dining", datetime.date(2026, 11, 14))      # → 300 projected vs 150
        spend(alice, "420.00", "groceries", datetime.date(2026, 11, 14))   # → 600 projected, on average
        spend(alice, "70.00", "health", datetime.date(2026, 11, 14))       # no history: not judged
        spend(bob, "900.00", "groceries", datetime.date(2026, 11, 14))
        result = selectors.savings_opportunities(user=alice, today=TODAY)
        assert result["baseline_months"] == ["2026-08", "2026-09", "2026-10"]
        assert result["opportunities"] == [{"category": "dining", "average": "150.00", "projected": "300.00",
                                            "difference": "150.00", "percent_above": 100}]
        assert result["potential_savings"] == "150.00"

    def test_small_differences_are_not_opportunities(self, alice):
        for month in (8, 9, 10):
            spend(alice, "100.00", "supplies", datetime.date(2026, month, 12))
        spend(alice, "73.50", "supplies", datetime.date(2026, 11, 14))  # → 105 projected: 5 % above
        assert selectors.savings_opportunities(user=alice, today=TODAY)["opportunities"] == []


class TestSpendingByMonthAndCashflow:
    def test_every_month_is_listed_with_its_categories(self, alice, bob):
        spend(alice, "40.00", "fuel", datetime.date(2026, 9, 30))
        spend(alice, "2.50", "dining", datetime.date(2026, 9, 1))
        spend(alice, "10.00", "fuel", datetime.date(2026, 11, 1))
        spend(bob, "99.00", "fuel", datetime.date(2026, 11, 1))
        first, last = selectors.months_back(TODAY, 3)
        assert (first, last) == (datetime.date(2026, 9, 1), datetime.date(2026, 11, 30))
        months = selectors.spending_by_month(user=alice, first=first, last=last)
        assert months == [
            {"month": "2026-09", "total": "42.50", "by_category": {"dining": "2.50", "fuel": "40.00"}},
            {"month": "2026-10", "total": "0.00", "by_category": {}},
            {"month": "2026-11", "total": "10.00", "by_category": {"fuel": "10.00"}},
        ]

    def test_cashflow_sets_income_against_expenses(self, alice, bob):
        services.income_create(user=alice, source="Pension", amount=Decimal("1200"), date=datetime.date(2026, 10, 1),
                               kind="pension")
        services.income_create(user=alice, source="Freelance", amount=Decimal("300.10"), date=TODAY,
                               kind="freelance")
        services.income_create(user=bob, source="Salary", amount=Decimal("5000"), date=TODAY, kind="salary")
        spend(alice, "1300.00", "campground", datetime.date(2026, 10, 20))
        spend(alice, "100.00", "fuel")
        result = selectors.cashflow(user=alice, first=datetime.date(2026, 10, 1), last=TODAY)
        assert result["months"] == [
            {"month": "2026-10", "income": "1200.00", "expenses": "1300.00", "net": "-100.00"},
            {"month": "2026-11", "income": "300.10", "expenses": "100.00", "net": "200.10"},
        ]
        assert (result["income"], result["expenses"], result["net"]) == ("1500.10", "1400.00", "100.10")


class TestExpenseEdits:
    def test_update_changes_only_the_given_fields_and_reports_what_was_there(self, alice):
        expense = spend(alice, "45.00", "dining", merchant="Safeway")
        updated, previous = services.expense_update(user=alice, expense_id=expense.id, category="groceries",
                                                    amount=Decimal("52"), tags=["Trip:Utah", "trip:utah "])
        assert previous == {"category": "dining", "amount": Decimal("45.00"), "tags": []}
        updated.refresh_from_db()
        assert (updated.category, updated.amount, updated.merchant, updated.tags) == (
            "groceries", Decimal("52.00"), "Safeway", ["trip:utah"])

    def test_bob_can_neither_update_nor_delete_alices_expense(self, alice, bob):
        expense = spend(alice, "45.00", "dining")
        with pytest.raises(type(expense).DoesNotExist):
            services.expense_update(user=bob, expense_id=expense.id, amount=Decimal("1"))
        with pytest.raises(type(expense).DoesNotExist):
            services.expense_delete(user=bob, expense_id=expense.id)
        expense.refresh_from_db()
        assert expense.amount == Decimal("45.00")

    def test_text_and_tag_filters_find_the_right_expenses(self, alice, bob):
        spend(alice, "30.00", "propane", merchant="AmeriGas", location="Moab, UT", tags=["tank"])
        spend(alice, "12.00", "dining", description="coffee in moab")
        spend(bob, "30.00", "propane", merchant="AmeriGas")
        found = selectors.expense_list(user=alice, text="moab")
        assert sorted(e.category for e in found) == ["dining", "propane"]
        assert [e.merchant for e in selectors.expense_list(user=alice, tag="TANK")] == ["AmeriGas"]
        assert selectors.expense_list(user=alice, category="propane", start=TODAY, end=TODAY).count() == 1

    def test_a_second_budget_for_a_category_is_the_same_budget(self, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("700"))
        assert Budget.objects.filter(user=alice).count() == 1
