"""What PAM knows about the user each turn, cached in Redis per part (DESIGN.md, "User context cache").

Parts and their cache keys and lifetimes:
    profile    pam:profile:{user_id}    600 s   name, timezone, currency, units, home region
    financial  pam:financial:{user_id}  300 s   this month's budgets and spend, recent expenses
    travel     pam:travel:{user_id}     300 s   primary vehicle, active/next trip, maintenance due,
                                                upcoming calendar events

``user_context`` reads every part in one ``get_many`` round trip and builds only the parts that
missed. Services call ``context_invalidate`` after a write commits. With Redis down the cache
calls fail fast (short socket timeouts, ignored exceptions) and the context is built from the
database, so the chat goes on.
"""

import datetime
import logging
import time
import zoneinfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from pam_project import metrics

logger = logging.getLogger(__name__)

PART_TTL_SECONDS = {"profile": 600, "financial": 300, "travel": 300}
DATED_PARTS = ("financial", "travel")  # rebuilt when the user's local day has changed


def context_key(part: str, user_id: int) -> str:
    return f"pam:{part}:{user_id}"


def build_profile(user) -> dict:
    """The profile part: ``{"user_id", "username", "display_name", "timezone", "currency",
    "units", "home_region"}``. Creates the profile with defaults on first use."""
    from assistant.services import profile_get_or_create

    profile = profile_get_or_create(user=user)
    return {
        "user_id": user.id,
        "username": user.get_username(),
        "display_name": profile.display_name or user.get_short_name() or user.get_username(),
        "timezone": profile.timezone,
        "currency": profile.currency,
        "units": profile.units,
        "home_region": profile.home_region,
    }


def build_financial(user, profile: dict) -> dict:
    """The financial part for the user's local month: ``{"today", "budget_status" (see
    finance.selectors.budget_status), "this_month": {"income", "expenses", "net"},
    "recent_expenses"}``. Recurring bills and income that fell due are posted first, so the
    figures include them."""
    from finance.selectors import budget_status, cashflow, recent_expenses
    from finance.services import recurring_post_due

    today = local_now(profile).date()
    recurring_post_due(user=user, today=today)
    return {
        "today": today.isoformat(),
        "budget_status": budget_status(user=user, today=today),
        "this_month": {key: value for key, value in cashflow(user=user, first=today, last=today).items()
                       if key != "months"},
        "recent_expenses": recent_expenses(user=user, limit=5),
    }


def build_travel(user, profile: dict) -> dict:
    """The travel part: ``{"today", "vehicle" (primary, or None), "trip" (the active or next
    trip with its stops, or None), "maintenance_due" (overdue and due-soon items),
    "calendar" (events in the next 7 days, local times)}``."""
    import datetime

    from assistant.selectors import calendar_event_as_dict, calendar_events
    from travel.models import Vehicle
    from travel.selectors import maintenance_due, trip_as_dict, trip_list, vehicle_as_dict

    now = local_now(profile)
    today = now.date()
    vehicle = Vehicle.objects.filter(user=user, is_primary=True).first()
    trip = trip_list(user=user, upcoming_from=today).first()
    events = calendar_events(user=user, start=now, end=now + datetime.timedelta(days=7))[:10]
    return {
        "today": today.isoformat(),
        "vehicle": vehicle_as_dict(vehicle) if vehicle else None,
        "trip": trip_as_dict(trip) if trip else None,
        "maintenance_due": [item for item in maintenance_due(user=user, today=today) if item["state"] != "ok"],
        "calendar": [calendar_event_as_dict(event, now.tzinfo) for event in events],
    }


BUILDERS = {"financial": build_financial, "travel": build_travel}


def user_context(user) -> dict:
    """Every context part for ``user``: ``{"profile": {...}, "financial": {...}, "travel":
    {...}}``.

    One cache round trip on a hit; on a miss the missing parts are built from the database and
    stored with their lifetimes. A dated part cached on an earlier local day is rebuilt. Each
    part's hit or miss and the load's seconds go to the metrics (``pam_context_*``).
    """
    started = time.perf_counter()
    keys = {part: context_key(part, user.id) for part in PART_TTL_SECONDS}
    cached = cache.get_many(list(keys.values()))
    context = {part: cached[key] for part, key in keys.items() if key in cached}
    missed = []

    if "profile" not in context:
        context["profile"] = build_profile(user)
        cache.set(keys["profile"], context["profile"], PART_TTL_SECONDS["profile"])
        missed.append("profile")

    today = local_now(context["profile"]).date().isoformat()
    for part in DATED_PARTS:
        if part not in context or context[part].get("today") != today:
            context[part] = BUILDERS[part](user, context["profile"])
            cache.set(keys[part], context[part], PART_TTL_SECONDS[part])
            missed.append(part)
    metrics.context_loaded(hits=[part for part in keys if part not in missed], misses=missed,
                           seconds=time.perf_counter() - started)
    return context


def context_invalidate(user_id: int, *parts: str) -> None:
    """Drop cached parts (all of them when none are named) so the next turn rebuilds them."""
    names = parts or tuple(PART_TTL_SECONDS)
    cache.delete_many([context_key(part, user_id) for part in names])


def warm_context(users, *, on_user=None) -> tuple[int, int]:
    """Build and cache every part for each user in ``users``; returns ``(warmed, failed)`` user
    counts. A user whose context cannot be built is logged and skipped, so one bad row does not
    stop the rest; ``on_user(user, ok)`` is called after each (a progress bar)."""
    warmed = failed = 0
    for user in users:
        try:
            context_invalidate(user.id)
            user_context(user)
        except Exception:
            logger.exception("could not warm the context of user %s", user.id)
            failed += 1
            ok = False
        else:
            warmed += 1
            ok = True
        if on_user is not None:
            on_user(user, ok)
    return warmed, failed


def profile_zone(profile: dict, fallback: str | None = None) -> zoneinfo.ZoneInfo:
    """The profile's timezone; when it has none, ``fallback`` (the browser's, if a valid IANA
    name), else the server's TIME_ZONE."""
    for name in (profile.get("timezone"), fallback):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_now(profile: dict) -> datetime.datetime:
    """The current time in the profile's timezone (aware)."""
    return timezone.now().astimezone(profile_zone(profile))
