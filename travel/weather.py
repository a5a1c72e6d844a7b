"""Daily forecasts from Open-Meteo (https://open-meteo.com/en/docs, free and keyless), cached in
Redis. When Open-Meteo cannot be reached PAM says so: it never invents a forecast."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

import httpx2
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

MAX_FORECAST_DAYS = 14  # PAM's limit; Open-Meteo's own is 16
DAILY_VARIABLES = (
    "weather_code",
    "temperature_2m_max",
    "temperature_2m_min",
    "precipitation_sum",
    "precipitation_probability_max",
    "wind_speed_10m_max",
    "wind_gusts_10m_max",
)
# The units asked for, as Open-Meteo names them in "daily_units" (it writes mph as "mp/h").
EXPECTED_UNITS = {
    "temperature_2m_max": {"°F"},
    "temperature_2m_min": {"°F"},
    "precipitation_sum": {"inch"},
    "wind_speed_10m_max": {"mp/h", "mph"},
    "wind_gusts_10m_max": {"mp/h", "mph"},
}
_CACHE_VERSION = 1

# WMO code table 4677 as Open-Meteo documents it ("WMO Weather interpretation codes").
WMO_WEATHER_CODES = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "fog",
    48: "depositing rime fog",
    51: "light drizzle",
    53: "moderate drizzle",
    55: "dense drizzle",
    56: "light freezing drizzle",
    57: "dense freezing drizzle",
    61: "slight rain",
    63: "moderate rain",
    65: "heavy rain",
    66: "light freezing rain",
    67: "heavy freezing rain",
    71: "slight snow fall",
    73: "moderate snow fall",
    75: "heavy snow fall",
    77: "snow grains",
    80: "slight rain showers",
    81: "moderate rain showers",
    82: "violent rain showers",
    85: "slight snow showers",
    86: "heavy snow showers",
    95: "thunderstorm",
    96: "thunderstorm with slight hail",
    99: "thunderstorm with heavy hail",
}
THUNDERSTORM_CODES = frozenset({95, 96, 99})
SNOW_CODES = frozenset({71, 73, 75, 77, 85, 86})
FREEZING_CODES = frozenset({56, 57, 66, 67})  # freezing drizzle and rain: ice on the road


class WeatherUnavailable(Exception):
    """Open-Meteo could not give a forecast (unreachable, timed out, an error, a malformed answer)."""


@dataclass(frozen=True, slots=True)
class DayForecast:
    """One day: °F, inches, percent, mph. Values Open-Meteo leaves out are None. ``severe_reasons``
    is empty on a day without thunderstorms, snow, freezing rain or strong wind."""

    date: datetime.date
    weather_code: int | None
    summary: str
    temperature_max_f: float | None
    temperature_min_f: float | None
    precipitation_inches: float | None
    precipitation_probability_percent: float | None
    wind_speed_max_mph: float | None
    wind_gusts_max_mph: float | None
    severe_reasons: tuple[str, ...]

    @property
    def is_severe(self) -> bool:
        return bool(self.severe_reasons)

    @property
    def is_clear(self) -> bool:
        """Good driving and camping weather: clear to partly cloudy (WMO codes 0-2), under a
        20 % chance of precipitation, nothing severe."""
        return (self.weather_code is not None and self.weather_code <= 2 and not self.is_severe
                and (self.precipitation_probability_percent or 0) < 20)

    def as_dict(self) -> dict:
        """JSON-ready: the date as "YYYY-MM-DD", plus ``is_severe``."""
        data = {name: getattr(self, name) for name in self.__slots__}
        data.update(date=self.date.isoformat(), severe_reasons=list(self.severe_reasons), is_severe=self.is_severe)
        return data


@dataclass(frozen=True, slots=True)
class Forecast:
    """A daily forecast for the Open-Meteo grid cell at (latitude, longitude); dates are local to
    ``timezone`` (an IANA name), ``days`` in date order."""

    latitude: float
    longitude: float
    timezone: str
    days: tuple[DayForecast, ...]

    @property
    def severe_days(self) -> tuple[DayForecast, ...]:
        return tuple(day for day in self.days if day.is_severe)

    def as_dict(self) -> dict:
        """JSON-ready, for a tool result."""
        return {"latitude": self.latitude, "longitude": self.longitude, "timezone": self.timezone,
                "days": [day.as_dict() for day in self.days]}


def describe_weather_code(code: int | None) -> str:
    """Words for a WMO weather code ("clear sky", "thunderstorm with heavy hail"), "unknown" otherwise."""
    return WMO_WEATHER_CODES.get(code, "unknown") if code is not None else "unknown"


def severe_reasons(code: int | None, wind_speed_mph: float | None, wind_gusts_mph: float | None) -> tuple[str, ...]:
    """Why a day is hard on an RV: thunderstorm, snow, freezing rain (WMO codes), sustained wind
    ≥ PAM_WEATHER_SEVERE_WIND_MPH or gusts ≥ PAM_WEATHER_SEVERE_GUST_MPH (NWS Wind Advisory
    criteria, ~30 and ~45 mph). Empty when none applies."""
    reasons = []
    if code in THUNDERSTORM_CODES:
        reasons.append("thunderstorm with hail" if code in {96, 99} else "thunderstorm")
    if code in SNOW_CODES:
        reasons.append("snow")
    if code in FREEZING_CODES:
        reasons.append("freezing rain" if code in {66, 67} else "freezing drizzle")
    if wind_speed_mph is not None and wind_speed_mph >= settings.PAM_WEATHER_SEVERE_WIND_MPH:
        reasons.append(f"sustained wind {wind_speed_mph:.0f} mph")
    if wind_gusts_mph is not None and wind_gusts_mph >= settings.PAM_WEATHER_SEVERE_GUST_MPH:
        reasons.append(f"wind gusts {wind_gusts_mph:.0f} mph")
    return tuple(reasons)


def forecast(latitude: float, longitude: float, days: int = 7) -> Forecast:
    """The daily forecast for the next ``days`` (1-14) at a point (degrees), from Open-Meteo's
    GET /v1/forecast at OPEN_METEO_URL; °F, inches, mph. Cached in Redis for
    PAM_WEATHER_CACHE_SECONDS (30 min) per point rounded to 0.01° (~1 km) and day count.
    Raises ValueError on bad arguments and WeatherUnavailable on any failure (never cached)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_FORECAST_DAYS:
        raise ValueError(f"days must be a whole number from 1 to {MAX_FORECAST_DAYS}, got {days!r}")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"({latitude}, {longitude}) is not a latitude between -90 and 90 and a longitude "
                         "between -180 and 180")
    # + 0.0 turns -0.0 into 0.0, so a point on the equator has one key.
    latitude, longitude = round(latitude, 2) + 0.0, round(longitude, 2) + 0.0
    key = f"pam:weather:v{_CACHE_VERSION}:{latitude:.2f}:{longitude:.2f}:{days}"
    data = cache.get(key)
    if data is not None:
        try:
            return _parse(data, days)
        except WeatherUnavailable:
            cache.delete(key)  # written by an older PAM; fetch afresh
    data = _fetch(latitude, longitude, days)
    result = _parse(data, days)
    cache.set(key, data, settings.PAM_WEATHER_CACHE_SECONDS)
    return result


def _fetch(latitude: float, longitude: float, days: int) -> dict:
    base = settings.OPEN_METEO_URL.rstrip("/")
    params = {
        "latitude": f"{latitude:.2f}",
        "longitude": f"{longitude:.2f}",
        "daily": ",".join(DAILY_VARIABLES),
        "timezone": "auto",
        "forecast_days": days,
        "temperature_unit": "fahrenheit",
        "wind_speed_unit": "mph",
        "precipitation_unit": "inch",
    }
    timeout = settings.PAM_WEATHER_TIMEOUT
    try:
        response = httpx2.get(f"{base}/v1/forecast", params=params, timeout=timeout)
    except httpx2.TimeoutException:
        raise WeatherUnavailable(f"The weather service did not answer within {timeout:g} seconds.") from None
    except Exception as exc:  # connection refused, DNS, TLS, a malformed OPEN_METEO_URL
        logger.warning("Open-Meteo at %s unreachable: %s", base, exc)
        raise WeatherUnavailable("The weather service cannot be reached right now.") from None
    if response.status_code != 200:
        reason = ""
        try:
            reason = response.json().get("reason", "")
        except Exception:  # an error page rather than Open-Meteo's {"error": true, "reason": ...}
            pass
        logger.warning("Open-Meteo answered HTTP %s: %s", response.status_code, reason)
        raise WeatherUnavailable(f"The weather service answered with an error (HTTP {response.status_code}"
                                 + (f": {reason}" if reason else "") + ").")
    try:
        data = response.json()
    except ValueError:
        raise WeatherUnavailable("The weather service sent an unreadable answer.") from None
    if not isinstance(data, dict):
        raise WeatherUnavailable("The weather service sent an unreadable answer.")
    return data


def _number(values: list, index: int) -> float | None:
    value = values[index]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def _parse(data: dict, days: int) -> Forecast:
    """Open-Meteo's {"daily": {"time": [...], "weather_code": [...], ...}} → Forecast."""
    try:
        daily = data["daily"]
        dates = [datetime.date.fromisoformat(value) for value in daily["time"]]
        columns = {name: daily[name] for name in DAILY_VARIABLES}
        if not dates or any(not isinstance(values, list) or len(values) != len(dates) for values in columns.values()):
            raise ValueError("daily columns missing or of different lengths")
        units = data.get("daily_units") or {}
        for name, expected in EXPECTED_UNITS.items():
            if name in units and units[name] not in expected:
                raise ValueError(f"{name} in {units[name]!r}, not {sorted(expected)}")
        result = []
        for i, date in enumerate(dates[:days]):
            code = _number(columns["weather_code"], i)
            code = int(code) if code is not None else None
            wind = _number(columns["wind_speed_10m_max"], i)
            gusts = _number(columns["wind_gusts_10m_max"], i)
            result.append(DayForecast(
                date=date,
                weather_code=code,
                summary=describe_weather_code(code),
                temperature_max_f=_number(columns["temperature_2m_max"], i),
                temperature_min_f=_number(columns["temperature_2m_min"], i),
                precipitation_inches=_number(columns["precipitation_sum"], i),
                precipitation_probability_percent=_number(columns["precipitation_probability_max"], i),
                wind_speed_max_mph=wind,
                wind_gusts_max_mph=gusts,
                severe_reasons=severe_reasons(code, wind, gusts),
            ))
        return Forecast(
            latitude=float(data["latitude"]),
            longitude=float(data["longitude"]),
            timezone=str(data.get("timezone") or "GMT"),
            days=tuple(result),
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        logger.warning("Open-Meteo sent a malformed forecast: %r", exc)
        raise WeatherUnavailable("The weather service sent an unreadable answer.") from None
