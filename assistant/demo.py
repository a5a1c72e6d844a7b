"""The demo account that `make run` seeds: a full-time RVer a few weeks into the month."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from assistant.context import context_invalidate, local_now
from assistant.models import Profile
from finance.models import Budget, Expense, Income, RecurringExpense, RecurringIncome
from finance.services import (
    budget_set,
    expense_create,
    income_create,
    recurring_expense_create,
    recurring_income_create,
    recurring_post_due,
)

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "pam-demo-2026"

BUDGETS = {
    "fuel": "600", "campground": "900", "groceries": "800", "dining": "300", "propane": "80",
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
        for model in (Expense, Income, Budget, RecurringExpense, RecurringIncome):
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


def _day_of_month(after: datetime.date, day: int) -> datetime.date:
    """The first date on ``day`` of a month that is not before ``after``."""
    candidate = after.replace(day=day)
    if candidate < after:
        month = after.replace(day=28) + datetime.timedelta(days=4)
        candidate = month.replace(day=day)
    return candidate
