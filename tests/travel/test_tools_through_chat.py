"""Every travel and calendar tool through the chat socket: Claude (the fake Messages API server)
asks for the tool, the real consumer runs it for the socket's user on the real database, and the
tool_call frame and the rows show what happened. Bob reaches nothing of alice's."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from assistant.models import CalendarEvent, PendingAction
from assistant.services import calendar_event_create
from finance.models import Expense
from tests.assistant.chat_helpers import chat_turn, of_type
from tests.fakes.anthropic_server import text_reply, tool_use_reply
from travel import services
from travel.models import FuelLog, MaintenanceRecord, SavedPlace, Trip, Vehicle

pytestmark = pytest.mark.django_db(transaction=True)

DENVER = zoneinfo.ZoneInfo("America/Denver")


def denver_today():
    return timezone.now().astimezone(DENVER).date()


async def call(socket_for, fake_anthropic, user, tool, tool_input, text="ok"):
    """Have Claude call ``tool`` with ``tool_input`` in a chat turn of ``user``; returns the
    tool_call frame."""
    fake_anthropic.push(tool_use_reply(tool, tool_input), text_reply("Done."))
    socket = await socket_for(user)
    frames, final = await chat_turn(socket, text)
    assert final["type"] == "chat_response", final
    [frame] = of_type(frames, "tool_call")
    return frame


def db(func, *args, **kwargs):
    return database_sync_to_async(func)(*args, **kwargs)


@pytest.fixture
def minnie(alice):
    return services.vehicle_create(user=alice, name="Minnie", rated_mpg=Decimal("10"), odometer_miles=45000,
                                   tank_capacity_gallons=Decimal("55"))


class TestVehicleAndFuel:
    async def test_add_vehicle_makes_the_first_one_primary(self, socket_for, fake_anthropic, alice):
        frame = await call(socket_for, fake_anthropic, alice, "add_vehicle", {
            "name": "Minnie", "vehicle_type": "class_c", "fuel_type": "gasoline", "rated_mpg": 10,
            "tank_capacity_gallons": 55, "year": 2019, "make": "Winnebago"})
        assert frame["status"] == "ok" and frame["result"]["vehicle"]["is_primary"] is True
        vehicle = await db(Vehicle.objects.get)
        assert (vehicle.user_id, vehicle.name, vehicle.year) == (alice.id, "Minnie", 2019)

    async def test_update_odometer_goes_up_only(self, socket_for, fake_anthropic, alice, minnie):
        frame = await call(socket_for, fake_anthropic, alice, "update_odometer", {"odometer_miles": 45210})
        assert frame["status"] == "ok" and frame["result"]["miles_since"] == 210
        frame = await call(socket_for, fake_anthropic, alice, "update_odometer", {"odometer_miles": 100})
        assert frame["status"] == "error" and "cannot go back" in frame["result"]["error"]
        assert (await db(Vehicle.objects.get)).odometer_miles == 45210

    async def test_log_fuel_logs_the_fill_the_expense_and_the_mpg(self, socket_for, fake_anthropic, alice, minnie):
        await db(services.fuel_log_create, user=alice, date=denver_today(), odometer_miles=44890,
                 volume_gallons=Decimal("40"), price_per_gallon=Decimal("3.75"))
        frame = await call(socket_for, fake_anthropic, alice, "log_fuel", {
            "odometer_miles": 45210, "volume_gallons": 32, "price_per_gallon": 3.89, "station": "Love's"})
        assert frame["status"] == "ok"
        assert frame["result"]["mpg_this_fill"] == 10.0  # 320 miles on 32 gallons
        assert frame["result"]["fill_up"]["total_cost"] == "124.48"
        assert "32 gal" in frame["summary"] and "$124.48" in frame["summary"]
        fill = await db(FuelLog.objects.get, odometer_miles=45210)
        expense = await db(Expense.objects.get, id=fill.expense_id)
        assert (expense.category, expense.amount, expense.merchant) == ("fuel", Decimal("124.48"), "Love's")
        assert (await db(Vehicle.objects.get)).odometer_miles == 45210

    async def test_fuel_economy_and_gas_cost(self, socket_for, fake_anthropic, alice, minnie):
        for odometer, gallons in ((45000, 40), (45300, 30), (45600, 25)):
            await db(services.fuel_log_create, user=alice, date=denver_today(), odometer_miles=odometer,
                     volume_gallons=Decimal(gallons), price_per_gallon=Decimal("4.00"))
        economy = await call(socket_for, fake_anthropic, alice, "get_fuel_economy", {})
        assert economy["result"]["average_mpg"] == 10.9  # 600 miles / 55 gallons
        assert economy["result"]["last_mpg"] == 12.0
        cost = await call(socket_for, fake_anthropic, alice, "calculate_gas_cost",
                          {"distance_miles": 500, "mpg": 10, "price_per_gallon": 3.89})
        assert (cost["result"]["gallons"], cost["result"]["cost"]) == (50.0, "194.50")
        measured = await call(socket_for, fake_anthropic, alice, "calculate_gas_cost", {"distance_miles": 109})
        assert measured["result"]["mpg_source"] == "measured" and measured["result"]["price_per_gallon"] == 4.0

    async def test_bob_has_no_vehicle_of_alices(self, socket_for, fake_anthropic, alice, bob, minnie):
        frame = await call(socket_for, fake_anthropic, bob, "log_fuel",
                           {"odometer_miles": 45210, "volume_gallons": 32, "price_per_gallon": 3.89})
        assert frame["status"] == "error" and "No vehicle yet" in frame["result"]["error"]
        frame = await call(socket_for, fake_anthropic, bob, "get_fuel_economy", {"vehicle_id": minnie.id})
        assert frame["status"] == "error" and "Minnie" not in str(frame)
        assert await db(FuelLog.objects.count) == 0


class TestMaintenance:
    async def test_log_maintenance_resets_the_item_and_logs_the_expense(self, socket_for, fake_anthropic, alice,
                                                                        minnie):
        await db(services.maintenance_item_create, user=alice, task="Oil change", interval_miles=5000,
                 last_done_odometer=39000)
        due = await call(socket_for, fake_anthropic, alice, "get_maintenance_due", {})
        assert [(i["task"], i["state"], i["miles_left"]) for i in due["result"]["items"]] == [
            ("Oil change", "overdue", -1000)]
        frame = await call(socket_for, fake_anthropic, alice, "log_maintenance",
                           {"task": "oil change", "odometer_miles": 45300, "cost": 89.99, "shop": "Jiffy Lube"})
        assert frame["status"] == "ok"
        assert frame["result"]["next_due"]["due_odometer"] == 50300
        assert frame["result"]["next_due"]["state"] == "ok"
        record = await db(MaintenanceRecord.objects.get)
        expense = await db(Expense.objects.get, id=record.expense_id)
        assert (expense.category, expense.amount) == ("maintenance", Decimal("89.99"))

    async def test_bob_sees_no_maintenance_of_alices(self, socket_for, fake_anthropic, alice, bob, minnie):
        await db(services.maintenance_item_create, user=alice, task="Oil change", interval_days=180)
        frame = await call(socket_for, fake_anthropic, bob, "get_maintenance_due", {})
        assert frame["result"]["items"] == []


class TestTrips:
    async def test_plan_trip_resolves_places_and_estimates(self, socket_for, fake_anthropic, alice, minnie):
        start = denver_today() + datetime.timedelta(days=6)
        frame = await call(socket_for, fake_anthropic, alice, "plan_trip", {
            "origin": "Denver, CO", "destination": "Moab, UT", "stops": ["Grand Junction, CO"],
            "start_date": start.isoformat(), "budget": 800})
        assert frame["status"] == "ok", frame
        trip = frame["result"]["trip"]
        assert [stop["name"].split(",")[0] for stop in trip["stops"]] == ["Denver", "Grand Junction", "Moab"]
        estimate = trip["estimate"]
        assert 300 < estimate["distance_miles"] < 450 and estimate["driving_days"] >= 1
        assert estimate["mpg"] == 10.0 and estimate["fuel_cost"] is not None
        saved = await db(Trip.objects.get)
        assert (saved.user_id, saved.start_date, saved.budget) == (alice.id, start, Decimal("800.00"))

    async def test_an_unknown_place_is_a_clear_error(self, socket_for, fake_anthropic, alice):
        frame = await call(socket_for, fake_anthropic, alice, "plan_trip",
                           {"origin": "Denver", "destination": "Qwxyzzyville"})
        assert frame["status"] == "error" and "Qwxyzzyville" in frame["result"]["error"]
        assert await db(Trip.objects.count) == 0

    async def test_add_trip_stop_goes_before_the_destination_and_picks_the_namesake_on_the_way(
        self, socket_for, fake_anthropic, alice
    ):
        await db(services.trip_create, user=alice, title="Moab", start_date=denver_today(), stops=[
            {"name": "Denver, CO", "latitude": 39.74, "longitude": -104.99},
            {"name": "Moab, UT", "latitude": 38.57, "longitude": -109.55}])
        # There is a bigger Green River in Wyoming; the one between Denver and Moab is in Utah.
        frame = await call(socket_for, fake_anthropic, alice, "add_trip_stop", {"place": "Green River"})
        assert frame["status"] == "ok", frame
        assert frame["result"]["stop"]["name"] == "Green River, UT"
        assert [s["name"].split(",")[0] for s in frame["result"]["trip"]["stops"]] == ["Denver", "Green River",
                                                                                       "Moab"]

    async def test_list_trips_and_travel_time(self, socket_for, fake_anthropic, alice, bob):
        await db(services.trip_create, user=alice, title="Moab", start_date=denver_today(), stops=[])
        listed = await call(socket_for, fake_anthropic, alice, "list_trips", {})
        assert [trip["title"] for trip in listed["result"]["trips"]] == ["Moab"]
        assert (await call(socket_for, fake_anthropic, bob, "list_trips", {}))["result"]["trips"] == []
        timed = await call(socket_for, fake_anthropic, alice, "estimate_travel_time", {"distance_miles": 1200})
        assert timed["result"]["driving_days"] == 4 and timed["result"]["driving_hours"] == 24.0


class TestPlacesAndWeather:
    async def test_save_and_find_places_near_a_town(self, socket_for, fake_anthropic, alice, bob):
        frame = await call(socket_for, fake_anthropic, alice, "save_place", {
            "name": "Sand Flats", "near": "Moab, UT", "rating": 5, "price_per_night": 20,
            "amenities": ["Fire rings", "fire rings", "vault toilets"]})
        assert frame["status"] == "ok" and frame["result"]["place"]["amenities"] == ["fire rings", "vault toilets"]
        found = await call(socket_for, fake_anthropic, alice, "find_saved_places",
                           {"near": "Green River, UT", "radius_miles": 80})
        assert [p["name"] for p in found["result"]["places"]] == ["Sand Flats"]
        assert 30 < found["result"]["places"][0]["distance_miles"] < 80
        assert (await call(socket_for, fake_anthropic, bob, "find_saved_places", {}))["result"]["places"] == []
        assert await db(SavedPlace.objects.filter(user=bob).count) == 0

    async def test_weather_comes_from_open_meteo(self, socket_for, fake_anthropic, fake_open_meteo, alice):
        frame = await call(socket_for, fake_anthropic, alice, "get_weather_forecast", {"place": "Moab, UT", "days": 3})
        assert frame["status"] == "ok", frame
        assert frame["result"]["place"].startswith("Moab") and len(frame["result"]["forecast"]["days"]) == 3

    async def test_an_unreachable_weather_service_is_said_not_invented(self, socket_for, fake_anthropic, alice,
                                                                        settings):
        settings.OPEN_METEO_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
        frame = await call(socket_for, fake_anthropic, alice, "get_weather_forecast", {"place": "Moab, UT"})
        assert frame["status"] == "error" and "unavailable" in frame["result"]["error"]


class TestCalendar:
    async def test_a_time_the_user_says_is_in_their_timezone(self, socket_for, fake_anthropic, alice, bob):
        day = denver_today() + datetime.timedelta(days=3)
        frame = await call(socket_for, fake_anthropic, alice, "create_calendar_event",
                           {"title": "Dentist", "starts_at": f"{day.isoformat()}T14:00"})
        assert frame["status"] == "ok"
        event = await db(CalendarEvent.objects.get)
        local = event.starts_at.astimezone(DENVER)
        assert (local.date(), local.hour, local.minute) == (day, 14, 0)
        assert event.ends_at - event.starts_at == datetime.timedelta(hours=1)
        assert frame["result"]["event"]["starts_at"].startswith(f"{day.isoformat()}T14:00:00-0")

        await call(socket_for, fake_anthropic, bob, "create_calendar_event",
                   {"title": "Dentist", "starts_at": f"{day.isoformat()}T14:00"})
        bobs = await db(CalendarEvent.objects.get, user=bob)
        assert bobs.starts_at.astimezone(zoneinfo.ZoneInfo("America/New_York")).hour == 14
        assert bobs.starts_at != event.starts_at  # 2pm in New York is noon in Denver

    async def test_list_update_and_delete_with_approval(self, socket_for, fake_anthropic, alice, bob):
        start = timezone.now() + datetime.timedelta(days=2)
        event = await db(calendar_event_create, user=alice, title="Dentist", starts_at=start,
                         ends_at=start + datetime.timedelta(minutes=30))
        listed = await call(socket_for, fake_anthropic, alice, "list_calendar_events", {})
        assert [e["title"] for e in listed["result"]["events"]] == ["Dentist"]
        assert (await call(socket_for, fake_anthropic, bob, "list_calendar_events", {}))["result"]["events"] == []

        new_start = (start + datetime.timedelta(hours=1)).astimezone(DENVER).replace(tzinfo=None)
        moved = await call(socket_for, fake_anthropic, alice, "update_calendar_event",
                           {"event_id": event.id, "starts_at": new_start.isoformat(timespec="minutes")})
        assert moved["status"] == "ok" and moved["result"]["changed"] == ["ends_at", "starts_at"]
        event = await db(CalendarEvent.objects.get)
        assert event.ends_at - event.starts_at == datetime.timedelta(minutes=30)

        bobs_try = await call(socket_for, fake_anthropic, bob, "delete_calendar_event", {"event_id": event.id})
        assert bobs_try["status"] == "error"
        proposed = await call(socket_for, fake_anthropic, alice, "delete_calendar_event", {"event_id": event.id})
        assert proposed["status"] == "needs_confirmation" and "Dentist" in proposed["summary"]
        assert await db(CalendarEvent.objects.count) == 1
        socket = await socket_for(alice)
        await socket.send_json_to({"type": "confirm_action", "action_id": proposed["action_id"], "approved": True})
        while (frame := await socket.receive_json_from(timeout=5))["type"] != "action_result":
            pass
        assert frame["status"] == "done" and await db(CalendarEvent.objects.count) == 0
        assert (await db(PendingAction.objects.get)).status == "done"


class TestImplausibleMileage:
    async def test_a_tank_far_from_the_usual_mpg_is_flagged_not_taken_at_face_value(
        self, socket_for, fake_anthropic, alice, minnie
    ):
        await db(services.fuel_log_create, user=alice, date=denver_today(), odometer_miles=45000,
                 volume_gallons=Decimal("40"), price_per_gallon=Decimal("3.75"))
        frame = await call(socket_for, fake_anthropic, alice, "log_fuel",  # 2,000 miles on 30 gallons
                           {"odometer_miles": 47000, "volume_gallons": 30, "price_per_gallon": 3.89})
        assert frame["result"]["mpg_this_fill"] == 66.7
        assert "fill-up may not have been logged" in frame["result"]["check"]
