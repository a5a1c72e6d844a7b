"""Recurring bills and income post themselves on their day, once."""

import datetime
from decimal import Decimal

import pytest

from assistant.context import user_context
from finance import services
from finance.models import Expense, Income, RecurringExpense
from finance.recurrence import next_occurrence, occurrences_between
from tests.conftest import make_user

D = datetime.date


class TestOccurrences:
    def test_a_bill_on_the_31st_falls_on_the_last_day_of_shorter_months(self):
        days = list(occurrences_between(D(2026, 1, 31), "monthly", D(2026, 1, 1), D(2026, 5, 31)))
        assert days == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31)]

    def test_weekly_and_yearly(self):
        assert list(occurrences_between(D(2026, 11, 2), "weekly", D(2026, 11, 10), D(2026, 11, 30))) == [
            D(2026, 11, 16), D(2026, 11, 23), D(2026, 11, 30)]
        assert list(occurrences_between(D(2024, 2, 29), "yearly", D(2024, 1, 1), D(2028, 12, 31))) == [
            D(2024, 2, 29), D(2025, 2, 28), D(2026, 2, 28), D(2027, 2, 28), D(2028, 2, 29)]

    def test_nothing_before_the_start_or_after_the_end(self):
        assert list(occurrences_between(D(2026, 6, 15), "monthly", D(2026, 1, 1), D(2026, 12, 31),
                                        ends_on=D(2026, 8, 20))) == [D(2026, 6, 15), D(2026, 7, 15), D(2026, 8, 15)]

    def test_next_occurrence_is_strictly_after(self):
        assert next_occurrence(D(2026, 1, 31), "monthly", D(2026, 2, 28)) == D(2026, 3, 31)
        assert next_occurrence(D(2026, 12, 5), "monthly", D(2026, 11, 21)) == D(2026, 12, 5)


@pytest.mark.django_db
class TestPosting:
    def test_due_occurrences_post_once_even_when_run_twice(self, alice):
        starlink = services.recurring_expense_create(
            user=alice, amount=Decimal("120"), category="connectivity", starts_on=D(2026, 9, 5),
            description="Starlink", merchant="Starlink")
        assert services.recurring_post_due(user=alice, today=D(2026, 11, 21)) == 3
        assert services.recurring_post_due(user=alice, today=D(2026, 11, 21)) == 0
        posted = Expense.objects.filter(user=alice).order_by("date")
        assert [e.date for e in posted] == [D(2026, 9, 5), D(2026, 10, 5), D(2026, 11, 5)]
        assert {(e.amount, e.category, e.recurring_id) for e in posted} == {
            (Decimal("120.00"), "connectivity", starlink.id)}
        starlink.refresh_from_db()
        assert starlink.next_due_on == D(2026, 12, 5)

    def test_nothing_posts_before_its_day(self, alice):
        services.recurring_income_create(user=alice, amount=Decimal("1200"), source="Pension", kind="pension",
                                         starts_on=D(2026, 11, 22))
        assert services.recurring_post_due(user=alice, today=D(2026, 11, 21)) == 0
        assert services.recurring_post_due(user=alice, today=D(2026, 11, 22)) == 1
        assert Income.objects.get(user=alice).kind == "pension"

    def test_the_day_is_the_owners_local_day(self, alice, django_user_model):
        # 2026-11-22 05:30 UTC is still the 21st in Denver (alice) but the 22nd in Berlin.
        berliner = make_user(django_user_model, "berta", timezone="Europe/Berlin")
        for user in (alice, berliner):
            services.recurring_expense_create(user=user, amount=Decimal("50"), category="insurance",
                                              starts_on=D(2026, 11, 22))
        assert services.recurring_post_due(now=datetime.datetime(2026, 11, 22, 5, 30, tzinfo=datetime.UTC)) == 1
        assert list(Expense.objects.values_list("user__username", flat=True)) == ["berta"]

    def test_an_ended_recurrence_stops(self, alice):
        bill = services.recurring_expense_create(user=alice, amount=Decimal("40"), category="health",
                                                 starts_on=D(2026, 9, 1), ends_on=D(2026, 10, 15))
        assert services.recurring_post_due(user=alice, today=D(2026, 11, 21)) == 2
        bill.refresh_from_db()
        assert not bill.is_active

    def test_only_the_given_users_bills_post(self, alice, bob):
        for user in (alice, bob):
            services.recurring_expense_create(user=user, amount=Decimal("10"), category="other",
                                              starts_on=D(2026, 11, 1))
        services.recurring_post_due(user=alice, today=D(2026, 11, 21))
        assert list(Expense.objects.values_list("user__username", flat=True)) == ["alice"]

    def test_pams_context_includes_bills_that_fell_due(self, alice):
        today = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=2)
        services.recurring_expense_create(user=alice, amount=Decimal("120"), category="connectivity",
                                          starts_on=today.replace(day=1))
        context = user_context(alice)
        recent = context["financial"]["recent_expenses"]
        assert recent and recent[0]["category"] == "connectivity" and recent[0]["recurring"] is True
        assert RecurringExpense.objects.get(user=alice).next_due_on > today


@pytest.mark.django_db
class TestPostRecurringCommand:
    def test_it_posts_what_fell_due_for_everyone_and_says_how_many(self, alice, bob, capsys):
        from django.core.management import call_command

        for user in (alice, bob):
            services.recurring_expense_create(user=user, amount=Decimal("10"), category="other",
                                              starts_on=datetime.date.today() - datetime.timedelta(days=3))
        call_command("post_recurring")
        assert "Posted 2 recurring entries." in capsys.readouterr().out
        call_command("post_recurring")
        assert "Posted 0 recurring entries." in capsys.readouterr().out
