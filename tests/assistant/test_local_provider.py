"""The offline provider's understanding: the shared eval cases (copied into tests/fixtures) and
more of the ordinary ways people say the same things. Read on a fixed local day, a Saturday."""

import datetime
import json
from pathlib import Path

import pytest

from assistant.providers.local.understanding import Reply, ToolRequest, understand

TODAY = datetime.date(2026, 11, 21)  # a Saturday
CASES = [json.loads(line) for line in (Path(__file__).parent.parent / "fixtures" / "finance_cases.jsonl")
         .read_text().splitlines() if line.strip()]


def expected_value(key, value):
    if key == "date" and isinstance(value, str) and value.endswith("d"):
        return (TODAY + datetime.timedelta(days=int(value[:-1]))).isoformat()
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
    ("what's the weather in Moab?", None, {}),
    ("I bought groceries yesterday", None, {}),
    ("log it", None, {}),
    ("set my budget", None, {}),
    ("", None, {}),
]


@pytest.mark.parametrize("utterance,tool,args", MORE_PHRASINGS, ids=[case[0] or "(empty)" for case in MORE_PHRASINGS])
def test_it_handles_ordinary_phrasings(utterance, tool, args):
    assert_understood(utterance, tool, args)


class TestReplies:
    def test_unknown_wording_says_so_and_lists_what_pam_can_do(self):
        reply = understand("what's the weather in Moab?", TODAY)
        assert "haven't changed anything" in reply.text and "Log an expense" in reply.text

    def test_it_asks_for_the_missing_amount_instead_of_guessing(self):
        assert understand("I bought groceries yesterday", TODAY).text.startswith("How much was groceries?")

    def test_it_refuses_to_log_a_future_expense(self):
        reply = understand("log $38 for the campsite tomorrow", TODAY)
        assert isinstance(reply, Reply) and "November 22 is still ahead" in reply.text

    def test_a_month_and_day_without_a_year_is_the_last_one_past(self):
        assert understand("paid $38 for a campsite on Dec 24", TODAY).input["date"] == "2025-12-24"
