"""Reads of a user's road life. Every selector takes the user (or one of the user's rows)."""

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from travel.models import FuelLog, MaintenanceItem, SavedPlace, Trip, Vehicle

ONE_PLACE = Decimal("0.1")
CENT = Decimal("0.01")


def _money(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(CENT, ROUND_HALF_UP))


def vehicle_as_dict(vehicle: Vehicle) -> dict:
    """A vehicle as JSON-able data (US units: miles, gallons, MPG)."""
    return {
        "id": vehicle.id, "name": vehicle.name, "make": vehicle.make, "model": vehicle.model, "year": vehicle.year,
        "vehicle_type": vehicle.vehicle_type, "fuel_type": vehicle.fuel_type,
        "tank_capacity_gallons": float(vehicle.tank_capacity_gallons) if vehicle.tank_capacity_gallons else None,
        "rated_mpg": float(vehicle.rated_mpg) if vehicle.rated_mpg else None,
        "odometer_miles": vehicle.odometer_miles, "is_primary": vehicle.is_primary,
    }


def fuel_log_as_dict(fill: FuelLog) -> dict:
    return {
        "id": fill.id, "vehicle_id": fill.vehicle_id, "date": fill.date.isoformat(),
        "odometer_miles": fill.odometer_miles, "volume_gallons": float(fill.volume_gallons),
        "price_per_gallon": float(fill.price_per_gallon), "total_cost": _money(fill.total_cost),
        "is_full": fill.is_full, "missed_previous": fill.missed_previous, "station": fill.station,
        "expense_id": fill.expense_id,
    }


@dataclass(frozen=True)
class EconomySegment:
    """Miles driven and fuel used between two full fills: ``mpg`` = miles ÷ gallons."""

    start_odometer: int
    end_odometer: int
    gallons: Decimal
    end_date: datetime.date

    @property
    def miles(self) -> int:
        return self.end_odometer - self.start_odometer

    @property
    def mpg(self) -> Decimal:
        return (Decimal(self.miles) / self.gallons).quantize(ONE_PLACE, ROUND_HALF_UP)


def economy_segments(fills: list[FuelLog]) -> list[EconomySegment]:
    """Fuel-economy segments from one vehicle's fill-ups, by the rules fuel trackers use (Fuelly,
    Fuelio): economy is measured from one full fill to the next, counting every gallon put in
    after the first (partial fills included); a partial fill defers the measurement to the next
    full fill; a fill marked ``missed_previous`` breaks the chain (the gallons of the unlogged
    fill are unknown), and if it is full it starts a new one. ``fills`` in any order."""
    segments: list[EconomySegment] = []
    start: FuelLog | None = None
    gallons = Decimal(0)
    for fill in sorted(fills, key=lambda f: (f.odometer_miles, f.date, f.id)):
        if fill.missed_previous:
            start, gallons = (fill if fill.is_full else None), Decimal(0)
            continue
        if start is None:
            if fill.is_full:
                start, gallons = fill, Decimal(0)
            continue
        gallons += fill.volume_gallons
        if fill.is_full:
            if fill.odometer_miles > start.odometer_miles and gallons > 0:
                segments.append(EconomySegment(start.odometer_miles, fill.odometer_miles, gallons, fill.date))
            start, gallons = fill, Decimal(0)
    return segments


def fuel_economy(*, user, vehicle: Vehicle, recent: int = 5) -> dict:
    """A vehicle's measured fuel economy from its fill-ups.

    Returns ``{"vehicle", "average_mpg" (all measured miles ÷ their gallons, or None before two
    full fills), "last_mpg", "rated_mpg", "segments": [{"start_odometer", "end_odometer", "miles",
    "gallons", "mpg", "end_date"}] (latest ``recent``), "fill_ups", "total_cost", "cost_per_mile",
    "last_price_per_gallon"}``. One query.
    """
    fills = list(FuelLog.objects.filter(user=user, vehicle=vehicle))
    segments = economy_segments(fills)
    miles = sum(segment.miles for segment in segments)
    gallons = sum((segment.gallons for segment in segments), Decimal(0))
    average = (Decimal(miles) / gallons).quantize(ONE_PLACE, ROUND_HALF_UP) if gallons else None
    measured_cost = sum((f.total_cost for f in fills if _in_segments(f, segments)), Decimal(0))
    latest = max(fills, key=lambda f: (f.date, f.odometer_miles), default=None)
    return {
        "vehicle": vehicle_as_dict(vehicle),
        "average_mpg": float(average) if average else None,
        "last_mpg": float(segments[-1].mpg) if segments else None,
        "rated_mpg": float(vehicle.rated_mpg) if vehicle.rated_mpg else None,
        "segments": [
            {"start_odometer": s.start_odometer, "end_odometer": s.end_odometer, "miles": s.miles,
             "gallons": float(s.gallons), "mpg": float(s.mpg), "end_date": s.end_date.isoformat()}
            for s in segments[-recent:]
        ],
        "fill_ups": len(fills),
        "total_cost": _money(sum((f.total_cost for f in fills), Decimal(0))),
        "cost_per_mile": _money(measured_cost / miles) if miles else None,
        "last_price_per_gallon": float(latest.price_per_gallon) if latest else None,
    }


def _in_segments(fill: FuelLog, segments: list[EconomySegment]) -> bool:
    return any(s.start_odometer < fill.odometer_miles <= s.end_odometer for s in segments)


def vehicle_mpg(vehicle: Vehicle | None) -> tuple[float | None, str]:
    """The MPG to plan with and where it came from: measured ("measured"), the rated figure
    ("rated"), or None ("unknown")."""
    if vehicle is None:
        return None, "unknown"
    return planning_mpg(vehicle, list(vehicle.fuel_logs.all()))


def planning_mpg(vehicle: Vehicle, fills: list[FuelLog]) -> tuple[float | None, str]:
    """``vehicle_mpg`` from fill-ups already loaded (the vehicle's, any order). No query."""
    segments = economy_segments(fills)
    gallons = sum((s.gallons for s in segments), Decimal(0))
    if gallons:
        return float(Decimal(sum(s.miles for s in segments)) / gallons), "measured"
    if vehicle.rated_mpg:
        return float(vehicle.rated_mpg), "rated"
    return None, "unknown"


@dataclass(frozen=True, slots=True)
class TankEstimate:
    """How much fuel is left, estimated from the last full fill-up."""

    last_full: FuelLog
    capacity_gallons: float
    gallons_left: float
    percent_left: float  # of the tank's capacity, 0-100
    range_miles: int  # what is left at ``mpg``
    miles_since_fill: int
    mpg: float
    mpg_source: str  # "measured" | "rated"


def tank_estimate(vehicle: Vehicle, fills: list[FuelLog]) -> TankEstimate | None:
    """The fuel left in ``vehicle``'s tank: full at its last full fill-up, plus the partial
    fills logged since, less the miles driven since (its odometer) at its planning MPG
    (``planning_mpg``). None without a tank capacity, a full fill-up or an MPG. ``fills`` are
    the vehicle's, in any order. No query."""
    capacity = float(vehicle.tank_capacity_gallons or 0)
    mpg, source = planning_mpg(vehicle, fills)
    order = sorted(fills, key=lambda f: (f.odometer_miles, f.date, f.id))
    full = [index for index, fill in enumerate(order) if fill.is_full]
    if not capacity or not mpg or not full:
        return None
    last_full = order[full[-1]]
    topped_up = sum(float(fill.volume_gallons) for fill in order[full[-1] + 1:])
    miles = max(vehicle.odometer_miles - last_full.odometer_miles, 0)
    left = max(min(capacity + topped_up - miles / mpg, capacity), 0.0)
    return TankEstimate(last_full=last_full, capacity_gallons=capacity, gallons_left=round(left, 1),
                        percent_left=round(left / capacity * 100, 1), range_miles=int(left * mpg),
                        miles_since_fill=miles, mpg=round(mpg, 1), mpg_source=source)


def fuel_price(user, vehicle: Vehicle | None) -> tuple[float, str]:
    """The price per gallon to plan with: the vehicle's (else the user's) latest fill-up, else
    settings.PAM_DEFAULT_FUEL_PRICE. Returns ``(price, "last fill-up" | "default")``."""
    fills = FuelLog.objects.filter(user=user)
    if vehicle is not None and fills.filter(vehicle=vehicle).exists():
        fills = fills.filter(vehicle=vehicle)
    latest = fills.order_by("-date", "-odometer_miles").first()
    if latest:
        return float(latest.price_per_gallon), "last fill-up"
    return float(settings.PAM_DEFAULT_FUEL_PRICE), "default"


def maintenance_due(*, user, today: datetime.date, vehicle: Vehicle | None = None) -> list[dict]:
    """Every tracked maintenance item with when it is next due, most urgent first.

    Due is whichever comes first of ``last_done_odometer + interval_miles`` (against the vehicle's
    odometer) and ``last_done_on + interval_days``; an item never done is due now. State:
    "overdue" (past either), "due_soon" (within settings.PAM_MAINTENANCE_DUE_SOON_MILES or
    _DAYS of either), else "ok". Returns ``[{"id", "task", "vehicle", "interval_miles",
    "interval_days", "due_odometer", "due_on", "miles_left", "days_left", "state"}]``. One query.
    """
    items = MaintenanceItem.objects.filter(user=user).select_related("vehicle")
    if vehicle is not None:
        items = items.filter(vehicle=vehicle)
    soon_miles, soon_days = settings.PAM_MAINTENANCE_DUE_SOON_MILES, settings.PAM_MAINTENANCE_DUE_SOON_DAYS
    rows = [maintenance_state(item, today) for item in items]
    order = {"overdue": 0, "due_soon": 1, "ok": 2}
    rows.sort(key=lambda r: (order[r["state"]], _urgency(r, soon_miles, soon_days), r["task"]))
    return rows


def maintenance_state(item: MaintenanceItem, today: datetime.date) -> dict:
    """One item's row of ``maintenance_due`` (its vehicle loaded with it). No query."""
    soon_miles, soon_days = settings.PAM_MAINTENANCE_DUE_SOON_MILES, settings.PAM_MAINTENANCE_DUE_SOON_DAYS
    due_odometer = due_on = miles_left = days_left = None
    if item.interval_miles:  # never done: due now
        due_odometer = item.vehicle.odometer_miles if item.last_done_odometer is None \
            else item.last_done_odometer + item.interval_miles
        miles_left = due_odometer - item.vehicle.odometer_miles
    if item.interval_days:
        interval = datetime.timedelta(days=item.interval_days)
        due_on = today if item.last_done_on is None else item.last_done_on + interval
        days_left = (due_on - today).days
    if _within(miles_left, -1) or _within(days_left, -1):
        state = "overdue"
    elif _within(miles_left, soon_miles) or _within(days_left, soon_days):
        state = "due_soon"
    else:
        state = "ok"
    return {
        "id": item.id, "task": item.task, "vehicle": item.vehicle.name, "vehicle_id": item.vehicle_id,
        "interval_miles": item.interval_miles, "interval_days": item.interval_days,
        "last_done_odometer": item.last_done_odometer,
        "last_done_on": item.last_done_on.isoformat() if item.last_done_on else None,
        "due_odometer": due_odometer, "due_on": due_on.isoformat() if due_on else None,
        "miles_left": miles_left, "days_left": days_left, "state": state,
    }


def _within(left: int | None, limit: int) -> bool:
    return left is not None and left <= limit


def _urgency(row: dict, soon_miles: int, soon_days: int) -> float:
    """How close an item is to due, in "due-soon windows" (smaller is sooner)."""
    scores = []
    if row["miles_left"] is not None:
        scores.append(row["miles_left"] / max(soon_miles, 1))
    if row["days_left"] is not None:
        scores.append(row["days_left"] / max(soon_days, 1))
    return min(scores) if scores else math.inf


def _nights(stop) -> int:
    if stop.arrive_on and stop.depart_on and stop.depart_on > stop.arrive_on:
        return (stop.depart_on - stop.arrive_on).days
    return 0


def trip_estimate(trip: Trip) -> dict:
    """Distance, driving time and cost of a trip (DESIGN: distance × fuel use × fuel price +
    campground nights).

    Distance comes from travel.routing (an OSRM router when configured, else the great-circle
    estimate with its road factor); hours and driving days from the RV's pace. Fuel =
    distance ÷ MPG (measured, else rated) × price per gallon (latest fill-up, else the default).
    Nights = Σ stop nights × price per night (stops without a price count nights, not dollars).
    Returns ``{"distance_miles", "driving_hours", "driving_days", "distance_source", "mpg",
    "mpg_source", "fuel_gallons", "fuel_price", "fuel_price_source", "fuel_cost", "nights",
    "campground_cost", "total_cost", "budget", "over_budget"}``; money as strings; fuel figures
    are None when the MPG is unknown.
    """
    from travel.routing import route, travel_time

    stops = list(trip.stops.all())
    points = [(stop.latitude, stop.longitude) for stop in stops]
    if len(points) >= 2:
        leg = route(points)
        distance, source = leg.distance_miles, leg.source
    else:
        distance, source = 0.0, "estimate"
    pace = travel_time(distance)  # an RV's pace, not a router's car time
    mpg, mpg_source = vehicle_mpg(trip.vehicle)
    price, price_source = fuel_price(trip.user, trip.vehicle)
    gallons = distance / mpg if mpg else None
    fuel_cost = Decimal(str(gallons * price)).quantize(CENT, ROUND_HALF_UP) if gallons is not None else None
    nights = sum(_nights(stop) for stop in stops)
    campground_cost = sum((stop.price_per_night * _nights(stop) for stop in stops if stop.price_per_night is not None),
                          Decimal(0))
    total = (fuel_cost or Decimal(0)) + campground_cost
    return {
        "distance_miles": round(distance, 1), "driving_hours": round(pace.hours, 1),
        "driving_days": pace.days, "distance_source": source,
        "mpg": round(mpg, 1) if mpg else None, "mpg_source": mpg_source,
        "fuel_gallons": round(gallons, 1) if gallons is not None else None,
        "fuel_price": round(price, 3), "fuel_price_source": price_source, "fuel_cost": _money(fuel_cost),
        "nights": nights, "campground_cost": _money(campground_cost), "total_cost": _money(total),
        "budget": _money(trip.budget),
        "over_budget": _money(total - trip.budget) if trip.budget is not None and total > trip.budget else None,
    }


def stop_as_dict(stop) -> dict:
    return {
        "id": stop.id, "position": stop.position, "name": stop.name, "latitude": stop.latitude,
        "longitude": stop.longitude, "kind": stop.kind,
        "arrive_on": stop.arrive_on.isoformat() if stop.arrive_on else None,
        "depart_on": stop.depart_on.isoformat() if stop.depart_on else None,
        "price_per_night": _money(stop.price_per_night), "notes": stop.notes,
    }


def trip_as_dict(trip: Trip, *, estimate: bool = False) -> dict:
    """A trip with its stops in order (and its estimate when asked)."""
    data = {
        "id": trip.id, "title": trip.title, "status": trip.status,
        "start_date": trip.start_date.isoformat() if trip.start_date else None,
        "end_date": trip.end_date.isoformat() if trip.end_date else None,
        "budget": _money(trip.budget), "vehicle": trip.vehicle.name if trip.vehicle else None,
        "stops": [stop_as_dict(stop) for stop in trip.stops.all()],
    }
    if estimate:
        data["estimate"] = trip_estimate(trip)
    return data


def trip_list(*, user, status: str | None = None, upcoming_from: datetime.date | None = None):
    """The user's trips, soonest first (undated last), optionally of one status or not yet over
    on ``upcoming_from``. Returns a QuerySet with stops prefetched."""
    trips = Trip.objects.filter(user=user).select_related("vehicle").prefetch_related("stops")
    if status:
        trips = trips.filter(status=status)
    if upcoming_from:
        trips = trips.exclude(status=Trip.Status.COMPLETED).exclude(end_date__lt=upcoming_from)
    return trips.order_by("start_date", "id")


def saved_places_near(
    *, user, latitude: float | None = None, longitude: float | None = None, radius_miles: float = 100,
    kind: str | None = None, text: str | None = None,
) -> list[dict]:
    """The user's saved places, optionally of one kind, matching ``text``, or within
    ``radius_miles`` (great-circle) of a point, nearest first; each with ``distance_miles``."""
    from travel.routing import great_circle_miles

    places = SavedPlace.objects.filter(user=user)
    if kind:
        places = places.filter(kind=kind)
    if text:
        places = places.filter(name__icontains=text)
    rows = []
    for place in places:
        distance = None
        if latitude is not None and longitude is not None:
            distance = great_circle_miles((latitude, longitude), (place.latitude, place.longitude))
            if distance > radius_miles:
                continue
        rows.append({**place_as_dict(place), "distance_miles": round(distance, 1) if distance is not None else None})
    rows.sort(key=lambda row: (row["distance_miles"] is None, row["distance_miles"] or 0, row["name"]))
    return rows


def place_as_dict(place: SavedPlace) -> dict:
    return {
        "id": place.id, "name": place.name, "latitude": place.latitude, "longitude": place.longitude,
        "kind": place.kind, "rating": place.rating, "notes": place.notes, "amenities": place.amenities,
        "price_per_night": _money(place.price_per_night),
    }
