"""A user with a few real rows of every kind, so fuzzed detail endpoints, frames and tools reach
real data; and a count of everything a user owns, to prove a rejected input wrote nothing."""

import datetime
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from assistant import services as assistant_services
from assistant.models import Alert
from finance import services as finance_services
from travel import services as travel_services


def seed_rows(user) -> dict[str, int]:
    """Create one or two rows of each kind for ``user`` through the services; returns their ids by
    kind ("expense", "budget", "vehicle", "trip", ...)."""
    today = timezone.localdate()
    expense = finance_services.expense_create(user=user, amount=Decimal("45.20"), category="groceries", date=today,
                                              merchant="Safeway", description="weekly shop")
    finance_services.expense_create(user=user, amount=Decimal("30.00"), category="propane", date=today,
                                    description="propane at the KOA")
    income = finance_services.income_create(user=user, source="Pension", amount=Decimal("1800.00"), date=today)
    budget, _ = finance_services.budget_set(user=user, category="groceries", monthly_limit=Decimal("400.00"))
    recurring_expense = finance_services.recurring_expense_create(
        user=user, amount=Decimal("65.00"), category="connectivity", starts_on=today + datetime.timedelta(days=3))
    recurring_income = finance_services.recurring_income_create(
        user=user, amount=Decimal("1800.00"), source="Pension", starts_on=today + datetime.timedelta(days=5))
    vehicle = travel_services.vehicle_create(user=user, name="Winnebago View", odometer_miles=42_000)
    fuel_log = travel_services.fuel_log_create(user=user, date=today, odometer_miles=42_100,
                                               volume_gallons=Decimal("20.000"), price_per_gallon=Decimal("4.10"))
    item = travel_services.maintenance_item_create(user=user, task="Oil change", interval_miles=5000,
                                                   interval_days=180, last_done_odometer=40_000)
    record = travel_services.maintenance_record_create(user=user, task="Tire rotation", date=today,
                                                       odometer_miles=41_000, cost=Decimal("80.00"))
    trip = travel_services.trip_create(
        user=user, title="Moab loop", start_date=today + datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=14),
        stops=[{"name": "Denver", "latitude": 39.7392, "longitude": -104.9903},
               {"name": "Moab", "latitude": 38.5733, "longitude": -109.5498}],
    )
    place = travel_services.saved_place_create(user=user, name="Sand Flats", latitude=38.58, longitude=-109.52)
    event = assistant_services.calendar_event_create(
        user=user, title="Propane refill", starts_at=timezone.now() + datetime.timedelta(days=2))
    alert = Alert.objects.create(user=user, category=Alert.Category.BUDGET, severity=Alert.Severity.HIGH,
                                 title="Groceries budget at 85%", message="You have $60 left.",
                                 dedup_key="seed-budget")
    return {
        "expense": expense.id, "income": income.id, "budget": budget.id, "recurring_expense": recurring_expense.id,
        "recurring_income": recurring_income.id, "vehicle": vehicle.id, "fuel_log": fuel_log.id,
        "maintenance_item": item.id, "maintenance_record": record.id, "trip": trip.id,
        "trip_stop": trip.stops.first().id, "place": place.id, "calendar_event": event.id, "alert": alert.id,
    }


def _user_path(model, user_model) -> str | None:
    """How ``model`` reaches its owner: "user", or "trip__user" for a row owned through its parent."""
    def owner_field(field) -> bool:
        return field.name == "user" and field.concrete and field.related_model is user_model

    if any(owner_field(field) for field in model._meta.get_fields()):
        return "user"
    for field in model._meta.get_fields():
        if field.many_to_one and field.concrete and any(map(owner_field, field.related_model._meta.get_fields())):
            return f"{field.name}__user"
    return None


def owned_rows(user) -> dict[str, list[dict]]:
    """Every row ``user`` owns (through a ``user`` foreign key, or a parent row's), with all its
    values, by model label: equal before and after means nothing was added, changed or deleted.
    New models are covered without editing this function."""
    rows = {}
    for model in apps.get_models():
        path = _user_path(model, user.__class__)
        if path is not None:
            rows[model._meta.label] = list(model._default_manager.filter(**{path: user}).order_by("pk").values())
    return rows
