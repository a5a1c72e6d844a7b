"""PAM's road tools: thin wrappers over travel services and selectors, bound to the user.

Figures go to the model in US units (miles, gallons, MPG); the user's own units are in the
profile part of PAM's context, and the prompt asks the model to convert. Places are resolved
offline (travel.geo) and weather comes from Open-Meteo (travel.weather) or is reported
unavailable, never invented.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from pydantic import BaseModel, Field, model_validator

from assistant.registry import ToolContext, ToolError, ToolResult, pam_tool
from finance.money import format_money
from travel import selectors, services
from travel.models import FuelType as FuelKind
from travel.models import SavedPlace, StopKind, Trip, Vehicle, VehicleType


def _card(*parts) -> str:
    return " · ".join(str(part) for part in parts if part not in (None, ""))


def _vehicle(ctx: ToolContext, vehicle_id: int | None) -> Vehicle:
    try:
        return services.vehicle_for(ctx.user, vehicle_id)
    except ObjectDoesNotExist:
        if vehicle_id is not None:
            raise ToolError(f"There is no vehicle {vehicle_id}.") from None
        if not Vehicle.objects.filter(user=ctx.user).exists():
            raise ToolError("No vehicle yet: add one first with add_vehicle (name, and ideally type, fuel and MPG).") \
                from None
        raise ToolError("Several vehicles and none is primary: say which vehicle (vehicle_id).") from None


NEAR_ENOUGH_MILES = 400  # a same-named town this close to the trip beats a bigger one far away


def _place(name: str, near: tuple[float, float] | None = None):
    """A place name resolved offline; ToolError when the gazetteer does not know it. With
    ``near`` (a trip's other stops), among the towns of that exact name the nearest one within
    NEAR_ENOUGH_MILES wins: "Green River" on a Denver–Moab trip is Green River, UT, not WY."""
    from travel.geo import geocode_candidates
    from travel.routing import great_circle_miles

    candidates = geocode_candidates(name, limit=5)
    if not candidates:
        raise ToolError(f"I couldn't find “{name}” on the map. Try a nearby town, e.g. 'Moab, UT'.")
    best = candidates[0]
    if near is not None:
        namesakes = [c for c in candidates if c.name.lower() == best.name.lower()]
        nearest = min(namesakes, key=lambda c: great_circle_miles(near, (c.latitude, c.longitude)))
        if great_circle_miles(near, (nearest.latitude, nearest.longitude)) <= NEAR_ENOUGH_MILES:
            best = nearest
    return best


VEHICLE_ID = Field(None, description="Which vehicle; omit for the primary one.")
# Upper bounds of readings and intervals: an odometer shows at most 7 digits, and the columns are
# PostgreSQL integers (a larger number would fail the write instead of getting a clear error).
MAX_MILES = 9_999_999
MAX_DAYS = 36_500


# --- Vehicles and fuel ---------------------------------------------------------------------------

class AddVehicleArgs(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="What the user calls it, e.g. 'the Winnebago'.")
    vehicle_type: VehicleType = Field(VehicleType.CLASS_C, description="class_a, class_b, class_c, fifth_wheel, "
                                      "travel_trailer or tow_vehicle.")
    fuel_type: FuelKind = Field(FuelKind.GASOLINE, description="gasoline, diesel, propane, electric, none.")
    make: str = Field("", max_length=60)
    model: str = Field("", max_length=60)
    year: int | None = Field(None, ge=1900, le=2100)
    tank_capacity_gallons: Decimal | None = Field(None, gt=0, max_digits=7, decimal_places=2)
    rated_mpg: Decimal | None = Field(None, gt=0, max_digits=5, decimal_places=2, description="Miles per gallon.")
    odometer_miles: int = Field(0, ge=0, le=MAX_MILES)
    is_primary: bool | None = Field(None, description="Make it the vehicle PAM means by default (the first is).")


@pam_tool(writes=True, label="Added vehicle", card=lambda a, r: _card(a.get("name"), a.get("vehicle_type")))
def add_vehicle(ctx: ToolContext, args: AddVehicleArgs) -> ToolResult:
    """Add one of the user's vehicles (motorhome, trailer or tow vehicle) with what they know of
    it: type, fuel, tank size, MPG, odometer. The first vehicle becomes the primary one."""
    vehicle = services.vehicle_create(user=ctx.user, **args.model_dump(exclude_none=True))
    return ToolResult(data={"vehicle": selectors.vehicle_as_dict(vehicle)}, ui_actions=[{"type": "reload_travel"}])


class UpdateOdometerArgs(BaseModel):
    odometer_miles: int = Field(ge=0, le=MAX_MILES, description="The new reading, miles.")
    vehicle_id: int | None = VEHICLE_ID


@pam_tool(writes=True, label="Updated odometer", card=lambda a, r: _card(
    f"{a.get('odometer_miles', 0):,} mi", r.get("vehicle", {}).get("name")))
def update_odometer(ctx: ToolContext, args: UpdateOdometerArgs) -> ToolResult:
    """Set a vehicle's odometer reading ("the odometer says 45,210"). It cannot go down.
    Returns the vehicle and the miles since the previous reading."""
    vehicle = _vehicle(ctx, args.vehicle_id)
    vehicle, previous = services.odometer_update(user=ctx.user, vehicle_id=vehicle.id,
                                                 odometer_miles=args.odometer_miles)
    return ToolResult(data={"vehicle": selectors.vehicle_as_dict(vehicle), "previous_odometer_miles": previous,
                            "miles_since": vehicle.odometer_miles - previous}, ui_actions=[{"type": "reload_travel"}])


class LogFuelArgs(BaseModel):
    odometer_miles: int = Field(ge=0, le=MAX_MILES, description="Odometer at the fill-up, miles.")
    volume_gallons: Decimal | None = Field(None, gt=0, max_digits=8, decimal_places=3, description="US gallons.")
    price_per_gallon: Decimal | None = Field(None, gt=0, max_digits=7, decimal_places=3)
    total_cost: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    is_full: bool = Field(True, description="Filled to the top; false for a partial fill.")
    missed_previous: bool = Field(False, description="True when an earlier fill-up was not logged.")
    station: str = Field("", max_length=200, description="Where: 'Love's in Green River'.")
    date: datetime.date | None = Field(None, description="YYYY-MM-DD in the user's timezone; omit for today.")
    vehicle_id: int | None = VEHICLE_ID

    @model_validator(mode="after")
    def two_of_three(self):
        if sum(value is not None for value in (self.volume_gallons, self.price_per_gallon, self.total_cost)) < 2:
            raise ValueError("give two of volume_gallons, price_per_gallon and total_cost")
        return self


@pam_tool(writes=True, label="Logged fill-up", card=lambda a, r: _card(
    f"{r['fill_up']['volume_gallons']:g} gal" if r.get("fill_up") else "",
    format_money(r["fill_up"]["total_cost"], r.get("currency") or "USD") if r.get("fill_up") else "",
    f"{a.get('odometer_miles', 0):,} mi"))
def log_fuel(ctx: ToolContext, args: LogFuelArgs) -> ToolResult:
    """Log a fill-up ("filled up 32 gallons at $3.89, odometer 45,210"): any two of gallons,
    price per gallon and total give the third. Also logs the fuel expense and raises the
    odometer. Returns the fill-up, the MPG since the last full fill (when measurable) and the
    vehicle's average."""
    date = args.date or ctx.today
    if date > ctx.today:
        raise ToolError(f"{date.isoformat()} is in the future; log a fill-up once it happened.")
    vehicle = _vehicle(ctx, args.vehicle_id)
    fill = services.fuel_log_create(
        user=ctx.user, vehicle_id=vehicle.id, date=date, odometer_miles=args.odometer_miles,
        volume_gallons=args.volume_gallons, price_per_gallon=args.price_per_gallon, total_cost=args.total_cost,
        is_full=args.is_full, missed_previous=args.missed_previous, station=args.station,
    )
    economy = selectors.fuel_economy(user=ctx.user, vehicle=vehicle)
    segment = next((s for s in economy["segments"] if s["end_odometer"] == fill.odometer_miles), None)
    mpg = segment["mpg"] if segment else None
    earlier = [s for s in economy["segments"] if s is not segment]
    usual = round(sum(s["miles"] for s in earlier) / sum(s["gallons"] for s in earlier), 1) if earlier \
        else economy["rated_mpg"]
    note = None
    if mpg and usual and not usual / 2 <= mpg <= usual * 2:
        note = (f"{mpg} mpg is far from this vehicle's usual {usual}: an earlier fill-up may not have been logged, "
                "or the odometer reading may be off. Mention it; a missed fill-up can be logged with "
                "missed_previous.")
    return ToolResult(
        data={"fill_up": selectors.fuel_log_as_dict(fill), "currency": ctx.currency,
              "mpg_this_fill": mpg, "average_mpg": economy["average_mpg"], "vehicle": economy["vehicle"],
              "check": note},
        ui_actions=[{"type": "reload_travel"}, {"type": "reload_expenses"}],
    )


class VehicleArgs(BaseModel):
    vehicle_id: int | None = VEHICLE_ID


@pam_tool(label="Checked fuel economy", card=lambda a, r: _card(
    r.get("vehicle", {}).get("name"), f"{r['average_mpg']} mpg" if r.get("average_mpg") else ""))
def get_fuel_economy(ctx: ToolContext, args: VehicleArgs) -> ToolResult:
    """A vehicle's measured fuel economy from its fill-ups (between full fills): average and
    latest MPG, recent segments, cost per mile, and its rated MPG for comparison."""
    vehicle = _vehicle(ctx, args.vehicle_id)
    return ToolResult(data={**selectors.fuel_economy(user=ctx.user, vehicle=vehicle), "currency": ctx.currency})


class GasCostArgs(BaseModel):
    distance_miles: float | None = Field(None, gt=0, le=20000, description="Miles to drive; or give places.")
    origin: str | None = Field(None, max_length=200, description="From where, e.g. 'Denver, CO'.")
    destination: str | None = Field(None, max_length=200, description="To where, e.g. 'Moab, UT'.")
    mpg: float | None = Field(None, gt=0, le=150, description="Omit to use the vehicle's measured or rated MPG.")
    price_per_gallon: float | None = Field(None, gt=0, le=50, description="Omit to use the last fill-up's.")

    @model_validator(mode="after")
    def distance_or_places(self):
        if self.distance_miles is None and not (self.origin and self.destination):
            raise ValueError("give distance_miles, or origin and destination")
        return self


@pam_tool(label="Calculated fuel cost", card=lambda a, r: _card(
    f"{r.get('distance_miles')} mi" if r.get("distance_miles") else "",
    format_money(r["cost"], r.get("currency") or "USD") if r.get("cost") else ""))
def calculate_gas_cost(ctx: ToolContext, args: GasCostArgs) -> ToolResult:
    """What fuel for a drive costs: gallons = miles ÷ MPG, cost = gallons × price per gallon
    ("how much gas for 500 miles at 10 mpg?"). Missing MPG and price come from the user's
    vehicle (measured, else rated) and latest fill-up."""
    distance, source = args.distance_miles, "given"
    if distance is None:
        from travel.routing import route

        a, b = _place(args.origin), _place(args.destination)
        leg = route([(a.latitude, a.longitude), (b.latitude, b.longitude)])
        distance, source = leg.distance_miles, leg.source
    vehicle = Vehicle.objects.filter(user=ctx.user, is_primary=True).first()
    mpg, mpg_source = (args.mpg, "given") if args.mpg else selectors.vehicle_mpg(vehicle)
    if not mpg:
        raise ToolError("I need an MPG: tell me the vehicle's miles per gallon, or add the vehicle with its MPG.")
    price, price_source = (args.price_per_gallon, "given") if args.price_per_gallon \
        else selectors.fuel_price(ctx.user, vehicle)
    gallons = distance / mpg
    cost = Decimal(str(gallons * price)).quantize(Decimal("0.01"))
    return ToolResult(data={
        "distance_miles": round(distance, 1), "distance_source": source, "mpg": round(mpg, 1),
        "mpg_source": mpg_source, "price_per_gallon": round(price, 3), "price_source": price_source,
        "gallons": round(gallons, 1), "cost": str(cost), "currency": ctx.currency,
    })


# --- Maintenance ---------------------------------------------------------------------------------

class LogMaintenanceArgs(BaseModel):
    task: str = Field(min_length=1, max_length=100, description="What was done: 'oil change', 'tire rotation'.")
    date: datetime.date | None = Field(None, description="YYYY-MM-DD; omit for today.")
    odometer_miles: int | None = Field(None, ge=0, le=MAX_MILES)
    cost: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2, description="Also logged as expense.")
    shop: str = Field("", max_length=200)
    notes: str = Field("", max_length=500)
    interval_miles: int | None = Field(None, gt=0, le=MAX_MILES,
                                       description="Track it: due again after this many miles.")
    interval_days: int | None = Field(None, gt=0, le=MAX_DAYS, description="Track it: due again after this many days.")
    vehicle_id: int | None = VEHICLE_ID


@pam_tool(writes=True, label="Logged maintenance", card=lambda a, r: _card(
    a.get("task"), format_money(a["cost"], r.get("currency") or "USD") if a.get("cost") else "",
    r.get("record", {}).get("date")))
def log_maintenance(ctx: ToolContext, args: LogMaintenanceArgs) -> ToolResult:
    """Record maintenance done on a vehicle ("got the oil changed today at 45,300, $89"). A cost
    is also logged as a maintenance expense; a tracked task resets its interval. Give an interval
    to start tracking a task. Returns the record and when the task is next due."""
    date = args.date or ctx.today
    if date > ctx.today:
        raise ToolError(f"{date.isoformat()} is in the future; log maintenance once it is done.")
    vehicle = _vehicle(ctx, args.vehicle_id)
    tracked = vehicle.maintenance_items.filter(task__iexact=args.task.strip()).exists()
    if not tracked and (args.interval_miles or args.interval_days):
        services.maintenance_item_create(user=ctx.user, vehicle_id=vehicle.id, task=args.task,
                                         interval_miles=args.interval_miles, interval_days=args.interval_days)
    record = services.maintenance_record_create(
        user=ctx.user, vehicle_id=vehicle.id, task=args.task, date=date, odometer_miles=args.odometer_miles,
        cost=args.cost, shop=args.shop, notes=args.notes)
    due = [row for row in selectors.maintenance_due(user=ctx.user, today=ctx.today, vehicle=vehicle)
           if record.item_id and row["id"] == record.item_id]
    return ToolResult(
        data={"record": {"id": record.id, "task": record.task, "date": record.date.isoformat(),
                         "odometer_miles": record.odometer_miles, "cost": str(record.cost) if record.cost else None,
                         "shop": record.shop, "expense_id": record.expense_id},
              "next_due": due[0] if due else None, "vehicle": vehicle.name, "currency": ctx.currency},
        ui_actions=[{"type": "reload_travel"}] + ([{"type": "reload_expenses"}] if record.expense_id else []),
    )


@pam_tool(label="Checked maintenance", card=lambda a, r: _card(
    f"{sum(1 for i in r.get('items', []) if i['state'] == 'overdue')} overdue",
    f"{sum(1 for i in r.get('items', []) if i['state'] == 'due_soon')} due soon"))
def get_maintenance_due(ctx: ToolContext, args: VehicleArgs) -> ToolResult:
    """When tracked maintenance is next due ("when is my next oil change due?"), most urgent
    first: due by miles or days, whichever comes first; state overdue, due_soon or ok."""
    vehicle = _vehicle(ctx, args.vehicle_id) if args.vehicle_id else None
    items = selectors.maintenance_due(user=ctx.user, today=ctx.today, vehicle=vehicle)
    return ToolResult(data={"items": items, "today": ctx.today.isoformat()})


# --- Trips and travel time -----------------------------------------------------------------------

def _trip(ctx: ToolContext, trip_id: int | None) -> Trip:
    trips = selectors.trip_list(user=ctx.user)
    if trip_id is not None:
        trip = trips.filter(id=trip_id).first()
        if trip is None:
            raise ToolError(f"There is no trip {trip_id}; list_trips shows the user's trips.")
        return trip
    upcoming = list(selectors.trip_list(user=ctx.user, upcoming_from=ctx.today)[:2])
    if len(upcoming) == 1:
        return upcoming[0]
    if not upcoming:
        raise ToolError("There is no planned or active trip; plan one with plan_trip.")
    raise ToolError("There are several upcoming trips: say which one (trip_id from list_trips).")


class PlanTripArgs(BaseModel):
    origin: str = Field(min_length=1, max_length=200, description="Where the trip starts, e.g. 'Denver, CO'.")
    destination: str = Field(min_length=1, max_length=200, description="Where it ends, e.g. 'Moab, UT'.")
    stops: list[str] = Field(default_factory=list, max_length=20, description="Places on the way, in order.")
    start_date: datetime.date | None = Field(None, description="Departure day, YYYY-MM-DD.")
    end_date: datetime.date | None = Field(None, description="Last day, YYYY-MM-DD.")
    budget: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    title: str = Field("", max_length=200, description="Omit for 'Origin to Destination'.")

    @model_validator(mode="after")
    def dates_in_order(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


@pam_tool(writes=True, label="Planned trip", card=lambda a, r: _card(
    r.get("trip", {}).get("title"), f"{r.get('trip', {}).get('estimate', {}).get('distance_miles')} mi",
    r.get("trip", {}).get("start_date")))
def plan_trip(ctx: ToolContext, args: PlanTripArgs) -> ToolResult:
    """Plan a trip ("plan a trip from Denver to Moab next Friday"): resolves the places, saves
    the trip with its stops in order, and estimates distance, driving days at an RV's pace and
    cost (fuel at the vehicle's MPG and the latest fuel price, plus campground nights). Dates in
    the user's timezone."""
    if args.start_date and args.start_date < ctx.today:
        raise ToolError(f"{args.start_date.isoformat()} has passed; plan trips from today on.")
    from travel.routing import route, travel_time

    origin = _place(args.origin)
    near = (origin.latitude, origin.longitude)
    places = [origin, *(_place(name, near) for name in (*args.stops, args.destination))]
    driving_days = travel_time(route([(p.latitude, p.longitude) for p in places]).distance_miles).days
    stops = []
    for index, place in enumerate(places):
        stop = {"name": place.label, "latitude": place.latitude, "longitude": place.longitude,
                "kind": StopKind.OTHER if index == 0 else StopKind.OVERNIGHT if index < len(places) - 1
                else StopKind.CAMPGROUND}
        if index == 0 and args.start_date:
            stop["depart_on"] = args.start_date
        if index == len(places) - 1 and args.start_date:
            stop["arrive_on"] = args.start_date + datetime.timedelta(days=max(driving_days, 1) - 1)
        if index == len(places) - 1 and args.end_date:
            stop["depart_on"] = max(args.end_date, stop.get("arrive_on", args.end_date))
        stops.append(stop)
    title = args.title.strip() or f"{places[0].name} to {places[-1].name}"
    trip = services.trip_create(user=ctx.user, title=title, stops=stops, start_date=args.start_date,
                                end_date=args.end_date, budget=args.budget)
    return ToolResult(data={"trip": selectors.trip_as_dict(trip, estimate=True), "currency": ctx.currency},
                      ui_actions=[{"type": "reload_trips"}])


class AddTripStopArgs(BaseModel):
    place: str = Field(min_length=1, max_length=200, description="The stop, e.g. 'Green River, UT'.")
    trip_id: int | None = Field(None, description="Which trip; omit for the user's only upcoming trip.")
    kind: StopKind = Field(StopKind.OVERNIGHT, description="campground, fuel, attraction, overnight or other.")
    position: int | None = Field(None, ge=0, le=1000,
                                 description="0-based place in the order; omit for before the end.")
    arrive_on: datetime.date | None = None
    depart_on: datetime.date | None = None
    price_per_night: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    notes: str = Field("", max_length=1000)


@pam_tool(writes=True, label="Added stop", card=lambda a, r: _card(
    r.get("stop", {}).get("name"), r.get("trip", {}).get("title")))
def add_trip_stop(ctx: ToolContext, args: AddTripStopArgs) -> ToolResult:
    """Add a stop to a trip ("add a night in Green River to my Moab trip"). Without a position
    it goes just before the destination. Returns the stop and the trip's new estimate."""
    trip = _trip(ctx, args.trip_id)
    stops = list(trip.stops.all())
    near = (sum(s.latitude for s in stops) / len(stops), sum(s.longitude for s in stops) / len(stops)) \
        if stops else None
    place = _place(args.place, near)
    count = trip.stops.count()
    position = args.position if args.position is not None else max(count - 1, 0) if count > 1 else count
    stop = services.trip_stop_add(user=ctx.user, trip_id=trip.id, position=position, stop={
        "name": place.label, "latitude": place.latitude, "longitude": place.longitude, "kind": args.kind,
        "arrive_on": args.arrive_on, "depart_on": args.depart_on, "price_per_night": args.price_per_night,
        "notes": args.notes,
    })
    trip.refresh_from_db()
    return ToolResult(data={"stop": selectors.stop_as_dict(stop), "trip": selectors.trip_as_dict(trip, estimate=True),
                            "currency": ctx.currency}, ui_actions=[{"type": "reload_trips"}])


class ListTripsArgs(BaseModel):
    status: Trip.Status | None = Field(None, description="planning, active or completed; omit for upcoming ones.")


@pam_tool(label="Listed trips", card=lambda a, r: _card(a.get("status") or "upcoming", f"{len(r.get('trips', []))}"))
def list_trips(ctx: ToolContext, args: ListTripsArgs) -> ToolResult:
    """The user's trips with their stops: upcoming ones (planning or active, not yet over) by
    default, or all of one status. Each has an ``id`` for add_trip_stop."""
    if args.status:
        trips = selectors.trip_list(user=ctx.user, status=args.status)
    else:
        trips = selectors.trip_list(user=ctx.user, upcoming_from=ctx.today)
    return ToolResult(data={"trips": [selectors.trip_as_dict(trip) for trip in trips[:20]],
                            "today": ctx.today.isoformat()})


class TravelTimeArgs(BaseModel):
    origin: str | None = Field(None, max_length=200)
    destination: str | None = Field(None, max_length=200)
    distance_miles: float | None = Field(None, gt=0, le=20000, description="Or a distance instead of places.")

    @model_validator(mode="after")
    def distance_or_places(self):
        if self.distance_miles is None and not (self.origin and self.destination):
            raise ValueError("give distance_miles, or origin and destination")
        return self


@pam_tool(label="Estimated travel time", card=lambda a, r: _card(
    f"{r.get('distance_miles')} mi" if r.get("distance_miles") else "",
    f"{r.get('driving_days')} driving day{'s' if r.get('driving_days') != 1 else ''}"
    if r.get("driving_days") else ""))
def estimate_travel_time(ctx: ToolContext, args: TravelTimeArgs) -> ToolResult:
    """How long a drive takes at an RV's pace ("how long to drive from Denver to Moab?"): road
    distance, driving hours and driving days under the daily driving limit."""
    from travel.routing import route, travel_time

    origin = destination = None
    if args.distance_miles is not None:
        distance, source = args.distance_miles, "given"
    else:
        a, b = _place(args.origin), _place(args.destination)
        leg = route([(a.latitude, a.longitude), (b.latitude, b.longitude)])
        distance, source = leg.distance_miles, leg.source
        origin, destination = a.label, b.label
    pace = travel_time(distance)  # an RV's pace, not a router's car time
    return ToolResult(data={
        "origin": origin, "destination": destination, "distance_miles": round(distance, 1),
        "distance_source": source, "driving_hours": round(pace.hours, 1), "driving_days": pace.days,
        "miles_per_day": round(pace.miles_per_day),
    })


# --- Weather -------------------------------------------------------------------------------------

def _where_the_user_is(ctx: ToolContext) -> tuple[float, float, str]:
    """Without a place or a shared location: the active trip's next stop, else the profile's home
    region. ToolError when neither is known."""
    trip = selectors.trip_list(user=ctx.user, status=Trip.Status.ACTIVE).first()
    if trip is not None:
        stops = list(trip.stops.all())
        upcoming = [stop for stop in stops if stop.arrive_on is None or stop.arrive_on >= ctx.today]
        stop = (upcoming or stops or [None])[0]
        if stop is not None:
            return stop.latitude, stop.longitude, stop.name
    home = getattr(getattr(ctx.user, "pam_profile", None), "home_region", "")
    if home:
        place = _place(home)
        return place.latitude, place.longitude, place.label
    raise ToolError("Where? Name a place: I don't know the user's location.")


class WeatherArgs(BaseModel):
    place: str | None = Field(None, max_length=200, description="Where; omit for the user's current location.")
    days: int = Field(7, ge=1, le=14, description="How many days, up to 14.")


@pam_tool(label="Checked the forecast", card=lambda a, r: _card(r.get("place"), f"{a.get('days', 7)} days"))
def get_weather_forecast(ctx: ToolContext, args: WeatherArgs) -> ToolResult:
    """The daily weather forecast (up to 14 days) for a place or the user's current location:
    conditions, highs and lows (°F), precipitation, wind, and severe days. When the weather
    service cannot be reached this is an error: say the forecast is unavailable, never guess."""
    from travel.weather import WeatherUnavailable, forecast

    if args.place:
        place = _place(args.place)
        latitude, longitude, label = place.latitude, place.longitude, place.label
    elif ctx.location:
        latitude, longitude = ctx.location
        label = "your location"
    else:
        latitude, longitude, label = _where_the_user_is(ctx)
    try:
        result = forecast(latitude, longitude, days=args.days)
    except WeatherUnavailable as exc:
        raise ToolError(f"The forecast is unavailable right now ({exc}); no forecast was given.") from None
    return ToolResult(data={"place": label, "latitude": latitude, "longitude": longitude,
                            "forecast": result.as_dict()})


# --- Saved places --------------------------------------------------------------------------------

class SavePlaceArgs(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="The place's name: 'Sand Flats campground'.")
    near: str | None = Field(None, max_length=200, description="Town it is in or near, to place it on the map.")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    kind: SavedPlace.Kind = Field(SavedPlace.Kind.CAMPGROUND)
    rating: int | None = Field(None, ge=1, le=5)
    notes: str = Field("", max_length=1000)
    amenities: list[str] = Field(default_factory=list, max_length=30)
    price_per_night: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)

    @model_validator(mode="after")
    def somewhere(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


@pam_tool(writes=True, label="Saved place", card=lambda a, r: _card(
    a.get("name"), a.get("kind"), "★" * int(a["rating"]) if a.get("rating") else ""))
def save_place(ctx: ToolContext, args: SavePlaceArgs) -> ToolResult:
    """Save one of the user's favourite places (a campground, boondocking spot, dump station…)
    with a rating, notes, amenities and nightly price. Located by coordinates, or by the town it
    is near (or its own name, when that is a town)."""
    if args.latitude is not None:
        latitude, longitude = args.latitude, args.longitude
    else:
        place = _place(args.near or args.name)
        latitude, longitude = place.latitude, place.longitude
    saved = services.saved_place_create(
        user=ctx.user, name=args.name, latitude=latitude, longitude=longitude, kind=args.kind, rating=args.rating,
        notes=args.notes, amenities=args.amenities, price_per_night=args.price_per_night)
    return ToolResult(data={"place": selectors.place_as_dict(saved), "currency": ctx.currency},
                      ui_actions=[{"type": "reload_places"}])


class FindPlacesArgs(BaseModel):
    near: str | None = Field(None, max_length=200, description="Around this place; omit for all saved places.")
    radius_miles: float = Field(100, gt=0, le=2000)
    kind: SavedPlace.Kind | None = None
    text: str | None = Field(None, max_length=100, description="Words in the name.")


@pam_tool(label="Found saved places", card=lambda a, r: _card(
    a.get("kind"), a.get("near") and f"near {a['near']}", f"{len(r.get('places', []))} found"))
def find_saved_places(ctx: ToolContext, args: FindPlacesArgs) -> ToolResult:
    """The user's saved places, nearest first when ``near`` is given (within ``radius_miles``),
    optionally of one kind ("my favourite campgrounds near Moab")."""
    latitude = longitude = None
    if args.near:
        place = _place(args.near)
        latitude, longitude = place.latitude, place.longitude
    places = selectors.saved_places_near(user=ctx.user, latitude=latitude, longitude=longitude,
                                         radius_miles=args.radius_miles, kind=args.kind, text=args.text)
    return ToolResult(data={"places": places[:25], "count": len(places), "currency": ctx.currency})

