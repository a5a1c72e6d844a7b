"""What the fuzzers (test_api_fuzz, test_socket_fuzz, test_tool_fuzz) found, pinned as plain
examples: each was a server error, an invalid input accepted, or text PostgreSQL cannot store
reaching it. The fuzzers run bounded and derandomized; these keep each finding fixed whatever
examples they draw."""

import datetime
import json
import uuid
import zoneinfo

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from assistant.models import Message
from assistant.registry import ToolContext, call_tool
from finance.models import Expense
from tests.security.seed import owned_rows, seed_rows
from travel.models import SavedPlace, Vehicle

API = "/api/v1"


def post_json(client, url, text: str):
    """POST a JSON body given as text, so it can hold escapes json.dumps would not write."""
    return client.generic("POST", url, text, content_type="application/json")


class TestRestApiFindingsTestCase:
    def test_a_month_of_year_zero_is_a_400_not_a_server_error(self, as_alice):
        response = as_alice.get(f"{API}/budgets/status/", {"month": "0000-01"})
        assert response.status_code == 400 and "month" in response.json()

    @pytest.mark.parametrize("url, parameter, value", [
        ("/budgets/status/", "month", ""),
        ("/reports/spending/", "start", ""),
        ("/exports/expenses.csv", "end", ""),
        ("/expenses/", "start", ""),
        ("/expenses/", "min_amount", " "),
        ("/trips/", "upcoming", "null"),
        ("/alerts/", "unread", "maybe"),
        ("/vehicles/", "page_size", "null"),
        ("/vehicles/", "page_size", "0"),
    ])
    def test_a_query_parameter_it_cannot_read_is_a_400_naming_it(self, as_alice, url, parameter, value):
        response = as_alice.get(f"{API}{url}", {parameter: value})
        assert response.status_code == 400, response.content
        assert parameter in response.json()

    def test_an_empty_text_search_is_no_filter(self, as_alice, alice):
        seed_rows(alice)
        response = as_alice.get(f"{API}/expenses/", {"q": ""})
        assert response.status_code == 200 and response.json()["count"] == Expense.objects.filter(user=alice).count()

    @pytest.mark.parametrize("field, value", [("notes", 0), ("rating", "5"), ("price_per_night", 20),
                                              ("amenities", ["water", 1])])
    def test_a_json_value_of_the_wrong_type_is_refused_not_coerced(self, as_alice, alice, field, value):
        place = {"name": "Sand Flats", "latitude": 38.58, "longitude": -109.52, field: value}
        response = as_alice.post(f"{API}/places/", place, format="json")
        assert response.status_code == 400 and field in response.json(), response.content
        assert not SavedPlace.objects.filter(user=alice).exists()

    def test_a_flag_must_be_true_or_false(self, as_alice, alice):
        response = as_alice.post(f"{API}/vehicles/", {"name": "Minnie", "is_primary": 0}, format="json")
        assert response.status_code == 400 and response.json() == {"is_primary": ["Must be true or false."]}
        assert not Vehicle.objects.filter(user=alice).exists()

    @pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
    def test_text_postgresql_cannot_store_is_a_400_and_nothing_is_saved(self, as_alice, alice, escape):
        body = '{"amount": "4.50", "category": "dining", "merchant": "Caf' + escape + '"}'
        response = post_json(as_alice, f"{API}/expenses/", body)
        assert response.status_code == 400 and "merchant" in response.json()["detail"], response.content
        assert not Expense.objects.filter(user=alice).exists()

    def test_a_form_encoded_body_is_refused(self, as_alice, alice):
        response = as_alice.post(f"{API}/expenses/", {"amount": "4.50", "category": "dining"}, format="multipart")
        assert response.status_code == 415
        assert not Expense.objects.filter(user=alice).exists()

    def test_an_event_in_local_mean_time_is_shown_with_an_offset_clients_can_read(self, as_alice):
        assert as_alice.patch(f"{API}/profile/", {"timezone": "Africa/Monrovia"}).status_code == 200
        response = as_alice.post(f"{API}/calendar-events/", {"title": "Independence day", "all_day": True,
                                                              "starts_at": "1960-07-26"})
        assert response.status_code == 201, response.content
        starts_at = response.json()["starts_at"]  # Monrovia's offset was -00:44:30 until 1972
        assert datetime.datetime.fromisoformat(starts_at) == datetime.datetime(
            1960, 7, 26, tzinfo=zoneinfo.ZoneInfo("Africa/Monrovia"))
        assert starts_at.endswith("Z")

    @pytest.mark.parametrize("event", [{"starts_at": "9999-12-31", "all_day": True},
                                       {"starts_at": "9999-12-31T23:30:00"},
                                       {"starts_at": "0001-01-01T00:00:00+14:00"}])
    def test_an_event_at_the_end_of_the_calendar_is_a_400_not_a_server_error(self, as_alice, event):
        response = as_alice.post(f"{API}/calendar-events/", {"title": "Far off", **event})
        assert response.status_code == 400 and "starts_at" in response.json(), response.content

    def test_listing_events_to_the_end_of_the_calendar_is_a_400_not_a_server_error(self, as_alice):
        response = as_alice.get(f"{API}/calendar-events/", {"start": "0001-01-01", "end": "9999-12-31"})
        assert response.status_code == 400 and set(response.json()) == {"start", "end"}, response.content

    @pytest.mark.parametrize("quiet_start", ["22:00+05:00", "22:00:00Z", "10pm"])
    def test_quiet_hours_are_a_wall_clock_time_not_one_with_an_offset(self, as_alice, quiet_start):
        response = as_alice.patch(f"{API}/profile/", {"quiet_hours_start": quiet_start, "quiet_hours_end": "07:00"})
        assert response.status_code == 400 and "quiet_hours_start" in response.json(), response.content
        assert as_alice.get(f"{API}/profile/").json()["quiet_hours_start"] is None

    def test_an_expense_not_posted_from_a_bill_has_a_null_recurring_in_the_schema(self, api):
        schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
        recurring = schema["components"]["schemas"]["Expense"]["properties"]["recurring"]
        assert recurring.get("nullable") or {"type": "null"} in recurring.get("anyOf", []), recurring


class TestSocketFindingsTestCase:
    pytestmark = pytest.mark.django_db(transaction=True)

    @pytest.mark.parametrize("escape, why", [("\\u0000", "NUL"), ("\\ud83d", "surrogate")])
    async def test_a_message_postgresql_cannot_store_is_refused_and_not_saved(self, socket_for, alice, escape, why):
        socket = await socket_for(alice)
        message_id = str(uuid.uuid4())
        await socket.send_to(text_data=f'{{"type": "chat", "message_id": "{message_id}", "message": "hi {escape}"}}')
        error = await socket.receive_json_from(timeout=5)
        assert error["type"] == "error" and error["error_code"] == "VALIDATION_ERROR", error
        assert why in error["message"] and error["message_id"] == message_id
        assert not await database_sync_to_async(Message.objects.filter(user=alice).exists)()
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=5) == {"type": "pong"}

    @pytest.mark.parametrize("frame", [{"type": "alert_ack", "alert_id": True},
                                       {"type": "alert_ack", "alert_id": "1"},
                                       {"type": "alert_ack", "alert_id": 2**63},
                                       {"type": "confirm_action", "action_id": str(uuid.uuid4()), "approved": "yes"}])
    async def test_an_id_or_answer_of_the_wrong_json_type_is_refused(self, socket_for, alice, frame):
        socket = await socket_for(alice)
        await socket.send_to(text_data=json.dumps(frame))
        error = await socket.receive_json_from(timeout=5)
        assert error["type"] == "error" and error["error_code"] == "VALIDATION_ERROR", error


class TestToolFindingsTestCase:
    @pytest.fixture
    def ctx(self, alice):
        seed_rows(alice)
        return ToolContext(user=alice, timezone=zoneinfo.ZoneInfo("America/Denver"), now=timezone.now())

    @pytest.mark.parametrize("merchant", ["Caf\x00", "Caf\ud800"])
    def test_an_argument_postgresql_cannot_store_is_an_error_naming_it(self, ctx, merchant):
        before = owned_rows(ctx.user)
        outcome = call_tool("log_expense", {"amount": 4.5, "category": "dining", "merchant": merchant}, ctx)
        assert outcome.status == "error" and outcome.result["error"].startswith("Invalid arguments: merchant: ")
        assert outcome.input["merchant"] == "Caf\ufffd"  # the call is saved on the reply: echoed storable
        assert owned_rows(ctx.user) == before

    def test_an_odometer_beyond_any_odometer_is_an_argument_error(self, ctx):
        before = owned_rows(ctx.user)
        outcome = call_tool("update_odometer", {"odometer_miles": 2**31}, ctx)
        assert outcome.status == "error" and "odometer_miles" in outcome.result["error"], outcome.result
        assert owned_rows(ctx.user) == before

    @pytest.mark.parametrize("name, arguments", [
        ("create_calendar_event", {"title": "Far off", "date": "9999-12-31"}),
        ("create_calendar_event", {"title": "Far off", "starts_at": "9999-12-31T23:30:00"}),
        ("list_calendar_events", {"start_date": "0001-01-01", "end_date": "9999-12-31"}),
    ])
    def test_a_calendar_day_at_the_end_of_time_is_an_argument_error(self, ctx, name, arguments):
        before = owned_rows(ctx.user)
        outcome = call_tool(name, arguments, ctx)
        assert outcome.status == "error" and "give a day from 1900-01-01 to 2999-12-31" in outcome.result["error"]
        assert owned_rows(ctx.user) == before

    def test_income_that_starts_repeating_later_is_logged(self, ctx):
        start = (ctx.today + datetime.timedelta(days=10)).isoformat()
        outcome = call_tool("log_income", {"amount": 1800, "source": "Pension", "date": start, "repeats": "monthly"},
                            ctx)
        assert outcome.status == "ok", outcome.result
        assert outcome.result["income"] is None and outcome.result["recurring"]["next_due_on"] == start

    @pytest.mark.parametrize("name, arguments", [
        ("log_expense", {"amount": 5, "category": "connectivity", "date": "0001-01-01", "repeats": "weekly"}),
        ("log_income", {"amount": 5, "source": "Pension", "date": "1900-01-01", "repeats": "monthly"}),
    ])
    def test_a_repeat_that_starts_long_ago_is_refused_instead_of_posting_every_occurrence(self, ctx, name, arguments):
        before = owned_rows(ctx.user)
        outcome = call_tool(name, arguments, ctx)
        assert outcome.status == "error" and "at most a year back" in outcome.result["error"], outcome.result
        assert owned_rows(ctx.user) == before

    def test_the_api_refuses_a_repeating_bill_from_long_ago_too(self, as_alice, alice):
        response = as_alice.post(f"{API}/recurring-expenses/", {"amount": "5.00", "category": "connectivity",
                                                                 "starts_on": "0001-01-01", "frequency": "weekly"})
        assert response.status_code == 400 and "starts_on" in response.json(), response.content
        assert not Expense.objects.filter(user=alice).exists()
