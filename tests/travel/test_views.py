"""The travel page (/travel/) through the Django test client on the real PostgreSQL: who may see
it, what it tells its script (timezone, currency, units, map tiles), that its map library is our
own copy of Leaflet, and that nothing of bob's reaches alice's page or the figures it loads."""

import datetime
import hashlib
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from assistant.models import Profile
from assistant.services import calendar_event_create
from tests.page_helpers import attribute, local_today
from travel import services

pytestmark = pytest.mark.django_db

URL = "/travel/"


class TestTravelPageAccess:
    def test_the_url_is_named(self):
        assert reverse("travel:page") == URL

    def test_it_sends_anonymous_visitors_to_log_in_first(self, client):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={URL}"

    def test_it_renders_for_alice(self, client, alice):
        client.force_login(alice)
        response = client.get(URL)
        assert response.status_code == 200
        assert "travel/page.html" in [t.name for t in response.templates]
        html = response.content.decode()
        assert '<h1 class="travel__title">Travel</h1>' in html
        for section in ("trips", "trip-map", "stop-list", "trip-estimate", "fuel", "chart-economy", "maintenance",
                        "calendar", "live-status"):
            assert f'id="{section}"' in html

    def test_travel_is_the_current_page_in_the_top_bar(self, client, alice):
        client.force_login(alice)
        html = client.get(URL).content.decode()
        assert '<a class="topnav__link" href="/travel/" aria-current="page">Travel</a>' in html
        assert '<a class="topnav__link" href="/finance/">Money</a>' in html
        assert '<a class="topnav__link" href="/">Chat</a>' in html

    def test_the_other_pages_link_to_it(self, client, alice):
        client.force_login(alice)
        for path in ("/", "/finance/"):
            assert '<a class="topnav__link" href="/travel/">Travel</a>' in client.get(path).content.decode()


class TestTravelPageSettings:
    def test_it_passes_alices_timezone_currency_units_and_today(self, client, alice):
        Profile.objects.filter(user=alice).update(currency="CAD", units="metric")
        client.force_login(alice)
        html = client.get(URL).content.decode()
        assert attribute(html, "travel", "data-timezone") == "America/Denver"
        assert attribute(html, "travel", "data-currency") == "CAD"
        assert attribute(html, "travel", "data-units") == "metric"
        assert attribute(html, "travel", "data-today") == local_today("America/Denver").isoformat()

    def test_a_user_without_a_profile_gets_the_defaults(self, client, django_user_model):
        dana = django_user_model.objects.create_user("dana", password="dana-password-123")
        client.force_login(dana)
        html = client.get(URL).content.decode()
        assert attribute(html, "travel", "data-timezone") == ""  # the browser's, then
        assert attribute(html, "travel", "data-currency") == "USD"
        assert attribute(html, "travel", "data-units") == "imperial"

    def test_without_a_tile_url_the_map_has_no_tiles(self, client, alice, settings):
        settings.PAM_MAP_TILE_URL = ""
        client.force_login(alice)
        assert attribute(client.get(URL).content.decode(), "travel", "data-tile-url") == ""

    def test_it_passes_the_tile_url_setting(self, client, alice, settings):
        settings.PAM_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
        client.force_login(alice)
        html = client.get(URL).content.decode()
        assert attribute(html, "travel", "data-tile-url") == "https://tiles.example.org/{z}/{x}/{y}.png"


class TestTravelPageAssets:
    def test_leaflet_and_chartjs_come_from_our_own_static_files_not_a_cdn(self, client, alice):
        client.force_login(alice)
        html = client.get(URL).content.decode()
        scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
        styles = re.findall(r'<link[^>]*\bhref="([^"]+\.css)"', html)
        assert any(src.endswith("vendor/leaflet/leaflet.js") for src in scripts), scripts
        assert any(src.endswith("vendor/chartjs/chart.umd.min.js") for src in scripts), scripts
        assert any(href.endswith("vendor/leaflet/leaflet.css") for href in styles), styles
        assert not [url for url in scripts + styles if "//" in url], scripts + styles

    def test_the_vendored_leaflet_is_the_one_its_readme_describes(self):
        readme = open(finders.find("vendor/leaflet/README.txt")).read()
        script = open(finders.find("vendor/leaflet/leaflet.js"), "rb").read()
        assert "Leaflet 1.9.4" in readme and b"Leaflet 1.9.4" in script[:200]
        assert hashlib.sha256(script).hexdigest() in readme
        assert b"sourceMappingURL" not in script  # collectstatic's manifest would look for the map
        for name in ("leaflet.css", "LICENSE", "images/marker-icon.png", "images/layers.png"):
            assert finders.find(f"vendor/leaflet/{name}"), name


class TestTravelPagePrivacy:
    @pytest.fixture
    def bobs_travel(self, bob):
        services.vehicle_create(user=bob, name="Bobs Secret Bus", rated_mpg=Decimal("7.5"), odometer_miles=98765)
        services.fuel_log_create(user=bob, date=local_today("America/New_York"), odometer_miles=98765,
                                 volume_gallons=Decimal("61.5"), price_per_gallon=Decimal("4.321"),
                                 station="Bobs Hidden Pumps")
        services.maintenance_item_create(user=bob, task="Bobs Brake Job", interval_miles=1000,
                                         last_done_odometer=90000)
        services.trip_create(user=bob, title="Bobs Getaway", budget=Decimal("4321"), stops=[
            {"name": "Bobsville", "latitude": 44.1, "longitude": -73.2},
            {"name": "Bobs Hideout", "latitude": 44.9, "longitude": -72.5},
        ])
        calendar_event_create(user=bob, title="Bobs Secret Meeting",
                              starts_at=timezone.now() + datetime.timedelta(days=2))
        Profile.objects.filter(user=bob).update(currency="EUR")

    SECRETS = ("Bobs Secret Bus", "98765", "Bobs Hidden Pumps", "Bobs Brake Job", "Bobs Getaway", "Bobsville",
               "Bobs Hideout", "4321", "Bobs Secret Meeting")

    def test_alices_page_shows_nothing_of_bobs(self, client, alice, bob, bobs_travel):
        client.force_login(alice)
        html = client.get(URL).content.decode()
        for secret in (*self.SECRETS, "EUR", "America/New_York", "bob"):
            assert secret not in html, secret

    def test_the_figures_alices_page_loads_hold_nothing_of_bobs(self, client, alice, bob, bobs_travel):
        vehicle = services.vehicle_create(user=alice, name="Minnie", rated_mpg=Decimal("10"), odometer_miles=45000)
        trip = services.trip_create(user=alice, title="Utah loop", stops=[
            {"name": "Denver", "latitude": 39.74, "longitude": -104.99},
            {"name": "Moab", "latitude": 38.57, "longitude": -109.55},
        ])
        client.force_login(alice)
        now = timezone.now()
        start, end = now.isoformat(), (now + datetime.timedelta(days=30)).isoformat()
        # The requests page.js makes.
        paths = [
            "/api/v1/vehicles/?page_size=100",
            f"/api/v1/vehicles/{vehicle.id}/fuel-economy/?recent=12",
            f"/api/v1/fuel-logs/?vehicle={vehicle.id}&page_size=5",
            "/api/v1/maintenance-items/due/",
            "/api/v1/trips/?page_size=100",
            f"/api/v1/trips/{trip.id}/",
        ]
        for path in paths:
            response = client.get(path, HTTP_ACCEPT="application/json")
            assert response.status_code == 200, (path, response.content)
            body = response.content.decode()
            for secret in self.SECRETS:
                assert secret not in body, (path, secret)
        response = client.get("/api/v1/calendar-events/", {"start": start, "end": end, "page_size": 100})
        assert response.status_code == 200, response.content
        assert "Bobs Secret Meeting" not in response.content.decode()
        trips = client.get("/api/v1/trips/").json()
        assert [t["title"] for t in trips.get("results", trips)] == ["Utah loop"]
