"""Writes to a user's road life: vehicles, fill-ups, maintenance, trips and saved places.

Every service takes the user and touches only that user's rows (another user's id raises the
model's DoesNotExist, like a missing one). A fill-up and a paid maintenance job also log their
expense through finance.services in the same transaction, so the money side can never miss one.
After commit the user's cached travel context is dropped and open pages are told to reload.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from finance import services as finance_services
from pam_project.service_support import apply_changes, data_changed, delete_owned
from pam_project.service_support import validate as _validate
from travel.models import FuelLog, MaintenanceItem, MaintenanceRecord, SavedPlace, Trip, TripStop, Vehicle

VEHICLE_FIELDS = ("name", "make", "model", "year", "vehicle_type", "fuel_type", "tank_capacity_gallons",
                  "rated_mpg", "is_primary")
TRIP_FIELDS = ("title", "status", "start_date", "end_date", "budget", "notes", "vehicle_id")
PLACE_FIELDS = ("name", "latitude", "longitude", "kind", "rating", "notes", "amenities", "price_per_night")
STOP_FIELDS = ("name", "latitude", "longitude", "kind", "arrive_on", "depart_on", "price_per_night", "notes")
MAINTENANCE_ITEM_FIELDS = ("task", "interval_miles", "interval_days", "last_done_odometer", "last_done_on", "notes")


def _changed(user, *reloads: str, parts: tuple[str, ...] = ("travel",)) -> None:
    data_changed(user, *reloads, parts=parts)


def _delete_owned(model, reload: str, *, user, pk: int):
    return delete_owned(model, user=user, pk=pk, reload=reload, parts=("travel",))


# --- Vehicles ------------------------------------------------------------------------------------

def vehicle_for(user, vehicle_id: int | None = None) -> Vehicle:
    """The user's vehicle ``vehicle_id``, or their primary one (else their only one).

    Raises Vehicle.DoesNotExist when there is none to pick (no vehicle, or several and none
    primary).
    """
    vehicles = Vehicle.objects.filter(user=user)
    if vehicle_id is not None:
        return vehicles.get(id=vehicle_id)
    primary = vehicles.filter(is_primary=True).first()
    if primary:
        return primary
    only = list(vehicles[:2])
    if len(only) == 1:
        return only[0]
    raise Vehicle.DoesNotExist("no primary vehicle")


@transaction.atomic
def vehicle_create(*, user, name: str, odometer_miles: int = 0, is_primary: bool | None = None, **fields) -> Vehicle:
    """Add a vehicle (fields of ``VEHICLE_FIELDS``). The first one is primary; making another
    primary demotes the old one. Raises ValidationError on bad values."""
    has_primary = Vehicle.objects.filter(user=user, is_primary=True).exists()
    is_primary = (not has_primary) if is_primary is None else is_primary
    vehicle = Vehicle(user=user, name=name.strip(), odometer_miles=odometer_miles, is_primary=is_primary, **fields)
    _validate(vehicle)
    if is_primary and has_primary:
        _demote_primary(user)
    vehicle.save()
    _changed(user, "reload_travel")
    return vehicle


def _demote_primary(user, keep: int | None = None) -> None:
    # Row by row (there is one), not a queryset update: saves are what undo records (assistant.undo).
    for other in Vehicle.objects.select_for_update().filter(user=user, is_primary=True).exclude(id=keep):
        other.is_primary = False
        other.save(update_fields=["is_primary", "updated_at"])


@transaction.atomic
def vehicle_update(*, user, vehicle_id: int, **changes) -> tuple[Vehicle, dict]:
    """Change a vehicle's details (``VEHICLE_FIELDS``; the odometer has ``odometer_update``).
    Returns ``(vehicle, previous values)``. Raises Vehicle.DoesNotExist, ValidationError."""
    vehicle = Vehicle.objects.select_for_update().get(id=vehicle_id, user=user)
    previous = apply_changes(vehicle, VEHICLE_FIELDS, changes)
    if previous:
        _validate(vehicle)
        if vehicle.is_primary and "is_primary" in previous:
            _demote_primary(user, keep=vehicle.id)
        vehicle.save()
        _changed(user, "reload_travel")
    return vehicle, previous


@transaction.atomic
def vehicle_delete(*, user, vehicle_id: int) -> Vehicle:
    """Delete a vehicle with its fill-ups and maintenance (their expenses stay in the books)."""
    return _delete_owned(Vehicle, "reload_travel", user=user, pk=vehicle_id)


@transaction.atomic
def odometer_update(*, user, odometer_miles: int, vehicle_id: int | None = None) -> tuple[Vehicle, int]:
    """Set the vehicle's odometer (miles). Returns ``(vehicle, previous reading)``. An odometer
    only goes up: a lower reading raises ValidationError on ``odometer_miles``."""
    vehicle = vehicle_for(user, vehicle_id)
    vehicle = Vehicle.objects.select_for_update().get(id=vehicle.id)
    previous = vehicle.odometer_miles
    if odometer_miles < previous:
        raise ValidationError({"odometer_miles": f"The odometer already reads {previous:,} miles; it cannot go back."})
    vehicle.odometer_miles = odometer_miles
    vehicle.save(update_fields=["odometer_miles", "updated_at"])
    _changed(user, "reload_travel")
    return vehicle, previous


def _raise_odometer(vehicle: Vehicle, reading: int | None) -> None:
    if reading is not None and reading > vehicle.odometer_miles:
        locked = Vehicle.objects.select_for_update().get(id=vehicle.id)
        if reading > locked.odometer_miles:
            locked.odometer_miles = reading
            locked.save(update_fields=["odometer_miles", "updated_at"])
        vehicle.odometer_miles = locked.odometer_miles


# --- Fill-ups ------------------------------------------------------------------------------------

CENT = Decimal("0.01")
MILLI = Decimal("0.001")


def fill_up_amounts(
    volume_gallons: Decimal | None, price_per_gallon: Decimal | None, total_cost: Decimal | None
) -> tuple[Decimal, Decimal, Decimal]:
    """Any two of volume, price per gallon and total give the third (total = volume × price).

    Returns ``(volume, price, total)``: volume and price to 3 places, total to cents, half up.
    Raises ValidationError when fewer than two are given or a value is not positive.
    """
    given = {"volume_gallons": volume_gallons, "price_per_gallon": price_per_gallon, "total_cost": total_cost}
    missing = [name for name, value in given.items() if value is None]
    if len(missing) > 1:
        raise ValidationError({missing[0]: "Give two of volume, price per gallon and total cost."})
    for name, value in given.items():
        if value is not None and value <= 0:
            raise ValidationError({name: "Must be more than zero."})
    if volume_gallons is None:
        volume_gallons = total_cost / price_per_gallon
    elif price_per_gallon is None:
        price_per_gallon = total_cost / volume_gallons
    elif total_cost is None:
        total_cost = volume_gallons * price_per_gallon
    return (volume_gallons.quantize(MILLI, ROUND_HALF_UP), price_per_gallon.quantize(MILLI, ROUND_HALF_UP),
            total_cost.quantize(CENT, ROUND_HALF_UP))


@transaction.atomic
def fuel_log_create(
    *, user, date: datetime.date, odometer_miles: int, volume_gallons: Decimal | None = None,
    price_per_gallon: Decimal | None = None, total_cost: Decimal | None = None, is_full: bool = True,
    missed_previous: bool = False, station: str = "", notes: str = "", vehicle_id: int | None = None,
) -> FuelLog:
    """Log a fill-up and its ``fuel`` expense in one transaction; raise the odometer if it is
    higher. Any two of volume (US gallons), price per gallon and total give the third.

    Raises Vehicle.DoesNotExist (no such or no primary vehicle) and ValidationError (bad amounts,
    or an odometer reading already logged for this vehicle).
    """
    vehicle = vehicle_for(user, vehicle_id)
    volume, price, total = fill_up_amounts(volume_gallons, price_per_gallon, total_cost)
    if FuelLog.objects.filter(vehicle=vehicle, odometer_miles=odometer_miles).exists():
        raise ValidationError({"odometer_miles": f"A fill-up at {odometer_miles:,} miles is already logged."})
    expense = finance_services.expense_create(
        user=user, amount=total, category="fuel", date=date, merchant=station,
        description=f"{volume.normalize():f} gal {vehicle.get_fuel_type_display().lower()} for {vehicle.name}",
    )
    fill = FuelLog(user=user, vehicle=vehicle, date=date, odometer_miles=odometer_miles, volume_gallons=volume,
                   price_per_gallon=price, total_cost=total, is_full=is_full, missed_previous=missed_previous,
                   station=station.strip(), notes=notes.strip(), expense=expense)
    _validate(fill, exclude=("user", "vehicle", "expense"))
    fill.save()
    _raise_odometer(vehicle, odometer_miles)
    _changed(user, "reload_travel", parts=("travel", "financial"))
    return fill


@transaction.atomic
def fuel_log_delete(*, user, fuel_log_id: int) -> FuelLog:
    """Delete a fill-up and the fuel expense it logged. Raises FuelLog.DoesNotExist."""
    fill = FuelLog.objects.select_for_update().get(id=fuel_log_id, user=user)
    if fill.expense_id:
        finance_services.expense_delete(user=user, expense_id=fill.expense_id)
    fill.delete()
    fill.id = fuel_log_id
    _changed(user, "reload_travel", parts=("travel", "financial"))
    return fill


# --- Maintenance ---------------------------------------------------------------------------------

@transaction.atomic
def maintenance_item_create(
    *, user, task: str, interval_miles: int | None = None, interval_days: int | None = None,
    last_done_odometer: int | None = None, last_done_on: datetime.date | None = None, notes: str = "",
    vehicle_id: int | None = None,
) -> MaintenanceItem:
    """Track a recurring job on a vehicle ("oil change every 5,000 miles or 180 days"). Raises
    ValidationError without an interval or for a task the vehicle already tracks."""
    vehicle = vehicle_for(user, vehicle_id)
    if MaintenanceItem.objects.filter(vehicle=vehicle, task__iexact=task.strip()).exists():
        raise ValidationError({"task": f"{vehicle.name} already tracks “{task.strip()}”."})
    item = MaintenanceItem(user=user, vehicle=vehicle, task=task.strip(), interval_miles=interval_miles,
                           interval_days=interval_days, last_done_odometer=last_done_odometer,
                           last_done_on=last_done_on, notes=notes.strip())
    _validate(item, exclude=("user", "vehicle"))
    item.save()
    _changed(user, "reload_travel")
    return item


@transaction.atomic
def maintenance_record_create(
    *, user, task: str, date: datetime.date, odometer_miles: int | None = None, cost: Decimal | None = None,
    shop: str = "", notes: str = "", vehicle_id: int | None = None,
) -> MaintenanceRecord:
    """Record a job done. A job matching a tracked item (same task, any case) resets that item's
    interval from this date and odometer; a cost also logs a ``maintenance`` expense; a higher
    odometer reading raises the vehicle's. Raises Vehicle.DoesNotExist, ValidationError."""
    vehicle = vehicle_for(user, vehicle_id)
    item = MaintenanceItem.objects.select_for_update().filter(vehicle=vehicle, task__iexact=task.strip()).first()
    expense = None
    if cost is not None:
        expense = finance_services.expense_create(user=user, amount=cost, category="maintenance", date=date,
                                                  merchant=shop, description=f"{task.strip()} ({vehicle.name})")
    record = MaintenanceRecord(user=user, vehicle=vehicle, item=item, task=item.task if item else task.strip(),
                               date=date, odometer_miles=odometer_miles, cost=expense.amount if expense else None,
                               shop=shop.strip(), notes=notes.strip(), expense=expense)
    _validate(record, exclude=("user", "vehicle", "item", "expense"))
    record.save()
    if item and (item.last_done_on is None or date >= item.last_done_on):
        item.last_done_on = date
        if odometer_miles is not None:
            item.last_done_odometer = odometer_miles
        item.save(update_fields=["last_done_on", "last_done_odometer", "updated_at"])
    _raise_odometer(vehicle, odometer_miles)
    _changed(user, "reload_travel", parts=("travel", "financial") if expense else ("travel",))
    return record


@transaction.atomic
def maintenance_item_update(*, user, item_id: int, **changes) -> tuple[MaintenanceItem, dict]:
    """Change a tracked job (``MAINTENANCE_ITEM_FIELDS``; it stays on its vehicle). Returns
    ``(item, previous values)``. Raises MaintenanceItem.DoesNotExist (also for another user's) and
    ValidationError (no interval left, or a task the vehicle already tracks)."""
    item = MaintenanceItem.objects.select_for_update().get(id=item_id, user=user)
    previous = apply_changes(item, MAINTENANCE_ITEM_FIELDS, changes)
    if "task" in previous and MaintenanceItem.objects.filter(
            vehicle_id=item.vehicle_id, task__iexact=item.task).exclude(id=item.id).exists():
        raise ValidationError({"task": f"This vehicle already tracks “{item.task}”."})
    if previous:
        _validate(item, exclude=("user", "vehicle"))
        item.save()
        _changed(user, "reload_travel")
    return item, previous


@transaction.atomic
def maintenance_item_delete(*, user, item_id: int) -> MaintenanceItem:
    """Stop tracking a job; the records of times it was done stay. Raises
    MaintenanceItem.DoesNotExist."""
    return _delete_owned(MaintenanceItem, "reload_travel", user=user, pk=item_id)


@transaction.atomic
def maintenance_record_delete(*, user, record_id: int) -> MaintenanceRecord:
    """Delete a job record and the maintenance expense it logged. If it was what set its item's
    last-done date, the item goes back to its latest remaining record (with none left, the item
    keeps its last-done values). Raises MaintenanceRecord.DoesNotExist."""
    record = MaintenanceRecord.objects.select_for_update().get(id=record_id, user=user)
    if record.expense_id:
        finance_services.expense_delete(user=user, expense_id=record.expense_id)
    item = MaintenanceItem.objects.select_for_update().filter(id=record.item_id).first()
    record.delete()
    record.id = record_id
    if item and item.last_done_on == record.date:
        remaining = item.records.order_by("-date", "-id")
        latest = remaining.first()
        if latest:
            item.last_done_on = latest.date
            measured = remaining.filter(odometer_miles__isnull=False).first()
            item.last_done_odometer = measured.odometer_miles if measured else None
            item.save(update_fields=["last_done_on", "last_done_odometer", "updated_at"])
    _changed(user, "reload_travel", parts=("travel", "financial") if record.expense_id else ("travel",))
    return record


# --- Trips ---------------------------------------------------------------------------------------

def _stop(trip: Trip, position: int, stop: dict) -> TripStop:
    unknown = set(stop) - set(STOP_FIELDS)
    if unknown:
        raise TypeError(f"unknown stop fields: {', '.join(sorted(unknown))}")
    row = TripStop(trip=trip, position=position, **{**stop, "name": str(stop.get("name", "")).strip()})
    _validate(row, exclude=("trip",))
    return row


@transaction.atomic
def trip_create(
    *, user, title: str, stops: list[dict] = (), start_date: datetime.date | None = None,
    end_date: datetime.date | None = None, budget: Decimal | None = None, notes: str = "",
    vehicle_id: int | None = None, status: str = Trip.Status.PLANNING,
) -> Trip:
    """Plan a trip with its stops in order (each a dict of ``STOP_FIELDS``; the first is where it
    starts). Without ``vehicle_id`` the primary vehicle, if any, is used for estimates. Raises
    ValidationError on bad values."""
    if vehicle_id is None:
        vehicle = Vehicle.objects.filter(user=user, is_primary=True).first()
    else:
        vehicle = Vehicle.objects.get(user=user, id=vehicle_id)
    trip = Trip(user=user, vehicle=vehicle, title=title.strip(), start_date=start_date, end_date=end_date,
                budget=budget, notes=notes.strip(), status=status)
    _validate(trip, exclude=("user", "vehicle"))
    trip.save()
    for row in [_stop(trip, position, stop) for position, stop in enumerate(stops)]:
        row.save()  # one by one, not bulk_create: saves are what undo records (assistant.undo)
    _changed(user, "reload_trips")
    return trip


@transaction.atomic
def trip_update(*, user, trip_id: int, **changes) -> tuple[Trip, dict]:
    """Change a trip's details (``TRIP_FIELDS``); ``vehicle_id`` must be one of the user's."""
    trip = Trip.objects.select_for_update().get(id=trip_id, user=user)
    if changes.get("vehicle_id") is not None:
        Vehicle.objects.get(user=user, id=changes["vehicle_id"])
    previous = apply_changes(trip, TRIP_FIELDS, changes)
    if previous:
        _validate(trip, exclude=("user", "vehicle"))
        trip.save()
        _changed(user, "reload_trips")
    return trip, previous


@transaction.atomic
def trip_delete(*, user, trip_id: int) -> Trip:
    """Delete a trip and its stops. Raises Trip.DoesNotExist."""
    return _delete_owned(Trip, "reload_trips", user=user, pk=trip_id)


@transaction.atomic
def trip_stop_add(*, user, trip_id: int, stop: dict, position: int | None = None) -> TripStop:
    """Add a stop to one of the user's trips: at ``position`` (0-based; later stops move down)
    or, without one, at the end. Raises Trip.DoesNotExist, ValidationError."""
    trip = Trip.objects.select_for_update().get(id=trip_id, user=user)
    count = trip.stops.count()
    position = count if position is None else max(0, min(position, count))
    # Move later stops down one, last first, so (trip, position) stays unique at every step.
    for later in trip.stops.filter(position__gte=position).order_by("-position"):
        later.position += 1
        later.save(update_fields=["position"])
    row = _stop(trip, position, stop)
    row.save()
    trip.save(update_fields=["updated_at"])
    _changed(user, "reload_trips")
    return row


@transaction.atomic
def trip_stop_update(*, user, stop_id: int, position: int | None = None, **changes) -> tuple[TripStop, dict]:
    """Change a stop (``STOP_FIELDS``) and/or move it to ``position`` (0-based, kept within the
    trip; the stops in between shift by one). Returns ``(stop, previous values)``. Raises
    TripStop.DoesNotExist (also for another user's), ValidationError."""
    stop = TripStop.objects.select_for_update().get(id=stop_id, trip__user=user)
    previous = apply_changes(stop, STOP_FIELDS, changes)
    if previous:
        _validate(stop, exclude=("trip",))
    if position is not None:
        others = TripStop.objects.filter(trip_id=stop.trip_id).exclude(id=stop.id)
        position = max(0, min(position, others.count()))
        if position != stop.position:
            previous["position"] = stop.position
            # Park the stop past the end, then shift the stops in between one at a time (nearest
            # the free slot first), so (trip, position) stays unique at every step.
            was = stop.position
            stop.position = others.count() + 1
            stop.save(update_fields=["position"])
            if position < was:
                between = others.filter(position__gte=position, position__lt=was).order_by("-position")
                step = 1
            else:
                between = others.filter(position__gt=was, position__lte=position).order_by("position")
                step = -1
            for other in between:
                other.position += step
                other.save(update_fields=["position"])
            stop.position = position
    if previous:
        stop.save()
        Trip.objects.select_for_update().get(id=stop.trip_id).save(update_fields=["updated_at"])
        _changed(user, "reload_trips")
    return stop, previous


@transaction.atomic
def trip_stop_delete(*, user, stop_id: int) -> TripStop:
    """Remove a stop; later stops move up. Raises TripStop.DoesNotExist (also for another's)."""
    stop = TripStop.objects.select_for_update().get(id=stop_id, trip__user=user)
    trip_id, position = stop.trip_id, stop.position
    stop.delete()
    stop.id = stop_id
    for later in TripStop.objects.filter(trip_id=trip_id, position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])
    _changed(user, "reload_trips")
    return stop


# --- Saved places --------------------------------------------------------------------------------

def _clean_amenities(amenities) -> list[str]:
    seen = []
    for amenity in amenities or []:
        amenity = " ".join(str(amenity).split()).lower()
        if amenity and amenity not in seen:
            seen.append(amenity)
    return seen[:30]


@transaction.atomic
def saved_place_create(*, user, name: str, latitude: float, longitude: float, amenities=None, **fields) -> SavedPlace:
    """Save a favourite place (fields of ``PLACE_FIELDS``). Raises ValidationError."""
    place = SavedPlace(user=user, name=name.strip(), latitude=latitude, longitude=longitude,
                       amenities=_clean_amenities(amenities), **fields)
    _validate(place)
    place.save()
    _changed(user, "reload_places")
    return place


@transaction.atomic
def saved_place_update(*, user, place_id: int, **changes) -> tuple[SavedPlace, dict]:
    """Change a saved place (``PLACE_FIELDS``). Raises SavedPlace.DoesNotExist, ValidationError."""
    place = SavedPlace.objects.select_for_update().get(id=place_id, user=user)
    if "amenities" in changes:
        changes["amenities"] = _clean_amenities(changes["amenities"])
    previous = apply_changes(place, PLACE_FIELDS, changes)
    if previous:
        _validate(place)
        place.save()
        _changed(user, "reload_places")
    return place, previous


@transaction.atomic
def saved_place_delete(*, user, place_id: int) -> SavedPlace:
    """Forget a saved place. Raises SavedPlace.DoesNotExist."""
    return _delete_owned(SavedPlace, "reload_places", user=user, pk=place_id)
