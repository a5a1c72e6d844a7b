"""PAM's money tools: thin wrappers over finance services and selectors, bound to the user."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse
from pydantic import BaseModel, Field, model_validator

from assistant.registry import Confirmation, ToolContext, ToolError, ToolResult, pam_tool
from finance import selectors, services
from finance.models import Category, Expense, Frequency, IncomeKind
from finance.money import format_money, money_str
from finance.periods import Period, period_range

EXPORT_URL_NAME = "api:export-expenses"

CATEGORY_HELP = (
    "Expense category: fuel (gas, diesel), campground (campsite, RV park, KOA, hookups, dump station), "
    "groceries, dining (restaurant, takeout, coffee), propane (LP), maintenance (oil change, tires, "
    "repairs, parts), insurance, connectivity (phone, internet, hotspot, Starlink), entertainment "
    "(tickets, park entry, tours), supplies (hardware, firewood, ice, laundry), health (pharmacy, "
    "doctor), other. A specific item beats a place: propane bought at a KOA is propane."
)


def _card(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _money(amount, result: dict) -> str:
    return format_money(amount, result.get("currency") or "USD") if amount else ""


def _recurring_dict(recurring) -> dict:
    return {"id": recurring.id, "frequency": recurring.frequency, "starts_on": recurring.starts_on.isoformat(),
            "next_due_on": recurring.next_due_on.isoformat(), "amount": money_str(recurring.amount)}


def _when(arguments: dict) -> str:
    if arguments.get("period"):
        return arguments["period"].replace("_", " ")
    if arguments.get("start_date"):
        return f"{arguments['start_date']} – {arguments['end_date']}"
    return "this month"


class LogExpenseArgs(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2, description="Amount paid, e.g. 45.20")
    category: Category = Field(description=CATEGORY_HELP)
    date: datetime.date | None = Field(
        None, description="Day it was paid (YYYY-MM-DD) in the user's timezone; omit for today."
    )
    description: str = Field("", max_length=500, description="What it was for, in a few words.")
    merchant: str = Field("", max_length=200, description="Who was paid: shop or campground.")
    location: str = Field("", max_length=200, description="Town or place, e.g. 'Moab, UT'.")
    tags: list[str] = Field(default_factory=list, max_length=10, description="Short words to group by.")
    receipt_note: str = Field("", max_length=2000, description="What the receipt says, if the user gives it.")
    repeats: Frequency | None = Field(
        None, description="Set only when the user says it repeats (\"$120 Starlink every month\"): "
        "the bill then posts itself on that day each week/month/year, starting with this date.",
    )


@pam_tool(writes=True, label="Logged expense", card=lambda arguments, result: _card(
    _money(arguments.get("amount"), result), arguments.get("category"),
    arguments.get("date") or (result.get("expense") or {}).get("date")))
def log_expense(ctx: ToolContext, args: LogExpenseArgs) -> ToolResult:
    """Record an expense the user has already paid. Use when the user says they spent or paid
    money ("spent $45 on groceries yesterday"). Never for money they only plan or might spend.
    Returns the saved expense and, when the category has a budget, its standing this month."""
    date = args.date or ctx.today
    if date > ctx.today and not args.repeats:
        raise ToolError(f"{date.isoformat()} is in the future; log an expense once it is paid.")
    fields = dict(amount=args.amount, category=args.category, description=args.description, merchant=args.merchant)
    if args.repeats:
        recurring = services.recurring_expense_create(user=ctx.user, starts_on=date, frequency=args.repeats, **fields)
        services.recurring_post_due(user=ctx.user, today=ctx.today)
        recurring.refresh_from_db()
        expense = recurring.expenses.order_by("-date").first()
        if expense is None:  # starts later: nothing to post yet
            return ToolResult(data={"recurring": _recurring_dict(recurring), "expense": None,
                                    "currency": ctx.currency}, ui_actions=[{"type": "reload_expenses"}])
    else:
        expense = services.expense_create(user=ctx.user, date=date, location=args.location, tags=args.tags,
                                          receipt_note=args.receipt_note, **fields)
    status = selectors.budget_status(user=ctx.user, today=ctx.today, category=expense.category)
    return ToolResult(
        data={
            "expense": selectors.expense_as_dict(expense),
            "currency": ctx.currency,
            "budget": status["budgets"][0] if status["budgets"] else None,
            "category_spent_this_month": status["total_spent"],
            "recurring": _recurring_dict(expense.recurring) if expense.recurring_id else None,
        },
        ui_actions=[{"type": "reload_expenses"}],
    )


class PeriodArgs(BaseModel):
    period: Period | None = Field(
        None, description="A named period; omit when giving start_date and end_date. Default this_month."
    )
    start_date: datetime.date | None = Field(None, description="First day (YYYY-MM-DD), with end_date.")
    end_date: datetime.date | None = Field(None, description="Last day (YYYY-MM-DD), inclusive.")

    def date_range(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        if self.start_date:
            return self.start_date, self.end_date
        return period_range(self.period or Period.THIS_MONTH, today)

    def period_name(self) -> str | None:
        return self.period.value if self.period else (None if self.start_date else "this_month")

    @model_validator(mode="after")
    def check_range(self):
        if (self.start_date is None) != (self.end_date is None):
            raise ValueError("give both start_date and end_date, or neither")
        if self.start_date and self.period:
            raise ValueError("give either period or start_date/end_date, not both")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError("start_date must not be after end_date")
        return self


class SpendingSummaryArgs(PeriodArgs):
    category: Category | None = Field(None, description="Only this category; omit for all.")


@pam_tool(label="Summarised spending", card=lambda arguments, result: _card(
    arguments.get("category") or "all categories", _when(arguments)))
def get_spending_summary(ctx: ToolContext, args: SpendingSummaryArgs) -> ToolResult:
    """How much the user spent in a period, in total and by category (largest first). Use for
    "how much have I spent on fuel this month?" or "what did I spend last month?"."""
    start, end = args.date_range(ctx.today)
    summary = selectors.spending_summary(user=ctx.user, start=start, end=end, category=args.category)
    summary["period"] = args.period_name()
    summary["currency"] = ctx.currency
    return ToolResult(data=summary)


class BudgetStatusArgs(BaseModel):
    category: Category | None = Field(None, description="Only this category's budget; omit for all.")


@pam_tool(label="Checked budgets", card=lambda arguments, result: arguments.get("category") or "all categories")
def get_budget_status(ctx: ToolContext, args: BudgetStatusArgs) -> ToolResult:
    """This month's budgets: each category's monthly limit, spent so far, percent used,
    remaining and state (ok, near = past its alert threshold, over), plus days left in the month
    and spending in categories without a budget."""
    status = selectors.budget_status(user=ctx.user, today=ctx.today, category=args.category)
    status["currency"] = ctx.currency
    status["category"] = args.category.value if args.category else None
    return ToolResult(data=status)


class SetBudgetArgs(BaseModel):
    category: Category = Field(description=CATEGORY_HELP)
    monthly_limit: Decimal = Field(gt=0, max_digits=12, decimal_places=2, description="Limit per month.")
    alert_threshold_percent: int | None = Field(
        None, ge=1, le=100, description="Warn at this percent of the limit; omit to keep (default 80)."
    )
    rollover: bool | None = Field(
        None, description="true: carry what is left (or overspent) into next month, like an envelope; "
        "false: start fresh each month; omit to keep.",
    )


def _set_budget_card(arguments: dict, result: dict) -> str:
    limit = _money(arguments.get("monthly_limit"), result)
    return _card(arguments.get("category"), limit and f"{limit} a month")


@pam_tool(writes=True, label="Set budget", card=_set_budget_card)
def set_budget(ctx: ToolContext, args: SetBudgetArgs) -> ToolResult:
    """Create or change the user's monthly budget for one category ("set my grocery budget to
    $800 a month"). Returns the budget, the previous limit if there was one, and this month's
    standing against the new limit."""
    budget, previous_limit = services.budget_set(
        user=ctx.user,
        category=args.category,
        monthly_limit=args.monthly_limit,
        alert_threshold_percent=args.alert_threshold_percent,
        rollover=args.rollover,
        today=ctx.today,
    )
    status = selectors.budget_status(user=ctx.user, today=ctx.today, category=budget.category)
    return ToolResult(
        data={
            "budget": status["budgets"][0],
            "previous_limit": money_str(previous_limit) if previous_limit is not None else None,
            "currency": ctx.currency,
            "days_left": status["days_left"],
        },
        ui_actions=[{"type": "reload_budgets"}],
    )


def _expense_card(expense: dict | None, currency: str) -> str:
    if not expense:
        return ""
    return _card(format_money(expense["amount"], currency), expense["category"], expense["date"],
                 expense.get("merchant") or expense.get("description"))


def _jsonable(value):
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _own_expense(ctx: ToolContext, expense_id: int) -> Expense:
    expense = selectors.expense_list(user=ctx.user).filter(id=expense_id).first()
    if expense is None:
        raise ToolError(f"There is no expense {expense_id}; use list_expenses to find the right one.")
    return expense


class ListExpensesArgs(PeriodArgs):
    category: Category | None = Field(None, description="Only this category.")
    text: str | None = Field(None, max_length=100, description="Words in the description, merchant or place.")
    amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2, description="Exactly this amount.")
    limit: int = Field(20, ge=1, le=100, description="At most this many, newest first.")


@pam_tool(label="Listed expenses", card=lambda arguments, result: _card(
    arguments.get("category") or arguments.get("text") or "all", _when(arguments), f"{result.get('count', 0)} found"))
def list_expenses(ctx: ToolContext, args: ListExpensesArgs) -> ToolResult:
    """The user's individual expenses in a period (default this month), newest first, optionally
    of one category, containing some text, or of an exact amount. Each has an ``id``: use it to
    update or delete one. Returns the expenses, how many match and their total."""
    start, end = args.date_range(ctx.today)
    expenses = selectors.expense_list(user=ctx.user, start=start, end=end, category=args.category, text=args.text)
    if args.amount is not None:
        expenses = expenses.filter(amount=args.amount)
    totals = expenses.aggregate(count=Count("id"), total=Sum("amount"))
    return ToolResult(data={
        "start": start.isoformat(), "end": end.isoformat(), "period": args.period_name(),
        "category": args.category.value if args.category else None, "text": args.text,
        "amount": money_str(args.amount) if args.amount is not None else None,
        "count": totals["count"], "total": money_str(totals["total"]), "currency": ctx.currency,
        "expenses": [selectors.expense_as_dict(expense) for expense in expenses[: args.limit]],
    })


class UpdateExpenseArgs(BaseModel):
    expense_id: int = Field(description="The expense's id (from list_expenses or a logged expense).")
    amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    category: Category | None = Field(None, description=CATEGORY_HELP)
    date: datetime.date | None = Field(None, description="YYYY-MM-DD in the user's timezone.")
    description: str | None = Field(None, max_length=500)
    merchant: str | None = Field(None, max_length=200)
    location: str | None = Field(None, max_length=200)
    tags: list[str] | None = Field(None, max_length=10)
    receipt_note: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def check_changes(self):
        if not self.changes():
            raise ValueError("give at least one field to change")
        return self

    def changes(self) -> dict:
        return self.model_dump(exclude={"expense_id"}, exclude_none=True)


@pam_tool(writes=True, label="Updated expense", card=lambda arguments, result: _expense_card(
    result.get("expense"), result.get("currency") or "USD"))
def update_expense(ctx: ToolContext, args: UpdateExpenseArgs) -> ToolResult:
    """Correct one of the user's expenses ("that was actually $52", "the Safeway one was
    groceries, not dining"): change only the fields given. Returns the expense and the previous
    values of what changed."""
    if args.date and args.date > ctx.today:
        raise ToolError(f"{args.date.isoformat()} is in the future; an expense is dated when it was paid.")
    _own_expense(ctx, args.expense_id)
    expense, previous = services.expense_update(user=ctx.user, expense_id=args.expense_id, **args.changes())
    return ToolResult(
        data={"expense": selectors.expense_as_dict(expense), "currency": ctx.currency,
              "previous": {name: _jsonable(value) for name, value in previous.items()}},
        ui_actions=[{"type": "reload_expenses"}],
    )


class DeleteExpenseArgs(BaseModel):
    expense_id: int = Field(description="The expense's id (from list_expenses).")


def _confirm_delete_expense(ctx: ToolContext, args: DeleteExpenseArgs) -> Confirmation:
    expense = selectors.expense_as_dict(_own_expense(ctx, args.expense_id))
    return Confirmation(summary=f"Delete {_expense_card(expense, ctx.currency)}",
                        data={"expense": expense, "currency": ctx.currency})


@pam_tool(writes=True, label="Deleted expense", confirm=_confirm_delete_expense,
          card=lambda arguments, result: _expense_card(result.get("expense"), result.get("currency") or "USD"))
def delete_expense(ctx: ToolContext, args: DeleteExpenseArgs) -> ToolResult:
    """Delete one of the user's expenses. The user must approve it first: the call only proposes
    the deletion and the app asks the user; nothing is deleted until they approve."""
    expense = services.expense_delete(user=ctx.user, expense_id=_own_expense(ctx, args.expense_id).id)
    return ToolResult(data={"expense": selectors.expense_as_dict(expense), "deleted": True, "currency": ctx.currency},
                      ui_actions=[{"type": "reload_expenses"}])


class LogIncomeArgs(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2, description="Amount received, e.g. 1200.00")
    source: str = Field(min_length=1, max_length=200, description="Who paid: 'Social Security', 'pension', 'Acme'.")
    kind: IncomeKind = Field(IncomeKind.OTHER, description="pension, salary, freelance or other.")
    date: datetime.date | None = Field(None, description="Day it arrived (YYYY-MM-DD); omit for today.")
    notes: str = Field("", max_length=2000)
    repeats: Frequency | None = Field(
        None, description="Set only when the user says it repeats (\"my pension comes every month\"): it then "
        "posts itself on that day each week/month/year, starting with this date.",
    )


@pam_tool(writes=True, label="Logged income", card=lambda arguments, result: _card(
    _money(arguments.get("amount"), result), arguments.get("source"), (result.get("income") or {}).get("date")))
def log_income(ctx: ToolContext, args: LogIncomeArgs) -> ToolResult:
    """Record money the user received (a pension, pay, a freelance job). Returns the income and
    this month's income and expenses so far."""
    date = args.date or ctx.today
    if date > ctx.today and not args.repeats:
        raise ToolError(f"{date.isoformat()} is in the future; log income once it has arrived.")
    recurring = None
    if args.repeats:
        recurring = services.recurring_income_create(user=ctx.user, amount=args.amount, source=args.source,
                                                     kind=args.kind, starts_on=date, frequency=args.repeats)
        services.recurring_post_due(user=ctx.user, today=ctx.today)
        recurring.refresh_from_db()
        income = recurring.income.order_by("-date").first()
    else:
        income = services.income_create(user=ctx.user, amount=args.amount, source=args.source, kind=args.kind,
                                        date=date, notes=args.notes)
    month = selectors.cashflow(user=ctx.user, first=ctx.today, last=ctx.today)
    return ToolResult(
        data={"income": selectors.income_as_dict(income) if income else None, "currency": ctx.currency,
              "recurring": _recurring_dict(recurring) if recurring else None,
              "this_month": {key: month[key] for key in ("income", "expenses", "net")}},
        ui_actions=[{"type": "reload_income"}],
    )


class NoArgs(BaseModel):
    pass


@pam_tool(label="Projected the month", card=lambda arguments, result: result.get("month", ""))
def predict_end_of_month(ctx: ToolContext, args: NoArgs) -> ToolResult:
    """Where this month's spending is heading at the current pace, per category and in total,
    against each budget: "at this rate you will spend $X on fuel, $Y over budget". Recurring
    bills still due this month are included. Use for "will I stay under budget this month?"."""
    return ToolResult(data={**selectors.month_projection(user=ctx.user, today=ctx.today), "currency": ctx.currency})


@pam_tool(label="Looked for savings", card=lambda arguments, result: _card(
    f"{len(result.get('opportunities', []))} categories above average"))
def find_savings_opportunities(ctx: ToolContext, args: NoArgs) -> ToolResult:
    """Categories where this month is heading above the user's own average of the previous three
    months, with how much above: where they could cut back."""
    return ToolResult(data={**selectors.savings_opportunities(user=ctx.user, today=ctx.today),
                            "currency": ctx.currency})


class ExportExpensesArgs(PeriodArgs):
    category: Category | None = Field(None, description="Only this category.")


@pam_tool(label="Exported expenses", card=lambda arguments, result: _card(
    _when(arguments), f"{result.get('count', 0)} expenses"))
def export_expenses(ctx: ToolContext, args: ExportExpensesArgs) -> ToolResult:
    """A CSV file of the user's expenses for a period (default this month): returns a download
    link for the user and how many expenses it holds. Share the link as it is."""
    start, end = args.date_range(ctx.today)
    expenses = selectors.expense_list(user=ctx.user, start=start, end=end, category=args.category)
    totals = expenses.aggregate(count=Count("id"), total=Sum("amount"))
    query = {"start": start.isoformat(), "end": end.isoformat()}
    if args.category:
        query["category"] = args.category.value
    url = f"{reverse(EXPORT_URL_NAME)}?{urlencode(query)}"
    return ToolResult(
        data={"url": url, "count": totals["count"], "total": money_str(totals["total"]), "currency": ctx.currency,
              "start": start.isoformat(), "end": end.isoformat(), "category": query.get("category")},
        ui_actions=[{"type": "download", "url": url, "label": f"expenses {start:%b %-d} – {end:%b %-d, %Y}.csv"}],
    )
