"""The demo account that `make run` seeds: a full-time RVer a few weeks into the month."""

import datetime
import random
import zoneinfo
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from assistant.context import context_invalidate, local_now
from assistant.models import CalendarEvent, Profile
from assistant.services import calendar_event_create
from finance.models import Budget, Expense, Income, RecurringExpense, RecurringIncome
from finance.selectors import budget_status
from finance.services import (
    budget_set,
    expense_create,
    income_create,
    recurring_expense_create,
    recurring_income_create,
    recurring_post_due,
)
from travel import services as travel
from travel.models import SavedPlace, Trip, Vehicle

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "pam-demo-2026"

BUDGETS = {
    "fuel": "600", "campground": "900", "groceries": "800", "dining": "450", "propane": "80",
    "maintenance": "250", "connectivity": "190", "entertainment": "150", "supplies": "120",
}

# (every n days, category, low, high, description, merchants)
SPENDING_PATTERNS = [
    (4, "fuel", 78, 142, "diesel", ["Pilot", "Love's", "Maverik", "Flying J"]),
    (2, "campground", 34, 58, "campsite", ["Moab KOA", "Sand Flats", "Goose Island", "Dead Horse Point"]),
    (6, "groceries", 88, 165, "groceries", ["Safeway", "City Market", "Walmart"]),
    (4, "dining", 16, 62, "dinner", ["Denny's", "Moab Brewery", "Milt's Stop & Eat", "Quesadilla Mobilla"]),
    (9, "supplies", 9, 24, "firewood, ice", ["Ace Hardware", "Gearheads"]),
]
HISTORY_DAYS = 120  # four months, so month-by-month charts and 3-month averages have data
FILL_UP_HISTORY_DAYS = 60  # the fill-ups (FILL_UPS) cover these days; fuel expenses before them are made up
ONE_OFFS = [  # (days into the last 30, category, amount, description, merchant)
    (5, "connectivity", "65.00", "hotspot", "Verizon"),
    (8, "propane", "31.40", "propane refill", "AmeriGas"),
    (11, "maintenance", "89.99", "oil change", "Jiffy Lube"),
    (14, "entertainment", "80.00", "national park pass", "Arches National Park"),
    (17, "health", "22.35", "pharmacy", "Walgreens"),
    (22, "propane", "27.80", "propane refill", "AmeriGas"),
    (9, "dining", "86.40", "anniversary dinner", "Desert Bistro"),
    (19, "dining", "54.10", "pizza night", "Antica Forma"),
]


@transaction.atomic
def seed_demo_user(*, reset: bool = False) -> tuple[object, bool, int]:
    """Create the demo user (``demo`` / ``pam-demo-2026``) unless it exists.

    Returns ``(user, created, expenses_created)``. With ``reset`` the user's expenses and
    budgets are deleted and seeded again. The data is the same on every run of the same day.
    """
    User = get_user_model()
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is not None and not reset:
        return user, False, 0
    if user is None:
        user = User.objects.create_user(DEMO_USERNAME, email="demo@example.com", password=DEMO_PASSWORD,
                                        first_name="Sam")
    else:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        for model in (Expense, Income, Budget, RecurringExpense, RecurringIncome, Vehicle, Trip, SavedPlace,
                      CalendarEvent):
            model.objects.filter(user=user).delete()
    Profile.objects.update_or_create(
        user=user,
        defaults={"display_name": "Sam", "timezone": "America/Denver", "currency": "USD",
                  "units": Profile.Units.IMPERIAL, "home_region": "Colorado"},
    )
    context_invalidate(user.id)
    today = local_now({"timezone": "America/Denver"}).date()
    history_start = today - datetime.timedelta(days=HISTORY_DAYS)
    for category, limit in BUDGETS.items():
        # Groceries roll over like an envelope: what is left each month carries on.
        budget_set(user=user, category=category, monthly_limit=Decimal(limit), rollover=category == "groceries",
                   today=today - datetime.timedelta(days=60))

    # Bills and income that post themselves on their day.
    recurring_expense_create(user=user, amount=Decimal("120.00"), category="connectivity", description="Starlink",
                             merchant="Starlink", starts_on=_day_of_month(history_start, 5))
    recurring_expense_create(user=user, amount=Decimal("142.50"), category="insurance", description="RV insurance",
                             merchant="Progressive", starts_on=_day_of_month(history_start, 18))
    recurring_income_create(user=user, amount=Decimal("1850.00"), source="Social Security", kind="pension",
                            starts_on=_day_of_month(history_start, 3))
    recurring_income_create(user=user, amount=Decimal("1200.00"), source="Teachers' pension", kind="pension",
                            starts_on=_day_of_month(history_start, 1))
    count = recurring_post_due(user=user, today=today)
    income_create(user=user, source="Photo licensing", amount=Decimal("340.00"), kind="freelance",
                  date=today - datetime.timedelta(days=12), notes="Arches sunrise series")

    rng = random.Random(today.toordinal())
    for days_ago in range(HISTORY_DAYS, -1, -1):
        day = today - datetime.timedelta(days=days_ago)
        for every, category, low, high, description, merchants in SPENDING_PATTERNS:
            if category == "fuel" and days_ago <= FILL_UP_HISTORY_DAYS:
                continue  # the logged fill-ups are the fuel spending of these days
            if days_ago % every == 0:
                amount = Decimal(rng.randint(low * 100, high * 100)) / 100
                expense_create(user=user, amount=amount, category=category, date=day,
                               description=description, merchant=rng.choice(merchants))
                count += 1
        for offset, category, amount, description, merchant in ONE_OFFS:
            if days_ago == 30 - offset:
                expense_create(user=user, amount=Decimal(amount), category=category, date=day,
                               description=description, merchant=merchant)
                count += 1
    count += seed_road(user, today)
    count += _near_budget_threshold(user, today)
    return user, True, count


NEAR_THRESHOLD_CATEGORY = "entertainment"


def _near_budget_threshold(user, today: datetime.date) -> int:
    """Top the demo's entertainment spending up to 86 % of its budget this month, past the 80 %
    alert threshold, so the budget monitor has something to say on the first run. Returns how
    many expenses were added (0 or 1)."""
    status = budget_status(user=user, today=today, category=NEAR_THRESHOLD_CATEGORY)["budgets"][0]
    missing = Decimal(status["available"]) * Decimal("0.86") - Decimal(status["spent"])
    if missing < 1:
        return 0
    expense_create(user=user, amount=missing.quantize(Decimal("0.01")), category=NEAR_THRESHOLD_CATEGORY,
                   date=today, description="jeep tour", merchant="Moab Tour Company")
    return 1


# (days ago, odometer, gallons, price per gallon, full?, station); each is also a fuel expense
FILL_UPS = [
    (58, 43120, "48.2", "3.79", True, "Pilot, Grand Junction"),
    (44, 43560, "45.1", "3.85", True, "Love's, Green River"),
    (37, 43870, "18.0", "3.92", False, "Maverik, Moab"),
    (30, 44030, "30.5", "3.89", True, "Maverik, Moab"),
    (16, 44480, "46.8", "3.71", True, "Flying J, Fruita"),
    (4, 44900, "43.0", "3.69", True, "Love's, Green River"),
]


def seed_road(user, today: datetime.date) -> int:
    """The demo's road life: a Class C with fill-ups and maintenance, a planned trip, saved
    places and a few calendar events. Returns how many fill-ups were logged (each is also a fuel
    expense)."""
    vehicle = travel.vehicle_create(user=user, name="Minnie", make="Winnebago", model="Minnie Winnie 22M",
                                    year=2019, vehicle_type="class_c", fuel_type="gasoline",
                                    tank_capacity_gallons=Decimal("55"), rated_mpg=Decimal("9.5"),
                                    odometer_miles=43000)
    for days_ago, odometer, gallons, price, is_full, station in FILL_UPS:
        travel.fuel_log_create(user=user, vehicle_id=vehicle.id, date=today - datetime.timedelta(days=days_ago),
                               odometer_miles=odometer, volume_gallons=Decimal(gallons),
                               price_per_gallon=Decimal(price), is_full=is_full, station=station)
    # 440 miles since the last full fill: about 18 % left in the tank, so the fuel monitor warns.
    travel.odometer_update(user=user, vehicle_id=vehicle.id, odometer_miles=45340)
    for task, miles, days, done_odometer, done_days_ago in [
        ("Oil change", 5000, 180, 40600, 150),        # due soon by miles (45,600)
        ("Tire rotation", 6000, None, 39000, 200),    # overdue (45,000)
        ("Generator service", None, 365, None, 320),  # due in 45 days
        ("Roof seal inspection", None, 180, None, 20),
    ]:
        travel.maintenance_item_create(user=user, vehicle_id=vehicle.id, task=task, interval_miles=miles,
                                       interval_days=days, last_done_odometer=done_odometer,
                                       last_done_on=today - datetime.timedelta(days=done_days_ago))
    start = today + datetime.timedelta(days=(4 - today.weekday()) % 7 or 7)  # next Friday
    travel.trip_create(user=user, title="Canyon country loop", start_date=start,
                       end_date=start + datetime.timedelta(days=9), budget=Decimal("1200"), stops=[
        {"name": "Moab, UT", "latitude": 38.5733, "longitude": -109.5498, "kind": "other", "depart_on": start},
        {"name": "Capitol Reef (Fruita campground)", "latitude": 38.2836, "longitude": -111.2476,
         "kind": "campground", "arrive_on": start, "depart_on": start + datetime.timedelta(days=2),
         "price_per_night": Decimal("25")},
        {"name": "Bryce Canyon City, UT", "latitude": 37.6736, "longitude": -112.1568, "kind": "campground",
         "arrive_on": start + datetime.timedelta(days=3), "depart_on": start + datetime.timedelta(days=6),
         "price_per_night": Decimal("58")},
        {"name": "Springdale, UT", "latitude": 37.1889, "longitude": -112.9986, "kind": "campground",
         "arrive_on": start + datetime.timedelta(days=6), "depart_on": start + datetime.timedelta(days=9),
         "price_per_night": Decimal("45")},
    ])
    for name, lat, lng, kind, rating, price, amenities in [
        ("Sand Flats Recreation Area", 38.5786, -109.5173, "campground", 5, "20", ["fire rings", "vault toilets"]),
        ("Moab KOA", 38.5269, -109.4997, "rv_park", 4, "68", ["full hookups", "wifi", "laundry", "pool"]),
        ("Lone Mesa dump station", 38.5850, -109.5433, "dump_station", 3, None, ["potable water"]),
    ]:
        travel.saved_place_create(user=user, name=name, latitude=lat, longitude=lng, kind=kind, rating=rating,
                                  price_per_night=Decimal(price) if price else None, amenities=amenities)
    zone = zoneinfo.ZoneInfo("America/Denver")
    for days_ahead, hour, title, kind, location in [
        (2, 10, "Call the RV insurance agent", "reminder", ""),
        (5, 14, "Dentist appointment", "personal", "Moab Family Dental"),
        ((start - today).days + 3, 15, "Bryce Canyon campground check-in", "booking", "Bryce Canyon City"),
    ]:
        when = datetime.datetime.combine(today + datetime.timedelta(days=days_ahead), datetime.time(hour),
                                         tzinfo=zone)
        calendar_event_create(user=user, title=title, starts_at=when, ends_at=when + datetime.timedelta(hours=1),
                              kind=kind, location=location, reminder_minutes=60)
    return len(FILL_UPS)


def _day_of_month(after: datetime.date, day: int) -> datetime.date:
    """The first date on ``day`` of a month that is not before ``after``."""
    candidate = after.replace(day=day)
    if candidate < after:
        month = after.replace(day=28) + datetime.timedelta(days=4)
        candidate = month.replace(day=day)
    return candidate
