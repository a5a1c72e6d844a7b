"""What the finance API reads and writes. Serializers validate and shape data only; the views hand
validated data to finance.services (writes) and pass selector results through (reads).

Money is a string with two places ("45.20") in the user's currency; dates are ISO (YYYY-MM-DD).
"""

import datetime

from rest_framework import serializers

from finance.models import Budget, Category, Expense, Income, RecurringExpense, RecurringIncome
from finance.periods import month_bounds
from pam_project.api_support import ModelSerializer


def money(**kwargs) -> serializers.DecimalField:
    """A money figure as the API shows it: a string with two places, possibly negative."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


# --- rows ---


class ExpenseSerializer(ModelSerializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=10, required=False,
        help_text="Up to 10 short words; stored lower-case without repeats.",
    )
    # Declared, not generated: a generated one would bring a (recurring, date) unique-together
    # validator whose default would be passed on to the service as a change.
    recurring = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The recurring bill this expense was posted from, if any."
    )

    class Meta:
        model = Expense
        fields = [
            "id", "amount", "category", "date", "description", "merchant", "location", "tags", "receipt_note",
            "recurring", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"date": {"required": False, "help_text": "YYYY-MM-DD; omitted: the user's local today."}}


class IncomeSerializer(ModelSerializer):
    recurring = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The recurring income this row was posted from, if any."
    )

    class Meta:
        model = Income
        fields = ["id", "source", "amount", "date", "kind", "notes", "recurring", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"date": {"required": False, "help_text": "YYYY-MM-DD; omitted: the user's local today."}}


class BudgetSerializer(ModelSerializer):
    """A monthly limit for one category; a user has at most one budget per category."""

    class Meta:
        model = Budget
        fields = [
            "id", "category", "monthly_limit", "alert_threshold_percent", "rollover", "rollover_started_on",
            "created_at", "updated_at",
        ]
        read_only_fields = ["rollover_started_on", "created_at", "updated_at"]

    def validate_category(self, value):
        if self.instance is not None:
            if value != self.instance.category:
                raise serializers.ValidationError(
                    "A budget's category cannot be changed; delete it and create one for the other category."
                )
            return value
        if Budget.objects.filter(user=self.context["request"].user, category=value).exists():
            raise serializers.ValidationError(f"You already have a {value} budget; change it with PATCH.")
        return value


class _RecurrenceSerializer(ModelSerializer):
    """Field checks only; the dates' order is the model's rule (Recurrence.clean), via the service."""


class RecurringExpenseSerializer(_RecurrenceSerializer):
    class Meta:
        model = RecurringExpense
        fields = [
            "id", "amount", "category", "description", "merchant", "frequency", "starts_on", "ends_on",
            "next_due_on", "is_active", "created_at", "updated_at",
        ]
        read_only_fields = ["next_due_on", "is_active", "created_at", "updated_at"]


class RecurringIncomeSerializer(_RecurrenceSerializer):
    class Meta:
        model = RecurringIncome
        fields = [
            "id", "amount", "source", "kind", "frequency", "starts_on", "ends_on", "next_due_on", "is_active",
            "created_at", "updated_at",
        ]
        read_only_fields = ["next_due_on", "is_active", "created_at", "updated_at"]


# --- query parameters of the report endpoints ---


class PeriodQuerySerializer(serializers.Serializer):
    """``?start=&end=&category=``; start defaults to the first and end to the last day of the
    user's current month (``context["today"]``)."""

    start = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD); default: this month's first.")
    end = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD); default: this month's last.")
    category = serializers.ChoiceField(choices=Category.choices, required=False)

    def validate(self, attrs):
        first, last = month_bounds(self.context["today"])
        attrs.setdefault("start", first)
        attrs.setdefault("end", last)
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "Must be on or after start."})
        return attrs


class SpendingQuerySerializer(PeriodQuerySerializer):
    months = serializers.IntegerField(
        required=False, min_value=1, max_value=60,
        help_text="Also give spending per month for this many months, the current one included.",
    )


class CashflowQuerySerializer(serializers.Serializer):
    months = serializers.IntegerField(
        default=6, min_value=1, max_value=60, help_text="How many months, the current one included."
    )


class BudgetStatusQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^(?!0000)\d{4}-(0[1-9]|1[0-2])$", required=False,
        help_text="YYYY-MM; default: the user's current month.",
        error_messages={"invalid": "Enter a month as YYYY-MM."},
    )
    category = serializers.ChoiceField(choices=Category.choices, required=False)

    def validate_month(self, value) -> datetime.date:
        year, month = value.split("-")
        return datetime.date(int(year), int(month), 1)


# --- report shapes (for the OpenAPI schema; the views return the selectors' dicts) ---


class CategorySpendingSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    total = money()
    count = serializers.IntegerField()


class MonthSpendingSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    total = money()
    by_category = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2), help_text="category → total"
    )


class SpendingReportSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    category = serializers.ChoiceField(choices=Category.choices, allow_null=True)
    total = money()
    count = serializers.IntegerField()
    by_category = CategorySpendingSerializer(many=True, help_text="Largest total first.")
    by_month = MonthSpendingSerializer(many=True, required=False, help_text="Only with ?months=N; oldest first.")


class CashflowMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    income = money()
    expenses = money()
    net = money(help_text="income − expenses; negative when more went out.")


class CashflowSerializer(serializers.Serializer):
    months = CashflowMonthSerializer(many=True, help_text="Oldest first; months without money in or out too.")
    income = money()
    expenses = money()
    net = money()


class BudgetStandingSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    monthly_limit = money()
    rollover = serializers.BooleanField()
    carryover = money(help_text="Carried in from earlier months (rollover budgets); negative after overspending.")
    available = money(help_text="monthly_limit + carryover")
    spent = money()
    remaining = money(help_text="available − spent; negative when over.")
    percent_used = serializers.FloatField(help_text="Share of available spent, one decimal place.")
    alert_threshold_percent = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=["ok", "near", "over"], help_text="near: at or past the alert threshold; over: past 100 %."
    )


class UnbudgetedSpendingSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    spent = money()


class BudgetStatusSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    days_left = serializers.IntegerField(help_text="Days left in the month, the given day included.")
    budgets = BudgetStandingSerializer(many=True)
    unbudgeted = UnbudgetedSpendingSerializer(many=True, help_text="Spending in categories without a budget.")
    total_limit = money(help_text="Sum of the budgets' available amounts.")
    total_spent_budgeted = money()
    total_spent = money()

