"""Reads of a user's money. Every selector takes the user and filters by it."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import TruncMonth

from finance.models import Budget, Expense, Income, RecurringExpense
from finance.money import money_str, to_cents
from finance.periods import month_bounds
from finance.recurrence import occurrences_between

ZERO = Decimal(0)
ONE_DAY = datetime.timedelta(days=1)


def expense_list(
    *, user, start: datetime.date | None = None, end: datetime.date | None = None, category: str | None = None,
    text: str | None = None, tag: str | None = None,
):
    """The user's expenses, newest first, optionally within ``[start, end]``, of one category,
    containing ``text`` (description, merchant, location or receipt note; case-insensitive) or
    carrying ``tag``. Returns a QuerySet."""
    expenses = Expense.objects.filter(user=user)
    if start:
        expenses = expenses.filter(date__gte=start)
    if end:
        expenses = expenses.filter(date__lte=end)
    if category:
        expenses = expenses.filter(category=category)
    if text:
        expenses = expenses.filter(
            Q(description__icontains=text) | Q(merchant__icontains=text) | Q(location__icontains=text)
            | Q(receipt_note__icontains=text)
        )
    if tag:
        expenses = expenses.filter(tags__contains=[tag.strip().lower()])
    return expenses


def income_list(
    *, user, start: datetime.date | None = None, end: datetime.date | None = None, kind: str | None = None
):
    """The user's income, newest first, optionally within ``[start, end]`` and of one kind."""
    income = Income.objects.filter(user=user)
    if start:
        income = income.filter(date__gte=start)
    if end:
        income = income.filter(date__lte=end)
    if kind:
        income = income.filter(kind=kind)
    return income


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """First days of every month from ``first``'s to ``last``'s, inclusive."""
    month, months = first.replace(day=1), []
    while month <= last:
        months.append(month)
        month += relativedelta(months=1)
    return months


def months_back(today: datetime.date, count: int) -> tuple[datetime.date, datetime.date]:
    """``(first day, last day)`` of the ``count`` months ending with ``today``'s month."""
    first = today.replace(day=1) - relativedelta(months=count - 1)
    return first, month_bounds(today)[1]


def spending_by_month(*, user, first: datetime.date, last: datetime.date) -> list[dict]:
    """Spending per month from ``first``'s month to ``last``'s: ``[{"month": "2026-06", "total",
    "by_category": {category: total}}]``, every month present (zero months too). One query."""
    rows = (
        Expense.objects.filter(user=user, date__range=(first.replace(day=1), month_bounds(last)[1]))
        .annotate(month=TruncMonth("date")).values("month", "category").annotate(total=Sum("amount")).order_by()
    )
    by_month = {month: {} for month in _months(first, last)}
    for row in rows:
        by_month[row["month"]][row["category"]] = row["total"]
    return [
        {
            "month": month.strftime("%Y-%m"),
            "total": money_str(sum(categories.values(), ZERO)),
            "by_category": {name: money_str(total) for name, total in sorted(categories.items())},
        }
        for month, categories in by_month.items()
    ]


def cashflow(*, user, first: datetime.date, last: datetime.date) -> dict:
    """Income against expenses per month from ``first``'s month to ``last``'s: ``{"months":
    [{"month", "income", "expenses", "net"}], "income", "expenses", "net"}``; net = income −
    expenses (negative when more went out). Money as strings. One query."""
    start, end = first.replace(day=1), month_bounds(last)[1]
    months = {month: [ZERO, ZERO] for month in _months(first, last)}

    def monthly(model, index: int):
        return (model.objects.filter(user=user, date__range=(start, end)).annotate(month=TruncMonth("date"))
                .values("month").annotate(total=Sum("amount"), index=Value(index)).order_by())

    for row in monthly(Income, 0).union(monthly(Expense, 1), all=True):
        months[row["month"]][row["index"]] = row["total"]
    income = sum((pair[0] for pair in months.values()), ZERO)
    expenses = sum((pair[1] for pair in months.values()), ZERO)
    return {
        "months": [
            {"month": month.strftime("%Y-%m"), "income": money_str(pair[0]), "expenses": money_str(pair[1]),
             "net": money_str(pair[0] - pair[1])}
            for month, pair in months.items()
        ],
        "income": money_str(income),
        "expenses": money_str(expenses),
        "net": money_str(income - expenses),
    }


def spending_summary(
    *, user, start: datetime.date, end: datetime.date, category: str | None = None
) -> dict:
    """Spending between ``start`` and ``end`` (inclusive), optionally one category.

    Returns ``{"start", "end" (ISO dates), "category", "total" (money string), "count",
    "by_category": [{"category", "total", "count"}, ...]}``, largest total first. One query.
    """
    expenses = Expense.objects.filter(user=user, date__range=(start, end))
    if category:
        expenses = expenses.filter(category=category)
    rows = list(
        expenses.values("category").annotate(total=Sum("amount"), count=Count("id")).order_by("-total", "category")
    )
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "category": category,
        "total": money_str(sum((row["total"] for row in rows), Decimal(0))),
        "count": sum(row["count"] for row in rows),
        "by_category": [
            {"category": row["category"], "total": money_str(row["total"]), "count": row["count"]} for row in rows
        ],
    }


def _carryovers(*, budgets: list[Budget], month_first: datetime.date) -> dict[tuple[int, str], Decimal]:
    """For rollover budgets: what is carried into ``month_first``'s month, per (user id, category).

    Envelope rule (as YNAB and Goodbudget do): each month since the budget's
    ``rollover_started_on`` adds its limit and subtracts its spending, so leftovers add up and
    overspending is taken from the next month. The current limit stands for past months (limits
    are not versioned). One query for any number of users, none when no budget rolls over.
    """
    rolling = {(b.user_id, b.category): b for b in budgets if b.rollover and b.rollover_started_on
               and b.rollover_started_on < month_first}
    if not rolling:
        return {}
    since = min(b.rollover_started_on for b in rolling.values())
    rows = (Expense.objects.filter(user_id__in={user_id for user_id, _ in rolling},
                                   category__in={category for _, category in rolling},
                                   date__gte=since, date__lt=month_first)
            .values("user_id", "category").annotate(month=TruncMonth("date")).values("user_id", "category", "month")
            .annotate(total=Sum("amount")).order_by())
    spent = {key: ZERO for key in rolling}
    for row in rows:
        key = (row["user_id"], row["category"])
        if key in rolling and row["month"] >= rolling[key].rollover_started_on:
            spent[key] += row["total"]
    previous_month_end = month_first - ONE_DAY
    return {
        key: budget.monthly_limit * len(_months(budget.rollover_started_on, previous_month_end)) - spent[key]
        for key, budget in rolling.items()
    }


def _budget_state(percent_used: Decimal, threshold: int) -> str:
    if percent_used > 100:
        return "over"
    if percent_used >= threshold:
        return "near"
    return "ok"


def _budget_use(budget: Budget, spent: Decimal, available: Decimal) -> tuple[Decimal, str]:
    """``(percent of available used, 1 place; "ok" | "near" | "over")``."""
    if available > 0:
        percent_used = (spent / available * 100).quantize(Decimal("0.1"))
        return percent_used, _budget_state(percent_used, budget.alert_threshold_percent)
    # an envelope emptied by last month's overspending
    return Decimal(100), "over" if spent or available < 0 else "near"


@dataclass(frozen=True, slots=True)
class BudgetUse:
    """One budget's standing in its owner's current month (money in the user's currency)."""

    budget: Budget
    month_first: datetime.date
    month_last: datetime.date
    available: Decimal
    spent: Decimal
    percent_used: Decimal  # of available, 1 place
    state: str  # "ok" | "near" | "over"


def budgets_use(*, budgets: list[Budget], today_by_user: dict[int, datetime.date]) -> list[BudgetUse]:
    """Every given budget's standing in its owner's month of ``today_by_user[user_id]`` (each
    user's local date), for many users at once, as ``budget_status`` computes it for one: the
    proactive budget monitor. Queries: two per distinct month among the users (one for spending,
    one for rollover carryovers when any budget rolls over); users a timezone apart straddle at
    most two months."""
    by_month: dict[tuple[datetime.date, datetime.date], list[Budget]] = defaultdict(list)
    for budget in budgets:
        by_month[month_bounds(today_by_user[budget.user_id])].append(budget)
    uses = []
    for (first, last), month_budgets in by_month.items():
        spent_by = {(row["user_id"], row["category"]): row["total"] for row in (
            Expense.objects.filter(user_id__in={b.user_id for b in month_budgets},
                                   category__in={b.category for b in month_budgets}, date__range=(first, last))
            .values("user_id", "category").annotate(total=Sum("amount")).order_by())}
        carryovers = _carryovers(budgets=month_budgets, month_first=first)
        for budget in month_budgets:
            key = (budget.user_id, budget.category)
            spent = to_cents(spent_by.get(key, 0))
            available = budget.monthly_limit + to_cents(carryovers.get(key, ZERO))
            percent_used, state = _budget_use(budget, spent, available)
            uses.append(BudgetUse(budget, first, last, available, spent, percent_used, state))
    return uses


def budget_status(*, user, today: datetime.date, category: str | None = None) -> dict:
    """Each budget's standing for ``today``'s month (the user's local date).

    Returns ``{"month": "2026-11", "days_left" (today included), "budgets": [{"category",
    "monthly_limit", "rollover" (bool), "carryover" (carried in; negative when last month
    overspent), "available" (limit + carryover), "spent", "remaining" (available − spent, negative
    when over), "percent_used" (of available; float, 1 place), "alert_threshold_percent", "state":
    "ok" | "near" | "over"}], "unbudgeted": [{"category", "spent"}], "total_limit",
    "total_spent_budgeted", "total_spent"}``. Money values are strings. "near" means at or past
    the budget's alert threshold (80 % by default). Two queries, three with rollover budgets.
    """
    first, last = month_bounds(today)
    budgets = Budget.objects.filter(user=user)
    expenses = Expense.objects.filter(user=user, date__range=(first, last))
    if category:
        budgets = budgets.filter(category=category)
        expenses = expenses.filter(category=category)
    spent_by_category = dict(expenses.values_list("category").annotate(total=Sum("amount")).order_by())
    budgets = list(budgets)
    carryovers = _carryovers(budgets=budgets, month_first=first)

    items = []
    for budget in budgets:
        spent = to_cents(spent_by_category.pop(budget.category, 0))
        carryover = to_cents(carryovers.get((budget.user_id, budget.category), ZERO))
        available = budget.monthly_limit + carryover
        percent_used, state = _budget_use(budget, spent, available)
        items.append(
            {
                "category": budget.category,
                "monthly_limit": money_str(budget.monthly_limit),
                "rollover": budget.rollover,
                "carryover": money_str(carryover),
                "available": money_str(available),
                "spent": money_str(spent),
                "remaining": money_str(available - spent),
                "percent_used": float(percent_used),
                "alert_threshold_percent": budget.alert_threshold_percent,
                "state": state,
            }
        )
    unbudgeted = sorted(spent_by_category.items(), key=lambda item: -item[1])
    total_limit = sum((Decimal(item["available"]) for item in items), ZERO)
    total_spent_budgeted = sum((Decimal(item["spent"]) for item in items), ZERO)
    total_unbudgeted = sum((spent for _, spent in unbudgeted), ZERO)
    return {
        "month": first.strftime("%Y-%m"),
        "days_left": (last - today).days + 1,
        "budgets": items,
        "unbudgeted": [{"category": name, "spent": money_str(spent)} for name, spent in unbudgeted],
        "total_limit": money_str(total_limit),
        "total_spent_budgeted": money_str(total_spent_budgeted),
        "total_spent": money_str(total_spent_budgeted + total_unbudgeted),
    }


def _recurring_due(*, user, after: datetime.date, last: datetime.date) -> dict[str, Decimal]:
    """Recurring bills still to post in ``(after, last]``, per category. One query."""
    due: dict[str, Decimal] = {}
    for recurring in RecurringExpense.objects.filter(user=user, is_active=True, next_due_on__lte=last):
        first = max(after + ONE_DAY, recurring.next_due_on)
        count = sum(1 for _ in occurrences_between(recurring.starts_on, recurring.frequency, first, last,
                                                    recurring.ends_on))
        if count:
            due[recurring.category] = due.get(recurring.category, ZERO) + recurring.amount * count
    return due


def month_projection(*, user, today: datetime.date) -> dict:
    """Where this month's spending is heading, per category, from the month's pace so far.

    projected = spent so far + (variable spending so far ÷ days elapsed) × days left after today
    + recurring bills still due this month. Variable spending is everything not posted by a
    recurring bill, so a rent paid on the 1st is not extrapolated. Returns ``{"month",
    "days_elapsed", "days_in_month", "is_early" (fewer than 7 days in: a rough guide),
    "categories": [{"category", "spent", "projected", "monthly_limit" (available, or null),
    "projected_over" (amount over, or null), "state"}], "total_spent", "total_projected",
    "total_limit", "over_budget": [category, ...]}``, largest projection first. Three queries.
    """
    first, last = month_bounds(today)
    days_elapsed, days_in_month = today.day, last.day
    rows = (Expense.objects.filter(user=user, date__range=(first, today)).values("category")
            .annotate(total=Sum("amount"), recurring=Sum("amount", filter=Q(recurring__isnull=False))).order_by())
    spent = {row["category"]: (row["total"], row["recurring"] or ZERO) for row in rows}
    due = _recurring_due(user=user, after=today, last=last)
    status = budget_status(user=user, today=today)
    available = {item["category"]: Decimal(item["available"]) for item in status["budgets"]}

    categories = []
    for name in sorted(set(spent) | set(due) | set(available)):
        total, recurring = spent.get(name, (ZERO, ZERO))
        pace = (total - recurring) / days_elapsed
        projected = to_cents(total + pace * (days_in_month - days_elapsed) + due.get(name, ZERO))
        limit = available.get(name)
        over = projected - limit if limit is not None and projected > limit else None
        state = "no_budget" if limit is None else ("over" if over is not None else "ok")
        categories.append({
            "category": name, "spent": money_str(total), "projected": money_str(projected),
            "monthly_limit": money_str(limit) if limit is not None else None,
            "projected_over": money_str(over) if over is not None else None, "state": state,
        })
    categories.sort(key=lambda item: (-Decimal(item["projected"]), item["category"]))
    return {
        "month": first.strftime("%Y-%m"),
        "days_elapsed": days_elapsed,
        "days_in_month": days_in_month,
        "is_early": days_elapsed < 7,
        "categories": categories,
        "total_spent": money_str(sum((Decimal(c["spent"]) for c in categories), ZERO)),
        "total_projected": money_str(sum((Decimal(c["projected"]) for c in categories), ZERO)),
        "total_limit": status["total_limit"],
        "over_budget": [c["category"] for c in categories if c["state"] == "over"],
    }


SAVINGS_MIN_PERCENT_ABOVE = Decimal(10)
SAVINGS_MIN_AMOUNT = Decimal(10)


def savings_opportunities(*, user, today: datetime.date) -> dict:
    """Categories trending above the user's own 3-month average (the previous three full months).

    A category qualifies when this month's projection (``month_projection``) is at least 10 %
    and $10 above its average. Returns ``{"month", "baseline_months": ["2026-08", ...],
    "opportunities": [{"category", "average", "projected", "difference", "percent_above"}],
    "potential_savings"}``, largest difference first. Categories with no history are not judged.
    """
    first = today.replace(day=1)
    baseline_first = first - relativedelta(months=3)
    history = dict(
        Expense.objects.filter(user=user, date__gte=baseline_first, date__lt=first)
        .values_list("category").annotate(total=Sum("amount")).order_by()
    )
    projection = month_projection(user=user, today=today)
    opportunities = []
    for item in projection["categories"]:
        average = to_cents(history.get(item["category"], ZERO) / 3)
        projected = Decimal(item["projected"])
        if average <= 0:
            continue
        difference = projected - average
        percent_above = (difference / average * 100).quantize(Decimal("1"))
        if difference >= SAVINGS_MIN_AMOUNT and percent_above >= SAVINGS_MIN_PERCENT_ABOVE:
            opportunities.append({
                "category": item["category"], "average": money_str(average), "projected": money_str(projected),
                "difference": money_str(difference), "percent_above": int(percent_above),
            })
    opportunities.sort(key=lambda item: -Decimal(item["difference"]))
    return {
        "month": projection["month"],
        "baseline_months": [month.strftime("%Y-%m") for month in _months(baseline_first, first - ONE_DAY)],
        "is_early": projection["is_early"],
        "opportunities": opportunities,
        "potential_savings": money_str(sum((Decimal(o["difference"]) for o in opportunities), ZERO)),
    }


def expense_as_dict(expense: Expense) -> dict:
    """An expense as JSON-able data (amount as a money string, date as ISO)."""
    return {
        "id": expense.id,
        "amount": money_str(expense.amount),
        "category": expense.category,
        "date": expense.date.isoformat(),
        "description": expense.description,
        "merchant": expense.merchant,
        "location": expense.location,
        "tags": expense.tags,
        "recurring": expense.recurring_id is not None,
    }


def income_as_dict(income: Income) -> dict:
    """An income row as JSON-able data."""
    return {
        "id": income.id, "source": income.source, "amount": money_str(income.amount),
        "date": income.date.isoformat(), "kind": income.kind, "notes": income.notes,
    }


def recent_expenses(*, user, limit: int = 5) -> list[dict]:
    """The user's latest expenses, newest first, as ``expense_as_dict`` rows."""
    return [expense_as_dict(expense) for expense in Expense.objects.filter(user=user)[:limit]]
