"""PAM's money tools: thin wrappers over finance services and selectors, bound to the user."""

import datetime
from decimal import Decimal

from pydantic import BaseModel, Field, model_validator

from assistant.registry import ToolContext, ToolError, ToolResult, pam_tool
from finance import selectors, services
from finance.models import Category
from finance.money import format_money, money_str
from finance.periods import Period, period_range

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
    merchant: str = Field("", max_length=200, description="Where it was paid: shop, campground or town.")


@pam_tool(writes=True, label="Logged expense", card=lambda arguments, result: _card(
    _money(arguments.get("amount"), result), arguments.get("category"),
    arguments.get("date") or result.get("expense", {}).get("date")))
def log_expense(ctx: ToolContext, args: LogExpenseArgs) -> ToolResult:
    """Record an expense the user has already paid. Use when the user says they spent or paid
    money ("spent $45 on groceries yesterday"). Never for money they only plan or might spend.
    Returns the saved expense and, when the category has a budget, its standing this month."""
    date = args.date or ctx.today
    if date > ctx.today:
        raise ToolError(f"{date.isoformat()} is in the future; log an expense once it is paid.")
    expense = services.expense_create(
        user=ctx.user,
        amount=args.amount,
        category=args.category,
        date=date,
        description=args.description,
        merchant=args.merchant,
    )
    status = selectors.budget_status(user=ctx.user, today=ctx.today, category=expense.category)
    return ToolResult(
        data={
            "expense": selectors.expense_as_dict(expense),
            "currency": ctx.currency,
            "budget": status["budgets"][0] if status["budgets"] else None,
            "category_spent_this_month": status["total_spent"],
        },
        ui_actions=[{"type": "reload_expenses"}],
    )


class SpendingSummaryArgs(BaseModel):
    period: Period | None = Field(
        None, description="A named period; omit when giving start_date and end_date. Default this_month."
    )
    start_date: datetime.date | None = Field(None, description="First day (YYYY-MM-DD), with end_date.")
    end_date: datetime.date | None = Field(None, description="Last day (YYYY-MM-DD), inclusive.")
    category: Category | None = Field(None, description="Only this category; omit for all.")

    @model_validator(mode="after")
    def check_range(self):
        if (self.start_date is None) != (self.end_date is None):
            raise ValueError("give both start_date and end_date, or neither")
        if self.start_date and self.period:
            raise ValueError("give either period or start_date/end_date, not both")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError("start_date must not be after end_date")
        return self


@pam_tool(label="Summarised spending", card=lambda arguments, result: _card(
    arguments.get("category") or "all categories", _when(arguments)))
def get_spending_summary(ctx: ToolContext, args: SpendingSummaryArgs) -> ToolResult:
    """How much the user spent in a period, in total and by category (largest first). Use for
    "how much have I spent on fuel this month?" or "what did I spend last month?"."""
    if args.start_date:
        start, end = args.start_date, args.end_date
    else:
        start, end = period_range(args.period or Period.THIS_MONTH, ctx.today)
    summary = selectors.spending_summary(user=ctx.user, start=start, end=end, category=args.category)
    summary["period"] = args.period.value if args.period else (None if args.start_date else "this_month")
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
