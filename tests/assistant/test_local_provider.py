"""The offline provider's understanding: the shared eval cases (copied into tests/fixtures) and
more of the ordinary ways people say the same things, then its answers to tool results fed back
to it. Read on a fixed local day, a Saturday. Whole turns against the database are in
test_local_flows.py."""

import datetime
import json
import re
import zoneinfo
from pathlib import Path

import pytest

from assistant.providers.base import ModelRequest
from assistant.providers.local import LocalProvider
from assistant.providers.local.understanding import Reply, ToolRequest, understand

TODAY = datetime.date(2026, 11, 21)  # a Saturday
FIXTURES = Path(__file__).parent.parent / "fixtures"


def load_cases(name):
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines() if line.strip()]


CASES = load_cases("finance_cases.jsonl")
TRAVEL_CASES = load_cases("travel_cases.jsonl")
RELATIVE_DAY = re.compile(r"^([+-]?\d+)d(T\d\d:\d\d)?$")


def expected_value(key, value):
    """A day in the fixtures is relative to the user's local today: "-1d" is yesterday, "+6d" next
    Friday, "+3dT14:00" next Tuesday at 2 PM (the user's wall-clock time)."""
    match = RELATIVE_DAY.match(value) if isinstance(value, str) else None
    if match:
        day = (TODAY + datetime.timedelta(days=int(match.group(1)))).isoformat()
        return day + (match.group(2) or "")
    return value


def assert_understood(utterance, tool, args):
    result = understand(utterance, TODAY)
    if tool is None:
        assert isinstance(result, Reply), f"{utterance!r} should call no tool, got {result}"
        return
    assert isinstance(result, ToolRequest) and result.name == tool, f"{utterance!r} → {result}"
    for key, value in args.items():
        assert result.input.get(key) == expected_value(key, value), f"{utterance!r}: {key} = {result.input}"


@pytest.mark.parametrize("case", CASES, ids=[case["utterance"] for case in CASES])
def test_it_handles_every_eval_case(case):
    assert_understood(case["utterance"], case["tool"], case["args"])


@pytest.mark.parametrize("case", TRAVEL_CASES, ids=[case["utterance"] for case in TRAVEL_CASES])
def test_it_handles_every_travel_case(case):
    assert_understood(case["utterance"], case["tool"], case["args"])


MORE_PHRASINGS = [
    ("Filled up with diesel for $98.40 at Love's", "log_expense",
     {"amount": "98.40", "category": "fuel", "date": "0d", "merchant": "Love's"}),
    ("paid 45 dollars for the RV park two days ago", "log_expense",
     {"amount": "45.00", "category": "campground", "date": "-2d"}),
    ("Can you log $12.50 for laundry?", "log_expense", {"amount": "12.50", "category": "supplies"}),
    ("groceries 63.18", "log_expense", {"amount": "63.18", "category": "groceries"}),
    ("$8 ice cream", "log_expense", {"amount": "8.00", "category": "dining"}),
    ("Propane refill at the KOA, $24.60", "log_expense", {"amount": "24.60", "category": "propane", "merchant": "KOA"}),
    ("Starlink bill $120 on Nov 3", "log_expense", {"amount": "120.00", "category": "connectivity",
                                                     "date": "2026-11-03"}),
    ("I paid $200 for new tires last Friday", "log_expense",
     {"amount": "200.00", "category": "maintenance", "date": "2026-11-20"}),
    ("Dropped $65.40 at Walmart on groceries on 11/18", "log_expense",
     {"amount": "65.40", "category": "groceries", "merchant": "Walmart", "date": "2026-11-18"}),
    ("bought 2 tires for 300", "log_expense", {"amount": "300.00", "category": "maintenance"}),
    ("3 nights at the campground cost $105", "log_expense", {"amount": "105.00", "category": "campground"}),
    ("$1.2k for the generator repair", "log_expense", {"amount": "1200.00", "category": "maintenance"}),
    ("I spent 45", "log_expense", {"amount": "45.00", "category": "other"}),
    ("What did I spend yesterday?", "get_spending_summary", {"start_date": "2026-11-20", "end_date": "2026-11-20"}),
    ("how much did I spend on dining in October", "get_spending_summary",
     {"category": "dining", "start_date": "2026-10-01", "end_date": "2026-10-31"}),
    ("How much did I spend last week?", "get_spending_summary",
     {"start_date": "2026-11-09", "end_date": "2026-11-15"}),
    ("show me my expenses for the past 30 days", "get_spending_summary", {"period": "last_30_days"}),
    ("What's my total spending this year?", "get_spending_summary", {"period": "this_year"}),
    ("how much have I spent on campgrounds this week?", "get_spending_summary",
     {"period": "this_week", "category": "campground"}),
    ("Is my fuel budget ok?", "get_budget_status", {"category": "fuel"}),
    ("how much do I have left for groceries?", "get_budget_status", {"category": "groceries"}),
    ("budget status", "get_budget_status", {}),
    ("raise the propane budget to $100", "set_budget", {"category": "propane", "monthly_limit": "100.00"}),
    ("budget $250 for maintenance", "set_budget", {"category": "maintenance", "monthly_limit": "250.00"}),
    ("I'm going to spend $40 on gas tomorrow", None, {}),
    ("should I buy a $300 generator?", None, {}),
    # A what-if gets the budget to judge by (a read), never a write.
    ("If I spend $50 on dinner will I be over?", "get_budget_status", {"category": "dining"}),
    ("spent $40 on gas next week", None, {}),
    ("log $25 for propane next Tuesday", None, {}),
    ("add $60 campsite fee in 3 days", None, {}),
    ("thanks!", None, {}),
    ("what's the weather in Moab?", "get_weather_forecast", {"place": "Moab", "days": 7}),
    ("I bought groceries yesterday", None, {}),
    ("log it", None, {}),
    ("set my budget", None, {}),
    ("", None, {}),
    # New abilities, and wording near them that must stay a read or nothing.
    ("I logged that twice, delete the last one", "list_expenses", {"limit": 1}),
    ("remove the last $12 coffee", "list_expenses", {"amount": "12.00", "category": "dining", "limit": 1}),
    # "last 3" is how many to show, not an amount to log.
    ("show my last 3 expenses", "list_expenses", {"limit": 3}),
    ("list my last three expenses", "list_expenses", {"limit": 3}),
    ("move the Safeway one from dining to groceries", "list_expenses", {"text": "Safeway", "category": "dining"}),
    ("received $45 in dividends", "log_income", {"amount": "45.00", "kind": "other", "source": "Dividends"}),
    ("paid $38 for a campsite on May 3", "log_expense", {"amount": "38.00", "date": "2026-05-03"}),
    ("log my $95 insurance every month starting Dec 1", "log_expense", {"repeats": "monthly", "date": "2026-12-01"}),
    ("what's my spending forecast for this month?", "predict_end_of_month", {}),
    ("Am I overspending on fuel?", "get_budget_status", {"category": "fuel"}),
    ("what's the weather forecast in Moab?", "get_weather_forecast", {"place": "Moab"}),
    ("am I on track for my trip?", None, {}),
    ("How do I delete an expense?", None, {}),
    ("change my pension to $1,300", None, {}),
    ("Lunch was great, not too pricey", None, {}),
    ("I spent $40 on gas, not diesel", "log_expense", {"amount": "40.00", "category": "fuel"}),
    ("bought a new propane tank for $60 and got rid of the old one", "log_expense",
     {"amount": "60.00", "category": "propane"}),
]


@pytest.mark.parametrize("utterance,tool,args", MORE_PHRASINGS, ids=[case[0] or "(empty)" for case in MORE_PHRASINGS])
def test_it_handles_ordinary_phrasings(utterance, tool, args):
    assert_understood(utterance, tool, args)


class TestReplies:
    def test_unknown_wording_says_so_and_lists_what_pam_can_do(self):
        reply = understand("what's the meaning of life?", TODAY)
        assert "haven't changed anything" in reply.text and "Log an expense" in reply.text

    def test_it_asks_for_the_missing_amount_instead_of_guessing(self):
        assert understand("I bought groceries yesterday", TODAY).text.startswith("How much was groceries?")

    def test_it_refuses_to_log_a_future_expense(self):
        reply = understand("log $38 for the campsite tomorrow", TODAY)
        assert isinstance(reply, Reply) and "November 22 is still ahead" in reply.text

    def test_a_month_and_day_without_a_year_is_the_last_one_past(self):
        assert understand("paid $38 for a campsite on Dec 24", TODAY).input["date"] == "2025-12-24"
    def test_a_rhythm_the_tools_cannot_hold_is_not_logged(self):
        reply = understand("I get $500 every two weeks from my job", TODAY)
        assert isinstance(reply, Reply) and reply.text.startswith("I can repeat things weekly, monthly or yearly, "
                                                                  "but not every two weeks, so I haven't logged")

    def test_it_does_not_delete_a_budget_and_says_so(self):
        assert understand("delete my fuel budget", TODAY).text.startswith(
            "I can only delete expenses from here, so I haven't touched your budget.")

    def test_a_correction_without_a_new_value_asks_for_one(self):
        reply = understand("change the propane expense", TODAY)
        assert isinstance(reply, Reply) and "haven't changed anything" in reply.text

    def test_a_correction_to_a_future_day_is_refused(self):
        reply = understand("change the date of the propane expense to Nov 25, 2026", TODAY)
        assert isinstance(reply, Reply) and "November 25 is still ahead" in reply.text

    def test_the_capabilities_name_every_new_ability(self):
        text = understand("what can you do?", TODAY).text
        for ability in ("Log income", "Fix or delete an expense", "List or export", "Look ahead"):
            assert ability in text


NOW = datetime.datetime(2026, 11, 21, 19, 0, tzinfo=datetime.UTC)  # noon in Denver
DENVER = zoneinfo.ZoneInfo("America/Denver")
PROPANE = {"id": 7, "amount": "30.00", "category": "propane", "date": "2026-11-03", "description": "propane",
           "merchant": "AmeriGas", "location": "", "tags": [], "recurring": False}


def listing(*expenses, count=None):
    return {"start": "2026-08-24", "end": "2026-11-21", "period": None, "total": "30.00", "currency": "USD",
            "count": len(expenses) if count is None else count, "expenses": list(expenses)}


async def next_step(user_text, tool, tool_input, result, *, is_error=False, currency="USD"):
    """Feed one tool result back to the provider after ``user_text``; returns its MessageDone."""
    messages = [
        {"role": "user", "content": user_text},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": tool, "input": tool_input}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": json.dumps(result),
                                      "is_error": is_error}]},
    ]
    request = ModelRequest(system_static="", user_context="", volatile="", messages=messages, tools=[], now=NOW,
                           timezone=DENVER, currency=currency)
    events = [event async for event in LocalProvider().stream(request)]
    return events[-1]


def text_of(done):
    return done.content[0]["text"]


class TestToolResults:
    async def test_one_listed_expense_for_a_delete_request_becomes_the_delete_call(self):
        done = await next_step("delete the $30 propane expense", "list_expenses", {}, listing(PROPANE))
        assert done.stop_reason == "tool_use"
        assert (done.tool_uses[0]["name"], done.tool_uses[0]["input"]) == ("delete_expense", {"expense_id": 7})

    async def test_the_same_listing_for_a_question_is_just_listed(self):
        done = await next_step("show my propane expenses", "list_expenses", {"category": "propane"}, listing(PROPANE))
        assert done.stop_reason == "end_turn"
        assert text_of(done) == ("You have 1 propane expense in the last 90 days, $30.00 in all:\n"
                                 "• Nov 3 — $30.00 propane at AmeriGas")

    async def test_a_listed_expense_that_does_not_fit_the_request_is_not_deleted(self):
        # Listed with other filters (another model's call): a $45 expense is not "the $30 propane expense".
        done = await next_step("delete the $30 propane expense", "list_expenses", {},
                               listing({**PROPANE, "amount": "45.00"}))
        assert done.stop_reason == "end_turn" and "haven't deleted anything" in text_of(done)

    async def test_more_matches_than_were_listed_is_a_question(self):
        done = await next_step("delete the $30 propane expense", "list_expenses", {}, listing(PROPANE, count=3))
        assert done.stop_reason == "end_turn" and text_of(done).startswith("3 expenses fit that")

    async def test_a_proposed_delete_asks_for_approval_in_the_users_currency(self):
        proposal = {"expense": PROPANE, "action_id": "a1", "summary": "Delete …", "status": "needs_confirmation"}
        done = await next_step("delete the $30 propane expense", "delete_expense", {"expense_id": 7}, proposal,
                               currency="EUR")
        assert text_of(done) == ("I found the €30.00 propane expense from Nov 3 (AmeriGas). "
                                 "Tap Approve to delete it, or Cancel to keep it.")
        assert "deleted" not in text_of(done).lower()

    async def test_a_failed_tool_is_reported_not_followed_up(self):
        done = await next_step("delete the $30 propane expense", "list_expenses", {}, {"error": "boom"}, is_error=True)
        assert text_of(done) == "I couldn't list your expenses: boom"

    async def test_an_empty_export_still_gives_the_link(self):
        result = {"url": "/api/v1/exports/expenses.csv?start=2026-10-01&end=2026-10-31", "count": 0, "total": "0.00",
                  "currency": "USD", "start": "2026-10-01", "end": "2026-10-31", "category": "fuel"}
        done = await next_step("export my fuel expenses for last month", "export_expenses", {}, result)
        assert text_of(done) == ("You have no fuel expenses from Oct 1 to Oct 31, so the file would be empty. "
                                 f"Here's the link anyway: {result['url']}")

    async def test_a_month_within_budget_says_so(self):
        result = {"month": "2026-11", "days_elapsed": 21, "days_in_month": 30, "is_early": False, "currency": "USD",
                  "categories": [{"category": "fuel", "spent": "300.00", "projected": "428.57",
                                  "monthly_limit": "600.00", "projected_over": None, "state": "ok"}],
                  "total_spent": "300.00", "total_projected": "428.57", "total_limit": "600.00", "over_budget": []}
        done = await next_step("am I on track this month?", "predict_end_of_month", {}, result)
        assert text_of(done) == ("At this pace you'll stay within your budgets in November:\n"
                                 "• Fuel: about $428.57 of $600.00\n"
                                 "In all you're heading for about $428.57 this month ($300.00 so far, day 21 of 30).")
