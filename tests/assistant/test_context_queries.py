"""What a context load costs the database (issue 7): nothing on a cache hit, and on a miss a
small fixed number of statements however many expenses the user has (bench/context.py times it)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assistant.context import context_invalidate, local_now, user_context
from assistant.models import CalendarEvent
from finance.models import Budget, Expense, Income, RecurringExpense
from pam_project import rls
from travel.models import MaintenanceItem, Trip, TripStop, Vehicle

pytestmark = pytest.mark.django_db

# Measured: profile 1, recurring check 1, budget status 3 (spending, budgets, rollover carryover),
# cash flow 1, recent expenses 1; primary vehicle 1, trip and its stops 2, maintenance 1, calendar 1.
MISS_STATEMENTS = 12


def give_a_full_life(user, expenses: int) -> None:
    """Rows that make every context part work: budgets (one rolling over), spending, income, a
    recurring bill not yet due, a vehicle with maintenance, a trip with stops, an event."""
    today = local_now({"timezone": user.pam_profile.timezone}).date()
    month = today.replace(day=1)
    Budget.objects.create(user=user, category="fuel", monthly_limit=Decimal("600"))
    Budget.objects.create(user=user, category="groceries", monthly_limit=Decimal("700"), rollover=True,
                          rollover_started_on=(month - datetime.timedelta(days=90)).replace(day=1))
    RecurringExpense.objects.create(user=user, amount=Decimal("120"), category="connectivity", starts_on=month,
                                    next_due_on=month + datetime.timedelta(days=40))
    Income.objects.create(user=user, source="Pension", amount=Decimal("2400"), date=month)
    add_expenses(user, expenses)
    rig = Vehicle.objects.create(user=user, name="Minnie", odometer_miles=45_000, is_primary=True)
    MaintenanceItem.objects.create(user=user, vehicle=rig, task="Oil change", interval_miles=5000,
                                   last_done_odometer=39_000)
    trip = Trip.objects.create(user=user, vehicle=rig, title="Moab", start_date=today,
                               end_date=today + datetime.timedelta(days=5))
    TripStop.objects.bulk_create([TripStop(trip=trip, position=0, name="Denver", latitude=39.7, longitude=-105.0),
                                  TripStop(trip=trip, position=1, name="Moab", latitude=38.6, longitude=-109.6)])
    CalendarEvent.objects.create(user=user, title="Dentist", starts_at=timezone.now() + datetime.timedelta(days=1))


def add_expenses(user, count: int) -> None:
    today = local_now({"timezone": user.pam_profile.timezone}).date()
    Expense.objects.bulk_create(
        Expense(user=user, amount=Decimal("12.50"), category=("fuel", "groceries", "dining")[n % 3],
                date=today - datetime.timedelta(days=n * 3)) for n in range(count))


def statements_of_a_miss(user, django_assert_max_num_queries) -> int:
    context_invalidate(user.id)
    with rls.scope(user), django_assert_max_num_queries(MISS_STATEMENTS) as captured:
        context = user_context(user)
    assert context["financial"]["budget_status"]["budgets"] and context["travel"]["trip"]["stops"]
    assert context["travel"]["vehicle"] and context["travel"]["maintenance_due"] and context["travel"]["calendar"]
    return len(captured)


class TestContextStatements:
    def test_a_cache_hit_sends_no_statement(self, alice, django_assert_max_num_queries):
        give_a_full_life(alice, expenses=50)
        with rls.scope(alice):
            user_context(alice)
            with django_assert_max_num_queries(0):
                context = user_context(alice)
        assert len(context["financial"]["recent_expenses"]) == 5

    def test_a_miss_sends_the_same_few_statements_for_5_or_50_expenses(self, alice, django_assert_max_num_queries):
        give_a_full_life(alice, expenses=5)
        with_5 = statements_of_a_miss(alice, django_assert_max_num_queries)
        add_expenses(alice, 45)
        with_50 = statements_of_a_miss(alice, django_assert_max_num_queries)
        assert with_5 == with_50
