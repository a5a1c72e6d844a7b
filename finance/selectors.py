"""Reads of a user's money. Every selector takes the user and filters by it."""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum

from finance.models import Budget, Expense
from finance.money import money_str, to_cents
from finance.periods import month_bounds


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


def _budget_state(percent_used: Decimal, threshold: int) -> str:
    if percent_used > 100:
        return "over"
    if percent_used >= threshold:
        return "near"
    return "ok"


def budget_status(*, user, today: datetime.date, category: str | None = None) -> dict:
    """Each budget's standing for ``today``'s month (the user's local date).

    Returns ``{"month": "2026-11", "days_left" (today included), "budgets": [{"category",
    "monthly_limit", "spent", "remaining" (negative when over), "percent_used" (float, 1 place),
    "alert_threshold_percent", "state": "ok" | "near" | "over"}], "unbudgeted": [{"category",
    "spent"}], "total_limit", "total_spent_budgeted", "total_spent"}``. Money values are strings.
    "near" means at or past the budget's alert threshold (80 % by default). Two queries.
    """
    first, last = month_bounds(today)
    budgets = Budget.objects.filter(user=user)
    expenses = Expense.objects.filter(user=user, date__range=(first, last))
    if category:
        budgets = budgets.filter(category=category)
        expenses = expenses.filter(category=category)
    spent_by_category = dict(expenses.values_list("category").annotate(total=Sum("amount")).order_by())

    items = []
    for budget in budgets:
        spent = to_cents(spent_by_category.pop(budget.category, 0))
        percent_used = (spent / budget.monthly_limit * 100).quantize(Decimal("0.1"))
        items.append(
            {
                "category": budget.category,
                "monthly_limit": money_str(budget.monthly_limit),
                "spent": money_str(spent),
                "remaining": money_str(budget.monthly_limit - spent),
                "percent_used": float(percent_used),
                "alert_threshold_percent": budget.alert_threshold_percent,
                "state": _budget_state(percent_used, budget.alert_threshold_percent),
            }
        )
    unbudgeted = sorted(spent_by_category.items(), key=lambda item: -item[1])
    total_limit = sum((Decimal(item["monthly_limit"]) for item in items), Decimal(0))
    total_spent_budgeted = sum((Decimal(item["spent"]) for item in items), Decimal(0))
    total_unbudgeted = sum((spent for _, spent in unbudgeted), Decimal(0))
    return {
        "month": first.strftime("%Y-%m"),
        "days_left": (last - today).days + 1,
        "budgets": items,
        "unbudgeted": [{"category": name, "spent": money_str(spent)} for name, spent in unbudgeted],
        "total_limit": money_str(total_limit),
        "total_spent_budgeted": money_str(total_spent_budgeted),
        "total_spent": money_str(total_spent_budgeted + total_unbudgeted),
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
    }


def recent_expenses(*, user, limit: int = 5) -> list[dict]:
    """The user's latest expenses, newest first, as ``expense_as_dict`` rows."""
    return [expense_as_dict(expense) for expense in Expense.objects.filter(user=user)[:limit]]
