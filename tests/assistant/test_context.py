"""The user-context cache on the real Redis: one round trip on a hit, rebuilt after writes."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django_redis import get_redis_connection

from assistant.context import context_invalidate, context_key, local_now, user_context
from finance import services

pytestmark = pytest.mark.django_db


def today_for(user):
    return local_now({"timezone": user.pam_profile.timezone}).date()


class TestUserContext:
    def test_it_builds_the_profile_and_financial_parts(self, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        services.expense_create(user=alice, amount=Decimal("45.20"), category="fuel", date=today_for(alice))
        context = user_context(alice)
        assert context["profile"] == {
            "user_id": alice.id, "username": "alice", "display_name": "Alice", "timezone": "America/Denver",
            "currency": "USD", "units": "imperial", "home_region": "",
        }
        assert context["financial"]["budget_status"]["budgets"][0]["spent"] == "45.20"
        assert context["financial"]["recent_expenses"][0]["amount"] == "45.20"
        assert context["financial"]["this_month"] == {"income": "0.00", "expenses": "45.20", "net": "-45.20"}

    def test_parts_are_cached_in_redis_under_their_keys_with_their_lifetimes(self, alice):
        user_context(alice)
        redis = get_redis_connection("default")
        for part, ttl in (("profile", 600), ("financial", 300), ("travel", 300)):
            key = cache.make_key(context_key(part, alice.id))
            assert 0 < redis.ttl(key) <= ttl

    def test_a_cache_hit_makes_no_database_query(self, alice, django_assert_num_queries):
        user_context(alice)
        with django_assert_num_queries(0):
            user_context(alice)

    def test_a_write_through_a_service_invalidates_the_financial_part(self, alice, django_capture_on_commit_callbacks):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        assert user_context(alice)["financial"]["budget_status"]["budgets"][0]["spent"] == "0.00"
        with django_capture_on_commit_callbacks(execute=True):
            services.expense_create(user=alice, amount=Decimal("30"), category="fuel", date=today_for(alice))
        assert user_context(alice)["financial"]["budget_status"]["budgets"][0]["spent"] == "30.00"

    def test_the_travel_part_holds_vehicle_trip_maintenance_and_calendar(
        self, alice, bob, django_capture_on_commit_callbacks
    ):
        import datetime

        from assistant.services import calendar_event_create
        from travel import services as travel

        today = today_for(alice)
        with django_capture_on_commit_callbacks(execute=True):
            travel.vehicle_create(user=alice, name="Minnie", odometer_miles=45000, rated_mpg=Decimal("10"))
            travel.maintenance_item_create(user=alice, task="Oil change", interval_miles=5000,
                                           last_done_odometer=39000, last_done_on=today)
            travel.trip_create(user=alice, title="Moab", start_date=today + datetime.timedelta(days=3), stops=[
                {"name": "Denver, CO", "latitude": 39.74, "longitude": -104.99},
                {"name": "Moab, UT", "latitude": 38.57, "longitude": -109.55}])
            calendar_event_create(user=alice, title="Dentist", starts_at=local_now({"timezone": "America/Denver"})
                                  + datetime.timedelta(days=2))
        travel_part = user_context(alice)["travel"]
        assert travel_part["vehicle"]["name"] == "Minnie" and travel_part["vehicle"]["odometer_miles"] == 45000
        assert [s["name"] for s in travel_part["trip"]["stops"]] == ["Denver, CO", "Moab, UT"]
        assert [(i["task"], i["state"]) for i in travel_part["maintenance_due"]] == [("Oil change", "overdue")]
        assert [e["title"] for e in travel_part["calendar"]] == ["Dentist"]
        assert user_context(bob)["travel"] == {"today": today_for(bob).isoformat(), "vehicle": None, "trip": None,
                                               "maintenance_due": [], "calendar": []}

        with django_capture_on_commit_callbacks(execute=True):
            travel.odometer_update(user=alice, odometer_miles=45100)
        assert user_context(alice)["travel"]["vehicle"]["odometer_miles"] == 45100

    def test_parts_are_per_user(self, alice, bob):
        services.expense_create(user=alice, amount=Decimal("30"), category="fuel", date=today_for(alice))
        assert user_context(bob)["financial"]["recent_expenses"] == []
        assert user_context(bob)["profile"]["username"] == "bob"

    def test_invalidating_drops_the_named_parts(self, alice):
        user_context(alice)
        context_invalidate(alice.id, "financial")
        assert cache.get(context_key("financial", alice.id)) is None
        assert cache.get(context_key("profile", alice.id)) is not None


class TestWarmContextCacheCommand:
    def test_it_fills_the_cache_for_every_active_user(self, alice, bob, capsys):
        call_command("warm_context_cache")
        for user in (alice, bob):
            assert cache.get(context_key("financial", user.id)) is not None
        assert "2 user(s)" in capsys.readouterr().out

    def test_it_can_warm_one_user(self, alice, bob):
        call_command("warm_context_cache", "--user", str(bob.id))
        assert cache.get(context_key("profile", bob.id)) is not None
        assert cache.get(context_key("profile", alice.id)) is None

    def test_an_unknown_user_is_a_clear_error(self, alice):
        with pytest.raises(CommandError, match="No active user with id 999999"):
            call_command("warm_context_cache", "--user", "999999")


class TestSeedDemoCommand:
    def test_it_creates_a_demo_user_who_can_log_in_with_months_of_money_history(self, client, capsys):
        from assistant.demo import DEMO_PASSWORD, DEMO_USERNAME, HISTORY_DAYS
        from finance.models import Budget, Expense, Income, RecurringExpense

        call_command("seed_demo")
        out = capsys.readouterr().out
        assert f"{DEMO_USERNAME} / {DEMO_PASSWORD}" in out
        signed_in = client.post("/accounts/login/", {"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302 and "_auth_user_id" in client.session
        expenses = Expense.objects.filter(user__username=DEMO_USERNAME)
        assert expenses.count() > 30 and Budget.objects.filter(user__username=DEMO_USERNAME).count() >= 8
        dates = sorted(expenses.values_list("date", flat=True))
        assert (dates[-1] - dates[0]).days == HISTORY_DAYS
        assert len(set(expenses.values_list("category", flat=True))) >= 8
        assert Income.objects.filter(user__username=DEMO_USERNAME, kind="pension").count() >= 3
        starlink = RecurringExpense.objects.get(user__username=DEMO_USERNAME, description="Starlink")
        assert starlink.expenses.count() >= 3, "the bill posted itself every month"
        assert Budget.objects.get(user__username=DEMO_USERNAME, category="groceries").rollover

        from assistant.models import CalendarEvent
        from travel.models import FuelLog, MaintenanceItem, Trip

        demo = {"user__username": DEMO_USERNAME}
        assert FuelLog.objects.filter(**demo).count() >= 5
        assert Expense.objects.filter(**demo, fuel_log__isnull=False).count() == FuelLog.objects.filter(**demo).count()
        assert MaintenanceItem.objects.filter(**demo).count() >= 3
        assert Trip.objects.get(**demo).stops.count() >= 3
        assert CalendarEvent.objects.filter(**demo).count() >= 2

    def test_running_it_again_leaves_the_demo_data_alone(self, capsys):
        from finance.models import Expense

        call_command("seed_demo")
        count = Expense.objects.count()
        call_command("seed_demo")
        assert Expense.objects.count() == count
        assert "already exists" in capsys.readouterr().out
