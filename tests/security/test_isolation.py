"""Isolation, proven (issue 6): bob cannot read, list, count, export, change or delete any of
alice's data through any REST endpoint, WebSocket frame, PAM tool or page.

The matrix is found, not listed: every route and HTTP method under /api/v1/ (the URL conf), every
registered tool (``assistant.registry.all_tools()``), every client frame type
(``assistant.protocol.CLIENT_FRAME_TYPES``, and ``auth``) and every page must have at least one
case below; the guard tests fail, naming it, for one that has none (and for a case whose
endpoint, tool, frame or page is gone).

Alice has a full set of real data (tests/security/isolation_world.py). In every case bob acts
with alice's ids, and the test asserts the exact safe outcome (a 404, an empty list, a tool
error, a NOT_FOUND frame), that nothing he is shown contains any of alice's words or amounts, and
that every row alice owns is unchanged afterwards. REST, tool and page cases also assert that
bob's answer is exactly what he gets when alice and all her data do not exist
(``without_alice``): her rows neither show nor count, and an id of hers answers like an id nobody
has; socket cases, that a frame naming her id is answered word for word like one naming a
missing id.

Every case runs twice (``layer``): with PostgreSQL's row level security as in production, and
with it lifted, so the app's own user filters are proven too and not hidden by the database's.
"""

import base64
import csv
import datetime
import io
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from assistant import protocol
from assistant import services as assistant_services
from assistant.models import Alert, CalendarEvent, Conversation, Message, PendingAction
from assistant.registry import ToolContext, all_tools, call_tool
from finance import services as finance_services
from finance.models import Budget, Expense, Income, RecurringExpense, RecurringIncome
from pam_project import rls
from tests.assistant.chat_helpers import chat_turn, send_chat
from tests.conftest import api_client
from tests.fakes.anthropic_server import text_then_stall
from tests.security.isolation_world import (
    NEW_YORK,
    build_world,
    comparable,
    leaked,
    snapshot,
    without_alice,
)
from travel import services as travel_services
from travel.models import SavedPlace, Trip, Vehicle

API_PREFIX = "api/v1/"
MISSING_ID = 2_000_000_000  # an id no row has


@pytest.fixture
def world(alice):
    return build_world(alice)


LAYERS = ["database rls", "app filters alone"]


def force_row_security(force: bool) -> None:
    """Hold the tables' owner, whom the tests connect as, to the row level security policies
    (as in production for every role), or not: then the app's own user filters alone decide."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # an ALTER must not wait on a deferred check
        for table in rls.owned_tables():
            cursor.execute(f'ALTER TABLE "{table.table}" {"" if force else "NO "}FORCE ROW LEVEL SECURITY')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _assert_policies_lifted(alice, bob) -> None:
    Expense.objects.create(user=alice, amount=Decimal("1.00"), category="other", date=bob_today())
    with rls.scope(bob):
        lifted = Expense.objects.filter(user=alice).exists()
    Expense.objects.filter(user=alice).delete()
    assert lifted, "row level security still applies"


@pytest.fixture(params=LAYERS)
def layer(request, db, alice, bob):
    """Each REST and tool case runs twice: as in production, where PostgreSQL's row level
    security (pam_project.rls) would hide alice's rows even from a query that forgot its user,
    and with that defence lifted for the test's transaction, so the app's own user filters alone
    must keep alice's data from bob."""
    if request.param == "app filters alone":
        force_row_security(False)  # rolled back with the test's transaction
        _assert_policies_lifted(alice, bob)
    return request.param


@pytest.fixture(params=LAYERS)
def socket_layer(request, transactional_db, alice, bob):
    """``layer`` for the socket cases, whose writes are committed: the policies are forced again
    afterwards."""
    if request.param == "database rls":
        yield request.param
        return
    force_row_security(False)
    try:
        _assert_policies_lifted(alice, bob)
        yield request.param
    finally:
        force_row_security(True)


def bob_today() -> datetime.date:
    return timezone.now().astimezone(NEW_YORK).date()


def later(days: int) -> str:
    return (bob_today() + datetime.timedelta(days=days)).isoformat()


# --- Discovery: what the matrix must cover ---------------------------------------------------------


def _routes(patterns, prefix="", namespace=""):
    """Every URL pattern of the URL conf: ``(path, name with its namespace, view)``."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            path = (prefix + str(pattern.pattern)).replace("^", "")
            yield path, namespace + (pattern.name or f"<unnamed {path}>"), pattern.callback


def _methods(callback) -> set[str]:
    """The HTTP methods a view answers: a viewset route's mapped actions, an APIView's handlers,
    plus HEAD with GET and OPTIONS (DRF answers both on every view). A plain function view is
    taken to answer every method."""
    actions = getattr(callback, "actions", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions:
        methods = {method.upper() for method in actions}
    elif view_class is not None:
        methods = {method.upper() for method in view_class.http_method_names if hasattr(view_class, method)}
    else:
        methods = {"GET", "POST", "PUT", "PATCH", "DELETE"}
    if "GET" in methods:
        methods.add("HEAD")
    if view_class is not None and hasattr(view_class, "options"):
        methods.add("OPTIONS")
    return methods - {"TRACE"}


def api_endpoints() -> set[tuple[str, str]]:
    """Every (URL name, HTTP method) under /api/v1/."""
    return {(name, method) for path, name, callback in _routes(get_resolver().url_patterns)
            if path.startswith(API_PREFIX) for method in _methods(callback)}


# --- REST cases ----------------------------------------------------------------------------------------

Body = dict | Callable[..., dict] | None


@dataclass(frozen=True)
class Rest:
    """Bob's request to ``endpoint`` (a URL name) with ``method``, and the status he must get.

    ``row`` names the row in the URL: one of alice's (a World attribute) or, with ``given``, a
    key of the dict of bob's own rows it returns. ``body`` and ``query`` may be functions of
    ``(world, bob, mine)``. ``check(world, bob, response)`` asserts more."""

    endpoint: str
    method: str
    status: int
    label: str = ""
    row: str | None = None
    body: Body = None
    query: Body = None
    given: Callable | None = None
    check: Callable | None = None
    anonymous: bool = False

    @property
    def id(self) -> str:
        return f"{self.endpoint} {self.method}" + (f" {self.label}" if self.label else "")


def _value(spec, world, bob, mine):
    return spec(world, bob, mine) if callable(spec) else spec


def _url(case: Rest, world, mine) -> str:
    kwargs = {}
    if case.row is not None:
        source = mine if case.row in mine else world.__dict__
        kwargs["pk"] = source[case.row].pk
    return reverse(case.endpoint, kwargs=kwargs)


def send(case: Rest, world, bob, mine):
    client = api_client(None if case.anonymous else bob)
    url = _url(case, world, mine)
    query = _value(case.query, world, bob, mine)
    body = _value(case.body, world, bob, mine)
    request = getattr(client, case.method.lower())
    if case.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return request(url, query or {}) if case.method in ("GET", "HEAD") else request(url)
    return request(url + (f"?{urlencode(query)}" if query else ""), body or {}, format="json")


def observed(response) -> tuple:
    """A response as bob sees it, for comparing two runs: status, content type, attachment name
    and the body (JSON with new ids and times blanked, else the text)."""
    content_type = response.get("Content-Type", "")
    body = response.content.decode("utf-8", "replace")
    if "json" in content_type and body:
        body = comparable(json.loads(body))
    return response.status_code, content_type, response.get("Content-Disposition"), body


def empty_page(world, bob, response):
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def no_rows(world, bob, response):
    assert response.json() == []


def names(field_name):
    def check(world, bob, response):
        assert list(response.json()) == [field_name], response.json()
    return check


def owned_by_bob(model):
    def check(world, bob, response):
        assert model.objects.get(id=response.json()["id"]).user_id == bob.id
    return check


def both(*checks):
    def check(world, bob, response):
        for each in checks:
            each(world, bob, response)
    return check


# Bodies bob sends. Those that create rows also try to name alice as the owner and reuse an id of
# hers: both must be ignored.
def _stealing(row: str, body: dict):
    return lambda w, bob, mine: {"id": getattr(w, row).id, "user": w.alice.id, **body}


EXPENSE = {"amount": "12.34", "category": "groceries", "description": "bob's bread"}
INCOME = {"source": "Bob's pay", "amount": "100.00", "kind": "salary"}
BUDGET = {"category": "groceries", "monthly_limit": "100.00"}
RECURRING_EXPENSE = {"amount": "20.00", "category": "connectivity", "frequency": "monthly", "starts_on": later(40)}
RECURRING_INCOME = {"amount": "50.00", "source": "Bob's pension", "frequency": "monthly", "starts_on": later(40)}
VEHICLE = {"name": "Bob's van", "odometer_miles": 99_000}
STOP = {"name": "Bob's stop", "latitude": 40.0, "longitude": -105.0}
TRIP = {"title": "Bob's trip", "stops": [STOP, {"name": "Bob's end", "latitude": 41.0, "longitude": -106.0}]}
PLACE = {"name": "Bob's spot", "latitude": 40.0, "longitude": -105.0}
EVENT = {"title": "Bob's dentist", "starts_at": f"{later(5)}T10:00"}
ITEM = {"task": "Oil change", "interval_miles": 5000}
RECORD = {"task": "Oil change", "cost": "50.00"}
FILL = {"odometer_miles": 99_999, "volume_gallons": "10", "price_per_gallon": "3.50"}


def with_alices_vehicle(body: dict):
    return lambda w, bob, mine: {**body, "vehicle": w.vehicle.id}


def alices_row(endpoint: str, row: str, methods: str, body: Body = None) -> list[Rest]:
    """Every method on one of alice's rows: a 404 exactly like a missing id (OPTIONS: the same
    description as for a missing id)."""
    return [Rest(endpoint, method, 200 if method == "OPTIONS" else 404, "alice's row", row=row,
                 body=body if method in ("PUT", "PATCH", "POST") else None)
            for method in methods.split()]


def bobs(**makers):
    """``given``: bob's own rows, made before he acts."""
    return lambda w, bob: {name: make(w, bob) for name, make in makers.items()}


def _bobs_trip(w, bob):
    return travel_services.trip_create(user=bob, title="Bob's trip", stops=TRIP["stops"])


def _bobs_vehicle(w, bob):
    return travel_services.vehicle_create(user=bob, name="Bob's van", rated_mpg=Decimal("12"))


def _forged_refresh(w, bob, mine):
    """Bob's own refresh token with alice's id written into it (its signature is bob's)."""
    header, payload, signature = str(RefreshToken.for_user(bob)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = str(w.alice.id)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return {"refresh": f"{header}.{forged}.{signature}"}


def _budget_status_is_empty(world, bob, response):
    status = response.json()
    assert status["budgets"] == [] and status["unbudgeted"] == [], status
    assert status["total_spent"] == "0.00"


def _spending_is_zero(world, bob, response):
    report = response.json()
    assert report["total"] == "0.00" and report["count"] == 0 and report["by_category"] == [], report
    assert all(month["total"] == "0.00" for month in report["by_month"])


def _cashflow_is_zero(world, bob, response):
    report = response.json()
    assert (report["income"], report["expenses"], report["net"]) == ("0.00", "0.00", "0.00"), report


def _csv_has_no_rows(world, bob, response):
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["date", "amount"] and rows[1:] == []


def _is_bobs_profile(world, bob, response):
    profile = response.json()
    assert profile["display_name"] in ("Bob", "Bobby") and profile["timezone"] == "America/New_York", profile
    assert profile["quiet_hours_start"] is None and profile["alert_opt_outs"] == []


def _estimate_is_bobs(world, bob, response):
    estimate = response.json()["estimate"]
    assert estimate["fuel_price_source"] == "default" and estimate["mpg_source"] == "unknown", estimate


def _trip_has_no_vehicle(world, bob, response):
    assert response.json()["vehicle"] is None


def _bobs_first_vehicle_is_primary(world, bob, response):
    assert response.json()["is_primary"] is True
    assert Vehicle.objects.get(id=world.vehicle.id).is_primary


def _a_bearer_token_for_bob(world, bob, response):
    from rest_framework_simplejwt.tokens import AccessToken

    assert str(AccessToken(response.json()["access"])["user_id"]) == str(bob.id)


REST_CASES = [
    # Sign-in: alice's username with bob's password fails exactly as an unknown username does.
    Rest("api:token-obtain", "POST", 401, "alice's username, bob's password", anonymous=True,
         body={"username": "alice", "password": "bob-password-123"}),
    Rest("api:token-obtain", "POST", 200, "bob's own credentials name bob only", anonymous=True,
         body={"username": "bob", "password": "bob-password-123"}, check=_a_bearer_token_for_bob),
    Rest("api:token-obtain", "OPTIONS", 200, anonymous=True),
    Rest("api:token-refresh", "POST", 401, "bob's refresh token rewritten to name alice", anonymous=True,
         body=_forged_refresh),
    Rest("api:token-refresh", "OPTIONS", 200, anonymous=True),

    # Expenses, income, budgets, recurring bills and income.
    Rest("api:expense-list", "GET", 200, check=empty_page),
    Rest("api:expense-list", "GET", 200, "searching alice's words", query={"q": "Quillback"}, check=empty_page),
    Rest("api:expense-list", "GET", 200, "alice's category and amount", check=empty_page,
         query={"category": "groceries", "min_amount": "4321.87", "max_amount": "4321.87"}),
    Rest("api:expense-list", "HEAD", 200),
    Rest("api:expense-list", "OPTIONS", 200),
    Rest("api:expense-list", "POST", 201, "with alice's id and user", body=_stealing("expense", EXPENSE),
         check=owned_by_bob(Expense)),
    *alices_row("api:expense-detail", "expense", "GET HEAD PUT PATCH DELETE OPTIONS", body=EXPENSE),
    Rest("api:income-list", "GET", 200, check=empty_page),
    Rest("api:income-list", "HEAD", 200),
    Rest("api:income-list", "OPTIONS", 200),
    Rest("api:income-list", "POST", 201, "with alice's id and user", body=_stealing("income", INCOME),
         check=owned_by_bob(Income)),
    *alices_row("api:income-detail", "income", "GET HEAD PUT PATCH DELETE OPTIONS", body=INCOME),
    Rest("api:budget-list", "GET", 200, check=empty_page),
    Rest("api:budget-list", "HEAD", 200),
    Rest("api:budget-list", "OPTIONS", 200),
    Rest("api:budget-list", "POST", 201, "the category alice budgets", body=_stealing("budget", BUDGET),
         check=owned_by_bob(Budget)),
    *alices_row("api:budget-detail", "budget", "GET HEAD PUT PATCH DELETE OPTIONS", body=BUDGET),
    Rest("api:budget-status", "GET", 200, check=_budget_status_is_empty),
    Rest("api:budget-status", "GET", 200, "alice's budgeted category", query={"category": "groceries"},
         check=_budget_status_is_empty),
    Rest("api:budget-status", "HEAD", 200),
    Rest("api:budget-status", "OPTIONS", 200),
    Rest("api:recurring-expense-list", "GET", 200, check=empty_page),
    Rest("api:recurring-expense-list", "HEAD", 200),
    Rest("api:recurring-expense-list", "OPTIONS", 200),
    Rest("api:recurring-expense-list", "POST", 201, "with alice's id and user",
         body=_stealing("recurring_expense", RECURRING_EXPENSE), check=owned_by_bob(RecurringExpense)),
    *alices_row("api:recurring-expense-detail", "recurring_expense", "GET HEAD DELETE OPTIONS"),
    Rest("api:recurring-income-list", "GET", 200, check=empty_page),
    Rest("api:recurring-income-list", "HEAD", 200),
    Rest("api:recurring-income-list", "OPTIONS", 200),
    Rest("api:recurring-income-list", "POST", 201, "with alice's id and user",
         body=_stealing("recurring_income", RECURRING_INCOME), check=owned_by_bob(RecurringIncome)),
    *alices_row("api:recurring-income-detail", "recurring_income", "GET HEAD DELETE OPTIONS"),

    # Reports and the export: totals, counts and rows without any of alice's.
    Rest("api:report-spending", "GET", 200, query={"months": 3}, check=_spending_is_zero),
    Rest("api:report-spending", "GET", 200, "alice's category over her dates", check=_spending_is_zero,
         query=lambda w, bob, mine: {"category": "dining", "months": 3, "start": later(-60), "end": later(0)}),
    Rest("api:report-spending", "HEAD", 200),
    Rest("api:report-spending", "OPTIONS", 200),
    Rest("api:report-cashflow", "GET", 200, query={"months": 3}, check=_cashflow_is_zero),
    Rest("api:report-cashflow", "HEAD", 200),
    Rest("api:report-cashflow", "OPTIONS", 200),
    Rest("api:export-expenses", "GET", 200, check=_csv_has_no_rows),
    Rest("api:export-expenses", "GET", 200, "over alice's dates", check=_csv_has_no_rows,
         query=lambda w, bob, mine: {"start": later(-60), "end": later(1)}),
    Rest("api:export-expenses", "HEAD", 200),
    Rest("api:export-expenses", "OPTIONS", 200),

    # Vehicles, fill-ups, maintenance.
    Rest("api:vehicle-list", "GET", 200, check=empty_page),
    Rest("api:vehicle-list", "HEAD", 200),
    Rest("api:vehicle-list", "OPTIONS", 200),
    Rest("api:vehicle-list", "POST", 201, "bob's first is his primary, alice's stays hers",
         body=_stealing("vehicle", VEHICLE), check=both(owned_by_bob(Vehicle), _bobs_first_vehicle_is_primary)),
    *alices_row("api:vehicle-detail", "vehicle", "GET HEAD PUT PATCH DELETE OPTIONS", body=VEHICLE),
    *alices_row("api:vehicle-fuel-economy", "vehicle", "GET HEAD OPTIONS"),
    Rest("api:fuel-log-list", "GET", 200, check=empty_page),
    Rest("api:fuel-log-list", "GET", 400, "filtered by alice's vehicle", check=names("vehicle"),
         query=lambda w, bob, mine: {"vehicle": w.vehicle.id}),
    Rest("api:fuel-log-list", "HEAD", 200),
    Rest("api:fuel-log-list", "OPTIONS", 200),
    Rest("api:fuel-log-list", "POST", 400, "on alice's vehicle", body=with_alices_vehicle(FILL),
         check=names("vehicle")),
    Rest("api:fuel-log-list", "POST", 400, "no vehicle named: not alice's primary", body=FILL,
         check=names("vehicle")),
    *alices_row("api:fuel-log-detail", "fuel_log", "GET HEAD DELETE OPTIONS"),
    Rest("api:maintenance-item-list", "GET", 200, check=empty_page),
    Rest("api:maintenance-item-list", "GET", 400, "filtered by alice's vehicle", check=names("vehicle"),
         query=lambda w, bob, mine: {"vehicle": w.vehicle.id}),
    Rest("api:maintenance-item-list", "HEAD", 200),
    Rest("api:maintenance-item-list", "OPTIONS", 200),
    Rest("api:maintenance-item-list", "POST", 400, "on alice's vehicle", body=with_alices_vehicle(ITEM),
         check=names("vehicle")),
    Rest("api:maintenance-item-list", "POST", 400, "no vehicle named: not alice's primary", body=ITEM,
         check=names("vehicle")),
    Rest("api:maintenance-item-due", "GET", 200, check=no_rows),
    Rest("api:maintenance-item-due", "GET", 400, "for alice's vehicle", check=names("vehicle"),
         query=lambda w, bob, mine: {"vehicle": w.vehicle.id}),
    Rest("api:maintenance-item-due", "HEAD", 200),
    Rest("api:maintenance-item-due", "OPTIONS", 200),
    *alices_row("api:maintenance-item-detail", "item", "GET HEAD PUT PATCH DELETE OPTIONS", body=ITEM),
    Rest("api:maintenance-record-list", "GET", 200, check=empty_page),
    Rest("api:maintenance-record-list", "GET", 400, "filtered by alice's vehicle", check=names("vehicle"),
         query=lambda w, bob, mine: {"vehicle": w.vehicle.id}),
    Rest("api:maintenance-record-list", "HEAD", 200),
    Rest("api:maintenance-record-list", "OPTIONS", 200),
    Rest("api:maintenance-record-list", "POST", 400, "on alice's vehicle", body=with_alices_vehicle(RECORD),
         check=names("vehicle")),
    *alices_row("api:maintenance-record-detail", "record", "GET HEAD DELETE OPTIONS"),

    # Trips and their stops, saved places.
    Rest("api:trip-list", "GET", 200, check=empty_page),
    Rest("api:trip-list", "GET", 200, "active ones", query={"status": "active"}, check=empty_page),
    Rest("api:trip-list", "HEAD", 200),
    Rest("api:trip-list", "OPTIONS", 200),
    Rest("api:trip-list", "POST", 400, "with alice's vehicle", body=with_alices_vehicle(TRIP), check=names("vehicle")),
    Rest("api:trip-list", "POST", 201, "no vehicle named: not alice's primary", body=_stealing("trip", TRIP),
         check=both(owned_by_bob(Trip), _trip_has_no_vehicle)),
    *alices_row("api:trip-detail", "trip", "GET HEAD PUT PATCH DELETE OPTIONS", body={"title": "Bob's now"}),
    Rest("api:trip-detail", "GET", 200, "bob's trip is estimated from none of alice's fill-ups", row="trip",
         given=bobs(trip=_bobs_trip), check=_estimate_is_bobs),
    Rest("api:trip-detail", "PATCH", 400, "bob's trip onto alice's vehicle", row="trip",
         given=bobs(trip=_bobs_trip), body=lambda w, bob, mine: {"vehicle": w.vehicle.id}, check=names("vehicle")),
    *alices_row("api:trip-add-stop", "trip", "POST OPTIONS", body=STOP),
    *alices_row("api:trip-stop-detail", "stop", "GET HEAD PATCH DELETE OPTIONS", body={"position": 0}),
    Rest("api:saved-place-list", "GET", 200, check=empty_page),
    Rest("api:saved-place-list", "GET", 200, "near alice's place", query={"near": "38.58,-109.52"}, check=empty_page),
    Rest("api:saved-place-list", "HEAD", 200),
    Rest("api:saved-place-list", "OPTIONS", 200),
    Rest("api:saved-place-list", "POST", 201, "with alice's id and user", body=_stealing("place", PLACE),
         check=owned_by_bob(SavedPlace)),
    *alices_row("api:saved-place-detail", "place", "GET HEAD PUT PATCH DELETE OPTIONS", body=PLACE),

    # Calendar, alerts, profile.
    Rest("api:calendar-event-list", "GET", 200, check=empty_page),
    Rest("api:calendar-event-list", "GET", 200, "alice's words over her days", check=empty_page,
         query=lambda w, bob, mine: {"q": "Zephyrine", "start": later(-1), "end": later(30)}),
    Rest("api:calendar-event-list", "HEAD", 200),
    Rest("api:calendar-event-list", "OPTIONS", 200),
    Rest("api:calendar-event-list", "POST", 201, "with alice's id and user", body=_stealing("event", EVENT),
         check=owned_by_bob(CalendarEvent)),
    *alices_row("api:calendar-event-detail", "event", "GET HEAD PUT PATCH DELETE OPTIONS", body=EVENT),
    Rest("api:alert-list", "GET", 200, check=empty_page),
    Rest("api:alert-list", "GET", 200, "unread ones", query={"unread": "true"}, check=empty_page),
    Rest("api:alert-list", "HEAD", 200),
    Rest("api:alert-list", "OPTIONS", 200),
    *alices_row("api:alert-detail", "alert", "GET HEAD OPTIONS"),
    *alices_row("api:alert-acknowledge", "alert", "POST OPTIONS"),
    Rest("api:profile", "GET", 200, check=_is_bobs_profile),
    Rest("api:profile", "HEAD", 200),
    Rest("api:profile", "OPTIONS", 200),
    Rest("api:profile", "PATCH", 200, "naming alice as the user", check=_is_bobs_profile,
         body=lambda w, bob, mine: {"display_name": "Bobby", "user": w.alice.id, "id": w.alice.pam_profile.id}),
]


def test_every_api_endpoint_and_method_has_an_isolation_case():
    covered = {(case.endpoint, case.method) for case in REST_CASES}
    found = api_endpoints()
    assert not sorted(found - covered), (
        f"/api/v1/ endpoints without an isolation case (add them to REST_CASES): {sorted(found - covered)}")
    assert not sorted(covered - found), f"isolation cases for endpoints that do not exist: {sorted(covered - found)}"


def test_rest_case_ids_are_unique():
    ids = [case.id for case in REST_CASES]
    assert len(ids) == len(set(ids)), [case_id for case_id in ids if ids.count(case_id) > 1]


@pytest.mark.django_db
@pytest.mark.parametrize("case", REST_CASES, ids=lambda case: case.id)
def test_bob_cannot_reach_alices_data_over_the_api(case, layer, world, bob):
    mine = case.given(world, bob) if case.given else {}
    before = snapshot(world.alice)

    alone = without_alice(world.alice, lambda: observed(send(case, world, bob, mine)))
    response = send(case, world, bob, mine)

    assert response.status_code == case.status, response.content[:500]
    sent = leaked([_value(case.query, world, bob, mine), _value(case.body, world, bob, mine)])
    assert not set(leaked([response.content, dict(response.items())])) - set(sent), leaked(response.content)
    assert observed(response) == alone, "alice's data changed what bob was answered"
    if case.check:
        case.check(world, bob, response)
    assert snapshot(world.alice) == before


# --- Pages ------------------------------------------------------------------------------------------

# Not the user's data: the admin (staff, Django's model permissions), sign-in, the API's schema, and
# the readiness probe (public; its timings differ call to call; tests/test_operations.py).
NOT_USER_PAGES = ("admin:", "login", "logout", "api-schema", "api-docs", "health-ready")


def page_names() -> set[str]:
    """Every named page outside /api/v1/ that a signed-in user opens."""
    return {name for path, name, _view in _routes(get_resolver().url_patterns)
            if not path.startswith(API_PREFIX) and not name.startswith(NOT_USER_PAGES)}


@dataclass(frozen=True)
class Page:
    name: str
    status: int
    label: str = ""
    query: Callable | None = None  # (world) -> dict

    @property
    def id(self) -> str:
        return f"{self.name}" + (f" {self.label}" if self.label else "")


PAGE_CASES = [
    Page("chat", 200, "his latest conversation"),
    Page("chat", 404, "alice's conversation", query=lambda w: {"c": w.conversation.id}),
    Page("finance:dashboard", 200),
    Page("travel:page", 200),
    Page("metrics", 403, "bob is not staff"),
    Page("health", 200, "public"),
]

CSRF_TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|csrf[-_]?token["\':= ]+)[^"\'<>\s]+', re.IGNORECASE)


def test_every_page_has_an_isolation_case():
    covered, found = {case.name for case in PAGE_CASES}, page_names()
    assert not sorted(found - covered), (
        f"pages without an isolation case (add them to PAGE_CASES): {sorted(found - covered)}")
    assert not sorted(covered - found), f"isolation cases for pages that do not exist: {sorted(covered - found)}"


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda case: case.id)
def test_bob_sees_none_of_alices_data_on_a_page(case, layer, world, bob, client):
    client.force_login(bob)
    query = case.query(world) if case.query else {}
    before = snapshot(world.alice)

    def see():
        response = client.get(reverse(case.name), query)
        return response.status_code, CSRF_TOKEN.sub(r"\1<token>", response.content.decode())

    alone = without_alice(world.alice, see)
    status, page = see()

    assert status == case.status
    assert not leaked(page), leaked(page)
    assert (status, page) == alone, "alice's data changed the page bob was shown"
    assert snapshot(world.alice) == before


@pytest.mark.django_db
def test_the_metrics_staff_read_carry_no_users_data(world, client, django_user_model):
    """/metrics counts across users; its names, labels and help text name none of alice's data."""
    staff = django_user_model.objects.create_user("olive", is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("metrics"))
    assert response.status_code == 200
    # The values are counts and seconds; what could carry a user's words is everything else.
    text = re.sub(r"^(?!#)(.*)\s\S+$", r"\1", response.content.decode(), flags=re.MULTILINE)
    assert 'pam_tool_calls_total{outcome="ok",tool="log_expense"}' in text and not leaked(text), leaked(text)


# --- Tool cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCase:
    """Bob's call of ``tool`` with ``args(world)``; ``status`` is "ok" or "error" (for a tool that
    proposes an action, "error" also means nothing was proposed). ``check(world, bob, outcome)``
    asserts more."""

    tool: str
    label: str
    args: Callable[..., dict] | dict = field(default_factory=dict)
    status: str = "error"
    check: Callable | None = None
    confirmed: bool = False
    in_alices_conversation: bool = False  # the call's context names alice's conversation

    @property
    def id(self) -> str:
        return f"{self.tool} {self.label}"


def result_is(**expected):
    def check(world, bob, outcome):
        for key, value in expected.items():
            assert outcome.result[key] == value, (key, outcome.result)
    return check


def no_pending_action(world, bob, outcome):
    assert not PendingAction.objects.filter(user=bob).exists()


def _export_link_has_no_rows(world, bob, outcome):
    response = api_client(bob).get(outcome.result["url"])
    assert response.status_code == 200
    assert list(csv.reader(io.StringIO(response.content.decode())))[1:] == []


def _written_for_bob(model, key, *path):
    def check(world, bob, outcome):
        value = outcome.result[key]
        for step in path:
            value = value[step]
        assert model.objects.get(id=value).user_id == bob.id
    return check


def _projection_is_empty(world, bob, outcome):
    assert outcome.result["categories"] == [], outcome.result


def _bobs_preferences(world, bob, outcome):
    assert outcome.result["quiet_hours"] is None and outcome.result["muted"] in ([], ["fuel"])


def _bobs_vehicle_is_primary(world, bob, outcome):
    assert Vehicle.objects.get(user=bob).is_primary and Vehicle.objects.get(id=world.vehicle.id).is_primary


def _trip_is_bobs_alone(world, bob, outcome):
    trip = Trip.objects.get(id=outcome.result["trip"]["id"])
    assert trip.user_id == bob.id and trip.vehicle_id is None
    estimate = outcome.result["trip"]["estimate"]
    assert (estimate["fuel_price_source"], estimate["mpg_source"]) == ("default", "unknown"), estimate


def _asks_where(world, bob, outcome):
    assert outcome.result["error"].startswith("Where?"), outcome.result


TOOL_CASES = [
    # Calendar and alert settings.
    ToolCase("create_calendar_event", "bob's own event", status="ok",
             args={"title": "Bob's dentist", "starts_at": f"{later(4)}T10:00"},
             check=_written_for_bob(CalendarEvent, "event", "id")),
    ToolCase("list_calendar_events", "over alice's days", status="ok", check=result_is(events=[]),
             args={"start_date": later(-1), "end_date": later(30)}),
    ToolCase("list_calendar_events", "alice's words", status="ok", check=result_is(events=[]),
             args={"start_date": later(-1), "end_date": later(30), "text": "Zephyrine"}),
    ToolCase("update_calendar_event", "alice's event", args=lambda w: {"event_id": w.event.id, "title": "Bob's now"}),
    ToolCase("delete_calendar_event", "alice's event: nothing to approve", args=lambda w: {"event_id": w.event.id},
             check=no_pending_action),
    ToolCase("delete_calendar_event", "alice's event, as if approved", args=lambda w: {"event_id": w.event.id},
             confirmed=True),
    ToolCase("set_alert_preferences", "reading them", status="ok", check=_bobs_preferences),
    ToolCase("set_alert_preferences", "muting fuel", status="ok", args={"mute": ["fuel"]}, check=_bobs_preferences),

    # Money.
    ToolCase("log_expense", "in the category alice budgets", status="ok",
             args={"amount": "10.00", "category": "groceries", "description": "bob's bread"},
             check=both(result_is(budget=None, category_spent_this_month="10.00"),
                        _written_for_bob(Expense, "expense", "id"))),
    ToolCase("get_spending_summary", "this month", status="ok", check=result_is(total="0.00", by_category=[])),
    ToolCase("get_spending_summary", "alice's category over her dates", status="ok",
             args={"category": "dining", "period": "last_30_days"}, check=result_is(total="0.00", count=0)),
    ToolCase("get_budget_status", "all", status="ok", check=result_is(budgets=[], unbudgeted=[])),
    ToolCase("get_budget_status", "alice's budgeted category", status="ok", args={"category": "groceries"},
             check=result_is(budgets=[])),
    ToolCase("set_budget", "the category alice budgets", status="ok",
             args={"category": "groceries", "monthly_limit": "50"}, check=result_is(previous_limit=None)),
    ToolCase("list_expenses", "this month", status="ok", check=result_is(count=0, expenses=[], total="0.00")),
    ToolCase("list_expenses", "alice's words and amount this year", status="ok",
             args={"period": "this_year", "text": "Quillback", "amount": "4321.87"},
             check=result_is(count=0, expenses=[])),
    ToolCase("update_expense", "alice's expense", args=lambda w: {"expense_id": w.expense.id, "amount": "1.00"}),
    ToolCase("delete_expense", "alice's expense: nothing to approve", args=lambda w: {"expense_id": w.expense.id},
             check=no_pending_action),
    ToolCase("delete_expense", "alice's expense, as if approved", args=lambda w: {"expense_id": w.expense.id},
             confirmed=True),
    ToolCase("log_income", "bob's month counts only his", status="ok", args={"amount": "5.00", "source": "Bob's job"},
             check=result_is(this_month={"income": "5.00", "expenses": "0.00", "net": "5.00"})),
    ToolCase("predict_end_of_month", "no one else's pace", status="ok", check=_projection_is_empty),
    ToolCase("find_savings_opportunities", "no one else's habits", status="ok", check=result_is(opportunities=[])),
    ToolCase("export_expenses", "this year", status="ok", args={"period": "this_year"},
             check=both(result_is(count=0, total="0.00"), _export_link_has_no_rows)),

    # Vehicles, fuel, maintenance.
    ToolCase("add_vehicle", "bob's first is his primary", status="ok", args={"name": "Bob's van"},
             check=_bobs_vehicle_is_primary),
    ToolCase("update_odometer", "alice's vehicle",
             args=lambda w: {"odometer_miles": 99_999, "vehicle_id": w.vehicle.id}),
    ToolCase("update_odometer", "no vehicle named: not alice's primary", args={"odometer_miles": 99_999}),
    ToolCase("log_fuel", "alice's vehicle", args=lambda w: {**FILL, "vehicle_id": w.vehicle.id}),
    ToolCase("log_fuel", "no vehicle named: not alice's primary", args=FILL),
    ToolCase("get_fuel_economy", "alice's vehicle", args=lambda w: {"vehicle_id": w.vehicle.id}),
    ToolCase("get_fuel_economy", "no vehicle named: not alice's primary"),
    ToolCase("calculate_gas_cost", "no MPG: not alice's vehicle's", args={"distance_miles": 300}),
    ToolCase("calculate_gas_cost", "price: not alice's fill-ups", status="ok", args={"distance_miles": 300, "mpg": 10},
             check=result_is(price_source="default")),
    ToolCase("log_maintenance", "alice's vehicle", args=lambda w: {"task": "Oil change", "vehicle_id": w.vehicle.id}),
    ToolCase("log_maintenance", "no vehicle named: not alice's primary", args={"task": "Oil change", "cost": "50"}),
    ToolCase("get_maintenance_due", "alice's vehicle", args=lambda w: {"vehicle_id": w.vehicle.id}),
    ToolCase("get_maintenance_due", "all", status="ok", check=result_is(items=[])),

    # Trips, travel time, weather, places.
    ToolCase("plan_trip", "estimated from none of alice's vehicle or fill-ups", status="ok",
             args={"origin": "Denver, CO", "destination": "Moab, UT"}, check=_trip_is_bobs_alone),
    ToolCase("add_trip_stop", "alice's trip", args=lambda w: {"place": "Green River, UT", "trip_id": w.trip.id}),
    ToolCase("add_trip_stop", "no trip named: not alice's active one", args={"place": "Green River, UT"}),
    ToolCase("list_trips", "upcoming", status="ok", check=result_is(trips=[])),
    ToolCase("list_trips", "active", status="ok", args={"status": "active"}, check=result_is(trips=[])),
    ToolCase("estimate_travel_time", "a distance", status="ok", args={"distance_miles": 250}),
    ToolCase("get_weather_forecast", "no place: not where alice's trip is", check=_asks_where),
    ToolCase("save_place", "bob's own place", status="ok",
             args={"name": "Bob's spot", "latitude": 40, "longitude": -105},
             check=_written_for_bob(SavedPlace, "place", "id")),
    ToolCase("find_saved_places", "all", status="ok", check=result_is(places=[], count=0)),
    ToolCase("find_saved_places", "near alice's place, by her words", status="ok",
             args={"near": "Moab, UT", "text": "Quillback"}, check=result_is(places=[], count=0)),

    # Undo: alice's changes are not bob's to take back.
    ToolCase("undo_last_action", "alice's change", args=lambda w: {"undo_id": str(w.change.id)}),
    ToolCase("undo_last_action", "the latest: not alice's", args={}),
    ToolCase("undo_last_action", "the last expense: not alice's", args={"what": "expense"}),
    ToolCase("undo_last_action", "the latest in alice's conversation", args={}, in_alices_conversation=True),
]


def test_every_tool_has_an_isolation_case():
    covered = {case.tool for case in TOOL_CASES}
    registered = {tool.name for tool in all_tools()}
    assert not sorted(registered - covered), (
        f"PAM tools without an isolation case (add them to TOOL_CASES): {sorted(registered - covered)}")
    assert not sorted(covered - registered), (
        f"isolation cases for tools that do not exist: {sorted(covered - registered)}")


@pytest.mark.django_db
@pytest.mark.parametrize("case", TOOL_CASES, ids=lambda case: case.id)
def test_bob_cannot_reach_alices_data_through_a_tool(case, layer, world, bob, settings):
    settings.OPEN_METEO_URL = "http://127.0.0.1:9"  # nothing listens: no forecast leaves the machine
    ctx = ToolContext(user=bob, timezone=NEW_YORK, now=timezone.now(), currency="USD",
                      conversation_id=world.conversation.id if case.in_alices_conversation else None)
    args = case.args(world) if callable(case.args) else case.args
    before = snapshot(world.alice)

    def call():
        outcome = call_tool(case.tool, args, ctx, confirmed=case.confirmed)
        return comparable({**outcome.as_record(), "ui_actions": outcome.ui_actions})

    alone = without_alice(world.alice, call)
    outcome = call_tool(case.tool, args, ctx, confirmed=case.confirmed)

    assert outcome.status == case.status, outcome.result
    shown = {"result": outcome.result, "ui_actions": outcome.ui_actions}
    assert not set(leaked(shown)) - set(leaked(args)), leaked(shown)  # bob's own words may be echoed
    assert comparable({**outcome.as_record(), "ui_actions": outcome.ui_actions}) == alone, (
        "alice's data changed what the tool told bob")
    if case.check:
        case.check(world, bob, outcome)
    assert snapshot(world.alice) == before


# --- WebSocket cases -------------------------------------------------------------------------------

# Frames a client may send: the protocol's, and the `auth` frame a program signs in with first.
SOCKET_FRAME_TYPES = (*protocol.CLIENT_FRAME_TYPES, "auth")


@dataclass(frozen=True)
class SocketCase:
    frame: str
    label: str
    run: Callable  # async (world, bob, socket) -> list of the frames bob was sent

    @property
    def id(self) -> str:
        return f"{self.frame} {self.label}"


SOCKET_CASES: list[SocketCase] = []


def socket_case(frame: str, label: str):
    def register(run):
        SOCKET_CASES.append(SocketCase(frame, label, run))
        return run
    return register


async def answer(socket, frame: dict) -> dict:
    """Send ``frame`` and return the one frame that answers it."""
    await socket.send_json_to(frame)
    return await socket.receive_json_from(timeout=5)


def as_for_missing(frame: dict, alices: object, missing: object) -> dict:
    """``frame`` (an answer about alice's id) with her id, where it is a value, as the missing one."""
    return {key: missing if value == alices else value for key, value in frame.items()}


async def not_found_like_a_missing_id(socket, frame_type: str, key: str, alices, missing, **extra) -> list[dict]:
    """Bob's frame naming alice's id is answered with NOT_FOUND, word for word as the same frame
    naming an id nobody has."""
    about_hers = await answer(socket, {"type": frame_type, key: alices, **extra})
    about_none = await answer(socket, {"type": frame_type, key: missing, **extra})
    assert about_hers["type"] == "error" and about_hers["error_code"] == "NOT_FOUND", about_hers
    assert as_for_missing(about_hers, alices, missing) == about_none
    return [about_hers, about_none]


@database_sync_to_async
def rows_of(model, user, **filters):
    return list(model.objects.filter(user=user, **filters).values())


@socket_case("chat", "in alice's conversation")
async def _chat_in_alices_conversation(world, bob, socket):
    seen = await not_found_like_a_missing_id(
        socket, "chat", "conversation_id", world.conversation.id, MISSING_ID,
        message="Show me this conversation", message_id=str(uuid.uuid4()))
    assert await rows_of(Message, bob) == [] and await rows_of(Conversation, bob) == []
    return seen


@socket_case("chat", "reusing alice's message_id")
async def _chat_with_alices_message_id(world, bob, socket):
    frames, final = await chat_turn(socket, "What have I spent this month?",
                                    message_id=str(world.message.client_message_id))
    assert frames[0] == {"type": "message_ack", "message_id": str(world.message.client_message_id),
                         "conversation_id": frames[0]["conversation_id"], "duplicate": False}
    assert frames[0]["conversation_id"] != world.conversation.id and final["type"] == "chat_response"
    assert [m["content"] for m in await rows_of(Message, bob, role="user")] == ["What have I spent this month?"]
    return frames


def _asking(question: str):
    async def ask(world, bob, socket):
        frames, final = await chat_turn(socket, question)
        assert final["type"] == "chat_response" and final["status"] == "complete", final
        return frames
    return ask


for _question in ("How much have I spent this month?", "How are my budgets?", "What's on my calendar?",
                  "Show my trips", "When is my maintenance due?"):
    socket_case("chat", f"asking {_question!r}")(_asking(_question))


@socket_case("stop", "alice's message_id")
async def _stop_alices_message(world, bob, socket):
    return await not_found_like_a_missing_id(socket, "stop", "message_id", str(world.message.client_message_id),
                                             str(uuid.uuid4()))


@socket_case("confirm_action", "approving alice's pending deletion")
async def _approve_alices_action(world, bob, socket):
    seen = await not_found_like_a_missing_id(socket, "confirm_action", "action_id", str(world.action.id),
                                             str(uuid.uuid4()), approved=True)
    assert (await rows_of(PendingAction, world.alice))[0]["status"] == "pending"
    return seen


@socket_case("confirm_action", "declining alice's pending deletion")
async def _decline_alices_action(world, bob, socket):
    return await not_found_like_a_missing_id(socket, "confirm_action", "action_id", str(world.action.id),
                                             str(uuid.uuid4()), approved=False)


@socket_case("alert_ack", "alice's alert")
async def _ack_alices_alert(world, bob, socket):
    return await not_found_like_a_missing_id(socket, "alert_ack", "alert_id", world.alert.id, MISSING_ID)


@socket_case("ping", "answers bob alone")
async def _ping(world, bob, socket):
    pong = await answer(socket, {"type": "ping"})
    assert pong == {"type": "pong"}
    return [pong]


@socket_case("undo", "alice's change")
async def _undo_alices_change(world, bob, socket):
    return await not_found_like_a_missing_id(socket, "undo", "undo_id", str(world.change.id), str(uuid.uuid4()))


@socket_case("auth", "sent again on bob's signed-in socket with a token naming alice")
async def _auth_again_as_alice(world, bob, socket):
    refused = await answer(socket, {"type": "auth", "token": forged_access_token(bob, world.alice)})
    assert refused["type"] == "error" and refused["error_code"] in ("VALIDATION_ERROR", "UNAUTHENTICATED"), refused
    still_bob = await not_found_like_a_missing_id(socket, "alert_ack", "alert_id", world.alert.id, MISSING_ID)
    return [refused, *still_bob]


def forged_access_token(bob, alice) -> str:
    """Bob's own access token with alice's id written into it (its signature is bob's)."""
    from rest_framework_simplejwt.tokens import AccessToken

    header, payload, signature = str(AccessToken.for_user(bob)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = str(alice.id)
    return f"{header}.{base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip('=')}.{signature}"


async def program_socket():
    """A socket opened like a program's (no Origin, no cookie): it signs in with an auth frame."""
    from channels.testing import WebsocketCommunicator

    from pam_project.asgi import application

    socket = WebsocketCommunicator(application, "/ws/pam/", headers=[(b"host", b"127.0.0.1")])
    connected, _ = await socket.connect()
    assert connected
    return socket


async def _all_frames(socket, timeout=0.5) -> list[dict]:
    frames = []
    while not await socket.receive_nothing(timeout=timeout):
        output = await socket.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            frames.append({"closed": output.get("code")})
            break
        frames.append(json.loads(output["text"]))
    return frames


@socket_case("auth", "a program's token naming alice, signed by bob")
async def _program_with_forged_token(world, bob, socket):
    program = await program_socket()
    try:
        await program.send_json_to({"type": "auth", "token": forged_access_token(bob, world.alice)})
        frames = await _all_frames(program)
    finally:
        await program.disconnect()
    assert [frame.get("type", "close") for frame in frames] == ["error", "close"], frames
    assert frames[0]["error_code"] == "UNAUTHENTICATED" and frames[1]["closed"] == 4401
    assert (await rows_of(Alert, world.alice, id=world.alert.id))[0]["delivered_at"] is None
    return frames


@socket_case("auth", "a program signed in as bob sees bob alone")
async def _program_as_bob(world, bob, socket):
    from rest_framework_simplejwt.tokens import AccessToken

    program = await program_socket()
    try:
        await program.send_json_to({"type": "auth", "token": str(AccessToken.for_user(bob))})
        frames = await _all_frames(program)
        assert [frame["type"] for frame in frames] == ["connection"], frames
        assert frames[0]["user"]["id"] == bob.id and frames[0]["user"]["username"] == "bob"
        frames += await not_found_like_a_missing_id(program, "alert_ack", "alert_id", world.alert.id, MISSING_ID)
    finally:
        await program.disconnect()
    return frames


def test_every_client_frame_has_an_isolation_case():
    covered = {case.frame for case in SOCKET_CASES}
    assert not sorted(set(SOCKET_FRAME_TYPES) - covered), (
        f"client frames without an isolation case (add a @socket_case): {sorted(set(SOCKET_FRAME_TYPES) - covered)}")
    assert not sorted(covered - set(SOCKET_FRAME_TYPES)), (
        f"isolation cases for frames that do not exist: {sorted(covered - set(SOCKET_FRAME_TYPES))}")


@pytest.mark.django_db(transaction=True)
class TestSocket:
    @pytest.mark.parametrize("case", SOCKET_CASES, ids=lambda case: case.id)
    async def test_bob_cannot_reach_alices_data_over_the_socket(self, case, socket_layer, world, bob, socket_for):
        before = await database_sync_to_async(snapshot)(world.alice)
        socket = await socket_for(bob)
        assert socket.connection_frame["user"]["id"] == bob.id

        seen = await case.run(world, bob, socket)
        seen += await _all_frames(socket, timeout=0.3)  # nothing else arrives, no push of alice's either

        assert not leaked(seen), leaked(seen)
        assert await database_sync_to_async(snapshot)(world.alice) == before

    async def test_connecting_delivers_none_of_alices_waiting_alerts(self, socket_layer, world, bob, socket_for):
        socket = await socket_for(bob)
        frames = [socket.connection_frame, *await _all_frames(socket)]
        assert [frame["type"] for frame in frames] == ["connection"], frames
        assert frames[0]["user"] == {"id": bob.id, "username": "bob", "display_name": "Bob"}
        assert (await rows_of(Alert, world.alice, id=world.alert.id))[0]["delivered_at"] is None

    async def test_alices_alerts_and_page_reloads_reach_her_sockets_only(
        self, socket_layer, world, alice, bob, socket_for
    ):
        alices = await socket_for(alice)
        await _all_frames(alices)  # what was waiting for her
        bobs = await socket_for(bob)

        @database_sync_to_async
        def alice_is_warned_and_logs_an_expense():
            alert = assistant_services.alert_raise(
                user=alice, category="budget", severity="urgent", title="Quillback dining at 96%",
                message="Larkspur supper club again?", dedup_key="budget:dining:isolation-push")
            finance_services.expense_create(user=alice, amount=Decimal("4321.87"), category="groceries",
                                            date=bob_today(), description="Quillback refill")
            return alert

        alert = await alice_is_warned_and_logs_an_expense()
        hers = await _all_frames(alices)
        assert {frame["type"] for frame in hers} == {"proactive_alert", "ui_actions"}, hers
        assert next(frame for frame in hers if frame["type"] == "proactive_alert")["alert"]["id"] == alert.id
        assert await _all_frames(bobs) == []

    async def test_bob_cannot_stop_alices_running_reply(
        self, socket_layer, world, alice, bob, socket_for, fake_anthropic
    ):
        fake_anthropic.push(text_then_stall("Quillback plans, let me think"))
        alices = await socket_for(alice)
        await _all_frames(alices)
        message_id = await send_chat(alices, "Plan my winter")
        while (await alices.receive_json_from(timeout=5))["type"] != "chat_response_delta":
            pass
        bobs = await socket_for(bob)
        before = await database_sync_to_async(snapshot)(alice)

        refused = await answer(bobs, {"type": "stop", "message_id": message_id})
        assert refused["type"] == "error" and refused["error_code"] == "NOT_FOUND", refused
        assert not leaked(refused)
        assert await alices.receive_nothing(timeout=0.5), "alice's reply ended when bob asked"
        assert await database_sync_to_async(snapshot)(alice) == before

        await alices.send_json_to({"type": "stop", "message_id": message_id})
        while (frame := await alices.receive_json_from(timeout=5))["type"] != "chat_response":
            pass
        assert frame["status"] == "stopped" and frame["message"] == "Quillback plans, let me think"
        await alices.disconnect()
        await bobs.disconnect()
