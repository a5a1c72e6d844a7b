"""A fake OSRM router (GET /route/v1/driving/{lng,lat;lng,lat...}) on 127.0.0.1 speaking its JSON.

Each leg is ``legs[i]`` (metres, seconds) when a test sets ``legs``, otherwise the straight line
× 1.3 at 25 m/s. Bad coordinates get OSRM's ``InvalidQuery``; every request is recorded.
"""

from __future__ import annotations

import math

from tests.fakes.http_service import FakeHTTPService, Reply, Request

PREFIX = "/route/v1/driving/"


def _metres(a, b) -> float:
    (lng1, lat1), (lng2, lat2) = a, b
    x = math.radians(lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)


class FakeOSRM(FakeHTTPService):
    def __init__(self):
        super().__init__()
        self.legs: list[tuple[float, float]] | None = None

    def respond(self, request: Request) -> Reply:
        if not request.path.startswith(PREFIX):
            message = f"URL string malformed close to position 1: {request.path}"
            return Reply(400, {"code": "InvalidUrl", "message": message})
        try:
            pairs = request.path[len(PREFIX):].split(";")
            points = [tuple(float(value) for value in pair.split(",")) for pair in pairs]
            if len(points) < 2 or any(len(point) != 2 for point in points):
                raise ValueError
        except ValueError:
            return Reply(400, {"code": "InvalidQuery", "message": "Query string malformed close to position 0"})
        legs = []
        for i, (a, b) in enumerate(zip(points, points[1:], strict=False)):
            metres, seconds = self.legs[i] if self.legs else (_metres(a, b) * 1.3, _metres(a, b) * 1.3 / 25)
            legs.append({"distance": metres, "duration": seconds, "weight": seconds, "summary": "", "steps": []})
        return Reply(200, {
            "code": "Ok",
            "routes": [{
                "distance": sum(leg["distance"] for leg in legs),
                "duration": sum(leg["duration"] for leg in legs),
                "weight": sum(leg["weight"] for leg in legs),
                "weight_name": "routability",
                "legs": legs,
            }],
            "waypoints": [{"hint": "", "distance": 1.5, "name": "", "location": list(point)} for point in points],
        })
