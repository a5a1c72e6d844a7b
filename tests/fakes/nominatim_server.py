"""A fake Nominatim geocoder (GET /search?format=jsonv2&q=...) on 127.0.0.1 speaking its JSON.

Tests register places with ``add(query, result(...))``; an unknown query gets ``[]`` as from the
real service. Every request is recorded (its ``q``, ``limit`` and headers).
"""

from __future__ import annotations

import zlib

from tests.fakes.http_service import FakeHTTPService, Reply, Request


def result(name, lat, lon, *, state="", subdivision="", country="United States", country_code="us",
           county="", kind="town") -> dict:
    """One /search result in format=jsonv2 with addressdetails=1 (``subdivision`` like "US-UT")."""
    address = {kind: name}
    if county:
        address["county"] = county
    if state:
        address["state"] = state
    if subdivision:
        address["ISO3166-2-lvl4"] = subdivision
    address.update(country=country, country_code=country_code)
    display = ", ".join(part for part in (name, county, state, country) if part)
    return {
        "place_id": zlib.crc32(f"{name}{lat}{lon}".encode()),
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "relation", "osm_id": zlib.crc32(name.encode()) % 10**7,
        "lat": f"{lat:.7f}", "lon": f"{lon:.7f}",
        "category": "boundary", "type": "administrative", "place_rank": 16, "importance": 0.5,
        "addresstype": kind, "name": name, "display_name": display, "address": address,
        "boundingbox": [f"{lat - 0.03:.7f}", f"{lat + 0.03:.7f}", f"{lon - 0.03:.7f}", f"{lon + 0.03:.7f}"],
    }


class FakeNominatim(FakeHTTPService):
    def __init__(self):
        super().__init__()
        self.places: dict[str, list[dict]] = {}

    def add(self, query: str, *results: dict) -> None:
        self.places[query.casefold()] = list(results)

    def respond(self, request: Request) -> Reply:
        if request.path.rstrip("/") != "/search":
            return Reply(404, {"error": "not found"})
        if request.query.get("format") != "jsonv2":
            return Reply(400, {"error": {"code": 400, "message": "Parameter 'format': unsupported in this fake"}})
        limit = int(request.query.get("limit", "10"))
        return Reply(200, self.places.get(request.query.get("q", "").strip().casefold(), [])[:limit])
