"""Writes to a user's money. Each service validates, saves in one transaction and, once the
transaction commits, drops the user's cached financial context so PAM never answers from stale
figures (DESIGN.md, "User context cache")."""

import datetime
from decimal import Decimal
from functools import partial

from django.db import transaction

from assistant.context import context_invalidate
from finance.models import Budget, Expense
from finance.money import to_cents


def _invalidate_financial(user) -> None:
    transaction.on_commit(partial(context_invalidate, user.id, "financial"))


@transaction.atomic
def expense_create(
    *,
    user,
    amount: Decimal,
    category: str,
    date: datetime.date,
    description: str = "",
    merchant: str = "",
) -> Expense:
    """Record an expense. ``amount`` in the user's currency, rounded to cents.

    Raises django.core.exceptions.ValidationError for a non-positive amount, an unknown
    category or over-long text.
    """
    expense = Expense(
        user=user,
        amount=to_cents(amount),
        category=category,
        date=date,
        description=description.strip(),
        merchant=merchant.strip(),
    )
    # Field validators cover the check constraints; skip their extra query (the DB enforces them).
    expense.full_clean(exclude=["user"], validate_constraints=False)
    expense.save()
    _invalidate_financial(user)
    return expense


@transaction.atomic
def budget_set(
    *, user, category: str, monthly_limit: Decimal, alert_threshold_percent: int | None = None
) -> tuple[Budget, Decimal | None]:
    """Create or change the user's monthly budget for ``category``.

    Returns ``(budget, previous_limit)``; ``previous_limit`` is None for a new budget. Keeps the
    existing alert threshold unless one is given. Raises ValidationError on bad values.
    """
    budget = Budget.objects.select_for_update().filter(user=user, category=category).first()
    previous_limit = budget.monthly_limit if budget else None
    if budget is None:
        budget = Budget(user=user, category=category)
    budget.monthly_limit = to_cents(monthly_limit)
    if alert_threshold_percent is not None:
        budget.alert_threshold_percent = alert_threshold_percent
    budget.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    budget.save()
    _invalidate_financial(user)
    return budget, previous_limit
