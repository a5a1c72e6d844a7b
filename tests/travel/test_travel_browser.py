"""End to end: the travel page in a real browser (Debian's Chromium through Playwright) against a
real daphne process (tests/browser_support.py): a trip's stops listed in order and drawn on the
locally served Leaflet map (no tiles: markers and the route on a plain background), the trip
estimate, the fuel economy chart, maintenance due, the calendar in alice's own timezone, and the
live sync: a stop added elsewhere and a fill-up told to PAM in the chat show on the open page
without a reload.

On failure a screenshot is saved to test-artifacts/ and daphne's output is part of the assertion
message; set PAM_TEST_SCREENSHOTS=1 to keep screenshots of the passing run as well.
"""

import datetime
import re
import zoneinfo
from decimal import Decimal

from channels.db import database_sync_to_async
from django.utils import timezone
from playwright.async_api import expect

from assistant.models import Profile
from assistant.services import calendar_event_create
from tests.browser_support import failure_report, keep_screenshot, log_in
from travel import services
from travel.models import Trip

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def new_york_today() -> datetime.date:
    return timezone.now().astimezone(NEW_YORK).date()


@database_sync_to_async
def seed(user) -> None:
    """Alice (in New York; her browser is in Denver): her RV with three fill-ups (12.0 and 12.5
    MPG against a rated 14), an oil change 600 miles overdue, a three-stop trip to Moab with
    four campground nights, and a dentist appointment tomorrow at 2 pm her time."""
    Profile.objects.filter(user=user).update(timezone="America/New_York")
    today = new_york_today()
    services.vehicle_create(user=user, name="Winnie", make="Winnebago", model="View", year=2019,
                            rated_mpg=Decimal("14"), odometer_miles=44000)
    for days_ago, odometer, gallons in ((20, 44000, "20"), (12, 44300, "25"), (4, 44600, "24")):
        services.fuel_log_create(user=user, date=today - datetime.timedelta(days=days_ago), odometer_miles=odometer,
                                 volume_gallons=Decimal(gallons), price_per_gallon=Decimal("3.79"), station="Maverik")
    services.maintenance_item_create(user=user, task="Oil change", interval_miles=5000, last_done_odometer=39000)
    services.maintenance_item_create(user=user, task="Tire rotation", interval_days=180,
                                     last_done_on=today - datetime.timedelta(days=30))
    start = today + datetime.timedelta(days=7)
    day = datetime.timedelta(days=1)
    services.trip_create(user=user, title="Utah loop", start_date=start, end_date=start + 5 * day,
                         budget=Decimal("800"), stops=[
                             {"name": "Denver", "latitude": 39.7392, "longitude": -104.9903, "kind": "overnight",
                              "arrive_on": start},
                             {"name": "Grand Junction", "latitude": 39.0639, "longitude": -108.5506,
                              "kind": "campground", "arrive_on": start + day, "depart_on": start + 2 * day,
                              "price_per_night": Decimal("45")},
                             {"name": "Moab", "latitude": 38.5733, "longitude": -109.5498, "kind": "campground",
                              "arrive_on": start + 2 * day, "depart_on": start + 5 * day,
                              "price_per_night": Decimal("60")},
                         ])
    tomorrow = today + day
    calendar_event_create(user=user, title="Dentist", kind="personal", location="Moab Dental",
                          starts_at=datetime.datetime.combine(tomorrow, datetime.time(14, 0), tzinfo=NEW_YORK),
                          ends_at=datetime.datetime.combine(tomorrow, datetime.time(15, 0), tzinfo=NEW_YORK))


@database_sync_to_async
def add_arches(user) -> None:
    trip = Trip.objects.get(user=user)
    services.trip_stop_add(user=user, trip_id=trip.id, stop={
        "name": "Arches National Park", "latitude": 38.7331, "longitude": -109.5925, "kind": "attraction"})


ECONOMY = """() => {
    const chart = window.Chart && window.Chart.getChart(document.getElementById("chart-economy"));
    return chart ? chart.data.datasets.map(d => ({label: d.label, data: d.data})) : null;
}"""

# Every marker's centre inside the map's box: the map was fitted to the stops.
MARKERS_IN_VIEW = """() => {
    const box = document.getElementById("trip-map").getBoundingClientRect();
    return [...document.querySelectorAll("#trip-map .leaflet-marker-icon")].every(m => {
        const r = m.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        return x > box.left && x < box.right && y > box.top && y < box.bottom;
    });
}"""


class TestTravelPageInTheBrowser:
    async def test_alice_sees_her_trip_on_the_map_her_fuel_maintenance_and_calendar_and_changes_live(
        self, live_pam, browser_page, alice
    ):
        base_url, server_output = live_pam
        page = browser_page
        page_errors = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        await seed(alice)

        async with failure_report(page, "browser-travel", server_output, **{"Page errors": lambda: page_errors}):
            await log_in(page, base_url, "/travel/", "alice", "alice-password-123")
            await page.wait_for_selector('body[data-travel-ready="1"]')
            await expect(page.locator("#live-status")).to_have_attribute("data-state", "connected")
            await expect(page.get_by_role("link", name="Travel")).to_have_attribute("aria-current", "page")
            await expect(page.locator("#vehicle-line")).to_contain_text("Winnie")
            await expect(page.locator("#vehicle-line")).to_contain_text("44,600 mi")

            # The trip: its stops in order, with kinds, nights and prices.
            await expect(page.locator("#trip-title")).to_have_text("Utah loop")
            stops = page.locator("#stop-list li.stop")
            await expect(stops.locator(".stop__name")).to_contain_text(["Denver", "Grand Junction", "Moab"])
            await expect(stops.nth(1)).to_contain_text("Campground")
            await expect(stops.nth(1)).to_contain_text("1 night")
            await expect(stops.nth(2)).to_contain_text("3 nights")
            await expect(stops.nth(2)).to_contain_text("$60.00 a night · $180.00")

            # The map: three numbered markers joined by one route line, all in view (no tiles).
            markers = page.locator("#trip-map .leaflet-marker-icon")
            await expect(markers).to_have_count(3)
            await expect(markers).to_have_text(["1", "2", "3"])
            await expect(markers.first).to_have_attribute("title", "1. Denver")
            await expect(page.locator("#trip-map path.trip-route")).to_have_count(1)
            assert await page.locator("#trip-map path.trip-route").get_attribute("d")
            assert await page.evaluate(MARKERS_IN_VIEW)
            await expect(page.locator("#trip-map")).to_have_class(re.compile(r"\btrip-map--plain\b"))
            await expect(page.locator("#trip-map .leaflet-tile")).to_have_count(0)

            # The estimate: distance, driving days, fuel, the four campground nights, total vs budget.
            estimate = page.locator("#trip-estimate")
            await expect(estimate).to_have_attribute("aria-busy", "false")
            await expect(estimate.locator(".estimate__item").nth(0)).to_contain_text(" mi")
            await expect(estimate.locator(".estimate__item").nth(1)).to_contain_text("day")
            await expect(estimate.locator(".estimate__item").nth(3)).to_contain_text("$225.00")
            await expect(estimate.locator(".estimate__item").nth(3)).to_contain_text("4 nights")
            await expect(estimate.locator(".estimate__item--total")).to_contain_text("under the $800.00 budget")

            # Fuel: MPG per segment between full fills, with the rated MPG as a line.
            assert await page.evaluate(ECONOMY) == [
                {"label": "MPG", "data": [12, 12.5]}, {"label": "Rated MPG", "data": [14, 14]}]
            await expect(page.locator("#fuel-stats")).to_contain_text("12.2")  # 600 miles on 49 gallons
            fills = page.locator("#fill-rows tr")
            await expect(fills).to_have_count(3)
            await expect(fills.first).to_have_attribute("data-odometer", "44600")

            # Maintenance: the oil change is overdue by miles, the tire rotation is fine.
            overdue = page.locator('#due-list li.due[data-state="overdue"]')
            await expect(overdue).to_have_count(1)
            await expect(overdue).to_contain_text("Oil change")
            await expect(overdue).to_contain_text("600 mi overdue")
            await expect(page.locator('#due-list li.due[data-state="ok"]')).to_contain_text("Tire rotation")

            # Calendar: 2 pm in alice's timezone (New York), although the browser is in Denver.
            event = page.locator("#event-list li.event")
            await expect(event).to_have_count(1)
            await expect(event).to_contain_text("Dentist")
            await expect(event).to_contain_text("Tomorrow · 2:00 PM – 3:00 PM")
            await expect(event).to_contain_text("Moab Dental")
            await keep_screenshot(page, "browser-travel")

            # Live sync: a stop added elsewhere (the API, a tool) and a fill-up told to PAM in the
            # chat (another page, same session) appear on the open page without a reload.
            await page.evaluate("window.__sameDocument = true")
            await add_arches(alice)
            await expect(stops).to_have_count(4)
            await expect(stops.nth(3)).to_contain_text("Arches National Park")
            await expect(markers).to_have_count(4)
            await expect(page.locator("#trip-map path.trip-route")).to_have_count(1)

            chat = await page.context.new_page()
            await chat.goto(f"{base_url}/")
            await chat.wait_for_selector('body[data-pam-ready="1"]')
            await expect(chat.locator("#connection-status")).to_have_text("Connected")
            await chat.fill("#composer", "filled up 24 gallons at $3.89, odometer 44,900")
            await chat.press("#composer", "Enter")
            reply = chat.locator('article.msg[data-role="assistant"][data-status="complete"]')
            await expect(reply.locator('li.tool-card[data-tool="log_fuel"][data-status="ok"]')).to_be_visible()

            await expect(fills.first).to_have_attribute("data-odometer", "44900")
            await expect(fills).to_have_count(4)
            await expect(overdue).to_contain_text("900 mi overdue")
            await expect(page.locator("#vehicle-line")).to_contain_text("44,900 mi")
            economy = await page.evaluate(ECONOMY)
            assert economy[0]["data"] == [12, 12.5, 12.5], economy
            assert await page.evaluate("window.__sameDocument === true"), "the travel page reloaded"
            assert page_errors == []
            await keep_screenshot(page, "browser-travel-after-changes")
