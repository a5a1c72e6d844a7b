"""The offline provider's answers, written from tool results only: it says what the tools
report and nothing more, so it never claims an action that did not happen."""

import datetime
from decimal import Decimal

from finance.models import Category
from finance.money import format_money
from finance.recurrence import next_occurrence


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


_EVERY = {"weekly": "every week", "monthly": "every month", "yearly": "every year"}


def _repeats_note(recurring: dict | None, today: datetime.date) -> str:
    if not recurring:
        return ""
    # Everything due up to today is posted when it is logged, so the next one is the first after
    # today (computed, since the result's next_due_on may predate that posting).
    starts_on = datetime.date.fromisoformat(recurring["starts_on"])
    next_due = next_occurrence(starts_on, recurring["frequency"], today)
    return (f" It repeats {_EVERY.get(recurring['frequency'], recurring['frequency'])}; the next one will be logged "
            f"{_on(next_due.isoformat(), today)}.")


def _on(value: str, today: datetime.date) -> str:
    """ "today", "yesterday" or "on Tuesday, Nov 3": a day after a verb."""
    day = _day(value, today)
    return day if day in ("today", "yesterday") else f"on {day}"


def _not_started(recurring: dict, what: str, currency: str, today: datetime.date) -> str:
    every = _EVERY.get(recurring["frequency"], recurring["frequency"])
    return (
        f"Set up {what} of {format_money(recurring['amount'], currency)} {every}, "
        f"starting {_day(recurring['starts_on'], today)}. Nothing is logged until then."
    )


def log_expense(data: dict, today: datetime.date, arguments: dict) -> str:
    expense, currency = data["expense"], data["currency"]
    if expense is None:
        return _not_started(data["recurring"], "a repeating bill", currency, today)
    where = f" at {expense['merchant']}" if expense["merchant"] else ""
    text = (
        f"Logged {format_money(expense['amount'], currency)} for {_label(expense['category'])}{where} "
        f"{_on(expense['date'], today)}."
    )
    text += _repeats_note(data.get("recurring"), today)
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


def get_spending_summary(data: dict, today: datetime.date, arguments: dict) -> str:
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


def get_budget_status(data: dict, today: datetime.date, arguments: dict) -> str:
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


def set_budget(data: dict, today: datetime.date, arguments: dict) -> str:
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


def _short_day(value: str, today: datetime.date) -> str:
    """ "today", "yesterday", "Nov 3", or "Nov 3, 2025" outside this year."""
    day = datetime.date.fromisoformat(value)
    if day == today:
        return "today"
    if day == today - datetime.timedelta(days=1):
        return "yesterday"
    return f"{day:%b} {day.day}" if day.year == today.year else f"{day:%b} {day.day}, {day.year}"


def _expense_name(expense: dict, currency: str, today: datetime.date) -> str:
    """ "the $30.00 propane expense from Nov 3 (AmeriGas)"."""
    label = _label(expense["category"])
    detail = expense.get("merchant") or expense.get("location") or (
        expense.get("description") if (expense.get("description") or label) != label else ""
    )
    return (f"the {format_money(expense['amount'], currency)} {label} expense from "
            f"{_short_day(expense['date'], today)}{f' ({detail})' if detail else ''}")


def _expense_line(expense: dict, currency: str, today: datetime.date) -> str:
    label = _label(expense["category"])
    line = f"• {_short_day(expense['date'], today)} — {format_money(expense['amount'], currency)} {label}"
    if expense.get("merchant"):
        line += f" at {expense['merchant']}"
    if expense.get("location"):
        line += f", {expense['location']}"
    if expense.get("description") and expense["description"].lower() != label:
        line += f" ({expense['description']})"
    if expense.get("recurring"):
        line += " · repeating"
    return line


def _range_phrase(data: dict, today: datetime.date) -> str:
    """When a listing covers: "this week", "in October", "from Nov 3", "in the last 90 days"."""
    if data.get("period"):
        return _period_phrase(data, today)
    start, end = datetime.date.fromisoformat(data["start"]), datetime.date.fromisoformat(data["end"])
    if start == end:
        return f"from {_short_day(data['start'], today)}"
    if end == today:
        return f"in the last {(end - start).days + 1} days"
    return _period_phrase(data, today)


def _what(arguments: dict, currency: str, plural: bool = True) -> str:
    """ "$30.00 propane expenses matching “AmeriGas”": what a listing was asked for."""
    words = []
    if arguments.get("amount"):
        words.append(format_money(arguments["amount"], currency))
    if arguments.get("category"):
        words.append(_label(arguments["category"]))
    words.append("expenses" if plural else "expense")
    text = " ".join(words)
    if arguments.get("text"):
        text += f" matching “{arguments['text']}”"
    return text


def list_expenses(data: dict, today: datetime.date, arguments: dict) -> str:
    currency, when, count = data["currency"], _range_phrase(data, today), data["count"]
    if count == 0:
        return f"You don't have any {_what(arguments, currency)} {when}."
    what = _what(arguments, currency, plural=count != 1)
    lines = [f"You have {count} {what} {when}, {format_money(data['total'], currency)} in all:"]
    lines += [_expense_line(expense, currency, today) for expense in data["expenses"]]
    if count > len(data["expenses"]):
        lines.append(f"…and {count - len(data['expenses'])} more.")
    return "\n".join(lines)


def _change(name: str, old, new, currency: str, today: datetime.date) -> str:
    if name == "amount":
        return f"amount {format_money(old, currency)} → {format_money(new, currency)}"
    if name == "category":
        return f"category {_label(old)} → {_label(new)}"
    if name == "date":
        return f"date {_short_day(old, today)} → {_short_day(new, today)}"
    if name == "tags":
        return f"tags {', '.join(old) or 'none'} → {', '.join(new) or 'none'}"
    return f"{name.replace('_', ' ')} “{old}” → “{new}”" if old else f"{name.replace('_', ' ')} now “{new}”"


def update_expense(data: dict, today: datetime.date, arguments: dict) -> str:
    expense, currency, previous = data["expense"], data["currency"], data["previous"]
    if not previous:
        return already_so(expense, currency, today)
    changes = ", ".join(_change(name, old, expense[name], currency, today) for name, old in previous.items())
    return f"Updated {_expense_name(expense, currency, today)}: {changes}."


def delete_expense(data: dict, today: datetime.date, arguments: dict) -> str:
    expense, currency = data.get("expense"), data["currency"]
    name = _expense_name(expense, currency, today) if expense else "that expense"
    if data.get("status") == "needs_confirmation":
        return f"I found {name}. Tap Approve to delete it, or Cancel to keep it."
    if data.get("deleted"):
        return f"Deleted {name}."
    return f"Nothing was deleted; {name} is still there."


def no_expense_found(action: str, reference, data: dict, currency: str, today: datetime.date) -> str:
    """The reply when no expense fits a request to delete or change one (``reference`` is an
    ``edits.ExpenseReference``); ``data`` is the list_expenses result."""
    arguments = {"amount": reference.amount, "category": reference.category, "text": reference.text}
    what = _what(arguments, currency, plural=False)
    when = _range_phrase(data, today)
    done = "deleted" if action == "delete" else "changed"
    if reference.is_latest and not any(arguments.values()):
        return f"I couldn't find any expenses {when}, so I haven't {done} anything."
    article = "an" if what[0] in "aeiou" else "a"
    return f"I couldn't find {article} {what} {when}, so I haven't {done} anything."


def which_expense(action: str, expenses: list[dict], count: int, currency: str, today: datetime.date) -> str:
    """The reply when several expenses fit a request to delete or change one: list them, ask which."""
    verb = "delete" if action == "delete" else "change"
    lines = [f"{count} expenses fit that, so I haven't {verb}d anything yet:"]
    lines += [_expense_line(expense, currency, today) for expense in expenses]
    if count > len(expenses):
        lines.append(f"…and {count - len(expenses)} more.")
    first = expenses[0]
    lines.append(
        f"Which one should I {verb}? Tell me its date or where it was — for example “{verb} the "
        f"{_label(first['category'])} expense from {_short_day(first['date'], today)}”."
    )
    return "\n".join(lines)


def already_so(expense: dict, currency: str, today: datetime.date) -> str:
    """The reply when a correction asks for what the expense already says."""
    name = _expense_name(expense, currency, today)
    return f"{name[0].upper()}{name[1:]} already says that, so I haven't changed anything."


def log_income(data: dict, today: datetime.date, arguments: dict) -> str:
    income, currency, recurring = data["income"], data["currency"], data.get("recurring")
    if income is None:
        return _not_started(recurring, "a repeating income", currency, today)
    text = f"Logged {format_money(income['amount'], currency)} from {income['source']} {_on(income['date'], today)}."
    text += _repeats_note(recurring, today)
    month = data.get("this_month")
    if month:
        text += (
            f" This month so far: {format_money(month['income'], currency)} in, "
            f"{format_money(month['expenses'], currency)} out ({format_money(month['net'], currency)} net)."
        )
    return text


def _month_name(month: str) -> str:
    return datetime.date.fromisoformat(month + "-01").strftime("%B")


def predict_end_of_month(data: dict, today: datetime.date, arguments: dict) -> str:
    currency, month = data["currency"], _month_name(data["month"])
    categories = data["categories"]
    if not categories or Decimal(data["total_projected"]) == 0:
        return f"You haven't logged any spending in {month} yet, so there's nothing to project."
    over = [item for item in categories if item["state"] == "over"]
    budgeted = [item for item in categories if item["monthly_limit"] is not None]

    def money(value) -> str:
        return format_money(value, currency)

    lines = []
    if len(over) == 1:
        item = over[0]
        lines.append(
            f"At this pace you'll spend about {money(item['projected'])} on {_label(item['category'])}, "
            f"{money(item['projected_over'])} over its {money(item['monthly_limit'])} budget."
        )
    elif over:
        lines.append(f"At this pace you'll go over {len(over)} budgets in {month}:")
        lines += [
            f"• {Category(item['category']).label}: about {money(item['projected'])}, "
            f"{money(item['projected_over'])} over its {money(item['monthly_limit'])} budget"
            for item in over
        ]
    elif budgeted:
        lines.append(f"At this pace you'll stay within your budgets in {month}:")
        lines += [
            f"• {Category(item['category']).label}: about {money(item['projected'])} of {money(item['monthly_limit'])}"
            for item in budgeted
        ]
    else:
        lines.append("You haven't set any budgets, so here's where the month is heading:")
        lines += [f"• {Category(item['category']).label}: about {money(item['projected'])}" for item in categories[:5]]
    if over and len(over) < len(budgeted):
        lines.append("Your other budgets are on track.")
    lines.append(
        f"In all you're heading for about {money(data['total_projected'])} this month "
        f"({money(data['total_spent'])} so far, day {data['days_elapsed']} of {data['days_in_month']})."
    )
    if data.get("is_early"):
        lines.append("It's early in the month, so take this as a rough guide.")
    return "\n".join(lines)


def _months_phrase(months: list[str]) -> str:
    names = [datetime.date.fromisoformat(month + "-01").strftime("%b") for month in months]
    return f"{names[0]}–{names[-1]}" if len(names) > 1 else "".join(names)


def find_savings_opportunities(data: dict, today: datetime.date, arguments: dict) -> str:
    currency, opportunities = data["currency"], data["opportunities"]
    baseline = _months_phrase(data["baseline_months"])
    if not opportunities:
        text = (f"Nothing stands out: none of your categories is heading more than 10% above its average for "
                f"{baseline}.")
    else:
        lines = [f"These are heading above your usual spending (your average for {baseline}):"]
        lines += [
            f"• {Category(item['category']).label}: about {format_money(item['projected'], currency)} this month vs "
            f"{format_money(item['average'], currency)} usually (+{format_money(item['difference'], currency)}, "
            f"{item['percent_above']}% more)"
            for item in opportunities
        ]
        lines.append(
            f"Bringing {'it' if len(opportunities) == 1 else 'them'} back to your average would save about "
            f"{format_money(data['potential_savings'], currency)} this month."
        )
        text = "\n".join(lines)
    if data.get("is_early"):
        text += "\nIt's early in the month, so take this as a rough guide."
    return text


def export_expenses(data: dict, today: datetime.date, arguments: dict) -> str:
    currency = data["currency"]
    start, end = datetime.date.fromisoformat(data["start"]), datetime.date.fromisoformat(data["end"])
    span = f"from {start:%b} {start.day} to {end:%b} {end.day}" + (f", {end.year}" if end.year != today.year else "")
    what = f"{_label(data['category'])} expenses" if data.get("category") else "expenses"
    if data["count"] == 0:
        return f"You have no {what} {span}, so the file would be empty. Here's the link anyway: {data['url']}"
    count = f"{data['count']} {what if data['count'] != 1 else what[:-1]}"
    return (f"Here's your CSV of {count} {span} ({format_money(data['total'], currency)} in all): "
            f"{data['url']}")


COMPOSERS = {
    "log_expense": log_expense,
    "get_spending_summary": get_spending_summary,
    "get_budget_status": get_budget_status,
    "set_budget": set_budget,
    "list_expenses": list_expenses,
    "update_expense": update_expense,
    "delete_expense": delete_expense,
    "log_income": log_income,
    "predict_end_of_month": predict_end_of_month,
    "find_savings_opportunities": find_savings_opportunities,
    "export_expenses": export_expenses,
}

FAILED = {
    "log_expense": "I couldn't log that expense",
    "get_spending_summary": "I couldn't get your spending",
    "get_budget_status": "I couldn't read your budgets",
    "set_budget": "I couldn't set that budget",
    "list_expenses": "I couldn't list your expenses",
    "update_expense": "I couldn't change that expense",
    "delete_expense": "I couldn't delete that expense",
    "log_income": "I couldn't log that income",
    "predict_end_of_month": "I couldn't project this month",
    "find_savings_opportunities": "I couldn't look for savings",
    "export_expenses": "I couldn't export your expenses",
}


def compose(tool: str, data: dict, is_error: bool, today: datetime.date, *, arguments: dict | None = None,
            currency: str = "USD") -> str:
    """A sentence or a short list answering from one tool result. ``arguments`` are the call's
    input; ``currency`` is the user's, for a result that does not carry one."""
    if is_error:
        reason = data.get("error", "something went wrong")
        return f"{FAILED.get(tool, 'That did not work')}: {reason}"
    composer = COMPOSERS.get(tool)
    if composer is None:
        return f"I ran {tool}; it finished without errors."
    return composer({"currency": currency, **data}, today, arguments or {})
