"""PAM's proactive monitors (DESIGN.md, "Proactive monitors"): each scans every user's data in
batches of users, a fixed number of queries per batch, and raises alerts through
``assistant.services.alerts_raise`` (which deduplicates, holds in quiet hours and honours
opt-outs). Celery runs them (``assistant.tasks``) on schedules that are rows of
django-celery-beat, seeded here by name and edited by staff in admin.

A scan is a generator of ``(users scanned, [AlertCandidate])`` per batch; ``monitor_run`` runs
one and records it as a ``MonitorRun``.
"""

import datetime
import logging
import traceback
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from assistant.models import Alert, CalendarEvent, MonitorRun
from assistant.services import AlertCandidate, alerts_raise, alerts_release_held
from finance.models import Budget
from finance.money import format_money
from finance.selectors import budgets_use
from pam_project import rls
from travel.models import FuelLog, MaintenanceItem, Trip, Vehicle
from travel.selectors import maintenance_state, tank_estimate
from travel.weather import MAX_FORECAST_DAYS, WeatherUnavailable, forecast

logger = logging.getLogger(__name__)

Scan = Iterator[tuple[int, list[AlertCandidate]]]
ZONE = F("user__pam_profile__timezone")
CURRENCY = F("user__pam_profile__currency")


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The user's timezone; UTC when they have none (the monitors have no browser to ask)."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _local_today(now: datetime.datetime, zone_name: str | None) -> datetime.date:
    return now.astimezone(_zone(zone_name)).date()


def _count(number: int, noun: str) -> str:
    """"1 day", "3 days"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _day(day: datetime.date) -> str:
    return date_format(day, "D, M j")  # "Sat, Nov 22"


def _user_batches(rows: QuerySet) -> Iterator[list[int]]:
    """The ids of the users owning ``rows``, ascending, settings.PAM_MONITOR_CHUNK_SIZE at a
    time (keyset pagination: one query per batch, whatever the table's size)."""
    last = 0
    while True:
        ids = list(rows.filter(user_id__gt=last).order_by("user_id").values_list("user_id", flat=True)
                   .distinct()[:settings.PAM_MONITOR_CHUNK_SIZE])
        if not ids:
            return
        yield ids
        last = ids[-1]


# --- Fuel ----------------------------------------------------------------------------------------

FILL_FIELDS = ("id", "vehicle_id", "date", "odometer_miles", "volume_gallons", "is_full", "missed_previous")


def scan_fuel(now: datetime.datetime) -> Scan:
    """Primary vehicles whose estimated tank (``travel.selectors.tank_estimate``) is below
    settings.PAM_FUEL_LOW_PERCENT (high) or PAM_FUEL_CRITICAL_PERCENT (urgent), once per tank
    of fuel. Three queries per batch."""
    vehicles = Vehicle.objects.filter(is_primary=True, tank_capacity_gallons__isnull=False)
    for user_ids in _user_batches(vehicles):
        batch = list(vehicles.filter(user_id__in=user_ids))
        fills = defaultdict(list)
        for fill in FuelLog.objects.filter(vehicle_id__in=[vehicle.id for vehicle in batch]).only(*FILL_FIELDS):
            fills[fill.vehicle_id].append(fill)
        candidates = []
        for vehicle in batch:
            tank = tank_estimate(vehicle, fills[vehicle.id])
            if tank is None or tank.percent_left >= settings.PAM_FUEL_LOW_PERCENT:
                continue
            urgent = tank.percent_left < settings.PAM_FUEL_CRITICAL_PERCENT
            severity = Alert.Severity.URGENT if urgent else Alert.Severity.HIGH
            candidates.append(AlertCandidate(
                user_id=vehicle.user_id, category=Alert.Category.FUEL, severity=severity,
                title=f"{'Fuel is very low' if urgent else 'Fuel is getting low'} in {vehicle.name}",
                message=(f"About {tank.percent_left:.0f}% left: {tank.gallons_left:.1f} of "
                         f"{tank.capacity_gallons:.0f} gallons, roughly {tank.range_miles:,} miles at "
                         f"{tank.mpg:g} mpg ({tank.miles_since_fill:,} miles since the fill-up on "
                         f"{_day(tank.last_full.date)}). Plan your next stop for fuel."),
                dedup_key=f"fuel:{vehicle.id}:{tank.last_full.id}:{severity}",
                actions=({"label": "My fuel stops nearby", "message": "find my saved fuel stops nearby"},
                         {"label": "My fuel economy", "message": "what's my fuel economy?"}),
            ))
        yield len(user_ids), candidates


# --- Budget --------------------------------------------------------------------------------------

def scan_budgets(now: datetime.datetime) -> Scan:
    """Budgets at or past their own alert threshold this month (the owner's local month;
    ``finance.selectors.budgets_use``) → high, at or past settings.PAM_BUDGET_URGENT_PERCENT →
    urgent; once per budget, month and severity. Two to four queries per batch."""
    for user_ids in _user_batches(Budget.objects.all()):
        batch = list(Budget.objects.filter(user_id__in=user_ids).defer("created_at", "updated_at")
                     .annotate(zone=ZONE, currency=CURRENCY))
        today_by_user = {budget.user_id: _local_today(now, budget.zone) for budget in batch}
        candidates = []
        for use in budgets_use(budgets=batch, today_by_user=today_by_user):
            if use.percent_used >= settings.PAM_BUDGET_URGENT_PERCENT:
                severity = Alert.Severity.URGENT
            elif use.state != "ok":
                severity = Alert.Severity.HIGH
            else:
                continue
            candidates.append(_budget_alert(use, severity, today_by_user[use.budget.user_id]))
        yield len(user_ids), candidates


def _budget_alert(use, severity: str, today: datetime.date) -> AlertCandidate:
    budget = use.budget
    label = budget.get_category_display()
    money = lambda value: format_money(value, budget.currency or "USD")  # noqa: E731
    month = date_format(use.month_first, "F")
    days_left = (use.month_last - today).days + 1
    if use.spent > use.available:
        title = f"{label} budget is over"
        message = (f"{money(use.spent)} spent on {label.lower()} in {month}, {money(use.spent - use.available)} "
                   f"over the {money(use.available)} budget, with {_count(days_left, 'day')} to go.")
    else:
        standing = "almost gone" if severity == Alert.Severity.URGENT else f"{use.percent_used:.0f}% used"
        title = f"{label} budget {standing}"
        message = (f"{money(use.spent)} of {money(use.available)} spent on {label.lower()} in {month}: "
                   f"{money(use.available - use.spent)} left for {_count(days_left, 'more day')}.")
    return AlertCandidate(
        user_id=budget.user_id, category=Alert.Category.BUDGET, severity=severity, title=title, message=message,
        dedup_key=f"budget:{budget.category}:{use.month_first:%Y-%m}:{severity}",
        actions=({"label": "How are my budgets?", "message": "how are my budgets?"},
                 {"label": f"My {label.lower()} spending",
                  "message": f"show my {budget.category} expenses this month"}),
    )


# --- Maintenance ---------------------------------------------------------------------------------

def scan_maintenance(now: datetime.datetime) -> Scan:
    """Maintenance items due soon (``travel.selectors.maintenance_state``: within
    settings.PAM_MAINTENANCE_DUE_SOON_MILES or _DAYS) → medium, overdue → urgent; once per
    service interval and state. Two queries per batch."""
    for user_ids in _user_batches(MaintenanceItem.objects.all()):
        items = MaintenanceItem.objects.filter(user_id__in=user_ids).select_related("vehicle").annotate(zone=ZONE)
        candidates = []
        for item in items:
            row = maintenance_state(item, _local_today(now, item.zone))
            if row["state"] == "ok":
                continue
            overdue = row["state"] == "overdue"
            candidates.append(AlertCandidate(
                user_id=item.user_id, category=Alert.Category.MAINTENANCE,
                severity=Alert.Severity.URGENT if overdue else Alert.Severity.MEDIUM,
                title=f"{item.task} is {'overdue' if overdue else 'due soon'}",
                message=f"{item.task} for {item.vehicle.name}: {_due_words(row)}.",
                dedup_key=f"maintenance:{item.id}:{item.last_done_odometer}:{item.last_done_on}:{row['state']}",
                actions=({"label": "What's due?", "message": "what maintenance is due?"},),
            ))
        yield len(user_ids), candidates


def _due_words(row: dict) -> str:
    parts = []
    if row["miles_left"] is not None:
        miles = row["miles_left"]
        parts.append(f"{_count(-miles, 'mile')} past due" if miles < 0
                     else f"due in {_count(miles, 'mile')} (at {row['due_odometer']:,})")
    if row["days_left"] is not None:
        days, due_on = row["days_left"], _day(datetime.date.fromisoformat(row["due_on"]))
        parts.append(f"{_count(-days, 'day')} past due ({due_on})" if days < 0
                     else "due today" if days == 0 else f"due in {_count(days, 'day')} ({due_on})")
    return " or ".join(parts)


# --- Weather -------------------------------------------------------------------------------------

def scan_weather(now: datetime.datetime) -> Scan:
    """For trips starting within settings.PAM_WEATHER_LOOKAHEAD_DAYS (the owner's local dates):
    a window of settings.PAM_WEATHER_CLEAR_WINDOW_DAYS or more clear days at the destination
    between the start and the end → a low-severity suggestion, once per trip. For those trips and
    the ones under way: severe weather (storm, snow, freezing rain, high wind: ``travel.weather``)
    forecast at a stop on a day the user plans to be there → high, once per stop and day.
    Forecasts come from Open-Meteo (cached); a trip whose forecast cannot be had is skipped this
    run. Three queries per batch."""
    lookahead = settings.PAM_WEATHER_LOOKAHEAD_DAYS
    utc_today = now.astimezone(datetime.UTC).date()
    day = datetime.timedelta(days=1)
    soon = Q(start_date__range=(utc_today - day, utc_today + day * (lookahead + 1)))
    under_way = Q(start_date__lt=utc_today, end_date__gte=utc_today - day)
    trips = Trip.objects.filter(soon | under_way, status__in=[Trip.Status.PLANNING, Trip.Status.ACTIVE])
    forecasts: dict[tuple[float, float], object] = {}
    for user_ids in _user_batches(trips):
        candidates = []
        for trip in trips.filter(user_id__in=user_ids).annotate(zone=ZONE).prefetch_related("stops"):
            today = _local_today(now, trip.zone)
            stops = list(trip.stops.all())
            starts_in = (trip.start_date - today).days
            if stops and (0 <= starts_in <= lookahead or (starts_in < 0 and trip.end_date and trip.end_date >= today)):
                candidates += _trip_weather(trip, stops, today, forecasts)
        yield len(user_ids), candidates


def _forecast_at(stop, forecasts: dict):
    point = (round(stop.latitude, 2), round(stop.longitude, 2))
    if point not in forecasts:
        try:
            forecasts[point] = forecast(stop.latitude, stop.longitude, days=MAX_FORECAST_DAYS)
        except WeatherUnavailable as exc:
            logger.warning("weather monitor: no forecast at %s: %s", stop.name, exc)
            forecasts[point] = None
    return forecasts[point]


def _stop_days(trip: Trip, stops: list, index: int) -> list[datetime.date]:
    """The days the user plans to be at ``stops[index]``: arrival to departure; a stop without
    dates is the trip's first or last day when it is the first or last stop."""
    stop = stops[index]
    first = stop.arrive_on or stop.depart_on or (trip.start_date if index == 0 else None) \
        or (trip.end_date if index == len(stops) - 1 else None)
    if first is None:
        return []
    last = stop.depart_on if stop.depart_on and stop.depart_on > first else first
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _trip_weather(trip: Trip, stops: list, today: datetime.date, forecasts: dict) -> list[AlertCandidate]:
    candidates = []
    destination = stops[-1]
    outlook = _forecast_at(destination, forecasts) if trip.start_date >= today else None
    window = _clear_window([d for d in outlook.days if not trip.end_date or d.date <= trip.end_date],
                           trip.start_date) if outlook else None
    if window:
        first, last = window
        candidates.append(AlertCandidate(
            user_id=trip.user_id, category=Alert.Category.WEATHER, severity=Alert.Severity.LOW,
            title=f"Good weather ahead for {trip.title}",
            message=(f"Clear skies are forecast at {destination.name} from {_day(first)} to {_day(last)}: "
                     f"{_count((last - first).days + 1, 'good day')} for the trip."),
            dedup_key=f"weather:clear:{trip.id}",
            actions=(_weather_action(destination),),
        ))
    for index, stop in enumerate(stops):
        days = [day for day in _stop_days(trip, stops, index) if day >= today]
        outlook = _forecast_at(stop, forecasts) if days else None
        for severe in (d for d in outlook.days if d.date in days and d.is_severe) if outlook else ():
            candidates.append(AlertCandidate(
                user_id=trip.user_id, category=Alert.Category.WEATHER, severity=Alert.Severity.HIGH,
                title=f"Severe weather at {stop.name} on {_day(severe.date)}",
                message=(f"{_severe_words(severe)} is forecast at {stop.name} on {_day(severe.date)}, when "
                         f"{trip.title} plans to be there. Consider another day or route."),
                dedup_key=f"weather:severe:{stop.id}:{severe.date.isoformat()}",
                actions=(_weather_action(stop),),
            ))
    return candidates


def _weather_action(stop) -> dict:
    return {"label": f"Weather at {stop.name}", "message": f"what's the weather in {stop.name}?"}


def _severe_words(day) -> str:
    """"Thunderstorm", "Overcast with wind gusts 52 mph": the sky once, then what it leaves out."""
    summary = day.summary.lower()
    extra = [reason for reason in day.severe_reasons if reason.split()[0] not in summary]
    return (day.summary + (f" with {', '.join(extra)}" if extra else "")).capitalize()


def _clear_window(days, start: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The first run of settings.PAM_WEATHER_CLEAR_WINDOW_DAYS or more clear days from
    ``start``: ``(first day, last day)``, or None."""
    run: list[datetime.date] = []
    for day in (d for d in days if d.date >= start):
        if day.is_clear and (not run or (day.date - run[-1]).days == 1):
            run.append(day.date)
        elif len(run) >= settings.PAM_WEATHER_CLEAR_WINDOW_DAYS:
            break
        else:
            run = [day.date] if day.is_clear else []
    return (run[0], run[-1]) if len(run) >= settings.PAM_WEATHER_CLEAR_WINDOW_DAYS else None


# --- Context: trips departing tomorrow, calendar reminders ---------------------------------------

def scan_context(now: datetime.datetime) -> Scan:
    """Planned trips that start tomorrow (the owner's local date) → medium, once per trip and
    start date; calendar events whose reminder time (``starts_at`` − ``reminder_minutes``) has
    come and which have not started → medium, once per event and start time. Two queries per
    batch of trips and per batch of events."""
    utc_today = now.astimezone(datetime.UTC).date()
    trips = Trip.objects.filter(status=Trip.Status.PLANNING,
                                start_date__range=(utc_today, utc_today + datetime.timedelta(days=2)))
    for user_ids in _user_batches(trips):
        candidates = []
        for trip in trips.filter(user_id__in=user_ids).annotate(zone=ZONE).prefetch_related("stops"):
            tomorrow = _local_today(now, trip.zone) + datetime.timedelta(days=1)
            if trip.start_date == tomorrow:
                candidates.append(_departure_alert(trip, list(trip.stops.all())))
        yield len(user_ids), candidates
    events = CalendarEvent.objects.filter(reminder_minutes__isnull=False, starts_at__gt=now)
    for user_ids in _user_batches(events):
        candidates = []
        for event in events.filter(user_id__in=user_ids).annotate(zone=ZONE):
            if event.starts_at - datetime.timedelta(minutes=event.reminder_minutes) <= now:
                candidates.append(_reminder_alert(event, now))
        yield len(user_ids), candidates


def _departure_alert(trip: Trip, stops: list) -> AlertCandidate:
    route = f" from {stops[0].name} to {stops[-1].name}" if len(stops) > 1 else ""
    actions = [{"label": "My upcoming trips", "message": "show my upcoming trips"}]
    if stops:
        actions.append(_weather_action(stops[-1]))
    return AlertCandidate(
        user_id=trip.user_id, category=Alert.Category.TRIP, severity=Alert.Severity.MEDIUM,
        title=f"{trip.title} starts tomorrow",
        message=(f"You leave tomorrow, {_day(trip.start_date)}{route}"
                 f"{f' ({len(stops)} stops)' if len(stops) > 2 else ''}. "
                 "Check tires, propane and water before you go."),
        dedup_key=f"trip:departs:{trip.id}:{trip.start_date.isoformat()}", actions=tuple(actions),
    )


def _reminder_alert(event: CalendarEvent, now: datetime.datetime) -> AlertCandidate:
    starts = event.starts_at.astimezone(_zone(event.zone))
    minutes = max(round((event.starts_at - now).total_seconds() / 60), 1)
    when = f"in {minutes} minutes" if minutes < 120 else f"in {round(minutes / 60)} hours"
    at = _day(starts.date()) if event.all_day else f"{date_format(starts, 'g:i A')} on {_day(starts.date())}"
    return AlertCandidate(
        user_id=event.user_id, category=Alert.Category.CALENDAR, severity=Alert.Severity.MEDIUM,
        title=f"Reminder: {event.title}",
        message=f"{event.title} starts {when} ({at}){f' at {event.location}' if event.location else ''}.",
        dedup_key=f"calendar:{event.id}:{event.starts_at.isoformat()}",
        actions=({"label": "What's on today?", "message": "what's on my calendar today?"},),
    )


# --- Running and scheduling ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MonitorSpec:
    name: str  # MonitorRun.Monitor value
    task: str  # the Celery task's name
    every: datetime.timedelta  # the seeded interval; staff may change it in admin
    scan: Callable[[datetime.datetime], Scan]

    @property
    def schedule_name(self) -> str:
        return f"PAM {MonitorRun.Monitor(self.name).label.lower()} monitor"


MONITORS = {spec.name: spec for spec in (
    MonitorSpec("fuel", "assistant.tasks.fuel_monitor", datetime.timedelta(minutes=5), scan_fuel),
    MonitorSpec("budget", "assistant.tasks.budget_monitor", datetime.timedelta(hours=1), scan_budgets),
    MonitorSpec("weather", "assistant.tasks.weather_monitor", datetime.timedelta(minutes=30), scan_weather),
    MonitorSpec("maintenance", "assistant.tasks.maintenance_monitor", datetime.timedelta(days=1), scan_maintenance),
    MonitorSpec("context", "assistant.tasks.context_monitor", datetime.timedelta(minutes=15), scan_context),
)}


def monitor_run(name: str, *, now: datetime.datetime | None = None) -> MonitorRun:
    """Run one monitor over all users and record it: first push the held alerts whose quiet
    hours are over, then scan and raise. Returns the finished MonitorRun; a failure (including
    Celery's soft time limit) is recorded as failed with its traceback and raised again. Runs in
    the system row level security scope (``pam_project.rls``). Raises KeyError for an unknown
    monitor."""
    with rls.system_scope():  # a monitor reads every user's rows, explicitly
        return _monitor_run(MONITORS[name], name, now or timezone.now())


def _monitor_run(spec: MonitorSpec, name: str, now: datetime.datetime) -> MonitorRun:
    run = MonitorRun.objects.create(monitor=name, started_at=timezone.now())
    try:
        alerts_release_held(now=now)
        for users, candidates in spec.scan(now):
            run.users_scanned += users
            run.alerts_raised += len(alerts_raise(candidates, now=now))
    except Exception:
        run.status, run.error = MonitorRun.Status.FAILED, traceback.format_exc()[-4000:]
        raise
    else:
        run.status = MonitorRun.Status.SUCCEEDED
    finally:
        run.finished_at = timezone.now()
        run.save()
    logger.info("%s monitor: %s users, %s alerts", name, run.users_scanned, run.alerts_raised)
    return run


def monitor_schedules_seed(**_) -> int:
    """Create the beat schedule of each monitor that has none (matched by name) and leave the
    others alone, so what staff changed in admin stands. A new schedule starts now: beat runs it
    once when it first sees it. Returns how many were created. Connected to post_migrate."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    existing = set(PeriodicTask.objects.filter(name__in=[s.schedule_name for s in MONITORS.values()])
                   .values_list("name", flat=True))
    created = 0
    for spec in MONITORS.values():
        if spec.schedule_name in existing:
            continue
        every, period = _interval(spec.every)
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.create(name=spec.schedule_name, task=spec.task, interval=interval,
                                    start_time=timezone.now(), description=" ".join((spec.scan.__doc__ or "").split()))
        created += 1
    return created


def _interval(every: datetime.timedelta) -> tuple[int, str]:
    """``(every, period)`` in the largest whole unit: one day → (1, "days"), 5 min → (5, "minutes")."""
    from django_celery_beat.models import IntervalSchedule

    seconds = int(every.total_seconds())
    units = ((IntervalSchedule.DAYS, 86400), (IntervalSchedule.HOURS, 3600), (IntervalSchedule.MINUTES, 60))
    for period, size in units:
        if seconds % size == 0:
            return seconds // size, period
    return seconds, IntervalSchedule.SECONDS
