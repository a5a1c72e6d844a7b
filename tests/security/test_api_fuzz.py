"""schemathesis against the REST API's own OpenAPI schema (/api/schema/, drf-spectacular), on the
real Django application in-process and the real database, signed in as alice with a JWT.

Every operation gets schemathesis's examples, coverage (boundary and invalid values) and fuzzing
phases, with valid and invalid data, a bounded number of examples each. It proves: no answer is
ever a server error, no invalid request is accepted (negative data rejection), and every answer
matches the schema. About half of the valid cases address alice's own seeded rows, so detail,
update and delete operations run on real data, not only into 404s.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as fuzz_settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from tests.security.seed import seed_rows

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Every request carries alice's real token (below): no generated, possibly mangled, Authorization.
schema.config.generation.update(with_security_parameters=False)

CHECKS = [not_a_server_error, negative_data_rejection, content_type_conformance, response_schema_conformance]

# Which seeded row a path's {id} names, by the path's first segment after /api/v1/.
ROW_FOR_PATH = {
    "alerts": "alert", "budgets": "budget", "calendar-events": "calendar_event", "expenses": "expense",
    "fuel-logs": "fuel_log", "income": "income", "maintenance-items": "maintenance_item",
    "maintenance-records": "maintenance_record", "places": "place", "recurring-expenses": "recurring_expense",
    "recurring-income": "recurring_income", "trip-stops": "trip_stop", "trips": "trip", "vehicles": "vehicle",
}


@pytest.fixture
def in_test_transaction():
    """Requests run inside the test's transaction, as with Django's test client: the WSGI handler
    must not close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def alice_api(db, in_test_transaction, alice, settings):
    """Alice with real rows of every kind, a JWT access token, and rate limits far above what the
    fuzzer sends (a 429 would hide the answer under test)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        scope: "100000/min" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}}
    rows = seed_rows(alice)
    token = str(RefreshToken.for_user(alice).access_token)
    return {"rows": rows, "headers": {"Authorization": f"Bearer {token}"}}


def aim_at_real_row(case, rows: dict[str, int]) -> None:
    """Point a valid case's ``{id}`` at alice's row of that kind when the generated id is even (a
    rule of the case itself, so Hypothesis can replay and shrink it)."""
    parameters = case.path_parameters or {}
    value = parameters.get("id")
    if value is None or case.meta is None or case.meta.is_negative_at(ParameterLocation.PATH):
        return
    if not str(value).isdigit() or int(value) % 2:
        return
    segment = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    if segment in ROW_FOR_PATH:
        parameters["id"] = rows[ROW_FOR_PATH[segment]]


@schema.parametrize()
@fuzz_settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_never_fails_and_refuses_invalid_input(case, alice_api):
    aim_at_real_row(case, alice_api["rows"])
    # Every real request has the client's address (the sign-in lockout keys on it).
    case.call_and_validate(headers=alice_api["headers"], checks=CHECKS, environ_base={"REMOTE_ADDR": "127.0.0.1"})
