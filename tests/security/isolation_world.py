"""Alice's world for the isolation matrix (tests/security/test_isolation.py): a full set of her
real rows made through the services, words and amounts that appear nowhere else (so a leak shows
up as text), a snapshot of everything she owns, and ``without_alice`` — what bob would see if
alice had never existed, the oracle every REST and tool case is compared against."""

import datetime
import json
import uuid
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assistant import services as assistant_services
from assistant.models import Alert, Conversation, Message, PendingAction, UndoableChange
from assistant.registry import ToolContext, call_tool
from finance import services as finance_services
from finance.models import Expense
from travel import services as travel_services
from travel.models import Trip

DENVER = zoneinfo.ZoneInfo("America/Denver")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")

# Every one of alice's texts carries one of these words and every amount is one of these figures;
# none of them may ever appear in anything bob is shown (case-insensitive).
SECRETS = (
    "alice", "quillback", "zephyrine", "larkspur", "heron", "albatross",
    "4321.87", "2468.13", "1357.91", "975.31", "86.42", "3141.59", "4.219", "753.19", "8642.97", "64.29", "1111.37",
)


def _as_text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def leaked(text) -> list[str]:
    """The secrets found in ``text`` (a str, bytes or any JSON-able value, bytes inside too)."""
    if not isinstance(text, str):
        text = json.dumps(text, ensure_ascii=False, default=_as_text)
    text = text.lower()
    return [secret for secret in SECRETS if secret in text]


@dataclass
class World:
    """Alice and one of each of her rows (model instances as created)."""

    alice: object
    expense: object
    old_expense: object
    income: object
    budget: object
    recurring_expense: object
    recurring_income: object
    vehicle: object
    fuel_log: object
    item: object
    record: object
    trip: object
    planned_trip: object
    stop: object
    place: object
    event: object
    conversation: object
    message: object
    reply: object
    action: object
    change: object
    alert: object
    read_alert: object


def build_world(alice) -> World:
    """Alice's full set of data: money (expenses, income, a budget she is over, recurring bills
    and income), the road (a vehicle with fill-ups and maintenance, an active and a planned trip,
    a saved place), a calendar event, a conversation with PAM, a pending deletion, a change she
    can still undo, an unread alert that was never delivered, a read one, and a profile with quiet
    hours and an opt-out."""
    today = timezone.now().astimezone(DENVER).date()
    assistant_services.profile_update(
        user=alice, display_name="Alice Zephyrine", home_region="Larkspur Hollow",
        quiet_hours_start=datetime.time(22), quiet_hours_end=datetime.time(7), alert_opt_outs=["weather"])

    expense = finance_services.expense_create(
        user=alice, amount=Decimal("4321.87"), category="groceries", date=today,
        description="Quillback heron feeder", merchant="Zephyrine Provisions", location="Larkspur Hollow, UT",
        tags=["quillback"], receipt_note="Zephyrine card, heron gate")
    old_expense = finance_services.expense_create(
        user=alice, amount=Decimal("2468.13"), category="dining", date=today - datetime.timedelta(days=40),
        description="Larkspur supper club", merchant="Heron Grill")
    income = finance_services.income_create(
        user=alice, source="Quillback Pension", amount=Decimal("1357.91"), date=today, kind="pension",
        notes="Larkspur trust")
    budget, _ = finance_services.budget_set(user=alice, category="groceries", monthly_limit=Decimal("975.31"),
                                            alert_threshold_percent=70, today=today)
    recurring_expense = finance_services.recurring_expense_create(
        user=alice, amount=Decimal("86.42"), category="connectivity", starts_on=today - datetime.timedelta(days=35),
        description="Zephyrine Starlink", merchant="Quillback Sat")
    recurring_income = finance_services.recurring_income_create(
        user=alice, amount=Decimal("3141.59"), source="Larkspur annuity", starts_on=today + datetime.timedelta(days=5))
    finance_services.recurring_post_due(user=alice, today=today)

    vehicle = travel_services.vehicle_create(
        user=alice, name="Quillback Albatross", make="Winnebago", model="Heron", vehicle_type="class_c",
        tank_capacity_gallons=Decimal("55"), rated_mpg=Decimal("9.70"), odometer_miles=45_000)
    fuel_log = travel_services.fuel_log_create(
        user=alice, vehicle_id=vehicle.id, date=today - datetime.timedelta(days=3), odometer_miles=45_210,
        volume_gallons=Decimal("32.5"), price_per_gallon=Decimal("4.219"), station="Larkspur Fuel Stop")
    travel_services.fuel_log_create(
        user=alice, vehicle_id=vehicle.id, date=today - datetime.timedelta(days=1), odometer_miles=45_520,
        volume_gallons=Decimal("30"), price_per_gallon=Decimal("4.219"), station="Quillback Gas")
    item = travel_services.maintenance_item_create(
        user=alice, vehicle_id=vehicle.id, task="Quillback generator service", interval_days=100,
        last_done_on=today - datetime.timedelta(days=400), notes="Zephyrine's list")
    record = travel_services.maintenance_record_create(
        user=alice, vehicle_id=vehicle.id, task="Zephyrine roof reseal", date=today - datetime.timedelta(days=10),
        odometer_miles=45_100, cost=Decimal("753.19"), shop="Larkspur RV", notes="heron droppings")

    trip = travel_services.trip_create(
        user=alice, title="Zephyrine Loop", status=Trip.Status.ACTIVE, vehicle_id=vehicle.id,
        start_date=today - datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=6),
        budget=Decimal("8642.97"), notes="Quillback secret route",
        stops=[{"name": "Larkspur Hollow Camp", "latitude": 38.61, "longitude": -109.48,
                "depart_on": today - datetime.timedelta(days=1)},
               {"name": "Quillback Mesa", "latitude": 38.45, "longitude": -109.9, "kind": "campground",
                "arrive_on": today + datetime.timedelta(days=2), "depart_on": today + datetime.timedelta(days=6),
                "price_per_night": Decimal("64.29"), "notes": "heron hide"}])
    planned_trip = travel_services.trip_create(
        user=alice, title="Heron Lake run", start_date=today + datetime.timedelta(days=20),
        stops=[{"name": "Larkspur Hollow", "latitude": 38.61, "longitude": -109.48},
               {"name": "Heron Lake", "latitude": 36.7, "longitude": -106.7}])
    place = travel_services.saved_place_create(
        user=alice, name="Quillback Sands", latitude=38.58, longitude=-109.52, kind="boondocking", rating=5,
        notes="Zephyrine's secret spot", amenities=["heron views"], price_per_night=Decimal("64.29"))
    event = assistant_services.calendar_event_create(
        user=alice, title="Zephyrine cardiology", location="Larkspur clinic", notes="Quillback referral",
        starts_at=datetime.datetime.combine(today + datetime.timedelta(days=3), datetime.time(14), tzinfo=DENVER),
        ends_at=datetime.datetime.combine(today + datetime.timedelta(days=3), datetime.time(15), tzinfo=DENVER))

    message, _ = assistant_services.message_receive(
        user=alice, client_message_id=uuid.uuid4(), text="Remember the Quillback gate code heron-9")
    reply = assistant_services.message_reply_create(
        user_message=message, content="Noted: the Larkspur gate code.", status=Message.Status.COMPLETE,
        tool_calls=[], provider="local", model="", usage={}, latency_ms=5)
    ctx = ToolContext(user=alice, timezone=DENVER, now=timezone.now(), conversation_id=message.conversation_id)
    proposed = call_tool("delete_expense", {"expense_id": expense.id}, ctx)
    assert proposed.status == "needs_confirmation", proposed.result
    action = PendingAction.objects.get(id=proposed.action_id)
    logged = call_tool("log_expense", {"amount": "1111.37", "category": "propane", "description": "Quillback LP"}, ctx)
    assert logged.status == "ok" and logged.undo_id, logged.result
    change = UndoableChange.objects.get(id=logged.undo_id)

    alert = assistant_services.alert_raise(
        user=alice, category="fuel", severity="urgent", title="Quillback Albatross fuel at 12%",
        message="Fill up before Larkspur Hollow.", dedup_key="fuel:isolation")
    read_alert = Alert.objects.create(
        user=alice, category="budget", severity="high", title="Groceries at 443% (Zephyrine)",
        message="4321.87 of 975.31 spent.", dedup_key="budget:isolation", read_at=timezone.now(),
        delivered_at=timezone.now())
    return World(
        alice=alice, expense=expense, old_expense=old_expense, income=income, budget=budget,
        recurring_expense=recurring_expense, recurring_income=recurring_income, vehicle=vehicle, fuel_log=fuel_log,
        item=item, record=record, trip=trip, planned_trip=planned_trip, stop=trip.stops.order_by("position").last(),
        place=place, event=event, conversation=Conversation.objects.get(id=message.conversation_id),
        message=message, reply=reply, action=action, change=change, alert=alert, read_alert=read_alert)


def _owner_path(model, depth: int = 0) -> str | None:
    """How ``model``'s rows lead to their user: "user", or through one foreign key to a model
    that has one ("trip__user" for a trip stop); None when they do not."""
    user_model = get_user_model()
    relations = [f for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)]
    for field in relations:
        if field.related_model is user_model:
            return field.name
    if depth == 0:
        for field in relations:
            if field.related_model is not model and (inner := _owner_path(field.related_model, 1)):
                return f"{field.name}__{inner}"
    return None


def snapshot(user) -> dict[str, list[dict]]:
    """Every row ``user`` owns, field by field, by model label: any model whose rows lead to a
    user (directly or through one foreign key), so new models are covered without editing this."""
    rows = {}
    for model in apps.get_models():
        path = _owner_path(model)
        if path is not None:
            rows[model._meta.label] = list(model._default_manager.filter(**{path: user}).order_by("pk").values())
    return rows


class _Undo(Exception):
    pass


def without_alice(alice, see):
    """What ``see()`` returns when alice and everything of hers do not exist: run in a savepoint
    after deleting her, then rolled back (her instances in memory are untouched)."""
    result = None
    try:
        with transaction.atomic():
            get_user_model().objects.filter(pk=alice.pk).delete()
            assert not Expense.objects.filter(user_id=alice.pk).exists()
            result = see()
            raise _Undo
    except _Undo:
        pass
    return result


VOLATILE = {"created_at", "updated_at", "delivered_at", "read_at", "resolved_at", "expires_at", "undo_until",
            "access", "refresh"}


def comparable(value):
    """``value`` with what differs between two otherwise equal runs blanked: row ids (new rows
    take new ids), timestamps and fresh tokens."""
    if isinstance(value, dict):
        return {key: ("<id>" if item is not None and (key == "id" or key.endswith("_id")) else
                      "<fresh>" if item is not None and key in VOLATILE else comparable(item))
                for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value
