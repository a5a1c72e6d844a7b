"""The five proactive monitors as a user meets them (DESIGN.md, "Proactive monitors"): each run
raises the alert its thresholds call for, once, to the owner of the data only, by their own clock
and month, honouring opt-outs and quiet hours, in as many queries for thirty users as for three.
Every run goes through ``monitor_run`` with an explicit ``now``; Open-Meteo is the local fake."""

import asyncio
import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistant.demo import seed_demo_user
from assistant.models import Alert, Conversation, MonitorRun, Profile
from assistant.monitors import monitor_run
from assistant.push import user_group
from assistant.services import calendar_event_create, calendar_event_update
from finance.services import budget_set, expense_create
from tests.conftest import make_user
from tests.fakes.http_service import Reply
from tests.fakes.open_meteo_server import day
from travel.models import Trip
from travel.services import (
    fuel_log_create,
    maintenance_item_create,
    maintenance_record_create,
    odometer_update,
    trip_create,
    vehicle_create,
    vehicle_update,
)

UTC = datetime.UTC
DENVER = zoneinfo.ZoneInfo("America/Denver")
NOW = datetime.datetime(2026, 11, 21, 19, 0, tzinfo=UTC)  # Sat Nov 21: noon in Denver, 2 pm in New York, 8 pm in Berlin
TODAY = datetime.date(2026, 11, 21)  # alice's, bob's and charlie's local date at NOW
# 03:00 UTC on Sunday Nov 22: still Saturday evening in Denver, already Sunday morning in Berlin.
DENVER_SATURDAY_BERLIN_SUNDAY = datetime.datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def in_days(days: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=days)


def minutes(count: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=count)


def alerts_of(user) -> list[tuple[str, str]]:
    """The user's alerts as ``(category, severity)``, oldest first."""
    return list(Alert.objects.filter(user=user).order_by("id").values_list("category", "severity"))


def the_alert(user, **filters) -> Alert:
    (alert,) = Alert.objects.filter(user=user, **filters)
    return alert


def set_quiet_hours(user, start: datetime.time, end: datetime.time) -> None:
    Profile.objects.filter(user=user).update(quiet_hours_start=start, quiet_hours_end=end)


class Pushes:
    """What the real channel layer hands to a user's open sockets (group ``user.<id>``)."""

    def __init__(self, user):
        self.layer = get_channel_layer()
        self.channel = f"monitor-test.{user.id}"
        async_to_sync(self.layer.group_add)(user_group(user.id), self.channel)

    def alert_ids(self) -> list[int]:
        """The ids of the alerts pushed since the last call, in order."""
        async def drain():
            events = []
            while True:
                try:
                    events.append(await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.3))
                except TimeoutError:
                    return events

        return [event["alert"]["id"] for event in async_to_sync(drain)() if event["type"] == "alert.push"]


# --- Building a user's data through the services -------------------------------------------------

TANK_GALLONS, RATED_MPG = Decimal(50), Decimal(10)  # 500 miles on a full tank: 5 miles is 1 % of it
FILLED_AT = 40_000  # the odometer at the last full fill-up


def rv(user, *, name: str = "", tank: Decimal | None = TANK_GALLONS, odometer: int = FILLED_AT - 300,
       is_primary: bool | None = None):
    return vehicle_create(user=user, name=name or f"{user.username.title()}'s Winnebago", odometer_miles=odometer,
                          tank_capacity_gallons=tank, rated_mpg=RATED_MPG, is_primary=is_primary)


def fill_up(user, vehicle, *, odometer: int = FILLED_AT, gallons: str = "38", is_full: bool = True):
    return fuel_log_create(user=user, vehicle_id=vehicle.id, date=in_days(-1), odometer_miles=odometer,
                           volume_gallons=Decimal(gallons), price_per_gallon=Decimal("3.899"), is_full=is_full)


def drive_to(user, vehicle, odometer: int) -> None:
    odometer_update(user=user, vehicle_id=vehicle.id, odometer_miles=odometer)


def rv_driven_since_filling(user, miles: int, **vehicle_fields):
    """A vehicle filled to the top yesterday at FILLED_AT and driven ``miles`` since."""
    vehicle = rv(user, **vehicle_fields)
    fill_up(user, vehicle)
    drive_to(user, vehicle, FILLED_AT + miles)
    return vehicle


def dining_budget(user, limit: str = "200", *, threshold: int | None = None, **fields):
    return budget_set(user=user, category="dining", monthly_limit=Decimal(limit), alert_threshold_percent=threshold,
                      **fields)[0]


def spend(user, amount: str, *, on: datetime.date = TODAY, category: str = "dining"):
    return expense_create(user=user, amount=Decimal(amount), category=category, date=on, description="Dinner out")


def oil_change(user, *, odometer: int = 50_000, **interval):
    """A vehicle at ``odometer`` tracking an oil change (``interval``: maintenance_item_create's)."""
    vehicle = rv(user, odometer=odometer)
    maintenance_item_create(user=user, vehicle_id=vehicle.id, task="Oil change", **interval)
    return vehicle


def place(name: str, latitude: float, longitude: float) -> dict:
    return {"name": name, "latitude": latitude, "longitude": longitude}


DENVER_CITY = place("Denver", 39.74, -104.99)
GREEN_RIVER = place("Green River", 38.99, -110.16)
MOAB = place("Moab", 38.57, -109.55)


def moab_trip(user, *, starts_in: int = 3, title: str = "Moab getaway", status: str = Trip.Status.PLANNING):
    """Leave Denver on the first day, a night at Green River, arrive in Moab on the third day,
    home on the fifth. With ``starts_in=3``: Tue Nov 24, Wed Nov 25, Thu Nov 26, Sat Nov 28."""
    start = in_days(starts_in)
    return trip_create(user=user, title=title, start_date=start, end_date=start + datetime.timedelta(days=4),
                       status=status, stops=[
                           DENVER_CITY,
                           {**GREEN_RIVER, "arrive_on": start + datetime.timedelta(days=1),
                            "depart_on": start + datetime.timedelta(days=2)},
                           {**MOAB, "arrive_on": start + datetime.timedelta(days=2)},
                       ])


FAIR = day()  # clear sky, 5 % chance of rain, light wind
RAIN = day(61, rain=0.3, rain_chance=80)
STORM = day(95, rain=0.8, rain_chance=90)


def weather_at(fake, stop: dict, by_date: dict[datetime.date, dict], otherwise: dict = FAIR) -> None:
    """The fake Open-Meteo's 14 days at ``stop``: ``by_date``'s day where given, else ``otherwise``."""
    dates = [fake.start_date + datetime.timedelta(days=i) for i in range(14)]
    fake.days_at[(stop["latitude"], stop["longitude"])] = [by_date.get(date, otherwise) for date in dates]


def event_in(user, start_in_minutes: int, *, reminder_minutes: int | None = 60, title: str = "Propane refill"):
    return calendar_event_create(user=user, title=title, starts_at=NOW + minutes(start_in_minutes),
                                 reminder_minutes=reminder_minutes, location="Moab KOA")


# --- What every monitor promises ------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """Data that makes ``monitor`` raise a ``category`` alert: ``build(user, severity)``, with
    severity None for data that is fine."""

    monitor: str
    category: str
    build: Callable
    severities: tuple[str, ...]  # what the data can call for, least severe first


def fuel_for(user, severity):
    rv_driven_since_filling(user, {None: 300, "high": 425, "urgent": 475}[severity])  # 40 %, 15 %, 5 % left


def budget_for(user, severity):
    dining_budget(user, "200")
    spend(user, {None: "100.00", "high": "170.00", "urgent": "195.00"}[severity])


def maintenance_for(user, severity):
    # The vehicle reads 50,000: due at 51,000 (ok), at 50,300 (due soon), at 49,800 (overdue).
    last_done = {None: 46_000, "medium": 45_300, "urgent": 44_800}[severity]
    oil_change(user, interval_miles=5000, last_done_odometer=last_done)


def weather_for(user, severity):
    moab_trip(user, starts_in={None: 10, "low": 3}[severity])  # the fake forecasts fair weather


def departure_for(user, severity):
    moab_trip(user, starts_in={None: 2, "medium": 1}[severity])


SCENARIOS = [
    Scenario("fuel", "fuel", fuel_for, ("high", "urgent")),
    Scenario("budget", "budget", budget_for, ("high", "urgent")),
    Scenario("maintenance", "maintenance", maintenance_for, ("medium", "urgent")),
    Scenario("weather", "weather", weather_for, ("low",)),
    Scenario("context", "trip", departure_for, ("medium",)),
]
every_monitor = pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.monitor)
monitors_with_urgent_alerts = pytest.mark.parametrize(
    "scenario", [s for s in SCENARIOS if "urgent" in s.severities], ids=lambda scenario: scenario.monitor)


@pytest.mark.django_db
@pytest.mark.usefixtures("fake_open_meteo")  # the weather monitor asks it
class TestEveryMonitor:
    @every_monitor
    def test_a_run_is_recorded_with_the_users_it_scanned_and_the_alerts_it_raised(self, scenario, alice):
        scenario.build(alice, scenario.severities[0])
        run = monitor_run(scenario.monitor, now=NOW)
        stored = MonitorRun.objects.get(id=run.id)
        assert (stored.monitor, stored.status, stored.users_scanned, stored.alerts_raised, stored.error) == (
            scenario.monitor, MonitorRun.Status.SUCCEEDED, 1, 1, "")
        assert stored.finished_at >= stored.started_at

    @every_monitor
    def test_a_second_run_raises_nothing_new(self, scenario, alice):
        scenario.build(alice, scenario.severities[0])
        first = monitor_run(scenario.monitor, now=NOW)
        second = monitor_run(scenario.monitor, now=NOW + minutes(5))
        assert (first.alerts_raised, second.alerts_raised) == (1, 0)
        assert alerts_of(alice) == [(scenario.category, scenario.severities[0])]

    @every_monitor
    @pytest.mark.parametrize("alerting", [("alice", "charlie"), ("bob",)], ids=["alice-and-charlie", "bob"])
    def test_each_user_hears_of_their_own_data_only(self, scenario, alerting, alice, bob, charlie):
        users = {"alice": alice, "bob": bob, "charlie": charlie}
        severity = scenario.severities[-1]
        for name, user in users.items():
            scenario.build(user, severity if name in alerting else None)
        run = monitor_run(scenario.monitor, now=NOW)
        assert run.alerts_raised == len(alerting)
        assert {name: alerts_of(user) for name, user in users.items()} == {
            name: [(scenario.category, severity)] if name in alerting else [] for name in users}

    @every_monitor
    def test_an_opted_out_category_raises_nothing(self, scenario, alice, bob):
        Profile.objects.filter(user=alice).update(alert_opt_outs=[scenario.category])
        scenario.build(alice, scenario.severities[0])
        scenario.build(bob, scenario.severities[0])
        assert monitor_run(scenario.monitor, now=NOW).alerts_raised == 1
        assert (alerts_of(alice), alerts_of(bob)) == ([], [(scenario.category, scenario.severities[0])])

    @every_monitor
    def test_quiet_hours_hold_the_alert_and_a_run_after_they_end_pushes_it(
        self, scenario, alice, django_capture_on_commit_callbacks
    ):
        set_quiet_hours(alice, datetime.time(11), datetime.time(13))  # NOW is noon in Denver
        scenario.build(alice, scenario.severities[0])
        pushes = Pushes(alice)
        with django_capture_on_commit_callbacks(execute=True):
            monitor_run(scenario.monitor, now=NOW)
        alert = the_alert(alice)
        assert alert.hold_until == datetime.datetime(2026, 11, 21, 13, 0, tzinfo=DENVER)
        assert pushes.alert_ids() == []

        with django_capture_on_commit_callbacks(execute=True):
            later = monitor_run(scenario.monitor, now=NOW + minutes(65))  # 1:05 pm in Denver
        assert later.alerts_raised == 0
        assert pushes.alert_ids() == [alert.id]
        alert.refresh_from_db()
        assert alert.hold_until is None

    @monitors_with_urgent_alerts
    def test_an_urgent_alert_comes_through_quiet_hours(self, scenario, alice, django_capture_on_commit_callbacks):
        set_quiet_hours(alice, datetime.time(11), datetime.time(13))
        scenario.build(alice, "urgent")
        pushes = Pushes(alice)
        with django_capture_on_commit_callbacks(execute=True):
            monitor_run(scenario.monitor, now=NOW)
        alert = the_alert(alice)
        assert (alert.severity, alert.hold_until) == ("urgent", None)
        assert pushes.alert_ids() == [alert.id]

    @every_monitor
    def test_a_run_takes_as_many_queries_for_thirty_users_as_for_three(self, scenario, django_user_model):
        def add_alerting_users(numbers):
            for number in numbers:
                scenario.build(make_user(django_user_model, f"rver{number}"), scenario.severities[0])

        def queries_of_a_run(users):
            with CaptureQueriesContext(connection) as queries:
                run = monitor_run(scenario.monitor, now=NOW)
            assert (run.users_scanned, run.alerts_raised) == (users, users)
            return len(queries)

        add_alerting_users(range(3))
        few = queries_of_a_run(3)
        Conversation.objects.all().delete()  # start afresh: every user is alerted, in a new conversation
        Alert.objects.all().delete()
        add_alerting_users(range(3, 30))
        assert queries_of_a_run(30) == few

    def test_any_runs_start_releases_alerts_held_by_another_monitor(self, alice, django_capture_on_commit_callbacks):
        set_quiet_hours(alice, datetime.time(11), datetime.time(13))
        fuel_for(alice, "high")
        monitor_run("fuel", now=NOW)
        pushes = Pushes(alice)
        with django_capture_on_commit_callbacks(execute=True):
            monitor_run("budget", now=NOW + minutes(65))
        assert pushes.alert_ids() == [the_alert(alice, category="fuel").id]

    def test_users_in_several_batches_are_all_scanned(self, alice, bob, charlie, settings):
        settings.PAM_MONITOR_CHUNK_SIZE = 2
        for user in (alice, bob, charlie):
            budget_for(user, "high")
        run = monitor_run("budget", now=NOW)
        assert (run.users_scanned, run.alerts_raised) == (3, 3)


# --- Fuel ----------------------------------------------------------------------------------------

@pytest.mark.django_db
class TestFuelMonitor:
    @pytest.mark.parametrize(("miles_since_filling", "expected"), [
        (300, []),  # 40 % left
        (400, []),  # 20 % left: not yet low
        (405, [("fuel", "high")]),  # 19 %
        (450, [("fuel", "high")]),  # 10 %: low, not yet critical
        (455, [("fuel", "urgent")]),  # 9 %
        (540, [("fuel", "urgent")]),  # past empty by the estimate
    ])
    def test_the_severity_follows_the_estimated_tank(self, alice, miles_since_filling, expected):
        rv_driven_since_filling(alice, miles_since_filling)
        monitor_run("fuel", now=NOW)
        assert alerts_of(alice) == expected

    def test_the_message_gives_the_fuel_left_and_the_range(self, alice):
        rv_driven_since_filling(alice, 425)
        monitor_run("fuel", now=NOW)
        alert = the_alert(alice)
        assert alert.title == "Fuel is getting low in Alice's Winnebago"
        assert alert.message.startswith(
            "About 15% left: 7.5 of 50 gallons, roughly 75 miles at 10 mpg (425 miles since the fill-up on "
            "Fri, Nov 20).")

    def test_a_very_low_tank_says_so(self, alice):
        rv_driven_since_filling(alice, 480)
        monitor_run("fuel", now=NOW)
        alert = the_alert(alice)
        assert alert.title == "Fuel is very low in Alice's Winnebago"
        assert "About 4% left: 2.0 of 50 gallons, roughly 20 miles" in alert.message

    def test_a_partial_fill_since_the_last_full_one_adds_its_fuel(self, alice):
        vehicle = rv(alice)
        fill_up(alice, vehicle)
        fill_up(alice, vehicle, odometer=FILLED_AT + 200, gallons="5", is_full=False)
        drive_to(alice, vehicle, FILLED_AT + 475)  # 2.5 gallons left without the partial fill, 7.5 with it
        monitor_run("fuel", now=NOW)
        alert = the_alert(alice)
        assert alert.severity == "high"
        assert "About 15% left: 7.5 of 50 gallons, roughly 75 miles" in alert.message

    def test_a_vehicle_never_filled_to_the_top_raises_nothing(self, alice):
        vehicle = rv(alice)
        fill_up(alice, vehicle, is_full=False)
        drive_to(alice, vehicle, FILLED_AT + 475)
        run = monitor_run("fuel", now=NOW)
        assert (run.users_scanned, run.alerts_raised) == (1, 0)

    def test_a_vehicle_without_a_tank_capacity_raises_nothing(self, alice):
        rv_driven_since_filling(alice, 475, tank=None)
        assert monitor_run("fuel", now=NOW).alerts_raised == 0
        assert alerts_of(alice) == []

    def test_only_the_primary_vehicle_is_watched(self, alice):
        rv_driven_since_filling(alice, 50)
        jeep = rv_driven_since_filling(alice, 475, name="Tow Jeep", is_primary=False)
        monitor_run("fuel", now=NOW)
        assert alerts_of(alice) == []

        vehicle_update(user=alice, vehicle_id=jeep.id, is_primary=True)
        monitor_run("fuel", now=NOW + minutes(5))
        assert the_alert(alice).title == "Fuel is very low in Tow Jeep"

    def test_it_alerts_again_only_when_the_tank_gets_worse_or_after_the_next_fill_up(self, alice):
        vehicle = rv_driven_since_filling(alice, 425)
        assert monitor_run("fuel", now=NOW).alerts_raised == 1
        drive_to(alice, vehicle, FILLED_AT + 475)
        assert monitor_run("fuel", now=NOW + minutes(5)).alerts_raised == 1
        assert monitor_run("fuel", now=NOW + minutes(10)).alerts_raised == 0

        fill_up(alice, vehicle, odometer=FILLED_AT + 480, gallons="48")
        assert monitor_run("fuel", now=NOW + minutes(15)).alerts_raised == 0
        drive_to(alice, vehicle, FILLED_AT + 480 + 425)
        assert monitor_run("fuel", now=NOW + minutes(20)).alerts_raised == 1
        assert alerts_of(alice) == [("fuel", "high"), ("fuel", "urgent"), ("fuel", "high")]


# --- Budget --------------------------------------------------------------------------------------

@pytest.mark.django_db
class TestBudgetMonitor:
    @pytest.mark.parametrize(("threshold", "spent", "expected"), [
        (None, "159.80", []),  # 79.9 % of the default 80 % threshold
        (None, "160.00", [("budget", "high")]),
        (None, "189.80", [("budget", "high")]),  # 94.9 %
        (None, "190.00", [("budget", "urgent")]),  # 95 %
        (None, "230.00", [("budget", "urgent")]),  # over
        (50, "99.80", []),
        (50, "100.00", [("budget", "high")]),
        (50, "190.00", [("budget", "urgent")]),
    ])
    def test_the_severity_follows_the_budgets_own_threshold(self, alice, threshold, spent, expected):
        dining_budget(alice, "200", threshold=threshold)
        spend(alice, spent)
        monitor_run("budget", now=NOW)
        assert alerts_of(alice) == expected

    def test_the_message_gives_the_money_spent_and_left(self, alice):
        dining_budget(alice, "200")
        spend(alice, "120.00", on=in_days(-20))
        spend(alice, "50.00")
        monitor_run("budget", now=NOW)
        alert = the_alert(alice)
        assert alert.title == "Dining budget 85% used"
        assert alert.message == "$170.00 of $200.00 spent on dining in November: $30.00 left for 10 more days."

    def test_an_overspent_budget_says_by_how_much(self, alice):
        dining_budget(alice, "200")
        spend(alice, "230.00")
        monitor_run("budget", now=NOW)
        alert = the_alert(alice)
        assert alert.title == "Dining budget is over"
        assert alert.message == ("$230.00 spent on dining in November, $30.00 over the $200.00 budget, "
                                 "with 10 days to go.")

    def test_money_is_in_the_users_currency(self, charlie):
        Profile.objects.filter(user=charlie).update(currency="EUR")
        dining_budget(charlie, "200")
        spend(charlie, "170.00")
        monitor_run("budget", now=NOW)
        assert the_alert(charlie).message.startswith("€170.00 of €200.00 spent on dining")

    def test_only_this_months_spending_in_the_category_counts(self, alice):
        dining_budget(alice, "200")
        spend(alice, "150.00", on=datetime.date(2026, 10, 31))
        spend(alice, "150.00", category="groceries")
        spend(alice, "100.00")
        assert monitor_run("budget", now=NOW).alerts_raised == 0

    def test_another_users_spending_never_counts(self, alice, bob):
        dining_budget(alice, "200")
        dining_budget(bob, "200")
        spend(alice, "100.00")
        spend(bob, "150.00")
        assert monitor_run("budget", now=NOW).alerts_raised == 0
        assert (alerts_of(alice), alerts_of(bob)) == ([], [])

    def test_the_month_is_the_users_own_at_a_month_boundary(self, alice, charlie):
        # 03:00 UTC on Dec 1: still Nov 30 in Denver, already Dec 1 in Berlin.
        now = datetime.datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
        for user in (alice, charlie):
            dining_budget(user, "100")
            spend(user, "90.00", on=datetime.date(2026, 11, 30))
            spend(user, "85.00", on=datetime.date(2026, 12, 1))
        assert monitor_run("budget", now=now).alerts_raised == 2

        alices, charlies = the_alert(alice), the_alert(charlie)
        assert alices.dedup_key == "budget:dining:2026-11:high"
        assert alices.message.startswith("$90.00 of $100.00 spent on dining in November: $10.00 left")
        assert charlies.dedup_key == "budget:dining:2026-12:high"
        assert charlies.message.startswith("$85.00 of $100.00 spent on dining in December: $15.00 left")

        # Once December starts in Denver too, alice hears about her December.
        monitor_run("budget", now=datetime.datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
        assert the_alert(alice, dedup_key="budget:dining:2026-12:high").message.startswith("$85.00 of $100.00")

    def test_a_rollover_budget_counts_what_was_carried_in(self, alice):
        dining_budget(alice, "200", rollover=True, today=datetime.date(2026, 10, 5))
        spend(alice, "50.00", on=datetime.date(2026, 10, 10))  # $150 carried into November: $350 available
        spend(alice, "300.00")
        monitor_run("budget", now=NOW)
        alert = the_alert(alice)
        assert (alert.severity, alert.title) == ("high", "Dining budget 86% used")
        assert alert.message.startswith("$300.00 of $350.00 spent")


# --- Maintenance ---------------------------------------------------------------------------------

@pytest.mark.django_db
class TestMaintenanceMonitor:
    @pytest.mark.parametrize(("last_done_odometer", "expected"), [
        (45_501, []),  # due in 501 miles
        (45_500, [("maintenance", "medium")]),  # due in 500
        (45_300, [("maintenance", "medium")]),
        (45_000, [("maintenance", "medium")]),  # due now
        (44_999, [("maintenance", "urgent")]),  # a mile past due
    ])
    def test_by_miles(self, alice, last_done_odometer, expected):
        oil_change(alice, interval_miles=5000, last_done_odometer=last_done_odometer)
        monitor_run("maintenance", now=NOW)
        assert alerts_of(alice) == expected

    @pytest.mark.parametrize(("days_left", "expected"), [
        (15, []),
        (14, [("maintenance", "medium")]),
        (0, [("maintenance", "medium")]),
        (-1, [("maintenance", "urgent")]),
    ])
    def test_by_date(self, alice, days_left, expected):
        oil_change(alice, interval_days=180, last_done_on=in_days(days_left - 180))
        monitor_run("maintenance", now=NOW)
        assert alerts_of(alice) == expected

    def test_whichever_comes_first_counts(self, alice):
        oil_change(alice, interval_miles=5000, last_done_odometer=49_000, interval_days=180,
                   last_done_on=in_days(-183))
        monitor_run("maintenance", now=NOW)
        alert = the_alert(alice)
        assert (alert.severity, alert.title) == ("urgent", "Oil change is overdue")
        assert alert.message == ("Oil change for Alice's Winnebago: due in 4,000 miles (at 54,000) or "
                                 "3 days past due (Wed, Nov 18).")

    def test_the_message_says_when_it_is_due(self, alice):
        oil_change(alice, interval_miles=5000, last_done_odometer=45_300, interval_days=180,
                   last_done_on=in_days(-170))
        monitor_run("maintenance", now=NOW)
        alert = the_alert(alice)
        assert (alert.severity, alert.title) == ("medium", "Oil change is due soon")
        assert alert.message == ("Oil change for Alice's Winnebago: due in 300 miles (at 50,300) or "
                                 "due in 10 days (Tue, Dec 1).")

    def test_it_alerts_again_when_due_soon_becomes_overdue_and_not_after_the_job_is_done(self, alice):
        vehicle = oil_change(alice, interval_miles=5000, last_done_odometer=45_300)
        assert monitor_run("maintenance", now=NOW).alerts_raised == 1
        drive_to(alice, vehicle, 50_400)
        assert monitor_run("maintenance", now=NOW + minutes(5)).alerts_raised == 1
        assert the_alert(alice, severity="urgent").message.endswith("100 miles past due.")

        maintenance_record_create(user=alice, vehicle_id=vehicle.id, task="oil change", date=TODAY,
                                  odometer_miles=50_400)
        assert monitor_run("maintenance", now=NOW + minutes(10)).alerts_raised == 0
        assert alerts_of(alice) == [("maintenance", "medium"), ("maintenance", "urgent")]

    def test_the_due_date_is_read_on_the_users_own_calendar(self, alice, charlie):
        for user in (alice, charlie):
            oil_change(user, interval_days=30, last_done_on=datetime.date(2026, 10, 22))  # due Sat Nov 21
        monitor_run("maintenance", now=DENVER_SATURDAY_BERLIN_SUNDAY)
        assert the_alert(alice).message.endswith("due today.")
        assert the_alert(charlie).severity == "urgent"


# --- Weather -------------------------------------------------------------------------------------

@pytest.mark.django_db
class TestWeatherMonitor:
    def test_a_run_of_clear_days_at_the_destination_is_a_suggestion(self, alice, fake_open_meteo):
        moab_trip(alice)
        monitor_run("weather", now=NOW)
        alert = the_alert(alice)
        assert (alert.category, alert.severity) == ("weather", "low")
        assert alert.title == "Good weather ahead for Moab getaway"
        assert alert.message.startswith("Clear skies are forecast at Moab from Tue, Nov 24 to ")

    def test_the_clear_window_is_within_the_trip(self, alice, fake_open_meteo):
        moab_trip(alice)  # Tue Nov 24 to Sat Nov 28; the fake forecasts fair weather to Dec 4
        monitor_run("weather", now=NOW)
        assert the_alert(alice).message == (
            "Clear skies are forecast at Moab from Tue, Nov 24 to Sat, Nov 28: 5 good days for the trip.")

    @pytest.mark.parametrize(("nov_25", "expected"), [
        (day(2, rain_chance=19), [("weather", "low")]),  # partly cloudy is clear
        (day(3), []),  # overcast
        (day(0, rain_chance=20), []),
        (day(0, wind=35), []),  # windy: severe, not clear
    ], ids=["partly-cloudy", "overcast", "20%-rain", "windy"])
    def test_three_clear_days_in_a_row_are_needed(self, alice, fake_open_meteo, nov_25, expected):
        moab_trip(alice)
        weather_at(fake_open_meteo, MOAB, {in_days(3): FAIR, in_days(4): nov_25, in_days(5): FAIR}, otherwise=RAIN)
        monitor_run("weather", now=NOW)
        assert alerts_of(alice) == expected

    def test_severe_weather_at_a_stop_on_its_day_is_high(self, alice, fake_open_meteo):
        moab_trip(alice)
        weather_at(fake_open_meteo, DENVER_CITY, {in_days(3): day(1, wind=20, gusts=55)})  # leaving Denver
        weather_at(fake_open_meteo, GREEN_RIVER, {in_days(4): STORM})  # arriving at Green River
        monitor_run("weather", now=NOW)
        severe = {alert.title: alert.message for alert in Alert.objects.filter(user=alice, severity="high")}
        denver, green_river = "Severe weather at Denver on Tue, Nov 24", "Severe weather at Green River on Wed, Nov 25"
        assert set(severe) == {denver, green_river}
        assert "wind gusts 55 mph is forecast at Denver on Tue, Nov 24, when Moab getaway plans to be there" in (
            severe[denver])
        assert "thunderstorm" in severe[green_river].lower()
        assert alerts_of(alice).count(("weather", "low")) == 1  # Moab is fair

    def test_a_severe_day_is_described_without_repeating_itself(self, alice, fake_open_meteo):
        moab_trip(alice)
        weather_at(fake_open_meteo, GREEN_RIVER, {in_days(4): STORM})
        monitor_run("weather", now=NOW)
        message = the_alert(alice, severity="high").message
        assert "thunderstorm with thunderstorm" not in message.lower(), message

    def test_severe_weather_when_the_user_is_elsewhere_raises_nothing(self, alice, fake_open_meteo):
        moab_trip(alice)
        weather_at(fake_open_meteo, GREEN_RIVER, {in_days(3): STORM, in_days(7): STORM})
        weather_at(fake_open_meteo, DENVER_CITY, {in_days(4): STORM})
        monitor_run("weather", now=NOW)
        assert alerts_of(alice) == [("weather", "low")]

    @pytest.mark.parametrize(("starts_in", "expected"), [
        (0, [("weather", "low")]),
        (7, [("weather", "low")]),
        (8, []),
        (10, []),
    ])
    def test_only_trips_starting_within_a_week_are_watched(self, alice, fake_open_meteo, starts_in, expected):
        moab_trip(alice, starts_in=starts_in)
        monitor_run("weather", now=NOW)
        assert alerts_of(alice) == expected

    def test_a_completed_trip_or_one_without_stops_is_not_watched(self, alice, fake_open_meteo):
        moab_trip(alice, status=Trip.Status.COMPLETED)
        trip_create(user=alice, title="Somewhere", start_date=in_days(3))
        assert monitor_run("weather", now=NOW).alerts_raised == 0
        assert fake_open_meteo.requests == []

    def test_when_open_meteo_is_down_the_run_succeeds_and_the_next_one_alerts(self, alice, fake_open_meteo):
        moab_trip(alice)
        fake_open_meteo.push(*[Reply(503, {"error": True, "reason": "Service unavailable"})] * 10)
        run = monitor_run("weather", now=NOW)
        stored = MonitorRun.objects.get(id=run.id)
        assert (stored.status, stored.users_scanned, stored.alerts_raised, stored.error) == (
            MonitorRun.Status.SUCCEEDED, 1, 0, "")
        assert stored.finished_at is not None
        assert alerts_of(alice) == []

        fake_open_meteo.scripts.clear()  # Open-Meteo is back
        assert monitor_run("weather", now=NOW + minutes(30)).alerts_raised == 1

    def test_one_forecast_per_place_however_many_trips_go_there(self, alice, bob, charlie, fake_open_meteo):
        for user in (alice, bob, charlie):
            moab_trip(user)
        assert monitor_run("weather", now=NOW).alerts_raised == 3
        assert len(fake_open_meteo.requests) == 3  # Denver, Green River, Moab


# --- Context: departures and calendar reminders --------------------------------------------------

@pytest.mark.django_db
class TestContextMonitor:
    def test_a_trip_starting_tomorrow_is_a_heads_up(self, alice):
        moab_trip(alice, starts_in=1)
        monitor_run("context", now=NOW)
        alert = the_alert(alice)
        assert (alert.category, alert.severity, alert.title) == ("trip", "medium", "Moab getaway starts tomorrow")
        assert alert.message == ("You leave tomorrow, Sun, Nov 22 from Denver to Moab (3 stops). "
                                 "Check tires, propane and water before you go.")

    @pytest.mark.parametrize("starts_in", [0, 2])
    def test_a_trip_starting_today_or_later_than_tomorrow_raises_nothing(self, alice, starts_in):
        moab_trip(alice, starts_in=starts_in)
        assert monitor_run("context", now=NOW).alerts_raised == 0

    def test_tomorrow_is_the_users_own(self, alice, charlie):
        moab_trip(alice, starts_in=1, title="Alice's Sunday trip")
        moab_trip(charlie, starts_in=1, title="Charlie's Sunday trip")  # already Sunday in Berlin
        moab_trip(charlie, starts_in=2, title="Charlie's Monday trip")
        monitor_run("context", now=DENVER_SATURDAY_BERLIN_SUNDAY)
        assert the_alert(alice).title == "Alice's Sunday trip starts tomorrow"
        assert the_alert(charlie).title == "Charlie's Monday trip starts tomorrow"

    @pytest.mark.parametrize(("starts_in_minutes", "expected"), [
        (45, [("calendar", "medium")]),
        (60, [("calendar", "medium")]),  # the reminder time is now
        (61, []),
        (120, []),
        (-10, []),  # already started
    ])
    def test_a_calendar_reminder_comes_at_its_time(self, alice, starts_in_minutes, expected):
        event_in(alice, starts_in_minutes, reminder_minutes=60)
        monitor_run("context", now=NOW)
        assert alerts_of(alice) == expected

    def test_an_event_without_a_reminder_raises_nothing(self, alice):
        event_in(alice, 10, reminder_minutes=None)
        assert monitor_run("context", now=NOW).alerts_raised == 0

    def test_the_reminder_gives_the_time_on_the_users_clock(self, alice, bob):
        event_in(alice, 45)
        event_in(bob, 45)
        monitor_run("context", now=NOW)
        alert = the_alert(alice)
        assert alert.title == "Reminder: Propane refill"
        assert alert.message == "Propane refill starts in 45 minutes (12:45 PM on Sat, Nov 21) at Moab KOA."
        assert the_alert(bob).message == "Propane refill starts in 45 minutes (2:45 PM on Sat, Nov 21) at Moab KOA."

    def test_a_moved_event_reminds_again(self, alice):
        event = event_in(alice, 45)
        monitor_run("context", now=NOW)
        calendar_event_update(user=alice, event_id=event.id, starts_at=NOW + minutes(180))
        assert monitor_run("context", now=NOW + minutes(100)).alerts_raised == 0
        assert monitor_run("context", now=NOW + minutes(150)).alerts_raised == 1
        assert Alert.objects.filter(user=alice).first().message.startswith("Propane refill starts in 30 minutes")


@pytest.mark.django_db
def test_the_demo_user_hears_about_a_budget_near_its_limit_and_a_low_tank_on_the_first_runs():
    demo, _, _ = seed_demo_user()
    monitor_run("budget")
    monitor_run("fuel")
    alerts = {(alert.category, alert.severity): alert for alert in Alert.objects.filter(user=demo)}
    assert "86% used" in alerts["budget", "high"].title
    assert "18% left" in alerts["fuel", "high"].message
