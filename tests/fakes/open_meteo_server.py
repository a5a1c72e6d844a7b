"""A fake Open-Meteo forecast API (GET /v1/forecast) on 127.0.0.1 speaking its real JSON.

It answers like https://open-meteo.com/en/docs: ``daily`` columns for the requested variables,
``daily_units`` in the requested units, ``forecast_days`` up to 16, and Open-Meteo's
``{"error": true, "reason": ...}`` with HTTP 400 for a bad request. Tests set ``days`` (one dict
of daily values per day, in °F, mph and inches), or ``days_at[(latitude, longitude)]`` for one
point (rounded to 0.01°, as PAM asks), and may push scripted failures.
"""

from __future__ import annotations

import datetime

from tests.fakes.http_service import FakeHTTPService, Reply, Request

KNOWN_DAILY = {
    "weather_code": "wmo code",
    "temperature_2m_max": "°F",
    "temperature_2m_min": "°F",
    "precipitation_sum": "inch",
    "precipitation_probability_max": "%",
    "wind_speed_10m_max": "mp/h",
    "wind_gusts_10m_max": "mp/h",
}


def day(weather_code=0, high=72.0, low=45.0, rain=0.0, rain_chance=5, wind=8.0, gusts=15.0) -> dict:
    """One day's values, as the fake's ``days`` holds them (°F, inches, %, mph)."""
    return {"weather_code": weather_code, "temperature_2m_max": high, "temperature_2m_min": low,
            "precipitation_sum": rain, "precipitation_probability_max": rain_chance,
            "wind_speed_10m_max": wind, "wind_gusts_10m_max": gusts}


def _error(reason: str) -> Reply:
    return Reply(400, {"error": True, "reason": reason})


class FakeOpenMeteo(FakeHTTPService):
    def __init__(self):
        super().__init__()
        self.start_date = datetime.date(2026, 11, 21)
        self.timezone = "America/Denver"
        self.days: list[dict] = []  # empty: fair weather every day
        self.days_at: dict[tuple[float, float], list[dict]] = {}  # a point's own days, else ``days``

    def respond(self, request: Request) -> Reply:
        if request.path != "/v1/forecast":
            return Reply(404, {"error": True, "reason": "Not Found"})
        query = request.query
        try:
            latitude, longitude = float(query["latitude"]), float(query["longitude"])
        except (KeyError, ValueError):
            return _error("Parameter 'latitude' and 'longitude' must be set and numeric")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return _error(f"Latitude must be in range of -90 to 90°. Given: {latitude}.")
        count = int(query.get("forecast_days", "7"))
        if not 0 <= count <= 16:
            return _error("Forecast days is invalid. Allowed range 0 to 16.")
        variables = [name for name in query.get("daily", "").split(",") if name]
        for name in variables:
            if name not in KNOWN_DAILY:
                return _error(f"Cannot initialize ForecastVariableDaily from invalid String value {name} for key daily")
        days = self.days_at.get((round(latitude, 2), round(longitude, 2)), self.days)
        fahrenheit = query.get("temperature_unit") == "fahrenheit"
        mph = query.get("wind_speed_unit") == "mph"
        inches = query.get("precipitation_unit") == "inch"
        units = {"time": "iso8601"}
        daily: dict[str, list] = {
            "time": [(self.start_date + datetime.timedelta(days=i)).isoformat() for i in range(count)]
        }
        for name in variables:
            unit = KNOWN_DAILY[name]
            column = []
            for i in range(count):
                value = (days[i] if i < len(days) else day())[name]
                if value is not None and unit == "°F" and not fahrenheit:
                    value = round((value - 32) * 5 / 9, 1)
                if value is not None and unit == "mp/h" and not mph:
                    value = round(value * 1.609344, 1)
                if value is not None and unit == "inch" and not inches:
                    value = round(value * 25.4, 2)
                column.append(value)
            daily[name] = column
            units[name] = {"°F": "°F" if fahrenheit else "°C", "mp/h": "mp/h" if mph else "km/h",
                           "inch": "inch" if inches else "mm"}.get(unit, unit)
        return Reply(200, {
            # The model grid cell nearest the point, as Open-Meteo answers.
            "latitude": round(round(latitude / 0.025) * 0.025, 4),
            "longitude": round(round(longitude / 0.025) * 0.025, 4),
            "generationtime_ms": 0.08,
            "utc_offset_seconds": -25200,
            "timezone": self.timezone if query.get("timezone") == "auto" else query.get("timezone", "GMT"),
            "timezone_abbreviation": "GMT-7",
            "elevation": 1227.0,
            "daily_units": units,
            "daily": daily,
        })
