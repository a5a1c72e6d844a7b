"""The demo account that `make run` seeds: a full-time RVer a few weeks into the month."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from assistant.context import context_invalidate, local_now
from assistant.models import Profile
from finance.models import Budget, Expense
from finance.services import budget_set, expense_create

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "pam-demo-2026"

BUDGETS = {
    "fuel": "600", "campground": "900", "groceries": "800", "dining": "300", "propane": "80",
    "maintenance": "250", "connectivity": "190", "entertainment": "150", "supplies": "120",
}

# (every n days, category, low, high, description, merchants)
RECURRING = [
    (4, "fuel", 78, 142, "diesel", ["Pilot", "Love's", "Maverik", "Flying J"]),
    (2, "campground", 34, 58, "campsite", ["Moab KOA", "Sand Flats", "Goose Island", "Dead Horse Point"]),
    (6, "groceries", 88, 165, "groceries", ["Safeway", "City Market", "Walmart"]),
    (4, "dining", 16, 62, "dinner", ["Denny's", "Moab Brewery", "Milt's Stop & Eat", "Quesadilla Mobilla"]),
    (9, "supplies", 9, 24, "firewood, ice", ["Ace Hardware", "Gearheads"]),
]
ONE_OFFS = [
    (3, "connectivity", "120.00", "Starlink", "Starlink"),
    (5, "connectivity", "65.00", "hotspot", "Verizon"),
    (8, "propane", "31.40", "propane refill", "AmeriGas"),
    (11, "maintenance", "89.99", "oil change", "Jiffy Lube"),
    (14, "entertainment", "80.00", "national park pass", "Arches National Park"),
    (17, "health", "22.35", "pharmacy", "Walgreens"),
    (22, "propane", "27.80", "propane refill", "AmeriGas"),
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
        Expense.objects.filter(user=user).delete()
        Budget.objects.filter(user=user).delete()
    Profile.objects.update_or_create(
        user=user,
        defaults={"display_name": "Sam", "timezone": "America/Denver", "currency": "USD",
                  "units": Profile.Units.IMPERIAL, "home_region": "Colorado"},
    )
    context_invalidate(user.id)
    for category, limit in BUDGETS.items():
        budget_set(user=user, category=category, monthly_limit=Decimal(limit))

    today = local_now({"timezone": "America/Denver"}).date()
    rng = random.Random(today.toordinal())
    count = 0
    for days_ago in range(30, -1, -1):
        day = today - datetime.timedelta(days=days_ago)
        for every, category, low, high, description, merchants in RECURRING:
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
    return user, True, count
