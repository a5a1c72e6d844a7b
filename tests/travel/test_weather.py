"""The Open-Meteo client against a fake Open-Meteo on 127.0.0.1, with the real Redis cache."""

import datetime
import json
import socket
import time

import pytest
from django.core.cache import cache

from tests.fakes.http_service import Reply, Request
from tests.fakes.open_meteo_server import day
from travel import weather
from travel.weather import WeatherUnavailable, forecast

MOAB = (38.5733, -109.5498)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestForecast:
    def test_it_asks_open_meteo_for_daily_weather_in_us_units(self, fake_open_meteo):
        forecast(*MOAB, days=3)
        (request,) = fake_open_meteo.requests
        assert request.path == "/v1/forecast"
        assert request.query == {
            "latitude": "38.57",
            "longitude": "-109.55",
            "daily": "weather_code,temperature_2m_max,temperature_2m_min,precipitation_sum,"
                     "precipitation_probability_max,wind_speed_10m_max,wind_gusts_10m_max",
            "timezone": "auto",
            "forecast_days": "3",
            "temperature_unit": "fahrenheit",
            "wind_speed_unit": "mph",
            "precipitation_unit": "inch",
        }

    def test_it_reads_each_day(self, fake_open_meteo):
        fake_open_meteo.days = [day(0, 71.4, 40.1, 0.0, 3, 9.2, 18.0), day(63, 58.0, 44.5, 0.42, 80, 14.0, 26.3)]
        result = forecast(*MOAB, days=2)
        assert (result.timezone, result.latitude, result.longitude) == ("America/Denver", 38.575, -109.55)
        first, second = result.days
        assert first == weather.DayForecast(
            date=datetime.date(2026, 11, 21), weather_code=0, summary="clear sky", temperature_max_f=71.4,
            temperature_min_f=40.1, precipitation_inches=0.0, precipitation_probability_percent=3.0,
            wind_speed_max_mph=9.2, wind_gusts_max_mph=18.0, severe_reasons=())
        assert (second.date, second.summary, second.precipitation_inches) == (datetime.date(2026, 11, 22),
                                                                               "moderate rain", 0.42)
        assert not result.severe_days

    def test_weather_codes_become_words(self, fake_open_meteo):
        fake_open_meteo.days = [day(code) for code in (0, 3, 45, 61, 96)]
        summaries = [d.summary for d in forecast(*MOAB, days=5).days]
        assert summaries == ["clear sky", "overcast", "fog", "slight rain", "thunderstorm with slight hail"]
        assert weather.describe_weather_code(99) == "thunderstorm with heavy hail"
        assert weather.describe_weather_code(42) == weather.describe_weather_code(None) == "unknown"

    def test_it_flags_days_that_are_hard_on_an_rv(self, fake_open_meteo):
        fake_open_meteo.days = [
            day(95), day(73), day(66), day(56), day(2, gusts=52.4), day(2, wind=33.0, gusts=40.0),
            day(2, wind=29.9, gusts=44.9), day(65),
        ]
        result = forecast(*MOAB, days=8)
        assert [d.severe_reasons for d in result.days] == [
            ("thunderstorm",), ("snow",), ("freezing rain",), ("freezing drizzle",), ("wind gusts 52 mph",),
            ("sustained wind 33 mph",), (), (),
        ]
        assert [d.date.day for d in result.severe_days] == [21, 22, 23, 24, 25, 26]
        assert result.days[0].is_severe and not result.days[6].is_severe

    def test_the_wind_thresholds_are_settings(self, fake_open_meteo, settings):
        settings.PAM_WEATHER_SEVERE_GUST_MPH = 60
        settings.PAM_WEATHER_SEVERE_WIND_MPH = 40
        fake_open_meteo.days = [day(2, wind=35, gusts=55)]
        assert not forecast(*MOAB, days=1).days[0].is_severe

    def test_values_open_meteo_leaves_out_are_none(self, fake_open_meteo):
        fake_open_meteo.days = [{**day(), "precipitation_probability_max": None, "wind_gusts_10m_max": None,
                                 "weather_code": None}]
        (only,) = forecast(*MOAB, days=1).days
        assert (only.precipitation_probability_percent, only.wind_gusts_max_mph) == (None, None)
        assert (only.weather_code, only.summary, only.is_severe) == (None, "unknown", False)

    def test_a_forecast_is_ready_for_json(self, fake_open_meteo):
        fake_open_meteo.days = [day(95)]
        data = json.loads(json.dumps(forecast(*MOAB, days=1).as_dict()))
        assert data["days"][0]["date"] == "2026-11-21"
        assert (data["days"][0]["is_severe"], data["days"][0]["severe_reasons"]) == (True, ["thunderstorm"])

    def test_it_gives_up_to_fourteen_days(self, fake_open_meteo):
        assert len(forecast(*MOAB, days=14).days) == 14
        assert fake_open_meteo.requests[0].query["forecast_days"] == "14"

    def test_it_refuses_bad_arguments_without_asking(self, fake_open_meteo):
        for days in (0, 15, 16, "7", True, 2.5):
            with pytest.raises(ValueError):
                forecast(*MOAB, days=days)
        with pytest.raises(ValueError):
            forecast(91, 0)
        assert fake_open_meteo.requests == []


class TestCache:
    def test_a_second_call_is_answered_from_redis(self, fake_open_meteo):
        first = forecast(*MOAB, days=3)
        # The same point to ~1 km (0.01°) and the same days: no request.
        assert forecast(38.5712, -109.5521, days=3) == first
        assert len(fake_open_meteo.requests) == 1
        assert cache.get("pam:weather:v1:38.57:-109.55:3")["daily"]["time"][0] == "2026-11-21"
        assert 1790 <= cache.ttl("pam:weather:v1:38.57:-109.55:3") <= 1800

    def test_a_different_point_or_day_count_is_asked_for(self, fake_open_meteo):
        forecast(*MOAB, days=3)
        forecast(*MOAB, days=7)
        forecast(38.60, -109.55, days=3)
        assert len(fake_open_meteo.requests) == 3

    def test_the_cache_lifetime_is_a_setting(self, fake_open_meteo, settings):
        settings.PAM_WEATHER_CACHE_SECONDS = 60
        forecast(*MOAB, days=1)
        assert 50 <= cache.ttl("pam:weather:v1:38.57:-109.55:1") <= 60

    def test_a_cached_forecast_is_fresh_as_of_its_fetch(self, fake_open_meteo):
        fake_open_meteo.days = [day(0)]
        forecast(*MOAB, days=1)
        fake_open_meteo.days = [day(95)]
        assert forecast(*MOAB, days=1).days[0].summary == "clear sky"
        cache.clear()
        assert forecast(*MOAB, days=1).days[0].summary == "thunderstorm"


class TestUnavailable:
    def assert_unavailable(self, fake, reply, words):
        fake.push(reply)
        with pytest.raises(WeatherUnavailable) as info:
            forecast(*MOAB, days=3)
        assert words in str(info.value)
        assert cache.get("pam:weather:v1:38.57:-109.55:3") is None
        # Nothing was cached: the next call asks again, and gets the real forecast.
        assert forecast(*MOAB, days=3).days[0].summary == "clear sky"
        assert len(fake.requests) == 2
        fake.requests.clear()
        cache.clear()

    def test_an_http_error_is_unavailable(self, fake_open_meteo):
        self.assert_unavailable(fake_open_meteo, Reply(503, b"Service Unavailable"), "HTTP 503")
        self.assert_unavailable(fake_open_meteo, Reply(400, {"error": True, "reason": "Latitude must be in range"}),
                                "Latitude must be in range")

    def test_a_malformed_answer_is_unavailable(self, fake_open_meteo):
        good = fake_open_meteo.respond(forecast_request(days=3)).body
        short = {**good, "daily": {**good["daily"], "weather_code": good["daily"]["weather_code"][:2]}}
        celsius = {**good, "daily_units": {**good["daily_units"], "temperature_2m_max": "°C"}}
        text = {**good, "daily": {**good["daily"], "temperature_2m_max": ["warm", "hot", "hot"]}}
        for body in (b"<html>oops</html>", b"[]", {"latitude": 38.57}, short, celsius, text):
            self.assert_unavailable(fake_open_meteo, Reply(200, body), "unreadable answer")

    def test_a_timeout_is_unavailable_quickly(self, fake_open_meteo, settings):
        settings.PAM_WEATHER_TIMEOUT = 0.3
        start = time.monotonic()
        self.assert_unavailable(fake_open_meteo, Reply(200, {}, delay=10), "did not answer within 0.3 seconds")
        assert time.monotonic() - start < 2

    def test_an_unreachable_service_is_unavailable_quickly(self, settings):
        settings.OPEN_METEO_URL = f"http://127.0.0.1:{closed_port()}"
        start = time.monotonic()
        with pytest.raises(WeatherUnavailable, match="cannot be reached"):
            forecast(*MOAB)
        assert time.monotonic() - start < 1
        assert cache.get("pam:weather:v1:38.57:-109.55:7") is None


def forecast_request(days):
    """The request PAM's client sends, to get the fake's well-formed answer to tamper with."""
    return Request("GET", "/v1/forecast", {
        "latitude": "38.57", "longitude": "-109.55", "daily": ",".join(weather.DAILY_VARIABLES),
        "timezone": "auto", "forecast_days": str(days), "temperature_unit": "fahrenheit",
        "wind_speed_unit": "mph", "precipitation_unit": "inch",
    })
