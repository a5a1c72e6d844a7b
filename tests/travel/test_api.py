"""The travel and calendar REST API (/api/v1/) on the real database and Redis, with alice (the
owner, in Denver) and bob (in New York, who must reach none of alice's rows through any endpoint)."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assistant.models import CalendarEvent
from assistant.services import calendar_event_create
from finance.models import Expense
from travel import services
from travel.models import FuelLog, MaintenanceItem, MaintenanceRecord, SavedPlace, Trip, TripStop, Vehicle

pytestmark = pytest.mark.django_db

API = "/api/v1"
DENVER = zoneinfo.ZoneInfo("America/Denver")
DENVER_POINT = {"name": "Denver, CO", "latitude": 39.7392, "longitude": -104.9903}
MOAB_POINT = {"name": "Moab, UT", "latitude": 38.5733, "longitude": -109.5498}


def denver_today() -> datetime.date:
    return timezone.now().astimezone(DENVER).date()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def add_vehicle(user, name="Minnie", **fields) -> Vehicle:
    return services.vehicle_create(user=user, name=name, **fields)


def fill(user, vehicle, odometer, gallons, *, is_full=True, missed_previous=False, price="4.00", day=None):
    return services.fuel_log_create(
        user=user, vehicle_id=vehicle.id, date=day or datetime.date(2026, 10, 1), odometer_miles=odometer,
        volume_gallons=Decimal(gallons), price_per_gallon=Decimal(price), is_full=is_full,
        missed_previous=missed_previous,
    )


def plan(user, title="Moab", **fields) -> Trip:
    stops = [DENVER_POINT, {**MOAB_POINT, "kind": "campground", "arrive_on": datetime.date(2026, 12, 5),
                            "depart_on": datetime.date(2026, 12, 7), "price_per_night": Decimal("45.00")}]
    return services.trip_create(user=user, title=title, stops=stops, **fields)




@pytest.fixture
def minnie(alice) -> Vehicle:
    return add_vehicle(alice, "Minnie", make="Winnebago", vehicle_type="class_c", tank_capacity_gallons=Decimal("55"),
                       rated_mpg=Decimal("10"), odometer_miles=45_000)


@pytest.fixture
def alices_rows(alice, minnie) -> dict[str, str]:
    """One of each of alice's rows, by the URL that reaches it."""
    fuel_log = fill(alice, minnie, 45_200, "30")
    item = services.maintenance_item_create(user=alice, task="Oil change", interval_miles=5000, vehicle_id=minnie.id)
    record = services.maintenance_record_create(user=alice, task="Tires", date=datetime.date(2026, 9, 1),
                                                cost=Decimal("600"), vehicle_id=minnie.id)
    trip = plan(alice)
    place = services.saved_place_create(user=alice, name="Sand Flats", latitude=38.58, longitude=-109.52)
    event = calendar_event_create(user=alice, title="Dentist",
                                  starts_at=datetime.datetime(2026, 12, 1, 14, tzinfo=DENVER))
    return {
        "vehicle": f"{API}/vehicles/{minnie.id}/", "fuel_log": f"{API}/fuel-logs/{fuel_log.id}/",
        "maintenance_item": f"{API}/maintenance-items/{item.id}/",
        "maintenance_record": f"{API}/maintenance-records/{record.id}/", "trip": f"{API}/trips/{trip.id}/",
        "trip_stop": f"{API}/trip-stops/{trip.stops.first().id}/", "place": f"{API}/places/{place.id}/",
        "calendar_event": f"{API}/calendar-events/{event.id}/",
    }


class TestOwnership:
    LISTS = ["vehicles", "fuel-logs", "maintenance-items", "maintenance-records", "trips", "places",
             "calendar-events"]

    def test_bob_lists_none_of_alices_rows(self, as_bob, as_alice, alices_rows):
        for name in self.LISTS:
            assert ids(as_bob.get(f"{API}/{name}/")) == [], name
            assert len(ids(as_alice.get(f"{API}/{name}/"))) >= 1, name
        assert as_bob.get(f"{API}/maintenance-items/due/").json() == []

    @pytest.mark.parametrize("row", ["vehicle", "fuel_log", "maintenance_item", "maintenance_record", "trip",
                                     "trip_stop", "place", "calendar_event"])
    def test_bob_gets_404_for_each_of_alices_rows_and_changes_nothing(self, as_bob, as_alice, alices_rows, row):
        url = alices_rows[row]
        before = as_alice.get(url).json()
        assert as_bob.get(url).status_code == 404
        assert as_bob.patch(url, {"name": "mine", "title": "mine", "notes": "mine"}, format="json").status_code in (
            404, 405)
        assert as_bob.delete(url).status_code == 404
        assert as_alice.get(url).json() == before

    def test_bob_cannot_read_the_fuel_economy_of_alices_vehicle(self, as_bob, minnie):
        assert as_bob.get(f"{API}/vehicles/{minnie.id}/fuel-economy/").status_code == 404

    @pytest.mark.parametrize(("endpoint", "body"), [
        ("fuel-logs", {"odometer_miles": 46_000, "volume_gallons": "20", "price_per_gallon": "3.50"}),
        ("maintenance-items", {"task": "Oil change", "interval_miles": 5000}),
        ("maintenance-records", {"task": "Oil change", "cost": "80.00"}),
        ("trips", {"title": "Bob's trip"}),
    ])
    def test_bob_cannot_attach_a_row_to_alices_vehicle(self, as_bob, bob, minnie, endpoint, body):
        add_vehicle(bob, "Bob's van")
        response = as_bob.post(f"{API}/{endpoint}/", {**body, "vehicle": minnie.id}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["vehicle"]
        assert "does not exist" in response.json()["vehicle"][0]
        assert not FuelLog.objects.filter(user=bob).exists() and not Trip.objects.filter(user=bob).exists()
        assert not MaintenanceItem.objects.filter(user=bob).exists()
        assert not Expense.objects.filter(user=bob).exists()

    def test_bob_cannot_filter_or_check_maintenance_by_alices_vehicle(self, as_bob, minnie, alices_rows):
        assert list(as_bob.get(f"{API}/fuel-logs/", {"vehicle": minnie.id}).json()) == ["vehicle"]
        assert list(as_bob.get(f"{API}/maintenance-items/due/", {"vehicle": minnie.id}).json()) == ["vehicle"]

    def test_bob_cannot_add_a_stop_to_alices_trip(self, as_bob, alice):
        trip = plan(alice)
        response = as_bob.post(f"{API}/trips/{trip.id}/stops/", {"name": "Bob's", "latitude": 1, "longitude": 1},
                               format="json")
        assert response.status_code == 404
        assert trip.stops.count() == 2

    def test_bob_cannot_move_a_stop_of_alices_trip(self, as_bob, alice):
        trip = plan(alice)
        stop = trip.stops.get(position=1)
        assert as_bob.patch(f"{API}/trip-stops/{stop.id}/", {"position": 0}, format="json").status_code == 404
        stop.refresh_from_db()
        assert stop.position == 1

    def test_a_user_field_in_the_body_is_ignored(self, as_alice, alice, bob):
        response = as_alice.post(f"{API}/vehicles/", {"name": "Van", "user": bob.id}, format="json")
        assert response.status_code == 201
        assert Vehicle.objects.get(id=response.json()["id"]).user == alice


class TestAuthentication:
    def test_a_jwt_access_token_reaches_a_travel_endpoint(self, alice, minnie):
        client = APIClient()
        tokens = client.post(f"{API}/auth/token/", {"username": "alice", "password": "alice-password-123"},
                             format="json").json()
        response = client.get(f"{API}/vehicles/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert response.status_code == 200
        assert [row["name"] for row in response.json()["results"]] == ["Minnie"]

    def test_the_session_of_the_web_app_reaches_the_calendar(self, client, alice):
        client.force_login(alice)
        assert client.get(f"{API}/calendar-events/").status_code == 200

    @pytest.mark.parametrize("endpoint", ["vehicles/", "trips/", "places/", "calendar-events/",
                                          "maintenance-items/due/"])
    def test_without_credentials_it_is_a_401(self, endpoint):
        assert APIClient().get(f"{API}/{endpoint}").status_code == 401

    def test_travel_requests_count_against_the_users_rate(self, settings, as_alice):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/min"}}
        statuses = [as_alice.get(f"{API}/{name}/").status_code for name in ("vehicles", "trips", "calendar-events")]
        assert statuses == [200, 200, 429]


class TestUrlNames:
    def test_every_app_shares_the_api_namespace(self, minnie):
        assert reverse("api:export-expenses") == f"{API}/exports/expenses.csv"
        assert reverse("api:expense-list") == f"{API}/expenses/"
        assert reverse("api:vehicle-fuel-economy", args=[minnie.id]) == f"{API}/vehicles/{minnie.id}/fuel-economy/"
        assert reverse("api:maintenance-item-due") == f"{API}/maintenance-items/due/"
        assert reverse("api:trip-add-stop", args=[1]) == f"{API}/trips/1/stops/"
        assert reverse("api:calendar-event-list") == f"{API}/calendar-events/"


class TestVehicles:
    def test_the_first_vehicle_is_primary_and_a_new_primary_demotes_it(self, as_alice, alice):
        first = as_alice.post(f"{API}/vehicles/", {"name": "Minnie", "odometer_miles": 45_000, "rated_mpg": "10.5",
                                                   "tank_capacity_gallons": "55"}, format="json")
        assert first.status_code == 201
        assert first.json()["is_primary"] is True and first.json()["rated_mpg"] == "10.50"
        second = as_alice.post(f"{API}/vehicles/", {"name": "Jeep", "vehicle_type": "tow_vehicle", "is_primary": True},
                               format="json")
        assert second.status_code == 201
        rows = as_alice.get(f"{API}/vehicles/").json()["results"]
        assert [(row["name"], row["is_primary"]) for row in rows] == [("Jeep", True), ("Minnie", False)]

    def test_the_odometer_goes_up_through_patch(self, as_alice, minnie):
        response = as_alice.patch(f"{API}/vehicles/{minnie.id}/", {"odometer_miles": 45_310}, format="json")
        assert response.status_code == 200 and response.json()["odometer_miles"] == 45_310

    def test_the_odometer_cannot_go_back_and_nothing_else_changes(self, as_alice, minnie):
        response = as_alice.patch(f"{API}/vehicles/{minnie.id}/", {"odometer_miles": 44_000, "name": "Big Minnie"},
                                  format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["odometer_miles"]
        assert "45,000" in response.json()["odometer_miles"][0]
        minnie.refresh_from_db()
        assert (minnie.odometer_miles, minnie.name) == (45_000, "Minnie")

    @pytest.mark.parametrize(("change", "field"), [
        ({"vehicle_type": "yacht"}, "vehicle_type"),
        ({"year": 1800}, "year"),
        ({"rated_mpg": "-3"}, "rated_mpg"),
        ({"odometer_miles": -5}, "odometer_miles"),
        ({"name": ""}, "name"),
    ])
    def test_a_bad_value_is_a_400_naming_the_field(self, as_alice, change, field):
        response = as_alice.post(f"{API}/vehicles/", {"name": "Van", **change}, format="json")
        assert response.status_code == 400 and list(response.json()) == [field]

    def test_put_changes_the_details_and_delete_removes_it(self, as_alice, minnie):
        url = f"{API}/vehicles/{minnie.id}/"
        response = as_alice.put(url, {"name": "Minnie Winnie", "make": "Winnebago", "year": 2019,
                                      "odometer_miles": 45_000}, format="json")
        assert response.status_code == 200 and response.json()["year"] == 2019
        assert as_alice.delete(url).status_code == 204
        assert not Vehicle.objects.filter(id=minnie.id).exists()


class TestFuelLogs:
    def test_a_fill_up_from_two_amounts_logs_its_fuel_expense(self, as_alice, alice, minnie):
        response = as_alice.post(f"{API}/fuel-logs/", {"odometer_miles": 45_210, "volume_gallons": "32",
                                                       "price_per_gallon": "3.899", "station": "Maverik"},
                                 format="json")
        assert response.status_code == 201
        body = response.json()
        assert (body["vehicle"], body["total_cost"], body["date"]) == (minnie.id, "124.77", denver_today().isoformat())
        expenses = as_alice.get(f"{API}/expenses/", {"category": "fuel"}).json()["results"]
        assert [(e["id"], e["amount"], e["merchant"]) for e in expenses] == [(body["expense"], "124.77", "Maverik")]
        minnie.refresh_from_db()
        assert minnie.odometer_miles == 45_210

    def test_the_volume_is_worked_out_from_the_total_and_price(self, as_alice, minnie):
        response = as_alice.post(f"{API}/fuel-logs/", {"vehicle": minnie.id, "odometer_miles": 45_100,
                                                       "total_cost": "70.00", "price_per_gallon": "3.50",
                                                       "date": "2026-11-20"}, format="json")
        assert response.status_code == 201 and response.json()["volume_gallons"] == "20.000"

    @pytest.mark.parametrize("amounts", [{"total_cost": "50"}, {"price_per_gallon": "3.50"}, {}])
    def test_fewer_than_two_amounts_is_a_400_naming_a_missing_one(self, as_alice, minnie, amounts):
        response = as_alice.post(f"{API}/fuel-logs/", {"odometer_miles": 45_100, **amounts}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["volume_gallons"]
        assert "two of" in response.json()["volume_gallons"][0]
        assert not FuelLog.objects.exists() and not Expense.objects.exists()

    def test_a_fill_up_without_a_vehicle_to_pick_is_a_400_naming_vehicle(self, as_alice):
        response = as_alice.post(f"{API}/fuel-logs/", {"odometer_miles": 1000, "volume_gallons": "10",
                                                       "total_cost": "40"}, format="json")
        assert response.status_code == 400 and list(response.json()) == ["vehicle"]

    def test_the_same_odometer_twice_is_a_400_naming_it(self, as_alice, alice, minnie):
        fill(alice, minnie, 45_100, "20")
        response = as_alice.post(f"{API}/fuel-logs/", {"odometer_miles": 45_100, "volume_gallons": "10",
                                                       "total_cost": "40"}, format="json")
        assert response.status_code == 400 and list(response.json()) == ["odometer_miles"]

    def test_filters_by_vehicle_and_dates(self, as_alice, alice, minnie):
        jeep = add_vehicle(alice, "Jeep")
        october = fill(alice, minnie, 45_100, "20", day=datetime.date(2026, 10, 3))
        november = fill(alice, minnie, 45_400, "20", day=datetime.date(2026, 11, 3))
        jeeps = fill(alice, jeep, 1_000, "10", day=datetime.date(2026, 11, 4))
        assert ids(as_alice.get(f"{API}/fuel-logs/")) == [jeeps.id, november.id, october.id]
        assert ids(as_alice.get(f"{API}/fuel-logs/", {"vehicle": minnie.id})) == [november.id, october.id]
        assert ids(as_alice.get(f"{API}/fuel-logs/", {"start": "2026-11-01", "end": "2026-11-03"})) == [november.id]
        assert list(as_alice.get(f"{API}/fuel-logs/", {"start": "soon"}).json()) == ["start"]

    def test_deleting_a_fill_up_deletes_its_expense(self, as_alice, alice, minnie):
        log = fill(alice, minnie, 45_100, "20")
        assert as_alice.delete(f"{API}/fuel-logs/{log.id}/").status_code == 204
        assert not FuelLog.objects.exists() and not Expense.objects.exists()

    def test_a_fill_up_cannot_be_changed(self, as_alice, alice, minnie):
        log = fill(alice, minnie, 45_100, "20")
        assert as_alice.patch(f"{API}/fuel-logs/{log.id}/", {"notes": "x"}, format="json").status_code == 405


class TestFuelEconomy:
    def test_economy_is_measured_between_full_fills(self, as_alice, alice, minnie):
        fill(alice, minnie, 50_000, "20")  # the first full fill starts the chain
        fill(alice, minnie, 50_300, "15")  # 300 mi on 15 gal: 20.0
        fill(alice, minnie, 50_500, "8", is_full=False)  # partial: wait for the next full fill
        fill(alice, minnie, 50_700, "17")  # 400 mi on 8 + 17 gal: 16.0
        fill(alice, minnie, 51_200, "10", missed_previous=True)  # an unlogged fill: restart here
        fill(alice, minnie, 51_500, "20")  # 300 mi on 20 gal: 15.0

        response = as_alice.get(f"{API}/vehicles/{minnie.id}/fuel-economy/")
        assert response.status_code == 200
        report = response.json()
        assert [(s["start_odometer"], s["end_odometer"], s["gallons"], s["mpg"]) for s in report["segments"]] == [
            (50_000, 50_300, 15.0, 20.0), (50_300, 50_700, 25.0, 16.0), (51_200, 51_500, 20.0, 15.0)]
        assert report["average_mpg"] == 16.7  # 1,000 mi on 60 gal
        assert (report["last_mpg"], report["rated_mpg"], report["fill_ups"]) == (15.0, 10.0, 6)
        assert report["total_cost"] == "360.00"  # 90 gal at $4.00
        assert report["cost_per_mile"] == "0.24"  # $240 of measured fills over 1,000 mi
        assert report["vehicle"]["id"] == minnie.id and report["vehicle"]["odometer_miles"] == 51_500

        recent = as_alice.get(f"{API}/vehicles/{minnie.id}/fuel-economy/", {"recent": 1}).json()
        assert [s["mpg"] for s in recent["segments"]] == [15.0]
        assert list(as_alice.get(f"{API}/vehicles/{minnie.id}/fuel-economy/", {"recent": 0}).json()) == ["recent"]

    def test_one_full_fill_measures_nothing_yet(self, as_alice, alice, minnie):
        fill(alice, minnie, 50_000, "20")
        report = as_alice.get(f"{API}/vehicles/{minnie.id}/fuel-economy/").json()
        assert (report["average_mpg"], report["segments"], report["cost_per_mile"]) == (None, [], None)


class TestMaintenance:
    def test_tracking_a_job_on_the_primary_vehicle(self, as_alice, minnie):
        response = as_alice.post(f"{API}/maintenance-items/", {"task": "Oil change", "interval_miles": 5000,
                                                               "interval_days": 180}, format="json")
        assert response.status_code == 201 and response.json()["vehicle"] == minnie.id

    @pytest.mark.parametrize(("body", "field"), [
        ({"task": "Generator service"}, "interval_miles"),
        ({"task": "Generator service", "interval_miles": 0}, "interval_miles"),
        ({"task": "", "interval_days": 30}, "task"),
        ({"task": "OIL CHANGE", "interval_days": 30}, "task"),  # already tracked, any case
    ])
    def test_a_bad_job_is_a_400_naming_the_field(self, as_alice, alice, minnie, body, field):
        services.maintenance_item_create(user=alice, task="Oil change", interval_miles=5000)
        response = as_alice.post(f"{API}/maintenance-items/", body, format="json")
        assert response.status_code == 400 and list(response.json()) == [field]
        assert MaintenanceItem.objects.count() == 1

    def test_alice_changes_and_stops_tracking_a_job(self, as_alice, alice, minnie):
        item = services.maintenance_item_create(user=alice, task="Oil change", interval_miles=5000)
        url = f"{API}/maintenance-items/{item.id}/"
        response = as_alice.patch(url, {"interval_miles": 6000, "notes": " synthetic "}, format="json")
        assert response.status_code == 200
        assert (response.json()["interval_miles"], response.json()["notes"]) == (6000, "synthetic")
        jeep = add_vehicle(alice, "Jeep")
        assert list(as_alice.patch(url, {"vehicle": jeep.id}, format="json").json()) == ["vehicle"]
        assert list(as_alice.patch(url, {"interval_miles": None}, format="json").json()) == ["interval_miles"]
        assert as_alice.delete(url).status_code == 204
        assert not MaintenanceItem.objects.exists()

    def test_due_gives_each_jobs_state_most_urgent_first(self, as_alice, alice, minnie):
        today = denver_today()
        services.odometer_update(user=alice, odometer_miles=51_500)
        for task, fields in {
            "Generator service": {"interval_days": 365, "last_done_on": today - datetime.timedelta(days=100)},
            "Roof inspection": {"interval_days": 90, "last_done_on": today - datetime.timedelta(days=80)},
            "Tire rotation": {"interval_miles": 6000, "last_done_odometer": 45_700},
            "Oil change": {"interval_miles": 5000, "last_done_odometer": 46_400},
        }.items():
            services.maintenance_item_create(user=alice, task=task, **fields)

        response = as_alice.get(f"{API}/maintenance-items/due/")
        assert response.status_code == 200
        rows = response.json()
        assert [(row["task"], row["state"]) for row in rows] == [
            ("Oil change", "overdue"), ("Tire rotation", "due_soon"), ("Roof inspection", "due_soon"),
            ("Generator service", "ok")]
        oil = rows[0]
        assert (oil["due_odometer"], oil["miles_left"], oil["vehicle"], oil["vehicle_name"]) == (
            51_400, -100, minnie.id, "Minnie")
        assert rows[2]["due_on"] == (today + datetime.timedelta(days=10)).isoformat() and rows[2]["days_left"] == 10

        jeep = add_vehicle(alice, "Jeep")
        assert as_alice.get(f"{API}/maintenance-items/due/", {"vehicle": jeep.id}).json() == []

    def test_a_record_with_a_cost_logs_an_expense_and_resets_the_job(self, as_alice, alice, minnie):
        item = services.maintenance_item_create(user=alice, task="Oil change", interval_miles=5000,
                                                last_done_odometer=40_000, last_done_on=datetime.date(2026, 1, 5))
        response = as_alice.post(f"{API}/maintenance-records/", {
            "task": "oil change", "odometer_miles": 45_100, "cost": "89.99", "shop": "Jiffy Lube",
            "date": "2026-11-02"}, format="json")
        assert response.status_code == 201
        body = response.json()
        assert (body["item"], body["task"], body["vehicle"]) == (item.id, "Oil change", minnie.id)
        expense = Expense.objects.get(id=body["expense"])
        assert (expense.category, expense.amount, expense.user) == ("maintenance", Decimal("89.99"), alice)
        item.refresh_from_db()
        assert (item.last_done_odometer, item.last_done_on) == (45_100, datetime.date(2026, 11, 2))

        assert as_alice.delete(f"{API}/maintenance-records/{body['id']}/").status_code == 204
        assert not Expense.objects.exists() and not MaintenanceRecord.objects.exists()

    def test_a_record_without_a_date_is_dated_today_and_filters_find_it(self, as_alice, minnie):
        response = as_alice.post(f"{API}/maintenance-records/", {"task": "Wash"}, format="json")
        assert response.status_code == 201
        assert (response.json()["date"], response.json()["expense"]) == (denver_today().isoformat(), None)
        today = denver_today().isoformat()
        assert ids(as_alice.get(f"{API}/maintenance-records/", {"start": today, "vehicle": minnie.id})) == [
            response.json()["id"]]
        assert list(as_alice.post(f"{API}/maintenance-records/", {"task": "Wash", "cost": "-5"},
                                  format="json").json()) == ["cost"]


class TestTrips:
    def test_planning_a_trip_with_stops_answers_its_estimate(self, as_alice, minnie):
        response = as_alice.post(f"{API}/trips/", {
            "title": "Moab", "start_date": "2026-12-04", "end_date": "2026-12-08", "budget": "400",
            "stops": [DENVER_POINT, {**MOAB_POINT, "kind": "campground", "arrive_on": "2026-12-05",
                                     "depart_on": "2026-12-07", "price_per_night": "45"}],
        }, format="json")
        assert response.status_code == 201
        trip = response.json()
        assert trip["vehicle"] == minnie.id
        assert [(s["position"], s["name"]) for s in trip["stops"]] == [(0, "Denver, CO"), (1, "Moab, UT")]
        estimate = trip["estimate"]
        assert 250 < estimate["distance_miles"] < 450 and estimate["distance_source"] == "estimate"
        assert (estimate["mpg"], estimate["mpg_source"], estimate["fuel_price_source"]) == (10.0, "rated", "default")
        assert (estimate["nights"], estimate["campground_cost"], estimate["budget"]) == (2, "90.00", "400.00")
        assert Decimal(estimate["total_cost"]) == Decimal(estimate["fuel_cost"]) + Decimal("90.00")

    def test_one_trip_has_its_estimate_and_the_list_has_none(self, as_alice, alice, minnie):
        trip = plan(alice)
        detail = as_alice.get(f"{API}/trips/{trip.id}/").json()
        assert detail["estimate"]["nights"] == 2 and len(detail["stops"]) == 2
        listed = as_alice.get(f"{API}/trips/").json()["results"]
        assert len(listed) == 1 and "estimate" not in listed[0] and len(listed[0]["stops"]) == 2

    def test_listing_trips_takes_the_same_queries_however_many_there_are(self, as_alice, alice, minnie,
                                                                         django_assert_max_num_queries):
        for n in range(5):
            plan(alice, title=f"Trip {n}")
        with django_assert_max_num_queries(4):  # the token's user, count, trips with their vehicles, stops
            assert len(ids(as_alice.get(f"{API}/trips/"))) == 5

    def test_a_trip_ending_before_it_starts_is_a_400_naming_end_date(self, as_alice):
        response = as_alice.post(f"{API}/trips/", {"title": "Backwards", "start_date": "2026-12-10",
                                                   "end_date": "2026-12-05"}, format="json")
        assert response.status_code == 400 and list(response.json()) == ["end_date"]
        assert not Trip.objects.exists()

    @pytest.mark.parametrize(("stop", "field"), [
        ({"name": "Nowhere", "latitude": 91, "longitude": 0}, "latitude"),
        ({"name": "Nowhere", "latitude": 0}, "longitude"),
        ({**MOAB_POINT, "arrive_on": "2026-12-07", "depart_on": "2026-12-05"}, "depart_on"),
    ])
    def test_a_bad_stop_is_a_400_naming_the_stop_and_field(self, as_alice, stop, field):
        response = as_alice.post(f"{API}/trips/", {"title": "Trip", "stops": [DENVER_POINT, stop]}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["stops"] and list(response.json()["stops"]["1"]) == [field]
        assert not Trip.objects.exists()

    def test_alice_changes_a_trip_but_not_its_stops_that_way(self, as_alice, alice, minnie):
        trip = plan(alice)
        url = f"{API}/trips/{trip.id}/"
        response = as_alice.patch(url, {"status": "active", "vehicle": None, "budget": "500"}, format="json")
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["vehicle"], response.json()["budget"]) == (
            "active", None, "500.00")
        assert list(as_alice.patch(url, {"stops": []}, format="json").json()) == ["stops"]
        assert list(as_alice.patch(url, {"start_date": "2026-12-20", "end_date": "2026-12-01"},
                                   format="json").json()) == ["end_date"]
        assert as_alice.delete(url).status_code == 204
        assert not Trip.objects.exists() and not TripStop.objects.exists()

    def test_filters_by_status_and_upcoming(self, as_alice, alice):
        today = denver_today()
        past = plan(alice, title="Past", start_date=today - datetime.timedelta(days=20),
                    end_date=today - datetime.timedelta(days=10))
        next_ = plan(alice, title="Next", start_date=today + datetime.timedelta(days=3))
        done = plan(alice, title="Done", status="completed")
        assert ids(as_alice.get(f"{API}/trips/", {"status": "completed"})) == [done.id]
        assert ids(as_alice.get(f"{API}/trips/", {"upcoming": "true"})) == [next_.id]
        assert set(ids(as_alice.get(f"{API}/trips/", {"upcoming": "false"}))) == {past.id, done.id}
        assert list(as_alice.get(f"{API}/trips/", {"status": "lost"}).json()) == ["status"]

    def test_stops_are_added_moved_and_removed_in_order(self, as_alice, alice):
        trip = plan(alice)
        url = f"{API}/trips/{trip.id}/stops/"
        end = as_alice.post(url, {"name": "Arches", "latitude": 38.73, "longitude": -109.59, "kind": "attraction"},
                            format="json")
        assert end.status_code == 201 and end.json()["position"] == 2
        first = as_alice.post(url, {"name": "Golden", "latitude": 39.75, "longitude": -105.22, "position": 0},
                              format="json")
        assert first.status_code == 201 and first.json()["position"] == 0

        def order():
            return [s["name"] for s in as_alice.get(f"{API}/trips/{trip.id}/").json()["stops"]]

        assert order() == ["Golden", "Denver, CO", "Moab, UT", "Arches"]
        moved = as_alice.patch(f"{API}/trip-stops/{first.json()['id']}/", {"position": 2, "notes": "lunch"},
                               format="json")
        assert moved.status_code == 200 and moved.json()["position"] == 2
        assert order() == ["Denver, CO", "Moab, UT", "Golden", "Arches"]
        assert list(as_alice.patch(f"{API}/trip-stops/{end.json()['id']}/", {"latitude": 120},
                                   format="json").json()) == ["latitude"]

        assert as_alice.delete(f"{API}/trip-stops/{first.json()['id']}/").status_code == 204
        assert order() == ["Denver, CO", "Moab, UT", "Arches"]
        assert [s["position"] for s in as_alice.get(f"{API}/trips/{trip.id}/").json()["stops"]] == [0, 1, 2]


class TestPlaces:
    @pytest.fixture
    def places(self, alice, bob):
        return {
            "moab": services.saved_place_create(user=alice, name="Sand Flats", latitude=38.58, longitude=-109.52,
                                                kind="campground", rating=5, amenities=["Vault toilets"]),
            "arches": services.saved_place_create(user=alice, name="Arches overlook", latitude=38.73,
                                                  longitude=-109.59, kind="attraction"),
            "denver": services.saved_place_create(user=alice, name="Denver RV park", latitude=39.74,
                                                  longitude=-104.99, kind="rv_park"),
            "bobs": services.saved_place_create(user=bob, name="Bob's spot", latitude=38.6, longitude=-109.55),
        }

    def test_saving_a_place(self, as_alice, alice):
        response = as_alice.post(f"{API}/places/", {"name": " Goose Island ", "latitude": 38.61, "longitude": -109.56,
                                                    "kind": "campground", "rating": 4, "price_per_night": "20",
                                                    "amenities": ["Water", "water", "Shade"]}, format="json")
        assert response.status_code == 201
        body = response.json()
        assert (body["name"], body["amenities"], body["price_per_night"], body["distance_miles"]) == (
            "Goose Island", ["water", "shade"], "20.00", None)
        assert SavedPlace.objects.get().user == alice

    @pytest.mark.parametrize(("change", "field"), [
        ({"rating": 6}, "rating"), ({"rating": 0}, "rating"), ({"latitude": 95}, "latitude"),
        ({"kind": "castle"}, "kind"), ({"price_per_night": "-1"}, "price_per_night"),
    ])
    def test_a_bad_value_is_a_400_naming_the_field(self, as_alice, change, field):
        response = as_alice.post(f"{API}/places/", {"name": "Spot", "latitude": 38, "longitude": -109, **change},
                                 format="json")
        assert response.status_code == 400 and list(response.json()) == [field]

    def test_near_a_point_nearest_first_within_the_radius(self, as_alice, places):
        response = as_alice.get(f"{API}/places/", {"near": "38.57,-109.55", "radius_miles": 50})
        rows = response.json()["results"]
        assert [row["name"] for row in rows] == ["Sand Flats", "Arches overlook"]
        assert 0 < rows[0]["distance_miles"] < rows[1]["distance_miles"] < 50
        assert response.json()["count"] == 2
        far = as_alice.get(f"{API}/places/", {"near": "38.57,-109.55"}).json()["results"]  # default 100 miles
        assert [row["name"] for row in far] == ["Sand Flats", "Arches overlook"]
        assert ids(as_alice.get(f"{API}/places/", {"near": "0,0", "radius_miles": 10})) == []

    def test_by_kind_and_text(self, as_alice, places):
        assert ids(as_alice.get(f"{API}/places/")) == [places["arches"].id, places["denver"].id, places["moab"].id]
        assert ids(as_alice.get(f"{API}/places/", {"kind": "rv_park"})) == [places["denver"].id]
        assert ids(as_alice.get(f"{API}/places/", {"q": "flats"})) == [places["moab"].id]
        assert ids(as_alice.get(f"{API}/places/", {"q": "flats", "near": "39.74,-104.99"})) == []

    @pytest.mark.parametrize(("params", "field"), [
        ({"near": "Moab"}, "near"), ({"near": "95,0"}, "near"), ({"near": "1,2,3"}, "near"),
        ({"near": "38,-109", "radius_miles": "0"}, "radius_miles"), ({"kind": "castle"}, "kind"),
    ])
    def test_a_bad_filter_is_a_400_naming_it(self, as_alice, places, params, field):
        response = as_alice.get(f"{API}/places/", params)
        assert response.status_code == 400 and list(response.json()) == [field]

    def test_alice_changes_and_forgets_a_place(self, as_alice, places):
        url = f"{API}/places/{places['moab'].id}/"
        response = as_alice.patch(url, {"rating": 4, "amenities": ["Fire rings"]}, format="json")
        assert response.status_code == 200 and response.json()["amenities"] == ["fire rings"]
        assert list(as_alice.patch(url, {"rating": 6}, format="json").json()) == ["rating"]
        assert as_alice.delete(url).status_code == 204
        assert not SavedPlace.objects.filter(id=places["moab"].id).exists()


class TestCalendar:
    def test_a_time_without_an_offset_is_read_in_the_users_timezone(self, as_alice, as_bob):
        response = as_alice.post(f"{API}/calendar-events/", {
            "title": "Dentist", "starts_at": "2026-12-01T14:00:00", "ends_at": "2026-12-01T15:00", "kind": "personal",
        }, format="json")
        assert response.status_code == 201
        body = response.json()
        assert (body["starts_at"], body["ends_at"]) == ("2026-12-01T14:00:00-07:00", "2026-12-01T15:00:00-07:00")
        event = CalendarEvent.objects.get(id=body["id"])
        assert event.starts_at == datetime.datetime(2026, 12, 1, 21, tzinfo=datetime.UTC)

        bobs = as_bob.post(f"{API}/calendar-events/", {"title": "Call", "starts_at": "2026-12-01T14:00"}, format="json")
        assert bobs.json()["starts_at"] == "2026-12-01T14:00:00-05:00"  # bob is in New York

    def test_a_time_with_an_offset_keeps_its_instant_and_is_shown_in_the_users_timezone(self, as_alice):
        response = as_alice.post(f"{API}/calendar-events/", {"title": "Call", "starts_at": "2026-12-01T14:00:00-05:00"},
                                 format="json")
        assert response.status_code == 201 and response.json()["starts_at"] == "2026-12-01T12:00:00-07:00"
        utc = as_alice.post(f"{API}/calendar-events/", {"title": "Call", "starts_at": "2026-07-01T18:00:00Z"},
                            format="json")
        assert utc.json()["starts_at"] == "2026-07-01T12:00:00-06:00"  # summer time in Denver

    def test_at_a_clock_change_a_local_time_is_read_as_pams_chat_reads_it(self, as_alice):
        # Denver's clocks jump from 2:00 to 3:00 on 14 March 2027 and fall back from 2:00 to 1:00 on
        # 7 November 2027: a skipped 2:30 is the hour after, a doubled 1:30 the first one.
        skipped = as_alice.post(f"{API}/calendar-events/", {"title": "Early", "starts_at": "2027-03-14T02:30:00"},
                                format="json")
        assert skipped.status_code == 201 and skipped.json()["starts_at"] == "2027-03-14T03:30:00-06:00"
        doubled = as_alice.post(f"{API}/calendar-events/", {"title": "Early", "starts_at": "2027-11-07T01:30:00"},
                                format="json")
        assert doubled.status_code == 201 and doubled.json()["starts_at"] == "2027-11-07T01:30:00-06:00"

    @pytest.mark.parametrize(("change", "field"), [
        ({"ends_at": "2026-12-01T13:00:00"}, "ends_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": "2026-12-01"}, "starts_at"),  # a date needs all_day
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
    ])
    def test_a_bad_value_is_a_400_naming_the_field(self, as_alice, change, field):
        response = as_alice.post(f"{API}/calendar-events/", {"title": "Dentist", "starts_at": "2026-12-01T14:00:00",
                                                             **change}, format="json")
        assert response.status_code == 400 and list(response.json()) == [field]
        assert not CalendarEvent.objects.exists()

    def test_an_all_day_event_covers_whole_local_days(self, as_alice):
        response = as_alice.post(f"{API}/calendar-events/", {"title": "Moab", "all_day": True, "kind": "trip",
                                                             "starts_at": "2026-12-05", "ends_at": "2026-12-07"},
                                 format="json")
        assert response.status_code == 201
        body = response.json()
        assert (body["starts_at"], body["ends_at"]) == ("2026-12-05T00:00:00-07:00", "2026-12-08T00:00:00-07:00")

        one_day = as_alice.post(f"{API}/calendar-events/", {"title": "Laundry", "all_day": True,
                                                            "starts_at": "2026-12-09T15:30:00"}, format="json").json()
        assert (one_day["starts_at"], one_day["ends_at"]) == ("2026-12-09T00:00:00-07:00", "2026-12-10T00:00:00-07:00")

        # Sending back what was read keeps the same days.
        again = as_alice.put(f"{API}/calendar-events/{body['id']}/", body, format="json").json()
        assert (again["starts_at"], again["ends_at"]) == (body["starts_at"], body["ends_at"])
        backwards = as_alice.post(f"{API}/calendar-events/", {"title": "Oops", "all_day": True,
                                                              "starts_at": "2026-12-05", "ends_at": "2026-12-04"},
                                  format="json")
        assert backwards.status_code == 400 and list(backwards.json()) == ["ends_at"]

    def test_making_an_event_all_day_widens_it_to_its_day(self, as_alice, alice):
        event = calendar_event_create(user=alice, title="Service", starts_at=datetime.datetime(
            2026, 12, 2, 9, tzinfo=DENVER), ends_at=datetime.datetime(2026, 12, 2, 11, tzinfo=DENVER))
        response = as_alice.patch(f"{API}/calendar-events/{event.id}/", {"all_day": True}, format="json")
        assert (response.json()["starts_at"], response.json()["ends_at"]) == (
            "2026-12-02T00:00:00-07:00", "2026-12-03T00:00:00-07:00")

    def test_alice_moves_renames_and_deletes_an_event(self, as_alice, alice):
        event = calendar_event_create(user=alice, title="Dentist",
                                      starts_at=datetime.datetime(2026, 12, 1, 14, tzinfo=DENVER))
        url = f"{API}/calendar-events/{event.id}/"
        response = as_alice.patch(url, {"starts_at": "2026-12-01T15:00", "title": "Dentist (moved)"}, format="json")
        assert response.status_code == 200 and response.json()["starts_at"] == "2026-12-01T15:00:00-07:00"
        assert as_alice.delete(url).status_code == 204
        assert not CalendarEvent.objects.exists()

    def test_filters_by_dates_times_and_kind(self, as_alice, alice):
        dentist = calendar_event_create(user=alice, title="Dentist", kind="personal",
                                        starts_at=datetime.datetime(2026, 12, 1, 14, tzinfo=DENVER),
                                        ends_at=datetime.datetime(2026, 12, 1, 15, tzinfo=DENVER))
        moab = calendar_event_create(user=alice, title="Moab", kind="trip", all_day=True,
                                     starts_at=datetime.datetime(2026, 12, 5, tzinfo=DENVER),
                                     ends_at=datetime.datetime(2026, 12, 8, tzinfo=DENVER))
        url = f"{API}/calendar-events/"
        assert ids(as_alice.get(url)) == [dentist.id, moab.id]
        assert ids(as_alice.get(url, {"start": "2026-12-01", "end": "2026-12-01"})) == [dentist.id]
        assert ids(as_alice.get(url, {"start": "2026-12-06", "end": "2026-12-06"})) == [moab.id]
        assert ids(as_alice.get(url, {"kind": "trip"})) == [moab.id]
        assert ids(as_alice.get(url, {"q": "dent"})) == [dentist.id]
        # 15:30 in Denver is after the dentist; 15:30 in New York is 13:30 in Denver, before its end.
        assert ids(as_alice.get(url, {"start": "2026-12-01T15:30:00", "end": "2026-12-02"})) == []
        assert ids(as_alice.get(url, {"start": "2026-12-01T15:30:00-05:00", "end": "2026-12-02"})) == [dentist.id]

    @pytest.mark.parametrize(("params", "field"), [
        ({"start": "next week"}, "start"), ({"end": "2026-13-01"}, "end"),
        ({"start": "2026-12-05", "end": "2026-12-01"}, "end"), ({"kind": "party"}, "kind"),
    ])
    def test_a_bad_filter_is_a_400_naming_it(self, as_alice, params, field):
        response = as_alice.get(f"{API}/calendar-events/", params)
        assert response.status_code == 400 and list(response.json()) == [field]
