"""Writes to a user's money. Each service validates, saves in one transaction and, once the
transaction commits, drops the user's cached financial context so PAM never answers from stale
figures (DESIGN.md, "User context cache") and tells the user's open pages to reload.

Every service takes the user and touches only that user's rows: another user's id raises the
model's ``DoesNotExist``, exactly as a missing one does.
"""

import datetime
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assistant.context import profile_zone
from finance.models import Budget, Expense, Income, RecurringExpense, RecurringIncome
from finance.money import to_cents
from finance.recurrence import next_occurrence, occurrences_between
from pam_project.service_support import apply_changes, data_changed, delete_owned
from pam_project.service_support import validate as _validate

logger = logging.getLogger(__name__)

EXPENSE_FIELDS = ("amount", "category", "date", "description", "merchant", "location", "tags", "receipt_note")
INCOME_FIELDS = ("source", "amount", "date", "kind", "notes")
BUDGET_FIELDS = ("monthly_limit", "alert_threshold_percent", "rollover")


def _changed(user, *reloads: str) -> None:
    """After commit: drop the cached financial context and ask open pages to reload ``reloads``."""
    data_changed(user, *reloads, parts=("financial",))


def _clean_text(value: str | None) -> str:
    return (value or "").strip()


def _clean_tags(tags) -> list[str]:
    seen = []
    for tag in tags or []:
        tag = " ".join(str(tag).split()).lower()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


@transaction.atomic
def expense_create(
    *,
    user,
    amount: Decimal,
    category: str,
    date: datetime.date,
    description: str = "",
    merchant: str = "",
    location: str = "",
    tags: list[str] | None = None,
    receipt_note: str = "",
    recurring: RecurringExpense | None = None,
) -> Expense:
    """Record an expense. ``amount`` in the user's currency, rounded half up to cents.

    Raises django.core.exceptions.ValidationError for a non-positive amount, an unknown
    category, bad tags or over-long text.
    """
    expense = Expense(
        user=user,
        amount=to_cents(amount),
        category=category,
        date=date,
        description=_clean_text(description),
        merchant=_clean_text(merchant),
        location=_clean_text(location),
        tags=_clean_tags(tags),
        receipt_note=_clean_text(receipt_note),
        recurring=recurring,
    )
    _validate(expense, exclude=("user", "recurring"))
    expense.save()
    _changed(user, "reload_expenses")
    return expense


def _money_and_tags(name: str, value):
    if name in ("amount", "monthly_limit"):
        return to_cents(value)
    return _clean_tags(value) if name == "tags" else value


def _apply_changes(instance, fields: tuple[str, ...], changes: dict) -> dict:
    """``apply_changes`` with amounts rounded to cents and tags cleaned."""
    return apply_changes(instance, fields, changes, clean=_money_and_tags)


def _update_owned(model, fields: tuple[str, ...], reload: str, *, user, pk: int, changes: dict):
    row = model.objects.select_for_update().get(id=pk, user=user)
    previous = _apply_changes(row, fields, changes)
    if previous:
        _validate(row, exclude=("user", "recurring"))
        _save_posted(row)
        _changed(user, reload)
    return row, previous


def _save_posted(row) -> None:
    """Save an edited row; a posted occurrence moved onto a day its recurrence already posted
    is a ValidationError on ``date``, not a database error."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        if getattr(row, "recurring_id", None) is None:
            raise
        raise ValidationError({"date": "This recurring entry was already posted on that day."}) from exc


def _delete_owned(model, reload: str, *, user, pk: int):
    return delete_owned(model, user=user, pk=pk, reload=reload, parts=("financial",))


@transaction.atomic
def expense_update(*, user, expense_id: int, **changes) -> tuple[Expense, dict]:
    """Change some of an expense's fields (any of ``EXPENSE_FIELDS``).

    Returns ``(expense, previous)`` where ``previous`` maps each changed field to its old value.
    Raises Expense.DoesNotExist (not the user's, or gone), ValidationError on bad values (a
    posted bill moved onto a day it already posted: on ``date``), TypeError for a field that
    cannot be changed.
    """
    return _update_owned(Expense, EXPENSE_FIELDS, "reload_expenses", user=user, pk=expense_id, changes=changes)


@transaction.atomic
def expense_delete(*, user, expense_id: int) -> Expense:
    """Delete one of the user's expenses; returns the deleted instance (its ``id`` kept).

    Raises Expense.DoesNotExist when it is not the user's or already gone.
    """
    return _delete_owned(Expense, "reload_expenses", user=user, pk=expense_id)


@transaction.atomic
def income_create(
    *, user, source: str, amount: Decimal, date: datetime.date, kind: str = "other", notes: str = "",
    recurring: RecurringIncome | None = None,
) -> Income:
    """Record income received. Raises ValidationError for a bad amount, kind or empty source."""
    income = Income(
        user=user, source=_clean_text(source), amount=to_cents(amount), date=date, kind=kind,
        notes=_clean_text(notes), recurring=recurring,
    )
    _validate(income, exclude=("user", "recurring"))
    income.save()
    _changed(user, "reload_income")
    return income


@transaction.atomic
def income_update(*, user, income_id: int, **changes) -> tuple[Income, dict]:
    """Change some of an income row's fields (``INCOME_FIELDS``); see ``expense_update``."""
    return _update_owned(Income, INCOME_FIELDS, "reload_income", user=user, pk=income_id, changes=changes)


@transaction.atomic
def income_delete(*, user, income_id: int) -> Income:
    """Delete one of the user's income rows. Raises Income.DoesNotExist."""
    return _delete_owned(Income, "reload_income", user=user, pk=income_id)


@transaction.atomic
def budget_set(
    *, user, category: str, monthly_limit: Decimal, alert_threshold_percent: int | None = None,
    rollover: bool | None = None, today: datetime.date | None = None,
) -> tuple[Budget, Decimal | None]:
    """Create or change the user's monthly budget for ``category``.

    Returns ``(budget, previous_limit)``; ``previous_limit`` is None for a new budget. Keeps the
    existing alert threshold and rollover unless given. Switching rollover on starts carrying
    leftovers from ``today``'s month (the user's local date; the server's when omitted). Raises
    ValidationError on bad values.
    """
    budget = Budget.objects.select_for_update().filter(user=user, category=category).first()
    previous_limit = budget.monthly_limit if budget else None
    if budget is None:
        budget = Budget(user=user, category=category)
    budget.monthly_limit = to_cents(monthly_limit)
    if alert_threshold_percent is not None:
        budget.alert_threshold_percent = alert_threshold_percent
    if rollover is not None:
        _set_rollover(budget, rollover, today)
    _validate(budget)
    budget.save()
    _changed(user, "reload_budgets")
    return budget, previous_limit


def _set_rollover(budget: Budget, rollover: bool, today: datetime.date | None) -> None:
    if rollover and not budget.rollover:
        budget.rollover_started_on = (today or timezone.localdate()).replace(day=1)
    elif not rollover:
        budget.rollover_started_on = None
    budget.rollover = rollover


@transaction.atomic
def budget_update(*, user, budget_id: int, today: datetime.date | None = None, **changes) -> tuple[Budget, dict]:
    """Change a budget's limit, threshold or rollover (``BUDGET_FIELDS``); see ``expense_update``."""
    budget = Budget.objects.select_for_update().get(id=budget_id, user=user)
    rollover = changes.pop("rollover", None)
    previous = _apply_changes(budget, BUDGET_FIELDS, changes)
    if rollover is not None and rollover != budget.rollover:
        previous["rollover"] = budget.rollover
        _set_rollover(budget, rollover, today)
    if previous:
        _validate(budget)
        budget.save()
        _changed(user, "reload_budgets")
    return budget, previous


@transaction.atomic
def budget_delete(*, user, budget_id: int) -> Budget:
    """Delete one of the user's budgets. Raises Budget.DoesNotExist."""
    return _delete_owned(Budget, "reload_budgets", user=user, pk=budget_id)


# How far back a repeating bill or income may start. Its occurrences up to today are posted at
# once, so a start in year 1 would write a row a week for two thousand years.
RECURRING_BACKDATE_DAYS = 366


def _check_start(starts_on: datetime.date) -> None:
    earliest = timezone.localdate() - datetime.timedelta(days=RECURRING_BACKDATE_DAYS)
    if starts_on < earliest:
        raise ValidationError({"starts_on": f"A repeating one can start at most a year back ({earliest} or later); "
                                            "log older ones one by one."})


@transaction.atomic
def recurring_expense_create(
    *, user, amount: Decimal, category: str, starts_on: datetime.date, frequency: str = "monthly",
    description: str = "", merchant: str = "", ends_on: datetime.date | None = None,
) -> RecurringExpense:
    """A repeating bill. Its first occurrence is ``starts_on``; occurrences up to today are
    posted by ``recurring_post_due``. Raises ValidationError on bad values or a start more than
    RECURRING_BACKDATE_DAYS back."""
    _check_start(starts_on)
    recurring = RecurringExpense(
        user=user, amount=to_cents(amount), category=category, frequency=frequency, starts_on=starts_on,
        ends_on=ends_on, next_due_on=starts_on, description=_clean_text(description), merchant=_clean_text(merchant),
    )
    _validate(recurring)
    recurring.save()
    _changed(user, "reload_expenses")
    return recurring


@transaction.atomic
def recurring_income_create(
    *, user, amount: Decimal, source: str, starts_on: datetime.date, frequency: str = "monthly",
    kind: str = "other", ends_on: datetime.date | None = None,
) -> RecurringIncome:
    """Repeating income (a pension on the 3rd). See ``recurring_expense_create``."""
    _check_start(starts_on)
    recurring = RecurringIncome(
        user=user, amount=to_cents(amount), source=_clean_text(source), kind=kind, frequency=frequency,
        starts_on=starts_on, ends_on=ends_on, next_due_on=starts_on,
    )
    _validate(recurring)
    recurring.save()
    _changed(user, "reload_income")
    return recurring


@transaction.atomic
def recurring_delete(*, user, model: type[RecurringExpense] | type[RecurringIncome], recurring_id: int):
    """Stop a recurring bill or income for good. What it already posted stays (those rows lose
    their link). Returns the deleted instance; raises ``model.DoesNotExist``."""
    return _delete_owned(model, "reload_expenses" if model is RecurringExpense else "reload_income",
                         user=user, pk=recurring_id)


def _post_row(recurrence, day: datetime.date) -> None:
    if isinstance(recurrence, RecurringExpense):
        Expense.objects.create(
            user_id=recurrence.user_id, amount=recurrence.amount, category=recurrence.category, date=day,
            description=recurrence.description, merchant=recurrence.merchant, recurring=recurrence,
        )
    else:
        Income.objects.create(
            user_id=recurrence.user_id, source=recurrence.source, amount=recurrence.amount, date=day,
            kind=recurrence.kind, recurring=recurrence,
        )


def recurring_post_due(*, user=None, today: datetime.date | None = None, now: datetime.datetime | None = None) -> int:
    """Post every occurrence of active recurring expenses and income that has fallen due.

    Due means on or before the owner's local date at ``now`` (aware; default the current time);
    ``today`` overrides that date for everyone and ``user`` limits the run to one user. Safe to
    run twice or concurrently: rows are claimed with ``SKIP LOCKED`` and each occurrence is unique
    per recurrence and date. Returns how many rows were posted; one query when nothing is due.
    """
    now = now or timezone.now()
    horizon = today or (now + datetime.timedelta(days=1)).date()  # the latest local date anywhere

    def due_rows(model):
        rows = model.objects.filter(is_active=True, next_due_on__lte=horizon)
        return rows if user is None else rows.filter(user=user)

    # Every context rebuild calls this and nearly always nothing is due: one plain read answers
    # that, instead of a transaction and a locking join per model (bench/context.py).
    if not due_rows(RecurringExpense).values("id").union(due_rows(RecurringIncome).values("id"), all=True).exists():
        return 0
    posted = 0
    for model in (RecurringExpense, RecurringIncome):
        with transaction.atomic():
            due = due_rows(model).select_for_update(skip_locked=True, of=("self",)).select_related("user__pam_profile")
            touched_users = {}
            for recurrence in due:
                local_today = today or _local_today(recurrence.user, now)
                for day in occurrences_between(recurrence.starts_on, recurrence.frequency,
                                               recurrence.next_due_on, local_today, recurrence.ends_on):
                    try:
                        with transaction.atomic():
                            _post_row(recurrence, day)
                    except IntegrityError:  # already posted (say, before a crash); move on
                        continue
                    posted += 1
                    touched_users[recurrence.user_id] = recurrence.user
                after = min(local_today, recurrence.ends_on) if recurrence.ends_on else local_today
                if after >= recurrence.next_due_on:
                    recurrence.next_due_on = next_occurrence(recurrence.starts_on, recurrence.frequency, after)
                    if recurrence.ends_on and recurrence.next_due_on > recurrence.ends_on:
                        recurrence.is_active = False
                    recurrence.save(update_fields=["next_due_on", "is_active", "updated_at"])
            reload = "reload_expenses" if model is RecurringExpense else "reload_income"
            for owner in touched_users.values():
                _changed(owner, reload)
    return posted


def _local_today(user, now: datetime.datetime) -> datetime.date:
    profile = getattr(user, "pam_profile", None)
    return now.astimezone(profile_zone({"timezone": profile.timezone if profile else ""})).date()
