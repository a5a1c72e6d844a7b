"""Distances and travel time: great-circle and road estimates, an OSRM router when configured,
and how long a drive takes at an RV's pace."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import httpx2
from django.conf import settings

logger = logging.getLogger(__name__)

# The IUGG mean Earth radius, 6,371.0088 km, in statute miles.
EARTH_RADIUS_MILES = 3958.7613
METRES_PER_MILE = 1609.344

# A point is a (latitude, longitude) pair in degrees, or anything with ``latitude`` and
# ``longitude`` attributes (a travel.geo.Place, a TripStop).
Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg between two consecutive points: miles and hours."""

    distance_miles: float
    duration_hours: float


@dataclass(frozen=True, slots=True)
class Route:
    """A drive through two or more points. ``source`` is "router" (PAM_ROUTER_URL's answer;
    ``duration_hours`` is then its car driving time) or "estimate" (road factor and
    PAM_RV_AVERAGE_MPH). For an RV's hours and days use ``travel_time(route.distance_miles)``."""

    distance_miles: float
    duration_hours: float
    legs: tuple[Leg, ...]
    source: str


@dataclass(frozen=True, slots=True)
class TravelTime:
    """Driving time at an RV's pace: hours at the wheel, driving days, miles driven per full day."""

    hours: float
    days: int
    miles_per_day: float


def _coordinates(point) -> Point:
    latitude, longitude = (point.latitude, point.longitude) if hasattr(point, "latitude") else point
    latitude, longitude = float(latitude), float(longitude)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"({latitude}, {longitude}) is not a latitude between -90 and 90 and a longitude "
                         "between -180 and 180")
    return latitude, longitude


def great_circle_miles(a, b) -> float:
    """Great-circle distance in miles between two points ((lat, lng) degrees or Places), by the
    haversine formula (R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 1984)
    on a sphere of the mean Earth radius. Raises ValueError on coordinates out of range."""
    (lat1, lng1), (lat2, lng2) = _coordinates(a), _coordinates(b)
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def road_miles(a, b) -> float:
    """Estimated road miles between two points: great-circle miles × PAM_ROAD_DISTANCE_FACTOR
    (default 1.25; US road circuity is ~1.2, Ballou, Rahe & Sunderland 2002)."""
    return great_circle_miles(a, b) * settings.PAM_ROAD_DISTANCE_FACTOR


def route(points: Sequence) -> Route:
    """The drive through ``points`` in order (two or more (lat, lng) pairs or Places). Asks the
    OSRM-compatible PAM_ROUTER_URL when set and falls back to the road-factor estimate when it
    fails; raises ValueError for fewer than two points or coordinates out of range."""
    coordinates = [_coordinates(point) for point in points]
    if len(coordinates) < 2:
        raise ValueError("A route needs at least two points")
    if settings.PAM_ROUTER_URL:
        routed = _router_route(coordinates)
        if routed is not None:
            return routed
    return estimated_route(coordinates)


def estimated_route(points: Sequence) -> Route:
    """The road-factor estimate of ``route`` (no network): each leg's road_miles, driven at
    PAM_RV_AVERAGE_MPH."""
    coordinates = [_coordinates(point) for point in points]
    legs = []
    for a, b in zip(coordinates, coordinates[1:], strict=False):
        miles = road_miles(a, b)
        legs.append(Leg(distance_miles=miles, duration_hours=miles / settings.PAM_RV_AVERAGE_MPH))
    return Route(
        distance_miles=sum(leg.distance_miles for leg in legs),
        duration_hours=sum(leg.duration_hours for leg in legs),
        legs=tuple(legs),
        source="estimate",
    )


def _router_route(coordinates: list[Point]) -> Route | None:
    """OSRM's GET /route/v1/driving/{lng,lat;...}?overview=false, or None on any failure."""
    base = settings.PAM_ROUTER_URL.rstrip("/")
    path = ";".join(f"{longitude:.6f},{latitude:.6f}" for latitude, longitude in coordinates)
    try:
        response = httpx2.get(
            f"{base}/route/v1/driving/{path}",
            params={"overview": "false"},
            timeout=settings.PAM_ROUTER_TIMEOUT,
        )
        data = response.json()
        if response.status_code != 200 or data.get("code") != "Ok":
            raise ValueError(f"HTTP {response.status_code}, code {data.get('code')!r}: {data.get('message', '')}")
        best = data["routes"][0]
        legs = tuple(
            Leg(distance_miles=float(leg["distance"]) / METRES_PER_MILE, duration_hours=float(leg["duration"]) / 3600)
            for leg in best["legs"]
        )
        if len(legs) != len(coordinates) - 1:
            raise ValueError(f"{len(legs)} legs for {len(coordinates)} points")
        return Route(
            distance_miles=float(best["distance"]) / METRES_PER_MILE,
            duration_hours=float(best["duration"]) / 3600,
            legs=legs,
            source="router",
        )
    except Exception as exc:  # connection, timeout, HTTP status, "NoRoute", malformed JSON
        logger.warning("Router %s failed (%s); using the road-factor estimate", base, exc)
        return None


def driving_days(distance_miles: float) -> int:
    """Days of driving for ``distance_miles`` at PAM_RV_AVERAGE_MPH, at most
    PAM_RV_MAX_DRIVING_HOURS_PER_DAY a day (rounded up; 0 for no distance)."""
    return travel_time(distance_miles).days


def travel_time(distance_miles: float) -> TravelTime:
    """Hours at the wheel for ``distance_miles`` at PAM_RV_AVERAGE_MPH (default 50) and the
    driving days at PAM_RV_MAX_DRIVING_HOURS_PER_DAY (default 6, about 300 miles, close to RVers'
    "330 rule"). Raises ValueError for a negative distance."""
    if distance_miles < 0 or math.isnan(distance_miles):
        raise ValueError(f"distance_miles must be 0 or more, got {distance_miles}")
    hours = distance_miles / settings.PAM_RV_AVERAGE_MPH
    # Rounded before the ceiling so float noise (300.0000001 miles) does not add a day.
    days = math.ceil(round(hours / settings.PAM_RV_MAX_DRIVING_HOURS_PER_DAY, 6))
    return TravelTime(
        hours=hours,
        days=days,
        miles_per_day=settings.PAM_RV_AVERAGE_MPH * settings.PAM_RV_MAX_DRIVING_HOURS_PER_DAY,
    )
