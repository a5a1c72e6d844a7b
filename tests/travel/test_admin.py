"""Django admin for the travel models and the calendar: a superuser lists each model's rows and
opens a row's change page; a user without staff status is sent to the admin login."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from assistant.models import CalendarEvent
from assistant.services import calendar_event_create
from travel import services
from travel.models import FuelLog, MaintenanceItem, MaintenanceRecord, SavedPlace, Trip, TripStop, Vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(django_user_model, alice):
    vehicle = services.vehicle_create(user=alice, name="Minnie Winnie", make="Winnebago", odometer_miles=45_000)
    services.fuel_log_create(user=alice, date=datetime.date(2026, 11, 2), odometer_miles=45_210,
                             volume_gallons=Decimal("32"), price_per_gallon=Decimal("3.899"), station="Maverik")
    services.maintenance_item_create(user=alice, task="Oil change", interval_miles=5000)
    services.maintenance_record_create(user=alice, task="Roof reseal", date=datetime.date(2026, 10, 1),
                                       cost=Decimal("350"), shop="Camping World")
    services.trip_create(user=alice, title="Utah loop", vehicle_id=vehicle.id, stops=[
        {"name": "Denver", "latitude": 39.74, "longitude": -104.99},
        {"name": "Sand Flats", "latitude": 38.58, "longitude": -109.52, "kind": "campground"},
    ])
    services.saved_place_create(user=alice, name="Goose Island", latitude=38.61, longitude=-109.56, rating=4)
    calendar_event_create(user=alice, title="Dentist appointment", starts_at=datetime.datetime(
        2026, 12, 1, 14, tzinfo=zoneinfo.ZoneInfo("America/Denver")))
    superuser = django_user_model.objects.create_superuser("root", "root@pam.invalid", "root-password-123")
    client = Client()
    client.force_login(superuser)
    return client


MODELS = [
    (Vehicle, "Minnie Winnie"),
    (FuelLog, "Maverik"),
    (MaintenanceItem, "Oil change"),
    (MaintenanceRecord, "Camping World"),
    (Trip, "Utah loop"),
    (TripStop, "Sand Flats"),
    (SavedPlace, "Goose Island"),
    (CalendarEvent, "Dentist appointment"),
]
MODEL_IDS = [model._meta.model_name for model, _ in MODELS]


class TestTravelAdmin:
    @pytest.mark.parametrize(("model", "shows"), MODELS, ids=MODEL_IDS)
    def test_a_superuser_lists_each_model(self, admin_client, model, shows):
        opts = model._meta
        response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200
        assert shows in response.content.decode()

    @pytest.mark.parametrize(("model", "shows"), MODELS, ids=MODEL_IDS)
    def test_a_superuser_opens_a_row(self, admin_client, model, shows):
        opts = model._meta
        row = TripStop.objects.get(name="Sand Flats") if model is TripStop else model.objects.get()
        response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.id]))
        assert response.status_code == 200
        assert shows in response.content.decode()

    def test_a_trip_page_shows_its_stops_inline(self, admin_client):
        trip = Trip.objects.get()
        page = admin_client.get(reverse("admin:travel_trip_change", args=[trip.id])).content.decode()
        assert "Denver" in page and "Sand Flats" in page

    def test_a_vehicle_page_shows_its_tracked_maintenance_inline(self, admin_client):
        vehicle = Vehicle.objects.get()
        page = admin_client.get(reverse("admin:travel_vehicle_change", args=[vehicle.id])).content.decode()
        assert "Oil change" in page

    def test_search_finds_rows_by_username(self, admin_client):
        response = admin_client.get(reverse("admin:travel_trip_changelist"), {"q": "alice"})
        assert "Utah loop" in response.content.decode()

    def test_a_non_staff_user_is_sent_to_the_admin_login(self, client, alice):
        client.force_login(alice)
        response = client.get(reverse("admin:travel_vehicle_changelist"))
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
