"""Undo (issue 6, "Tool safety"): every write tool call can be taken back for 10 minutes, from the
chat ("undo that") and from the tool card (the `undo` frame), and only while nothing has changed
since. Real tools, services, PostgreSQL and Redis; the offline provider for chat turns."""

import datetime
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.db.models import ForeignKey, OneToOneField
from django.utils import timezone

from assistant import undo
from assistant.models import Message, UndoableChange
from assistant.registry import ToolContext, all_tools, call_tool
from assistant.services import calendar_event_create
from finance import services as finance_services
from finance.models import Expense
from tests.assistant.chat_helpers import chat_turn, next_frame, of_type
from tests.assistant.local_turns import chat, tools_called
from tests.conftest import make_user
from travel import services as travel_services
from travel.models import FuelLog, Vehicle

DENVER = zoneinfo.ZoneInfo("America/Denver")


def today() -> datetime.date:
    return timezone.now().astimezone(DENVER).date()


def context(user, conversation_id=None) -> ToolContext:
    return ToolContext(user=user, timezone=DENVER, now=timezone.now(), currency="USD",
                       conversation_id=conversation_id)


def owner_filter(model, user) -> dict:
    """How ``model``'s rows are the user's: its own ``user``, else a required link to a row that
    has one (a trip's stops)."""
    names = {field.name for field in model._meta.concrete_fields}
    if "user" in names:
        return {"user": user}
    for field in model._meta.concrete_fields:
        if isinstance(field, (ForeignKey, OneToOneField)) and not field.null and any(
                f.name == "user" for f in field.related_model._meta.concrete_fields):
            return {f"{field.name}__user": user}
    raise AssertionError(f"{model._meta.label}: no way to tell whose rows these are")


def records_of(user) -> dict:
    """Every row of the user's records (every column), by model: what an undo must restore."""
    snapshot = {}
    for model in undo.tracked_models():
        columns = [field.attname for field in model._meta.concrete_fields]
        snapshot[model._meta.label] = list(
            model._base_manager.filter(**owner_filter(model, user)).order_by("pk").values(*columns))
    return snapshot


def run(user, tool, arguments, **ctx):
    outcome = call_tool(tool, arguments, context(user, **ctx), confirmed=True)
    assert outcome.status == "ok", outcome.result
    return outcome


def make_world(user) -> dict:
    """The user's records before each write: a primary RV at 45,000 miles with a logged fill-up
    and a tracked oil change, an expense, a grocery budget, a trip with two stops, a dentist
    appointment."""
    rv = travel_services.vehicle_create(user=user, name="Minnie", rated_mpg=Decimal("10"), odometer_miles=45000,
                                        tank_capacity_gallons=Decimal("55"))
    fill_up = travel_services.fuel_log_create(user=user, date=today() - datetime.timedelta(days=3),
                                              odometer_miles=44800, volume_gallons=Decimal("30"),
                                              price_per_gallon=Decimal("3.899"), station="Love's")
    travel_services.maintenance_item_create(user=user, task="Oil change", interval_miles=5000, last_done_odometer=40000,
                                            last_done_on=today() - datetime.timedelta(days=90))
    expense = finance_services.expense_create(user=user, amount=Decimal("30"), category="propane",
                                              date=today() - datetime.timedelta(days=1), merchant="AmeriGas")
    finance_services.budget_set(user=user, category="groceries", monthly_limit=Decimal("800"))
    trip = travel_services.trip_create(
        user=user, title="Denver to Moab", start_date=today() + datetime.timedelta(days=7),
        stops=[{"name": "Denver, CO", "latitude": 39.74, "longitude": -104.99},
               {"name": "Moab, UT", "latitude": 38.57, "longitude": -109.55}])
    starts_at = datetime.datetime.combine(today() + datetime.timedelta(days=3), datetime.time(14), tzinfo=DENVER)
    event = calendar_event_create(user=user, title="Dentist", starts_at=starts_at,
                                  ends_at=starts_at + datetime.timedelta(hours=1))
    return {"rv": rv, "fill_up": fill_up, "expense": expense, "trip": trip, "event": event}


def later(days=0, hour=None) -> str:
    day = today() + datetime.timedelta(days=days)
    return day.isoformat() if hour is None else f"{day.isoformat()}T{hour:02d}:00"


# Real arguments for every write tool, against ``world``; a tool may have several (each path).
EXAMPLES = {
    "log_expense": [
        lambda w: {"amount": "45.00", "category": "groceries", "date": later(-1), "merchant": "Safeway"},
        lambda w: {"amount": "120.00", "category": "connectivity", "date": later(-65), "repeats": "monthly"},
    ],
    "set_budget": [
        lambda w: {"category": "groceries", "monthly_limit": "900.00", "rollover": True},
        lambda w: {"category": "fuel", "monthly_limit": "600.00"},
    ],
    "update_expense": [lambda w: {"expense_id": w["expense"].id, "amount": "52.00", "merchant": "Suburban"}],
    "delete_expense": [
        lambda w: {"expense_id": w["expense"].id},
        lambda w: {"expense_id": w["fill_up"].expense_id},  # the fill-up keeps its row but loses its link
    ],
    "log_income": [
        lambda w: {"amount": "1200.00", "source": "Pension", "kind": "pension"},
        lambda w: {"amount": "1500.00", "source": "Social Security", "kind": "pension", "date": later(-40),
                   "repeats": "monthly"},
    ],
    "add_vehicle": [lambda w: {"name": "Jeep", "vehicle_type": "tow_vehicle", "is_primary": True}],
    "update_odometer": [lambda w: {"odometer_miles": 45500}],
    "log_fuel": [lambda w: {"odometer_miles": 45300, "volume_gallons": "31.5", "price_per_gallon": "3.799",
                            "station": "Pilot"}],
    "log_maintenance": [
        lambda w: {"task": "oil change", "odometer_miles": 45400, "cost": "89.00", "shop": "Jiffy"},
        lambda w: {"task": "Tire rotation", "interval_miles": 6000, "odometer_miles": 45400},
    ],
    "plan_trip": [lambda w: {"origin": "Denver, CO", "destination": "Moab, UT", "stops": ["Grand Junction, CO"],
                             "start_date": later(14)}],
    "add_trip_stop": [lambda w: {"place": "Green River, UT", "trip_id": w["trip"].id, "position": 1},
                      lambda w: {"place": "Grand Junction, CO", "trip_id": w["trip"].id, "position": 0}],
    "save_place": [lambda w: {"name": "Sand Flats", "near": "Moab, UT", "rating": 5, "amenities": ["vault toilets"]}],
    "create_calendar_event": [lambda w: {"title": "Oil change", "starts_at": later(5, 9)}],
    "update_calendar_event": [lambda w: {"event_id": w["event"].id, "title": "Dentist (cleaning)",
                                         "starts_at": later(4, 15)}],
    "delete_calendar_event": [lambda w: {"event_id": w["event"].id}],
    "set_alert_preferences": [lambda w: {"quiet_hours_start": "22:00", "quiet_hours_end": "07:00",
                                         "mute": ["weather", "fuel"]}],
}

UNDOABLE = [tool.name for tool in all_tools() if tool.writes and tool.undoable]


@pytest.mark.django_db
class TestEveryWriteToolCanBeUndone:
    def test_every_write_tool_is_undoable_but_the_undo_itself(self):
        assert [tool.name for tool in all_tools() if tool.writes and not tool.undoable] == ["undo_last_action"]

    @pytest.mark.parametrize("tool", UNDOABLE)
    def test_undo_puts_back_every_row_the_tool_changed(self, tool, django_user_model):
        assert EXAMPLES.get(tool), f"write tool {tool} has no example in EXAMPLES: add one so its undo is tested"
        for number, example in enumerate(EXAMPLES[tool]):
            user = make_user(django_user_model, f"alice{number}")  # each example starts from the same records
            world = make_world(user)
            before = records_of(user)

            outcome = run(user, tool, example(world))
            assert outcome.undo_id and outcome.undo_until, f"{tool} example {number}: no undo offered"
            assert records_of(user) != before, f"{tool} example {number} changed nothing"
            until = datetime.datetime.fromisoformat(outcome.undo_until)
            assert timezone.now() + datetime.timedelta(minutes=9) < until <= timezone.now() + datetime.timedelta(
                minutes=10)

            result = undo.change_undo(user=user, undo_id=outcome.undo_id)
            assert result.status == "done", f"{tool} example {number}: {result.message}"
            assert records_of(user) == before, f"{tool} example {number}: not everything went back"


@pytest.mark.django_db
class TestUndoRefusals:
    def log_groceries(self, user, **ctx):
        return run(user, "log_expense", {"amount": "45.00", "category": "groceries", "date": later(-1)}, **ctx)

    def test_it_is_refused_after_ten_minutes_and_nothing_changes(self, alice):
        outcome = self.log_groceries(alice)
        past = timezone.now() - datetime.timedelta(seconds=1)
        UndoableChange.objects.filter(id=outcome.undo_id).update(expires_at=past)

        result = undo.change_undo(user=alice, undo_id=outcome.undo_id)
        assert result.status == "expired"
        assert result.message == "That can only be undone for 10 minutes, so it stays as it is."
        assert Expense.objects.filter(user=alice, category="groceries").exists()

    def test_a_later_edit_is_never_lost(self, alice):
        outcome = self.log_groceries(alice)
        expense_id = outcome.result["expense"]["id"]
        finance_services.expense_update(user=alice, expense_id=expense_id, amount=Decimal("52"))

        result = undo.change_undo(user=alice, undo_id=outcome.undo_id)
        assert result.status == "conflict"
        assert result.message == "That expense has changed since; undo would lose the later edit. Nothing was changed."
        assert Expense.objects.get(id=expense_id).amount == Decimal("52.00")
        assert UndoableChange.objects.get(id=outcome.undo_id).undone_at is None

    def test_a_row_deleted_since_is_a_conflict(self, alice):
        outcome = self.log_groceries(alice)
        finance_services.expense_delete(user=alice, expense_id=outcome.result["expense"]["id"])

        result = undo.change_undo(user=alice, undo_id=outcome.undo_id)
        assert result.status == "conflict" and "has been deleted since" in result.message

    def test_what_was_added_is_kept_when_later_records_depend_on_it(self, alice):
        outcome = run(alice, "add_vehicle", {"name": "Minnie", "odometer_miles": 50000})
        vehicle = Vehicle.objects.get(id=outcome.result["vehicle"]["id"])
        # A fill-up logged afterwards (an older reading: the odometer stays as the tool left it).
        travel_services.fuel_log_create(user=alice, date=today(), odometer_miles=49000, total_cost=Decimal("120"),
                                        price_per_gallon=Decimal("4"))

        result = undo.change_undo(user=alice, undo_id=outcome.undo_id)
        assert result.status == "conflict"
        assert "Other records now depend on what it added (a fuel log)" in result.message
        assert Vehicle.objects.filter(id=vehicle.id).exists() and FuelLog.objects.filter(vehicle=vehicle).exists()

    def test_it_is_undone_once(self, alice):
        outcome = self.log_groceries(alice)
        assert undo.change_undo(user=alice, undo_id=outcome.undo_id).status == "done"
        again = undo.change_undo(user=alice, undo_id=outcome.undo_id)
        assert (again.status, again.message) == ("already_undone", "That was already undone.")

    def test_bob_cannot_undo_alices_change(self, alice, bob):
        outcome = self.log_groceries(alice)
        with pytest.raises(undo.UndoNotFound):
            undo.change_undo(user=bob, undo_id=outcome.undo_id)
        with pytest.raises(undo.UndoNotFound):
            undo.change_undo(user=alice, undo_id=uuid.uuid4())
        assert Expense.objects.filter(user=alice, category="groceries").exists()
        # Nor through the chat: his "undo that" finds none of hers.
        refused = call_tool("undo_last_action", {}, context(bob))
        assert refused.status == "error" and "haven't changed anything" in refused.result["error"]
        by_id = call_tool("undo_last_action", {"undo_id": outcome.undo_id}, context(bob))
        assert by_id.status == "error" and by_id.result["error"] == "There is no such change to undo."
        assert Expense.objects.filter(user=alice, category="groceries").exists()

    def test_reads_and_writes_that_change_nothing_offer_no_undo(self, alice):
        assert call_tool("get_budget_status", {}, context(alice)).undo_id is None
        settings = call_tool("set_alert_preferences", {}, context(alice))
        assert settings.status == "ok" and settings.undo_id is None
        assert not UndoableChange.objects.exists()

    def test_a_write_tool_that_fails_part_way_changes_nothing(self, alice, two_step_tool):
        failed = call_tool(two_step_tool, {}, context(alice))
        assert failed.status == "error" and failed.result == {"error": "the second step failed"}
        assert failed.undo_id is None
        assert not Expense.objects.filter(user=alice).exists(), "the first step's expense is rolled back"
        assert not UndoableChange.objects.exists()


@pytest.fixture
def two_step_tool():
    """A write tool, registered for one test, whose second step fails after its first wrote."""
    from pydantic import BaseModel

    from assistant import registry

    class NoArgs(BaseModel):
        pass

    def log_then_fail(ctx: ToolContext, args: NoArgs) -> registry.ToolResult:
        """Log an expense, then fail (a test's tool)."""
        finance_services.expense_create(user=ctx.user, amount=Decimal("9"), category="other", date=ctx.today)
        raise registry.ToolError("the second step failed")

    registry.pam_tool(writes=True)(log_then_fail)
    yield "log_then_fail"
    registry._tools.pop("log_then_fail")


@pytest.mark.django_db(transaction=True)
class TestUndoInTheChat:
    """The offline provider, as the socket runs it (tests/assistant/local_turns.py)."""

    def test_undo_that_takes_back_the_expense_just_logged(self, alice):
        chat(alice, "spent $45 on groceries yesterday")
        assert Expense.objects.filter(user=alice, amount=Decimal("45")).exists()

        state = chat(alice, "undo that")
        assert tools_called(state) == ["undo_last_action"]
        assert state.tool_calls[0]["status"] == "ok"
        assert state.text.startswith("Undone: Logged expense ($45.00 · groceries · ")
        assert not Expense.objects.filter(user=alice).exists()
        assert state.ui_actions == [{"type": "reload_expenses"}]

    def test_undo_the_last_expense_skips_a_later_budget_change(self, alice):
        chat(alice, "spent $45 on groceries yesterday")
        chat(alice, "set my grocery budget to $800 a month")

        state = chat(alice, "undo the last expense")
        assert state.tool_calls[0]["input"] == {"undo_id": None, "what": "expense"}
        assert not Expense.objects.filter(user=alice).exists()
        assert alice.budgets.get(category="groceries").monthly_limit == Decimal("800.00")

    @pytest.mark.parametrize("words", ["undo", "Oops, undo that!", "take that back", "can you undo that?"])
    def test_it_understands_the_common_ways_to_say_it(self, alice, words):
        chat(alice, "spent $12 on coffee today")
        state = chat(alice, words)
        assert tools_called(state) == ["undo_last_action"] and state.tool_calls[0]["status"] == "ok"
        assert not Expense.objects.filter(user=alice).exists()

    def test_it_says_why_it_cannot(self, alice):
        state = chat(alice, "undo that")
        assert state.text == ("I couldn't undo that: I haven't changed anything in this conversation that could be "
                              "undone.")

        chat(alice, "spent $45 on groceries yesterday")
        UndoableChange.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
        state = chat(alice, "undo that")
        assert state.text == "I couldn't undo that: That can only be undone for 10 minutes, so it stays as it is."
        assert Expense.objects.filter(user=alice).exists()

    def test_asking_how_explains_and_changes_nothing(self, alice):
        chat(alice, "spent $12 on coffee today")
        state = chat(alice, "how do I undo an expense?")
        assert tools_called(state) == [] and "“undo that” within 10 minutes" in state.text
        assert Expense.objects.filter(user=alice).exists()

    def test_an_expense_at_a_place_called_undo_is_logged_not_undone(self, alice):
        state = chat(alice, "spent $8 at Undo Coffee today")
        assert tools_called(state) == ["log_expense"]


@database_sync_to_async
def expense_ids(user):
    return list(Expense.objects.filter(user=user).values_list("id", flat=True))


async def send_undo(socket, undo_id):
    await socket.send_json_to({"type": "undo", "undo_id": undo_id})
    while True:
        frame = await next_frame(socket, timeout=10)
        if frame["type"] in ("undo_result", "error"):
            return frame


@pytest.mark.django_db(transaction=True)
class TestUndoFromTheToolCard:
    async def test_the_tool_call_offers_undo_and_the_undo_frame_takes_it_back(self, socket_for, alice, bob):
        socket = await socket_for(alice)
        frames, final = await chat_turn(socket, "spent $45 on groceries yesterday")
        [tool_call] = of_type(frames, "tool_call")
        assert tool_call["undo_id"] and datetime.datetime.fromisoformat(tool_call["undo_until"]) > timezone.now()
        saved = await database_sync_to_async(lambda: Message.objects.get(id=final["reply_id"]).tool_calls)()
        assert (saved[0]["undo_id"], saved[0]["undo_until"]) == (tool_call["undo_id"], tool_call["undo_until"])

        bobs = await socket_for(bob)
        refused = await send_undo(bobs, tool_call["undo_id"])
        assert (refused["error_code"], refused["undo_id"]) == ("NOT_FOUND", tool_call["undo_id"])
        assert await expense_ids(alice)

        result = await send_undo(socket, tool_call["undo_id"])
        assert result["type"] == "undo_result" and result["status"] == "done"
        assert result["undo_id"] == tool_call["undo_id"] and result["ui_actions"] == [{"type": "reload_expenses"}]
        assert result["message"].startswith("Undone: Logged expense ($45.00 · groceries")
        assert await expense_ids(alice) == []
        note = await database_sync_to_async(lambda: Message.objects.get(id=result["reply_id"]))()
        assert (note.conversation_id, note.role, note.content) == (final["conversation_id"], "assistant",
                                                                   result["message"])

        again = await send_undo(socket, tool_call["undo_id"])
        assert (again["status"], again["ui_actions"]) == ("already_undone", [])
        bad = await send_undo(socket, "not-a-uuid")
        assert bad["error_code"] == "VALIDATION_ERROR"

    async def test_an_approved_delete_can_be_undone_and_the_expense_comes_back_as_it_was(self, socket_for, alice):
        expense = await database_sync_to_async(finance_services.expense_create)(
            user=alice, amount=Decimal("30"), category="propane", date=today() - datetime.timedelta(days=1),
            merchant="AmeriGas")
        before = await database_sync_to_async(records_of)(alice)
        socket = await socket_for(alice)
        frames, _ = await chat_turn(socket, "delete the $30 propane expense")
        proposed = of_type(frames, "tool_call")[-1]
        await socket.send_json_to({"type": "confirm_action", "action_id": proposed["action_id"], "approved": True})
        approved = await next_frame(socket, timeout=10)
        assert approved["type"] == "action_result" and approved["status"] == "done" and approved["undo_id"]
        assert await expense_ids(alice) == []

        # "undo that" in the same conversation finds the approved deletion.
        frames, final = await chat_turn(socket, "undo that", conversation_id=approved["conversation_id"])
        assert final["message"].startswith("Undone: Deleted expense ($30.00 · propane")
        assert await expense_ids(alice) == [expense.id]
        assert await database_sync_to_async(records_of)(alice) == before


@pytest.mark.django_db
class TestTheChatPage:
    def test_a_reloaded_page_offers_undo_until_it_is_used(self, client, alice):
        outcome = run(alice, "log_expense", {"amount": "45.00", "category": "groceries", "date": later(-1)},
                      conversation_id=None)
        from assistant.services import message_receive, message_reply_create

        message, _ = message_receive(user=alice, client_message_id=uuid.uuid4(), text="spent $45 on groceries")
        message_reply_create(user_message=message, content="Logged.", status="complete",
                             tool_calls=[outcome.as_record()], provider="local", model="pam-local-1", usage={},
                             latency_ms=5)
        UndoableChange.objects.filter(id=outcome.undo_id).update(conversation_id=message.conversation_id)
        client.force_login(alice)

        page = client.get(f"/?c={message.conversation_id}").content.decode()
        assert f'data-undo-id="{outcome.undo_id}"' in page and 'data-undo="available"' in page
        assert "data-undo-button" in page

        undo.change_undo(user=alice, undo_id=outcome.undo_id)
        page = client.get(f"/?c={message.conversation_id}").content.decode()
        assert 'data-undo="undone"' in page and "data-undo-button" not in page and "Undone" in page

        UndoableChange.objects.filter(id=outcome.undo_id).update(undone_at=None, expires_at=timezone.now())
        page = client.get(f"/?c={message.conversation_id}").content.decode()
        assert 'data-undo="expired"' in page and "data-undo-button" not in page


@pytest.mark.django_db
def test_staff_can_read_undo_records_in_the_admin(client, django_user_model, alice):
    outcome = run(alice, "log_expense", {"amount": "45.00", "category": "groceries", "date": later(-1)})
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "root-password-123"))

    listing = client.get("/admin/assistant/undoablechange/")
    assert listing.status_code == 200 and "Logged expense ($45.00 · groceries" in listing.content.decode()
    detail = client.get(f"/admin/assistant/undoablechange/{outcome.undo_id}/change/")
    assert detail.status_code == 200 and "finance.expense" in detail.content.decode()
    assert client.get("/admin/assistant/undoablechange/add/").status_code == 403


class TestUndoInTheBrowser:
    async def test_alice_undoes_an_expense_from_its_card_and_the_card_says_so_after_a_reload(
        self, live_pam, browser_page, alice
    ):
        from playwright.async_api import expect

        from tests.browser_support import failure_report, keep_screenshot, open_chat

        base_url, server_output = live_pam
        page = browser_page
        page_errors = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        async with failure_report(page, "browser-undo", server_output, **{"Page errors": lambda: page_errors}):
            await open_chat(page, base_url, "alice")
            await page.fill("#composer", "I spent $45.20 on groceries yesterday")
            await page.press("#composer", "Enter")

            card = page.locator('li.tool-card[data-tool="log_expense"]')
            await expect(card.get_by_role("button", name="Undo")).to_be_visible()
            assert len(await expense_ids(alice)) == 1
            await keep_screenshot(page, "browser-undo-offered")
            await card.get_by_role("button", name="Undo").click()

            await expect(card.locator(".tool-card__undone")).to_have_text("Undone")
            await expect(card.get_by_role("button", name="Undo")).to_have_count(0)
            note = page.locator('article.msg[data-role="assistant"]').last.locator(".msg__text")
            await expect(note).to_contain_text("Undone: Logged expense ($45.20 · groceries")
            assert await expense_ids(alice) == []
            await keep_screenshot(page, "browser-undo-done")

            # After a reload the card still says so, and offers nothing more.
            await page.reload()
            await page.wait_for_selector('body[data-pam-ready="1"]')
            card = page.locator('li.tool-card[data-tool="log_expense"]')
            await expect(card.locator(".tool-card__undone")).to_have_text("Undone")
            await expect(card.get_by_role("button", name="Undo")).to_have_count(0)

            # "undo that" in the chat settles the card it undid too.
            await page.fill("#composer", "spent $12 on coffee today")
            await page.press("#composer", "Enter")
            coffee = page.locator('li.tool-card[data-tool="log_expense"]').last
            await expect(coffee.get_by_role("button", name="Undo")).to_be_visible()
            await page.fill("#composer", "undo that")
            await page.press("#composer", "Enter")
            undid = page.locator('li.tool-card[data-tool="undo_last_action"]')
            await expect(undid.locator(".tool-card__name")).to_have_text("Undid")
            await expect(undid.locator(".tool-card__summary")).to_contain_text("Logged expense ($12.00 · dining")
            await expect(coffee.locator(".tool-card__undone")).to_have_text("Undone")
            assert await expense_ids(alice) == []

            # A fresh write's Undo goes away on its own when its time is up, on a re-rendered page too.
            await page.fill("#composer", "spent $9 on ice today")
            await page.press("#composer", "Enter")
            ice = page.locator('li.tool-card[data-tool="log_expense"]').last
            await expect(ice).to_contain_text("$9.00")
            await expire_latest_change_soon(alice, seconds=4)
            await page.reload()
            await page.wait_for_selector('body[data-pam-ready="1"]')
            ice = page.locator('li.tool-card[data-tool="log_expense"]').last
            await expect(ice.get_by_role("button", name="Undo")).to_be_visible()
            await expect(ice.get_by_role("button", name="Undo")).to_have_count(0)
            assert len(await expense_ids(alice)) == 1
            assert page_errors == []


@database_sync_to_async
def expire_latest_change_soon(user, seconds):
    """Let the user's latest change be undone for only ``seconds`` more, as if made long ago."""
    until = timezone.now() + datetime.timedelta(seconds=seconds)
    change = UndoableChange.objects.filter(user=user).order_by("-created_at").first()
    change.expires_at = until
    change.save(update_fields=["expires_at"])
    for message in Message.objects.filter(user=user, role="assistant"):
        calls = [dict(call, undo_until=until.isoformat()) if call.get("undo_id") == str(change.id) else call
                 for call in message.tool_calls]
        if calls != message.tool_calls:
            message.tool_calls = calls
            message.save(update_fields=["tool_calls"])
