"""The offline provider's answers, written from tool results only: it says what the tools
report and nothing more, so it never claims an action that did not happen."""

import datetime
from decimal import Decimal

from assistant.providers.local import road
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


def _carried(item: dict, currency: str) -> str:
    """How a rollover budget's month differs from its limit ("$800.00 budget + $281.30 rolled
    over"), or "" when nothing was carried over."""
    carryover = Decimal(item.get("carryover") or 0)
    if not carryover:
        return ""
    limit = format_money(item["monthly_limit"], currency)
    if carryover > 0:
        return f"{limit} budget + {format_money(carryover, currency)} rolled over"
    return f"{limit} budget − {format_money(-carryover, currency)} overspent last month"


def _budget_line(item: dict, currency: str) -> str:
    spent = format_money(item["spent"], currency)
    limit = format_money(item.get("available", item["monthly_limit"]), currency)
    carried = _carried(item, currency)
    used = _percent(item["percent_used"]) + (f"; {carried}" if carried else "")
    line = f"• {Category(item['category']).label}: {spent} of {limit} ({used})"
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
        limit = format_money(budget.get("available", budget["monthly_limit"]), currency)
        carried = _carried(budget, currency)
        remaining = Decimal(budget["remaining"])
        if carried:  # a rollover month: its total is the limit plus (or minus) what carried over
            text += (
                f" That's {spent} of the {limit} you have for {_label(expense['category'])} this month "
                f"({carried}, {_percent(budget['percent_used'])} used), "
                + (f"{format_money(-remaining, currency)} over." if budget["state"] == "over"
                   else f"{format_money(remaining, currency)} left.")
            )
        elif budget["state"] == "over":
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



# --- The road: vehicles, fuel, maintenance, trips, weather, places --------------------------------
# Distances are in miles: the profile's units do not reach the provider yet.

def _number(value, places: int = 1) -> str:
    """ "10", "10.5", "1,200": a figure without needless decimals."""
    value = round(float(value), places)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.{places}f}"


def _miles(value) -> str:
    return f"{_number(value, 0 if float(value) >= 100 else 1)} miles"


def day_label(day: datetime.date, today: datetime.date) -> str:
    """ "Fri Nov 27", with the year when it is not this year's."""
    label = f"{day:%a %b} {day.day}"
    return label if day.year == today.year else f"{label}, {day.year}"


def clock(moment: datetime.time | datetime.datetime) -> str:
    """ "2 PM", "2:30 PM", "12 PM"."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'AM' if moment.hour < 12 else 'PM'}"


def _past_day(value: str, today: datetime.date) -> str:
    """ "today", "yesterday" or "on Fri Nov 20": when something was done."""
    day = datetime.date.fromisoformat(value)
    if day == today:
        return "today"
    if day == today - datetime.timedelta(days=1):
        return "yesterday"
    return f"on {day_label(day, today)}"


def _vehicle_label(vehicle: dict) -> str:
    return vehicle.get("name") or "your vehicle"


_TYPE_WORDS = {"class_a": "Class A", "class_b": "Class B", "class_c": "Class C", "fifth_wheel": "fifth wheel",
               "travel_trailer": "travel trailer", "tow_vehicle": "tow vehicle"}


def add_vehicle(data: dict, today: datetime.date, arguments: dict) -> str:
    vehicle = data["vehicle"]
    details = [_TYPE_WORDS.get(vehicle["vehicle_type"], vehicle["vehicle_type"])]
    if vehicle["fuel_type"] not in ("none", ""):
        details.append(vehicle["fuel_type"])
    if vehicle.get("tank_capacity_gallons"):
        details.append(f"{_number(vehicle['tank_capacity_gallons'])}-gallon tank")
    if vehicle.get("rated_mpg"):
        details.append(f"rated {_number(vehicle['rated_mpg'])} mpg")
    if vehicle.get("odometer_miles"):
        details.append(f"odometer {vehicle['odometer_miles']:,} miles")
    year = f"{vehicle['year']} " if vehicle.get("year") and str(vehicle["year"]) not in vehicle["name"] else ""
    text = f"Added your {year}{vehicle['name']} ({', '.join(details)})."
    if vehicle.get("is_primary"):
        text += " It's your primary vehicle, so I'll use it for fill-ups, maintenance and trip estimates."
    return text


def update_odometer(data: dict, today: datetime.date, arguments: dict) -> str:
    vehicle, since = data["vehicle"], data["miles_since"]
    text = f"{_vehicle_label(vehicle)}'s odometer now reads {vehicle['odometer_miles']:,} miles"
    if since:
        return text + f" ({since:,} miles since the last reading)."
    return text + " — the same as before."


def log_fuel(data: dict, today: datetime.date, arguments: dict) -> str:
    fill, currency = data["fill_up"], data["currency"]
    vehicle = data.get("vehicle") or {}
    where = f" at {fill['station']}" if fill.get("station") else ""
    kind = "a fill-up" if fill["is_full"] else "a partial fill"
    text = (f"Logged {kind} for {_vehicle_label(vehicle)} {_past_day(fill['date'], today)}{where}: "
            f"{_number(fill['volume_gallons'], 3)} gallons at {format_money(fill['price_per_gallon'], currency)} "
            f"a gallon, {format_money(fill['total_cost'], currency)}, odometer {fill['odometer_miles']:,}.")
    if data.get("mpg_this_fill"):
        text += f" That tank gave {_number(data['mpg_this_fill'])} mpg"
        text += f"; your average is {_number(data['average_mpg'])} mpg." if data.get("average_mpg") else "."
        if data.get("check"):
            text += (" That's far from usual: if a fill-up in between wasn't logged, tell me and I'll mark it "
                     "as missed, or check the odometer reading.")
    elif not fill["is_full"]:
        text += " MPG is measured at your next full fill-up."
    elif fill.get("missed_previous"):
        text += " Since a fill-up was missed, MPG starts again from this one."
    else:
        text += " MPG shows once there's a full fill-up before this one to measure from."
    if fill.get("expense_id"):
        text += f" I also logged {format_money(fill['total_cost'], currency)} as a fuel expense."
    return text


def get_fuel_economy(data: dict, today: datetime.date, arguments: dict) -> str:
    vehicle, currency = data["vehicle"], data["currency"]
    name = _vehicle_label(vehicle)
    rated = f" Its rated MPG is {_number(data['rated_mpg'])}." if data.get("rated_mpg") else ""
    if not data.get("average_mpg"):
        fills = data.get("fill_ups", 0)
        logged = "none logged yet" if not fills else f"{fills} logged so far"
        return (f"I can't measure {name}'s fuel economy yet: it takes two full fill-ups ({logged})."
                f"{rated}")
    segments = data.get("segments") or []
    text = (f"{name} is averaging {_number(data['average_mpg'])} mpg over {len(segments)} measured "
            f"tank{'s' if len(segments) != 1 else ''}")
    if data.get("rated_mpg"):
        text += f" (rated {_number(data['rated_mpg'])})"
    text += "."
    if data.get("last_mpg") and segments:
        text += (f" The latest tank gave {_number(data['last_mpg'])} mpg "
                 f"({day_label(datetime.date.fromisoformat(segments[-1]['end_date']), today)}).")
    if data.get("cost_per_mile"):
        text += f" Fuel is costing you about {format_money(data['cost_per_mile'], currency)} a mile."
    if vehicle.get("odometer_miles"):
        text += f" Odometer: {vehicle['odometer_miles']:,} miles."
    return text


_MPG_SOURCES = {"given": "", "measured": " (your measured average)", "rated": " (your vehicle's rated MPG)"}
_PRICE_SOURCES = {"given": "", "last fill-up": " (your last fill-up)", "default": " (a typical price)"}


def _is_estimate(source: str | None) -> bool:
    return source not in ("given", None) and not any(word in source for word in ("osrm", "router", "route"))


def calculate_gas_cost(data: dict, today: datetime.date, arguments: dict) -> str:
    currency = data["currency"]
    if arguments.get("origin") and arguments.get("destination"):
        estimate = " (an estimate)" if _is_estimate(data.get("distance_source")) else ""
        drive = (f"{arguments['origin']} to {arguments['destination']} is about "
                 f"{_miles(data['distance_miles'])} by road{estimate}")
    else:
        drive = f"{_miles(data['distance_miles'])}"
    return (f"{drive}: at {_number(data['mpg'])} mpg{_MPG_SOURCES.get(data.get('mpg_source'), '')} that's about "
            f"{_number(data['gallons'])} gallons, about {format_money(data['cost'], currency)} at "
            f"{format_money(data['price_per_gallon'], currency)} a gallon"
            f"{_PRICE_SOURCES.get(data.get('price_source'), '')}.")


def _due_phrase(item: dict, today: datetime.date) -> str:
    """ "due at 50,300 miles (5,000 to go) or by Mon May 20, whichever comes first"."""
    parts = []
    if item.get("due_odometer") is not None:
        left = item["miles_left"]
        gap = f"{abs(left):,} miles ago" if left < 0 else "now" if left == 0 else f"{left:,} miles to go"
        parts.append(f"at {item['due_odometer']:,} miles ({gap})")
    if item.get("due_on"):
        due_on = datetime.date.fromisoformat(item["due_on"])
        days = item["days_left"]
        gap = f"{-days} days ago" if days < 0 else "today" if days == 0 else "tomorrow" if days == 1 \
            else f"in {days} days"
        parts.append(f"by {day_label(due_on, today)} ({gap})")
    if not parts:
        return "with no interval set"
    when = " or ".join(parts) + (", whichever comes first" if len(parts) > 1 else "")
    return ("was due " if item["state"] == "overdue" else "is due ") + when


def _due_line(item: dict, today: datetime.date, with_vehicle: bool) -> str:
    state = {"overdue": "⚠ overdue", "due_soon": "due soon", "ok": "ok"}[item["state"]]
    vehicle = f" ({item['vehicle']})" if with_vehicle else ""
    return f"• {item['task']}{vehicle} — {state}: {_due_phrase(item, today).split(' ', 2)[2]}"


def get_maintenance_due(data: dict, today: datetime.date, arguments: dict, question: str = "") -> str:
    items = data.get("items", [])
    asked = road.task_in(question) if question else None
    if asked:
        matching = [item for item in items
                    if road.task_in(item["task"]) == asked or asked.lower() in item["task"].lower()]
        if not matching:
            tracked = ", ".join(item["task"].lower() for item in items)
            text = f"You're not tracking {asked.lower()} yet, so I can't say when it's due."
            if tracked:
                text += f" You are tracking: {tracked}."
            return text + (f" When you log one with an interval (“{asked.lower()} today at 45,300 miles, every "
                           "5,000 miles”), I'll keep track.")
        several_vehicles = len({item["vehicle"] for item in matching}) > 1
        lines = []
        for item in matching:
            vehicle = f" ({item['vehicle']})" if several_vehicles else ""
            sentence = f"Your next {item['task'].lower()}{vehicle} {_due_phrase(item, today)}."
            if item["state"] == "overdue":
                sentence += " It's overdue."
            elif item["state"] == "due_soon":
                sentence += " That's coming up soon."
            lines.append(sentence)
        return "\n".join(lines)
    if not items:
        return ("You aren't tracking any maintenance yet. Log a job with how often it repeats — for example "
                "“got the oil changed today at 45,300 miles, every 5,000 miles” — and I'll tell you when it's due.")
    overdue = sum(1 for item in items if item["state"] == "overdue")
    soon = sum(1 for item in items if item["state"] == "due_soon")
    if overdue or soon:
        counts = [f"{overdue} overdue" if overdue else "", f"{soon} due soon" if soon else ""]
        head = f"Maintenance: {' and '.join(part for part in counts if part)}."
    else:
        head = "Nothing is due soon. Here's what's next:"
    several_vehicles = len({item["vehicle"] for item in items}) > 1
    return "\n".join([head] + [_due_line(item, today, several_vehicles) for item in items])


def log_maintenance(data: dict, today: datetime.date, arguments: dict) -> str:
    record, currency = data["record"], data["currency"]
    vehicle = data.get("vehicle") or "your vehicle"
    text = f"Logged {record['task'].lower()} for {vehicle} {_past_day(record['date'], today)}"
    if record.get("odometer_miles") is not None:
        text += f" at {record['odometer_miles']:,} miles"
    if record.get("cost"):
        text += f", {format_money(record['cost'], currency)}"
    if record.get("shop"):
        text += f" at {record['shop']}"
    text += "."
    if record.get("expense_id"):
        text += " I also logged the cost as a maintenance expense."
    due = data.get("next_due")
    if due:
        text += f" Next {due['task'].lower()} {_due_phrase(due, today).replace('is due', 'is due', 1)}."
    return text


def _route_line(trip: dict) -> str:
    return " → ".join(stop["name"].split(",")[0] for stop in trip.get("stops", []))


def _trip_dates(trip: dict, today: datetime.date) -> str:
    start, end = trip.get("start_date"), trip.get("end_date")
    if start and end:
        return (f"{day_label(datetime.date.fromisoformat(start), today)} to "
                f"{day_label(datetime.date.fromisoformat(end), today)}")
    if start:
        return f"leaving {day_label(datetime.date.fromisoformat(start), today)}"
    return "no dates yet"


def _estimate_sentence(estimate: dict, currency: str) -> str:
    days = estimate["driving_days"]
    text = (f"About {_miles(estimate['distance_miles'])}"
            f"{' (an estimate)' if _is_estimate(estimate.get('distance_source')) else ''}, "
            f"{_number(estimate['driving_hours'])} hours of driving — {days} driving day{'s' if days != 1 else ''} "
            "at an RV's pace.")
    nights = estimate.get("nights") or 0
    campgrounds = Decimal(estimate.get("campground_cost") or 0)
    if estimate.get("fuel_cost") is None:
        text += " I can't estimate fuel without your vehicle's MPG (add your vehicle with its MPG)."
    else:
        source = _PRICE_SOURCES.get(estimate.get("fuel_price_source"), "").strip(" ()")
        source = f", {source}" if source else ""
        text += (f" Fuel: about {format_money(estimate['fuel_cost'], currency)} ({_number(estimate['fuel_gallons'])} "
                 f"gallons at {format_money(estimate['fuel_price'], currency)} a gallon{source})")
        if campgrounds:
            text += (f", plus {format_money(campgrounds, currency)} for campgrounds: "
                     f"{format_money(estimate['total_cost'], currency)} in all.")
        else:
            text += "."
    if nights and not campgrounds:
        text += f" {nights} night{'s' if nights != 1 else ''} away; add nightly prices to your stops to count them."
    if estimate.get("budget"):
        if estimate.get("over_budget"):
            text += (f" That's {format_money(estimate['over_budget'], currency)} over your "
                     f"{format_money(estimate['budget'], currency)} budget.")
        else:
            text += f" That's within your {format_money(estimate['budget'], currency)} budget."
    return text


def plan_trip(data: dict, today: datetime.date, arguments: dict) -> str:
    trip, currency = data["trip"], data["currency"]
    text = f"Planned “{trip['title']}”: {_route_line(trip)}, {_trip_dates(trip, today)}."
    if trip.get("estimate"):
        text += " " + _estimate_sentence(trip["estimate"], currency)
    return text


def add_trip_stop(data: dict, today: datetime.date, arguments: dict) -> str:
    stop, trip = data["stop"], data["trip"]
    text = (f"Added {stop['name']} to “{trip['title']}” (stop {stop['position'] + 1} of {len(trip['stops'])}): "
            f"{_route_line(trip)}.")
    estimate = trip.get("estimate")
    if estimate:
        days = estimate["driving_days"]
        text += (f" The trip is now about {_miles(estimate['distance_miles'])}, {days} driving "
                 f"day{'s' if days != 1 else ''}.")
    return text


def list_trips(data: dict, today: datetime.date, arguments: dict) -> str:
    trips = data.get("trips", [])
    status = arguments.get("status")
    what = {"completed": "completed trips", "active": "active trips", "planning": "trips being planned"}.get(
        status, "upcoming trips")
    if not trips:
        return (f"You don't have any {what}."
                + (" Plan one: “plan a trip from Denver to Moab next Friday”." if not status else ""))
    lines = [f"You have {len(trips)} {what if len(trips) != 1 else what[:-1]}:"]
    for trip in trips:
        line = f"• {trip['title']} — {_trip_dates(trip, today)} · {trip['status']}"
        if trip.get("stops"):
            line += f" · {_route_line(trip)}"
        if trip.get("budget"):
            line += f" · budget {format_money(trip['budget'], data.get('currency', 'USD'))}"
        lines.append(line)
    return "\n".join(lines)


def estimate_travel_time(data: dict, today: datetime.date, arguments: dict) -> str:
    days = data["driving_days"]
    pace = f"{days} driving day{'s' if days != 1 else ''} at an RV's pace (about {_miles(data['miles_per_day'])} a day)"
    hours = f"about {_number(data['driving_hours'])} hours of driving"
    if data.get("origin") and data.get("destination"):
        estimate = " (an estimate)" if _is_estimate(data.get("distance_source")) else ""
        return (f"{data['origin']} to {data['destination']} is about {_miles(data['distance_miles'])} by road"
                f"{estimate}: {hours}, or {pace}.")
    return f"{_miles(data['distance_miles'])} is {hours}, or {pace}."


def _weather_line(day: dict, today: datetime.date) -> str:
    """ "• Sat Nov 21: clear sky, 72°/45°F, 40% chance of rain or snow (0.1 in), wind 8 mph, gusts 15 mph"."""
    date = datetime.date.fromisoformat(day["date"])
    label = "Today" if date == today else "Tomorrow" if date == today + datetime.timedelta(days=1) \
        else day_label(date, today)
    parts = [day["summary"]] if day.get("summary") and day["summary"] != "unknown" else []
    high, low = day.get("temperature_max_f"), day.get("temperature_min_f")
    if high is not None and low is not None:
        parts.append(f"{round(high)}°/{round(low)}°F")
    elif high is not None:
        parts.append(f"high {round(high)}°F")
    chance, inches = day.get("precipitation_probability_percent"), day.get("precipitation_inches")
    if chance:
        wet = f"{round(chance)}% chance of rain or snow"
        parts.append(wet + (f" ({inches:.2f} in)" if inches else ""))
    elif inches:
        parts.append(f"{inches:.2f} in of rain or snow")
    wind, gusts = day.get("wind_speed_max_mph"), day.get("wind_gusts_max_mph")
    if wind is not None:
        parts.append(f"wind {round(wind)} mph" + (f", gusts {round(gusts)} mph" if gusts is not None else ""))
    line = f"• {label}: " + (", ".join(parts) if parts else "no details")
    if day.get("severe_reasons"):
        line += f" ⚠ {', '.join(day['severe_reasons'])}"
    return line


def get_weather_forecast(data: dict, today: datetime.date, arguments: dict, question: str = "") -> str:
    days = (data.get("forecast") or {}).get("days") or []
    place = data.get("place") or "there"
    if not days:
        return f"The weather service sent no forecast for {place}, so I can't tell you what to expect."
    window = road.forecast_window(question, today) if question else None
    if window:
        days = [day for day in days if window[0] <= datetime.date.fromisoformat(day["date"]) <= window[1]] or days
    lines = [f"Forecast for {place}:"] + [_weather_line(day, today) for day in days]
    severe = [day for day in days if day.get("severe_reasons")]
    if severe:
        lines.append(f"Heads-up: {len(severe)} day{'s' if len(severe) != 1 else ''} with rough weather for an RV "
                     "(marked ⚠).")
    return "\n".join(lines)


_KIND_WORDS = {"campground": "campground", "boondocking": "boondocking spot", "rv_park": "RV park",
               "dump_station": "dump station", "fuel": "fuel stop", "attraction": "attraction",
               "service": "repair shop", "other": "place"}


def _place_details(place: dict, currency: str) -> list[str]:
    details = []
    if place.get("rating"):
        details.append("★" * int(place["rating"]))
    if place.get("price_per_night") is not None:
        price = Decimal(place["price_per_night"])
        details.append("free" if price == 0 else f"{format_money(price, currency)} a night")
    if place.get("amenities"):
        details.append(", ".join(place["amenities"]))
    return details


def save_place(data: dict, today: datetime.date, arguments: dict) -> str:
    place, currency = data["place"], data["currency"]
    details = [_KIND_WORDS.get(place["kind"], place["kind"])] + _place_details(place, currency)
    near = f" near {arguments['near']}" if arguments.get("near") else ""
    return f"Saved {place['name']}{near} ({' · '.join(details)})."


def find_saved_places(data: dict, today: datetime.date, arguments: dict) -> str:
    places, currency = data.get("places", []), data["currency"]
    kind = arguments.get("kind")
    noun = _KIND_WORDS.get(kind, "place") if kind else "place"
    plural = noun + ("s" if not noun.endswith("s") else "")
    where = (f" within {_number(arguments.get('radius_miles', 100))} miles of {arguments['near']}"
             if arguments.get("near") else "")
    if not places:
        return f"You don't have any saved {plural}{where}."
    count = data.get("count", len(places))
    lines = [f"You have {count} saved {noun if count == 1 else plural}{where}:"]
    for place in places:
        details = []
        if place.get("distance_miles") is not None:
            details.append(f"{_number(place['distance_miles'], 0)} mi away")
        if not kind:
            details.append(_KIND_WORDS.get(place["kind"], place["kind"]))
        details += _place_details(place, currency)
        lines.append(f"• {place['name']}" + (f" — {' · '.join(details)}" if details else ""))
    if count > len(places):
        lines.append(f"…and {count - len(places)} more.")
    return "\n".join(lines)


# --- The calendar ----------------------------------------------------------------------------------

def event_when(event: dict, today: datetime.date, *, with_end: bool = False) -> str:
    """ "Tue Nov 24, 2 PM" (or "2 PM–3 PM" with the end), or "Fri Nov 27 (all day)"."""
    start = datetime.datetime.fromisoformat(event["starts_at"])
    if event.get("all_day"):
        return f"{day_label(start.date(), today)} (all day)"
    text = f"{day_label(start.date(), today)}, {clock(start)}"
    if with_end and event.get("ends_at"):
        end = datetime.datetime.fromisoformat(event["ends_at"])
        text += f"–{clock(end)}" if end.date() == start.date() else f" to {day_label(end.date(), today)}, {clock(end)}"
    return text


def event_line(event: dict, today: datetime.date) -> str:
    line = f"• {event_when(event, today)} — {event['title']}"
    if event.get("location"):
        line += f" ({event['location']})"
    return line


def create_calendar_event(data: dict, today: datetime.date, arguments: dict) -> str:
    event = data["event"]
    where = f" at {event['location']}" if event.get("location") else ""
    if event.get("kind") == "reminder":
        return f"I'll remind you: “{event['title']}” — {event_when(event, today)}{where}. It's on your calendar."
    return f"Added “{event['title']}” to your calendar: {event_when(event, today, with_end=True)}{where}."


def _span_phrase(data: dict, today: datetime.date) -> str:
    first = datetime.date.fromisoformat(data["start_date"])
    last = datetime.date.fromisoformat(data["end_date"])
    if first == today and (last - first).days >= 300:
        return "in the coming year"
    if first == last:
        return "today" if first == today else f"on {day_label(first, today)}"
    return f"from {day_label(first, today)} to {day_label(last, today)}"


def list_calendar_events(data: dict, today: datetime.date, arguments: dict) -> str:
    events = data.get("events", [])
    what = {"reminder": "reminders", "booking": "bookings", "trip": "trip events", "maintenance":
            "maintenance events"}.get(arguments.get("kind"), "events")
    if arguments.get("text"):
        what = f"{what} matching “{arguments['text']}”"
    span = _span_phrase(data, today)
    if arguments.get("text") and len(events) == 1:  # "when is my dentist appointment?"
        event = events[0]
        where = f" at {event['location']}" if event.get("location") else ""
        return f"“{event['title']}” is on {event_when(event, today)}{where}."
    if arguments.get("text") and not events and data["end_date"] > data["start_date"]:
        return f"I don't see anything matching “{arguments['text']}” on your calendar {span}."
    if not events:
        if what == "events":
            return f"Nothing on your calendar {span}."
        return f"You don't have any {what} {span}."
    count = len(events)
    noun = what if count != 1 else what.replace("events", "event", 1).replace("reminders", "reminder", 1) \
        .replace("bookings", "booking", 1)
    lines = [f"You have {count} {noun} {span}:"] + [event_line(event, today) for event in events]
    return "\n".join(lines)


def update_calendar_event(data: dict, today: datetime.date, arguments: dict) -> str:
    event = data["event"]
    if not data.get("changed"):
        return f"“{event['title']}” already says that, so nothing changed."
    if "starts_at" in data["changed"]:
        return f"Moved “{event['title']}” to {event_when(event, today, with_end=True)}."
    return f"Updated “{event['title']}”: now {event_when(event, today, with_end=True)}."


def delete_calendar_event(data: dict, today: datetime.date, arguments: dict) -> str:
    event = data.get("event")
    name = f"“{event['title']}” on {event_when(event, today)}" if event else "that event"
    if data.get("status") == "needs_confirmation":
        return f"I found {name}. Tap Approve to delete it, or Cancel to keep it."
    if data.get("deleted"):
        return f"Deleted {name} from your calendar."
    return f"Nothing was deleted; {name} is still on your calendar."


def events_list(events: list[dict], today: datetime.date) -> str:
    return "\n".join(event_line(event, today) for event in events)


def _kinds(categories: list[str]) -> str:
    names = [ALERT_KIND_NAMES.get(c, c) for c in categories]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


ALERT_KIND_NAMES = {"trip": "trip departure", "calendar": "calendar reminder"}


def set_alert_preferences(data: dict, today: datetime.date, arguments: dict) -> str:
    quiet, muted = data.get("quiet_hours"), data.get("muted") or []
    changed = set(data.get("changed") or [])
    lines = []
    if "alert_opt_outs" in changed and arguments.get("mute"):
        lines.append(f"Done: no more {_kinds(arguments['mute'])} alerts from me.")
    elif "alert_opt_outs" in changed and arguments.get("unmute"):
        lines.append(f"Done: I'll send you {_kinds(arguments['unmute'])} alerts again.")
    if "quiet_hours_start" in changed:
        lines.append(f"Quiet hours are {clock(datetime.time.fromisoformat(quiet['start']))} to "
                     f"{clock(datetime.time.fromisoformat(quiet['end']))}: alerts that aren't urgent wait until "
                     "they end." if quiet else "Quiet hours are off: alerts come as soon as I see trouble.")
    if not changed:
        lines.append(f"Quiet hours: {clock(datetime.time.fromisoformat(quiet['start']))} to "
                     f"{clock(datetime.time.fromisoformat(quiet['end']))}." if quiet else "Quiet hours: none.")
        lines.append(f"Muted: {_kinds(muted)} alerts." if muted else "You get every kind of alert: fuel, budget, "
                     "weather, maintenance, trip departures and calendar reminders.")
    elif muted and not arguments.get("mute"):
        lines.append(f"Still muted: {_kinds(muted)} alerts.")
    return " ".join(lines)


def undo_last_action(data: dict, today: datetime.date, arguments: dict) -> str:
    return data["message"]


COMPOSERS = {
    "undo_last_action": undo_last_action,
    "set_alert_preferences": set_alert_preferences,
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
    "add_vehicle": add_vehicle,
    "update_odometer": update_odometer,
    "log_fuel": log_fuel,
    "get_fuel_economy": get_fuel_economy,
    "calculate_gas_cost": calculate_gas_cost,
    "log_maintenance": log_maintenance,
    "get_maintenance_due": get_maintenance_due,
    "plan_trip": plan_trip,
    "add_trip_stop": add_trip_stop,
    "list_trips": list_trips,
    "estimate_travel_time": estimate_travel_time,
    "get_weather_forecast": get_weather_forecast,
    "save_place": save_place,
    "find_saved_places": find_saved_places,
    "create_calendar_event": create_calendar_event,
    "list_calendar_events": list_calendar_events,
    "update_calendar_event": update_calendar_event,
    "delete_calendar_event": delete_calendar_event,
}
# Composers that answer the question as asked, not only the call ("when is my next oil change
# due?" gets the oil change; "the weather this weekend" gets Saturday and Sunday).
ASKING = {"get_maintenance_due", "get_weather_forecast"}

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
    "add_vehicle": "I couldn't add that vehicle",
    "update_odometer": "I couldn't update the odometer",
    "log_fuel": "I couldn't log that fill-up",
    "get_fuel_economy": "I couldn't work out your fuel economy",
    "calculate_gas_cost": "I couldn't work out the fuel cost",
    "log_maintenance": "I couldn't log that maintenance",
    "get_maintenance_due": "I couldn't check your maintenance",
    "plan_trip": "I couldn't plan that trip",
    "add_trip_stop": "I couldn't add that stop",
    "list_trips": "I couldn't list your trips",
    "estimate_travel_time": "I couldn't estimate that drive",
    "get_weather_forecast": "I couldn't get the forecast",
    "save_place": "I couldn't save that place",
    "find_saved_places": "I couldn't look up your saved places",
    "create_calendar_event": "I couldn't add that to your calendar",
    "list_calendar_events": "I couldn't read your calendar",
    "update_calendar_event": "I couldn't change that event",
    "delete_calendar_event": "I couldn't delete that event",
    "undo_last_action": "I couldn't undo that",
}


def compose(tool: str, data: dict, is_error: bool, today: datetime.date, *, arguments: dict | None = None,
            currency: str = "USD", question: str = "") -> str:
    """A sentence or a short list answering from one tool result. ``arguments`` are the call's
    input; ``currency`` is the user's, for a result that does not carry one; ``question`` is what
    the user asked, for the answers that pick from a result (the task asked about, the days)."""
    if is_error:
        reason = data.get("error", "something went wrong")
        if tool == "get_weather_forecast" and ("unavailable" in reason or "unexpectedly" in reason):
            return weather_unavailable(arguments or {})
        if tool == "get_weather_forecast" and reason.startswith("Where?"):
            return ("Where should I check the weather? I don't know where you are — name a place, for example "
                    "“what's the weather in Moab this weekend?”")
        return f"{FAILED.get(tool, 'That did not work')}: {_for_people(reason)}"
    composer = COMPOSERS.get(tool)
    if composer is None:
        return f"I ran {tool}; it finished without errors."
    if tool in ASKING:
        return composer({"currency": currency, **data}, today, arguments or {}, question=question)
    return composer({"currency": currency, **data}, today, arguments or {})


# A tool's error is written for the model ("add one first with add_vehicle"); said to a person,
# the hint is what to type.
_HINTS = [
    ("add one first with add_vehicle (name, and ideally type, fuel and MPG).",
     "add it first, for example “add my 2019 Winnebago Minnie Winnie, class C, gas, 10 mpg”."),
    ("plan one with plan_trip.", "plan one first, for example “plan a trip from Denver to Moab next Friday”."),
    ("say which one (trip_id from list_trips).", "name it, for example “add Green River to my Moab trip”."),
    ("say which vehicle (vehicle_id).", "none is marked as your primary one, so I can't tell which you mean."),
]


def _for_people(reason: str) -> str:
    for hint, said in _HINTS:
        reason = reason.replace(hint, said)
    return reason


def weather_unavailable(arguments: dict) -> str:
    """The reply when the forecast cannot be had: say so, and never guess."""
    where = f" for {arguments['place']}" if arguments.get("place") else ""
    return (f"The weather forecast{where} is unavailable right now — I couldn't reach the weather service, so I "
            "can't tell you what to expect, and I won't guess. Try again in a little while.")
