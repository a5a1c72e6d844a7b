"""Whole road and calendar turns with the offline provider: the real agent loop, the real travel
and calendar tools, the database, the offline gazetteer and the road estimate.

A turn runs through ``assistant.agent.run_turn`` with the local provider alone, as the chat
consumer does, so the two-step flows (list the events the user means, then move or propose
deleting the one that fits; list the trips, then add a stop to the one named) run as in the
app. The user's local day is Saturday 2026-11-21 (noon in Denver, 2 PM in New York); alice
lives in Denver, bob in New York.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from assistant.models import CalendarEvent, PendingAction
from assistant.services import action_resolve, calendar_event_create
from finance.models import Expense
from tests.assistant.local_turns import TODAY, chat, context_for, tools_called
from tests.fakes.open_meteo_server import FakeOpenMeteo, day
from travel import services
from travel.models import FuelLog, MaintenanceItem, MaintenanceRecord, SavedPlace, Trip, Vehicle

# The agent runs tools through database_sync_to_async (another thread): rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

DENVER = zoneinfo.ZoneInfo("America/Denver")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def minnie(alice):
    """Alice's Winnebago: rated 10 mpg, 55-gallon tank, 45,000 miles."""
    return services.vehicle_create(user=alice, name="Minnie", rated_mpg=Decimal("10"), odometer_miles=45000,
                                   tank_capacity_gallons=Decimal("55"))


@pytest.fixture
def weather(settings):
    """A fake Open-Meteo on 127.0.0.1 speaking its real JSON, with PAM pointed at it."""
    fake = FakeOpenMeteo().start()
    settings.OPEN_METEO_URL = fake.url
    settings.PAM_WEATHER_TIMEOUT = 2.0
    yield fake
    fake.stop()


class TestVehicleFlow:
    def test_it_adds_the_winnebago_from_one_sentence(self, alice):
        state = chat(alice, "add my 2019 Winnebago Minnie Winnie, class C, gas, 55 gallon tank, 10 mpg")

        vehicle = Vehicle.objects.get(user=alice)
        assert (vehicle.name, vehicle.make, vehicle.model, vehicle.year) == (
            "Winnebago Minnie Winnie", "Winnebago", "Minnie Winnie", 2019)
        assert (vehicle.vehicle_type, vehicle.fuel_type, vehicle.tank_capacity_gallons, vehicle.rated_mpg) == (
            "class_c", "gasoline", Decimal("55"), Decimal("10"))
        assert vehicle.is_primary
        assert state.text == ("Added your 2019 Winnebago Minnie Winnie (Class C, gasoline, 55-gallon tank, rated "
                              "10 mpg). It's your primary vehicle, so I'll use it for fill-ups, maintenance and "
                              "trip estimates.")

    def test_the_odometer_says_moves_it_up(self, alice, minnie):
        state = chat(alice, "the odometer says 45,210")

        minnie.refresh_from_db()
        assert minnie.odometer_miles == 45210
        assert state.text == "Minnie's odometer now reads 45,210 miles (210 miles since the last reading)."

    def test_an_odometer_that_goes_back_is_refused_and_said(self, alice, minnie):
        state = chat(alice, "the odometer says 44,000")

        minnie.refresh_from_db()
        assert minnie.odometer_miles == 45000
        assert state.text.startswith("I couldn't update the odometer: The odometer already reads 45,000 miles")


class TestFuelFlow:
    def test_a_fill_up_logs_the_fill_and_its_fuel_expense(self, alice, minnie):
        state = chat(alice, "filled up 32 gallons at $3.89, odometer 45,210")

        fill = FuelLog.objects.get(user=alice)
        assert (fill.vehicle_id, fill.odometer_miles, fill.volume_gallons, fill.price_per_gallon, fill.total_cost,
                fill.is_full, fill.date) == (minnie.id, 45210, Decimal("32.000"), Decimal("3.890"),
                                             Decimal("124.48"), True, TODAY)
        expense = Expense.objects.get(user=alice)
        assert (expense.id, expense.category, expense.amount, expense.date) == (
            fill.expense_id, "fuel", Decimal("124.48"), TODAY)
        minnie.refresh_from_db()
        assert minnie.odometer_miles == 45210
        assert state.text == ("Logged a fill-up for Minnie today: 32 gallons at $3.89 a gallon, $124.48, odometer "
                              "45,210. MPG shows once there's a full fill-up before this one to measure from. I also "
                              "logged $124.48 as a fuel expense.")

    def test_the_second_full_fill_reports_the_mpg(self, alice, minnie):
        services.fuel_log_create(user=alice, date=TODAY - datetime.timedelta(days=3), odometer_miles=44890,
                                 volume_gallons=Decimal("40"), price_per_gallon=Decimal("3.75"))

        state = chat(alice, "got 32 gallons for $124.48 at 45,210 miles at Love's")

        assert FuelLog.objects.get(odometer_miles=45210).station == "Love's"
        assert "That tank gave 10 mpg; your average is 10 mpg." in state.text

    def test_a_diesel_total_and_gallons_give_the_price(self, alice, minnie):
        chat(alice, "put in $120 of diesel, 30 gallons, at 45,500 miles")

        fill = FuelLog.objects.get(user=alice)
        assert (fill.total_cost, fill.volume_gallons, fill.price_per_gallon) == (
            Decimal("120.00"), Decimal("30.000"), Decimal("4.000"))

    def test_a_partial_fill_is_not_full(self, alice, minnie):
        state = chat(alice, "partial fill 10 gal at 3.79 odo 45300")

        fill = FuelLog.objects.get(user=alice)
        assert (fill.is_full, fill.total_cost) == (False, Decimal("37.90"))
        assert "MPG is measured at your next full fill-up." in state.text

    def test_a_fill_up_without_the_odometer_asks_and_writes_nothing(self, alice, minnie):
        state = chat(alice, "filled up 32 gallons at $3.89")

        assert state.tool_calls == [] and "What did the odometer read" in state.text
        assert not FuelLog.objects.exists() and not Expense.objects.exists()

    def test_without_a_vehicle_nothing_is_logged_and_it_says_why(self, alice):
        state = chat(alice, "filled up 32 gallons at $3.89, odometer 45,210")

        assert state.text == ("I couldn't log that fill-up: No vehicle yet: add it first, for example “add my 2019 "
                              "Winnebago Minnie Winnie, class C, gas, 10 mpg”.")
        assert not FuelLog.objects.exists() and not Expense.objects.exists()

    def test_bobs_fill_up_never_touches_alices_rig(self, alice, bob, minnie):
        state = chat(bob, "filled up 32 gallons at $3.89, odometer 45,210")

        assert state.tool_calls[0]["status"] == "error"
        assert not FuelLog.objects.exists()
        minnie.refresh_from_db()
        assert minnie.odometer_miles == 45000

    def test_gas_mileage_is_measured_between_full_fills(self, alice, minnie):
        for odometer, gallons in ((44000, 30), (44300, 30), (44620, 32)):
            services.fuel_log_create(user=alice, date=TODAY - datetime.timedelta(days=1), odometer_miles=odometer,
                                     volume_gallons=Decimal(gallons), price_per_gallon=Decimal("3.50"))

        state = chat(alice, "what's my gas mileage?")

        assert tools_called(state) == ["get_fuel_economy"]
        assert state.text.startswith("Minnie is averaging 10 mpg over 2 measured tanks (rated 10). "
                                     "The latest tank gave 10 mpg (Fri Nov 20).")


class TestGasCostFlow:
    def test_500_miles_at_10_mpg_uses_the_last_fill_price(self, alice, minnie):
        services.fuel_log_create(user=alice, date=TODAY, odometer_miles=45100, volume_gallons=Decimal("20"),
                                 price_per_gallon=Decimal("3.89"))

        state = chat(alice, "how much gas for 500 miles at 10 mpg")

        assert (state.tool_calls[0]["input"]["distance_miles"], state.tool_calls[0]["input"]["mpg"]) == (500, 10)
        assert state.text == ("500 miles: at 10 mpg that's about 50 gallons, about $194.50 at $3.89 a gallon "
                              "(your last fill-up).")


class TestMaintenanceFlow:
    @pytest.fixture
    def tracked(self, alice, minnie):
        """Oil every 5,000 miles or 180 days, last at 40,500 on Jun 1 (due at 45,500 or Nov 28);
        tires rotated every 7,500 miles, last at 42,000."""
        services.maintenance_item_create(user=alice, task="Oil change", interval_miles=5000, interval_days=180,
                                         last_done_odometer=40500, last_done_on=datetime.date(2026, 6, 1))
        services.maintenance_item_create(user=alice, task="Tire rotation", interval_miles=7500,
                                         last_done_odometer=42000)

    def test_the_next_oil_change_is_answered_from_the_tracked_item(self, alice, tracked):
        state = chat(alice, "when is my next oil change due?")

        assert tools_called(state) == ["get_maintenance_due"]
        assert state.text == ("Your next oil change is due at 45,500 miles (500 miles to go) or by Sat Nov 28 "
                              "(in 7 days), whichever comes first. That's coming up soon.")

    def test_what_is_due_lists_every_item(self, alice, tracked):
        state = chat(alice, "what maintenance is due?")

        assert state.text.splitlines() == [
            "Maintenance: 1 due soon.",
            "• Oil change — due soon: at 45,500 miles (500 miles to go) or by Sat Nov 28 (in 7 days), whichever "
            "comes first",
            "• Tire rotation — ok: at 49,500 miles (4,500 miles to go)",
        ]

    def test_an_oil_change_done_resets_the_item_and_logs_the_expense(self, alice, tracked):
        state = chat(alice, "got the oil changed today at 45,300 miles, $89 at Jiffy Lube")

        record = MaintenanceRecord.objects.get(user=alice)
        assert (record.task, record.date, record.odometer_miles, record.cost, record.shop) == (
            "Oil change", TODAY, 45300, Decimal("89.00"), "Jiffy Lube")
        expense = Expense.objects.get(user=alice)
        assert (expense.id, expense.category, expense.amount) == (record.expense_id, "maintenance", Decimal("89.00"))
        item = MaintenanceItem.objects.get(task="Oil change")
        assert (item.last_done_odometer, item.last_done_on) == (45300, TODAY)
        assert state.text == ("Logged oil change for Minnie today at 45,300 miles, $89.00 at Jiffy Lube. I also "
                              "logged the cost as a maintenance expense. Next oil change is due at 50,300 miles "
                              "(5,000 miles to go) or by Thu May 20, 2027 (in 180 days), whichever comes first.")

    def test_an_oil_change_that_cost_me_stays_an_expense(self, alice, tracked):
        chat(alice, "oil change cost me $89.99 today")

        assert Expense.objects.get(user=alice).category == "maintenance"
        assert not MaintenanceRecord.objects.exists()

    def test_bob_has_nothing_due_and_sees_none_of_alices(self, alice, bob, tracked):
        state = chat(bob, "when is my next oil change due?")

        assert state.tool_calls[0]["result"]["items"] == []
        assert state.text.startswith("You're not tracking oil change yet")


class TestCalendarFlow:
    def test_the_dentist_at_2pm_is_2pm_in_denver_for_alice(self, alice):
        state = chat(alice, "add a dentist appointment next Tuesday at 2pm")

        event = CalendarEvent.objects.get(user=alice)
        assert event.title == "Dentist appointment" and not event.all_day
        assert event.starts_at == datetime.datetime(2026, 11, 24, 21, 0, tzinfo=datetime.UTC)  # MST is UTC−7
        assert event.starts_at.astimezone(DENVER).hour == 14
        assert event.ends_at - event.starts_at == datetime.timedelta(hours=1)
        assert state.text == "Added “Dentist appointment” to your calendar: Tue Nov 24, 2 PM–3 PM."

    def test_the_dentist_at_2pm_is_2pm_in_new_york_for_bob(self, bob):
        chat(bob, "add a dentist appointment next Tuesday at 2pm")

        event = CalendarEvent.objects.get(user=bob)
        assert event.starts_at == datetime.datetime(2026, 11, 24, 19, 0, tzinfo=datetime.UTC)  # EST is UTC−5
        assert event.starts_at.astimezone(NEW_YORK).hour == 14

    def test_remind_me_on_friday_is_an_all_day_reminder(self, alice):
        state = chat(alice, "remind me to call mom on Friday")

        event = CalendarEvent.objects.get(user=alice)
        assert (event.title, event.kind, event.all_day) == ("Call mom", "reminder", True)
        assert event.starts_at.astimezone(DENVER) == datetime.datetime(2026, 11, 27, tzinfo=DENVER)
        assert state.text == "I'll remind you: “Call mom” — Fri Nov 27 (all day). It's on your calendar."

    def test_this_week_lists_only_alices_events(self, alice, bob):
        chat(alice, "add a dentist appointment tomorrow at 2pm")
        chat(bob, "add a haircut tomorrow at 10am")

        state = chat(alice, "what's on my calendar this week?")

        assert state.text == "You have 1 event from Sat Nov 21 to Fri Nov 27:\n• Sun Nov 22, 2 PM — Dentist appointment"
        assert chat(bob, "what's on my calendar this week?").text.endswith("— Haircut")

    def test_when_is_my_dentist_appointment_answers_with_its_day(self, alice, bob):
        chat(alice, "add a dentist appointment next Tuesday at 2pm at Moab Dental")

        assert chat(alice, "when is my dentist appointment?").text == (
            "“Dentist appointment” is on Tue Nov 24, 2 PM at Moab Dental.")
        assert chat(bob, "when is my dentist appointment?").text == (
            "I don't see anything matching “dentist” on your calendar in the coming year.")

    def test_move_the_dentist_to_3pm_keeps_the_day(self, alice):
        chat(alice, "add a dentist appointment next Tuesday at 2pm")

        state = chat(alice, "move the dentist to 3pm")

        assert tools_called(state) == ["list_calendar_events", "update_calendar_event"]
        event = CalendarEvent.objects.get(user=alice)
        assert event.starts_at.astimezone(DENVER) == datetime.datetime(2026, 11, 24, 15, 0, tzinfo=DENVER)
        assert event.ends_at - event.starts_at == datetime.timedelta(hours=1)
        assert state.text == "Moved “Dentist appointment” to Tue Nov 24, 3 PM–4 PM."

    def test_cancel_the_dentist_proposes_and_deletes_nothing(self, alice):
        chat(alice, "add a dentist appointment next Tuesday at 2pm")
        event = CalendarEvent.objects.get(user=alice)

        state = chat(alice, "cancel the dentist appointment")

        listing, proposal = state.tool_calls
        assert listing["tool"] == "list_calendar_events" and listing["input"]["text"] == "dentist"
        assert (proposal["tool"], proposal["input"], proposal["status"]) == (
            "delete_calendar_event", {"event_id": event.id}, "needs_confirmation")
        assert state.text == ("I found “Dentist appointment” on Tue Nov 24, 2 PM. "
                              "Tap Approve to delete it, or Cancel to keep it.")
        assert "deleted" not in state.text.lower()
        assert CalendarEvent.objects.filter(id=event.id).exists()
        action = PendingAction.objects.get(user=alice)
        assert (action.tool, action.status) == ("delete_calendar_event", "pending")

        action_resolve(user=alice, action_id=action.id, approved=True, ctx=context_for(alice))
        assert not CalendarEvent.objects.filter(id=event.id).exists()

    def test_bob_cannot_cancel_alices_dentist(self, alice, bob):
        chat(alice, "add a dentist appointment next Tuesday at 2pm")

        state = chat(bob, "cancel the dentist appointment")

        assert tools_called(state) == ["list_calendar_events"]
        assert state.text == "I couldn't find “dentist” on your calendar in the coming year, so I haven't cancelled " \
                             "anything."
        assert CalendarEvent.objects.filter(user=alice).exists() and not PendingAction.objects.exists()

    def test_two_dentists_get_a_question_not_a_move(self, alice):
        calendar_event_create(user=alice, title="Dentist", starts_at=datetime.datetime(2026, 11, 24, 14, tzinfo=DENVER))
        calendar_event_create(user=alice, title="Dentist follow-up",
                              starts_at=datetime.datetime(2026, 12, 8, 9, tzinfo=DENVER))

        state = chat(alice, "move the dentist to 3pm")

        assert tools_called(state) == ["list_calendar_events"]
        assert state.text.startswith("2 events fit that, so I haven't moved anything yet:\n"
                                     "• Tue Nov 24, 2 PM — Dentist\n• Tue Dec 8, 9 AM — Dentist follow-up\n")
        assert state.text.endswith("Tell me its day — for example “move the dentist on Tuesday to 3 PM”.")
        assert [e.starts_at.astimezone(DENVER).hour for e in CalendarEvent.objects.order_by("starts_at")] == [14, 9]


class TestTripFlow:
    def test_plan_a_trip_from_denver_to_moab_next_friday(self, alice, minnie):
        state = chat(alice, "plan a trip from Denver to Moab next Friday")

        trip = Trip.objects.get(user=alice)
        assert (trip.title, trip.start_date, trip.status) == ("Denver to Moab", datetime.date(2026, 11, 27),
                                                              "planning")
        assert [stop.name for stop in trip.stops.order_by("position")] == ["Denver, CO", "Moab, UT"]
        estimate = state.tool_calls[0]["result"]["trip"]["estimate"]
        assert 300 < estimate["distance_miles"] < 450 and estimate["driving_days"] == 2
        assert state.text.startswith("Planned “Denver to Moab”: Denver → Moab, leaving Fri Nov 27. About ")
        assert "2 driving days at an RV's pace. Fuel: about $" in state.text
        assert state.text.endswith(" gallons at $3.50 a gallon, a typical price).")

    def test_via_for_a_week_and_a_budget(self, alice, minnie):
        state = chat(alice, "Plan a road trip from Denver to Moab via Grand Junction, leaving Nov 27 for a week, "
                            "budget $800")

        trip = Trip.objects.get(user=alice)
        assert [stop.name for stop in trip.stops.order_by("position")] == ["Denver, CO", "Grand Junction, CO",
                                                                           "Moab, UT"]
        assert (trip.start_date, trip.end_date, trip.budget) == (
            datetime.date(2026, 11, 27), datetime.date(2026, 12, 4), Decimal("800.00"))
        assert "within your $800.00 budget" in state.text

    def test_a_stop_goes_before_the_destination_of_the_only_trip(self, alice, minnie):
        chat(alice, "plan a trip from Denver to Moab next Friday")

        state = chat(alice, "add a stop in Green River, UT to my trip")

        assert tools_called(state) == ["add_trip_stop"]
        trip = Trip.objects.get(user=alice)
        assert [stop.name for stop in trip.stops.order_by("position")] == ["Denver, CO", "Green River, UT",
                                                                           "Moab, UT"]
        assert state.text.startswith("Added Green River, UT to “Denver to Moab” (stop 2 of 3): "
                                     "Denver → Green River → Moab.")

    def test_a_stop_for_a_named_trip_finds_that_trip_first(self, alice, minnie):
        chat(alice, "plan a trip from Denver to Moab next Friday")
        chat(alice, "plan a trip from Phoenix to Tucson on Dec 10")
        moab = Trip.objects.get(title="Denver to Moab")

        state = chat(alice, "add Grand Junction to my Moab trip")

        assert tools_called(state) == ["list_trips", "add_trip_stop"]
        assert state.tool_calls[1]["input"]["trip_id"] == moab.id
        assert [stop.name for stop in moab.stops.order_by("position")] == ["Denver, CO", "Grand Junction, CO",
                                                                           "Moab, UT"]
        assert Trip.objects.get(title="Phoenix to Tucson").stops.count() == 2

    def test_bob_never_sees_alices_trips(self, alice, bob, minnie):
        chat(alice, "plan a trip from Denver to Moab next Friday")

        assert chat(alice, "show my trips").text.startswith("You have 1 upcoming trip:\n• Denver to Moab — leaving "
                                                            "Fri Nov 27 · planning · Denver → Moab")
        state = chat(bob, "what trips do I have planned?")
        assert state.tool_calls[0]["result"]["trips"] == []
        assert state.text.startswith("You don't have any upcoming trips.")
        assert chat(bob, "add a stop in Green River to my trip").text.startswith("I couldn't add that stop: There "
                                                                                 "is no planned or active trip")
        assert Trip.objects.get(user=alice).stops.count() == 2

    def test_how_long_to_drive_from_denver_to_moab(self, alice):
        state = chat(alice, "how long to drive from Denver to Moab?")

        result = state.tool_calls[0]["result"]
        assert (result["origin"], result["destination"]) == ("Denver, CO", "Moab, UT")
        assert state.text.startswith("Denver, CO to Moab, UT is about ")
        assert state.text.endswith("or 2 driving days at an RV's pace (about 300 miles a day).")

    def test_how_many_days_to_drive_1200_miles(self, alice):
        state = chat(alice, "how many days to drive 1,200 miles?")

        assert state.text == ("1,200 miles is about 24 hours of driving, or 4 driving days at an RV's pace "
                              "(about 300 miles a day).")

    def test_fuel_cost_from_denver_to_moab_uses_the_vehicles_mpg(self, alice, minnie):
        state = chat(alice, "what will fuel cost from Denver to Moab?")

        result = state.tool_calls[0]["result"]
        assert (result["mpg"], result["mpg_source"], result["price_source"]) == (10.0, "rated", "default")
        assert state.text.startswith("Denver to Moab is about ")
        assert "at 10 mpg (your vehicle's rated MPG)" in state.text and "a gallon (a typical price)." in state.text


class TestWeatherFlow:
    def test_an_unreachable_forecast_is_said_never_invented(self, alice, settings):
        settings.OPEN_METEO_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
        settings.PAM_WEATHER_TIMEOUT = 1.0

        state = chat(alice, "what's the weather in Moab this weekend?")

        assert state.tool_calls[0]["status"] == "error"
        assert state.text == ("The weather forecast for Moab is unavailable right now — I couldn't reach the weather "
                              "service, so I can't tell you what to expect, and I won't guess. Try again in a little "
                              "while.")
        assert "°" not in state.text

    def test_this_weekend_answers_saturday_and_sunday(self, alice, weather):
        weather.days = [day(high=61, low=34), day(weather_code=95, high=55, low=38, rain_chance=70, rain=0.4,
                                                  wind=22, gusts=48)]

        state = chat(alice, "what's the weather in Moab this weekend?")

        assert state.tool_calls[0]["input"] == {"place": "Moab", "days": 2}
        lines = state.text.splitlines()
        assert lines[0] == "Forecast for Moab, UT:"
        assert lines[1].startswith("• Today: clear sky, 61°/34°F")
        assert lines[2].startswith("• Tomorrow: ") and "70% chance of rain or snow (0.40 in)" in lines[2]
        assert "⚠ thunderstorm" in lines[2] and "wind gusts 48 mph" in lines[2]


class TestPlacesFlow:
    def test_save_and_find_a_campground_near_moab(self, alice, bob):
        state = chat(alice, "save Sand Flats campground near Moab, 5 stars, $20 a night")

        place = SavedPlace.objects.get(user=alice)
        assert (place.name, place.kind, place.rating, place.price_per_night) == (
            "Sand Flats campground", "campground", 5, Decimal("20.00"))
        assert abs(place.latitude - 38.57) < 0.1
        assert state.text == "Saved Sand Flats campground near Moab (campground · ★★★★★ · $20.00 a night)."

        found = chat(alice, "show my saved campgrounds near Moab")
        assert found.text == ("You have 1 saved campground within 100 miles of Moab:\n"
                              "• Sand Flats campground — 0 mi away · ★★★★★ · $20.00 a night")
        assert chat(bob, "show my saved campgrounds near Moab").text == (
            "You don't have any saved campgrounds within 100 miles of Moab.")
