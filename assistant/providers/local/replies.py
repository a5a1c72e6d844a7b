"""The offline provider's answers, written from tool results only: it says what the tools
report and nothing more, so it never claims an action that did not happen."""

import datetime
from decimal import Decimal

from finance.models import Category
from finance.money import format_money


def _label(category: str | None) -> str:
    return Category(category).label.lower() if category else "everything"


def _day(value: str, today: datetime.date) -> str:
    day = datetime.date.fromisoformat(value)
    if day == today:
        return "today"
    if day == today - datetime.timedelta(days=1):
        return "yesterday"
    if day.year == today.year:
        return f"{day:%A}, {day:%b} {day.day}"
    return f"{day:%b} {day.day}, {day.year}"


def _percent(value: float) -> str:
    return f"{value:.0f}%"


def _budget_line(item: dict, currency: str) -> str:
    spent = format_money(item["spent"], currency)
    limit = format_money(item["monthly_limit"], currency)
    line = f"• {Category(item['category']).label}: {spent} of {limit} ({_percent(item['percent_used'])})"
    remaining = Decimal(item["remaining"])
    if item["state"] == "over":
        return f"{line} — over by {format_money(-remaining, currency)}"
    line += f" — {format_money(remaining, currency)} left"
    if item["state"] == "near":
        line += f" ⚠ past your {item['alert_threshold_percent']}% alert"
    return line


def log_expense(data: dict, today: datetime.date) -> str:
    expense, currency = data["expense"], data["currency"]
    where = f" at {expense['merchant']}" if expense["merchant"] else ""
    text = (
        f"Logged {format_money(expense['amount'], currency)} for {_label(expense['category'])}{where} "
        f"{'on ' if _day(expense['date'], today) not in ('today', 'yesterday') else ''}"
        f"{_day(expense['date'], today)}."
    )
    budget = data.get("budget")
    if budget:
        spent = format_money(budget["spent"], currency)
        limit = format_money(budget["monthly_limit"], currency)
        remaining = Decimal(budget["remaining"])
        if budget["state"] == "over":
            text += (
                f" You're now {format_money(-remaining, currency)} over your {_label(expense['category'])} budget "
                f"this month ({spent} of {limit})."
            )
        else:
            text += (
                f" That's {spent} of your {limit} {_label(expense['category'])} budget this month "
                f"({_percent(budget['percent_used'])}), {format_money(remaining, currency)} left."
            )
            if budget["state"] == "near":
                text += f" Heads-up: you're past your {budget['alert_threshold_percent']}% alert."
    elif expense["date"][:7] == today.isoformat()[:7]:
        text += (
            f" You've spent {format_money(data['category_spent_this_month'], currency)} on "
            f"{_label(expense['category'])} this month (no budget set for it)."
        )
    return text


def _period_phrase(data: dict, today: datetime.date) -> str:
    period = data.get("period")
    named = {
        "this_week": "this week",
        "this_month": "this month",
        "last_7_days": "in the last 7 days",
        "last_30_days": "in the last 30 days",
        "this_year": "this year",
    }
    if period in named:
        return named[period]
    start, end = datetime.date.fromisoformat(data["start"]), datetime.date.fromisoformat(data["end"])
    if period == "last_month":
        return f"in {start:%B}"
    if start == end:
        return _day(data["start"], today) if _day(data["start"], today) in ("today", "yesterday") else (
            f"on {_day(data['start'], today)}"
        )
    return f"between {start:%b} {start.day} and {end:%b} {end.day}"


def get_spending_summary(data: dict, today: datetime.date) -> str:
    currency, when = data["currency"], _period_phrase(data, today)
    category = data.get("category")
    if data["count"] == 0:
        what = f"{_label(category)} expenses" if category else "expenses"
        return f"You haven't logged any {what} {when}."
    count = f"{data['count']} expense{'s' if data['count'] != 1 else ''}"
    if category:
        return f"You spent {format_money(data['total'], currency)} on {_label(category)} {when} ({count})."
    lines = [f"You spent {format_money(data['total'], currency)} {when} ({count}):"]
    lines += [
        f"• {Category(row['category']).label}: {format_money(row['total'], currency)}" for row in data["by_category"]
    ]
    return "\n".join(lines)


def get_budget_status(data: dict, today: datetime.date) -> str:
    currency, days_left = data["currency"], data["days_left"]
    month = datetime.date.fromisoformat(data["month"] + "-01").strftime("%B")
    category = data.get("category")
    budgets = data["budgets"]
    days = f"{days_left} day{'s' if days_left != 1 else ''} left in {month}"
    if category:
        if not budgets:
            spent = data["unbudgeted"][0]["spent"] if data["unbudgeted"] else "0"
            return (
                f"You don't have a {_label(category)} budget yet. You've spent {format_money(spent, currency)} on "
                f"{_label(category)} this month. Say “set my {_label(category)} budget to …” to add one."
            )
        return f"{_budget_line(budgets[0], currency)[2:]}, with {days}."
    if not budgets:
        return (
            f"You haven't set any budgets yet. You've spent {format_money(data['total_spent'], currency)} this month. "
            "Say “set my fuel budget to $600 a month” to add one."
        )
    over = [Category(item["category"]).label.lower() for item in budgets if item["state"] == "over"]
    near = [Category(item["category"]).label.lower() for item in budgets if item["state"] == "near"]
    if over:
        lead = f"You're over budget on {', '.join(over)}."
    elif near:
        verb = "is" if len(near) == 1 else "are"
        lead = f"You're within your budgets, but {', '.join(near)} {verb} close to the limit."
    else:
        lead = "You're within all your budgets so far."
    lines = [f"{lead} Here's {month} with {days_left} day{'s' if days_left != 1 else ''} to go:"]
    lines += [_budget_line(item, currency) for item in budgets]
    lines.append(
        f"Overall: {format_money(data['total_spent_budgeted'], currency)} of "
        f"{format_money(data['total_limit'], currency)} budgeted."
    )
    if data["unbudgeted"]:
        extra = sum(Decimal(row["spent"]) for row in data["unbudgeted"])
        names = ", ".join(Category(row["category"]).label.lower() for row in data["unbudgeted"])
        lines.append(f"Plus {format_money(extra, currency)} with no budget ({names}).")
    return "\n".join(lines)


def set_budget(data: dict, today: datetime.date) -> str:
    budget, currency = data["budget"], data["currency"]
    label = _label(budget["category"])
    text = f"Your {label} budget is now {format_money(budget['monthly_limit'], currency)} a month"
    if data["previous_limit"] and Decimal(data["previous_limit"]) != Decimal(budget["monthly_limit"]):
        text += f" (it was {format_money(data['previous_limit'], currency)})"
    text += "."
    spent = Decimal(budget["spent"])
    if spent > 0:
        remaining = Decimal(budget["remaining"])
        standing = (
            f"{format_money(remaining, currency)} left"
            if remaining >= 0
            else f"{format_money(-remaining, currency)} over"
        )
        text += (
            f" So far this month you've spent {format_money(spent, currency)} of it "
            f"({_percent(budget['percent_used'])}), {standing}."
        )
    return text


COMPOSERS = {
    "log_expense": log_expense,
    "get_spending_summary": get_spending_summary,
    "get_budget_status": get_budget_status,
    "set_budget": set_budget,
}

FAILED = {
    "log_expense": "I couldn't log that expense",
    "get_spending_summary": "I couldn't get your spending",
    "get_budget_status": "I couldn't read your budgets",
    "set_budget": "I couldn't set that budget",
}


def compose(tool: str, data: dict, is_error: bool, today: datetime.date) -> str:
    """A sentence or a short list answering from one tool result."""
    if is_error:
        reason = data.get("error", "something went wrong")
        return f"{FAILED.get(tool, 'That did not work')}: {reason}"
    composer = COMPOSERS.get(tool)
    if composer is None:
        return f"I ran {tool}; it finished without errors."
    return composer(data, today)
