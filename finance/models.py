from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Category(models.TextChoices):
    """The fixed expense categories of DESIGN.md ("Domain vocabulary")."""

    FUEL = "fuel", "Fuel"
    CAMPGROUND = "campground", "Campground"
    GROCERIES = "groceries", "Groceries"
    DINING = "dining", "Dining"
    PROPANE = "propane", "Propane"
    MAINTENANCE = "maintenance", "Maintenance"
    INSURANCE = "insurance", "Insurance"
    CONNECTIVITY = "connectivity", "Connectivity"
    ENTERTAINMENT = "entertainment", "Entertainment"
    SUPPLIES = "supplies", "Supplies"
    HEALTH = "health", "Health"
    OTHER = "other", "Other"


POSITIVE_MONEY = [MinValueValidator(Decimal("0.01"))]


def money_field(**kwargs) -> models.DecimalField:
    """A positive amount with two places in the user's currency (DESIGN.md: Decimal, two places)."""
    return models.DecimalField(max_digits=12, decimal_places=2, validators=POSITIVE_MONEY, **kwargs)


def validate_tags(value) -> None:
    """Tags are a list of up to 10 short strings ("work", "trip:utah")."""
    if not isinstance(value, list) or len(value) > 10:
        raise ValidationError("Tags must be a list of at most 10 words.")
    for tag in value:
        if not isinstance(tag, str) or not tag.strip() or len(tag) > 40:
            raise ValidationError("Each tag must be a non-empty word of at most 40 characters.")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    YEARLY = "yearly", "Yearly"


class Recurrence(models.Model):
    """A money movement that repeats; its occurrences are posted as rows on their day.

    Each due occurrence from ``next_due_on`` up to the user's local today becomes one row (see
    finance.services.recurring_post_due); ``next_due_on`` then moves to the following occurrence.
    A monthly recurrence anchored on the 31st posts on the last day of shorter months.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    amount = money_field()
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    starts_on = models.DateField(help_text="The first occurrence; later ones fall on the same day of week/month.")
    ends_on = models.DateField(null=True, blank=True, help_text="No occurrences after this day.")
    next_due_on = models.DateField(help_text="The next occurrence not yet posted.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def clean(self):
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The last day must be on or after the first (starts_on)."})


class RecurringExpense(Recurrence):
    """A bill that repeats (monthly insurance, Starlink) and posts itself as an Expense."""

    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.CharField(max_length=500, blank=True)
    merchant = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["next_due_on", "id"]
        indexes = [models.Index(fields=["is_active", "next_due_on"], name="recurring_expense_due")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recurring_expense_amount_positive"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="recurring_expense_category_valid"),
        ]

    def __str__(self):
        return f"{self.amount} {self.get_category_display()} {self.frequency}"


class IncomeKind(models.TextChoices):
    PENSION = "pension", "Pension"
    SALARY = "salary", "Salary"
    FREELANCE = "freelance", "Freelance"
    OTHER = "other", "Other"


class RecurringIncome(Recurrence):
    """Income that repeats (a monthly pension) and posts itself as an Income row."""

    source = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=IncomeKind.choices, default=IncomeKind.OTHER)

    class Meta:
        ordering = ["next_due_on", "id"]
        indexes = [models.Index(fields=["is_active", "next_due_on"], name="recurring_income_due")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recurring_income_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=IncomeKind.values), name="recurring_income_kind_valid"),
        ]

    def __str__(self):
        return f"{self.amount} {self.source} {self.frequency}"


class Expense(models.Model):
    """Money the user paid, in the user's currency (Profile.currency)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expenses")
    amount = money_field()
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.CharField(max_length=500, blank=True)
    merchant = models.CharField(max_length=200, blank=True, help_text="Who was paid: a shop or campground.")
    location = models.CharField(max_length=200, blank=True, help_text="Where: a town or place, e.g. 'Moab, UT'.")
    date = models.DateField(help_text="The day it was paid, in the user's timezone.")
    tags = models.JSONField(default=list, blank=True, validators=[validate_tags], help_text="Short words.")
    receipt_note = models.TextField(blank=True, max_length=2000, help_text="What the receipt says, if kept.")
    recurring = models.ForeignKey(
        RecurringExpense, null=True, blank=True, on_delete=models.SET_NULL, related_name="expenses",
        help_text="The recurring bill this expense was posted from.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["user", "date"], name="expense_user_date"),
            models.Index(fields=["user", "category", "date"], name="expense_user_category_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expense_amount_positive"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="expense_category_valid"),
            models.UniqueConstraint(fields=["recurring", "date"], name="expense_unique_recurring_date"),
        ]

    def __str__(self):
        return f"{self.amount} {self.get_category_display()} on {self.date}"


class Income(models.Model):
    """Money the user received, in the user's currency."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="income")
    source = models.CharField(max_length=200, help_text="Who paid: 'Social Security', 'Acme Corp'.")
    amount = money_field()
    date = models.DateField(help_text="The day it arrived, in the user's timezone.")
    kind = models.CharField(max_length=20, choices=IncomeKind.choices, default=IncomeKind.OTHER)
    notes = models.TextField(blank=True, max_length=2000)
    recurring = models.ForeignKey(
        RecurringIncome, null=True, blank=True, on_delete=models.SET_NULL, related_name="income",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name_plural = "income"
        indexes = [models.Index(fields=["user", "date"], name="income_user_date")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="income_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=IncomeKind.values), name="income_kind_valid"),
            models.UniqueConstraint(fields=["recurring", "date"], name="income_unique_recurring_date"),
        ]

    def __str__(self):
        return f"{self.amount} from {self.source} on {self.date}"


class Budget(models.Model):
    """A monthly spending limit for one category."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budgets")
    category = models.CharField(max_length=20, choices=Category.choices)
    monthly_limit = money_field()
    alert_threshold_percent = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Warn when this share of the monthly limit is spent (DESIGN.md: 80 % by default).",
    )
    rollover = models.BooleanField(
        default=False,
        help_text="Carry what is left (or overspent) at the end of each month into the next, like an envelope.",
    )
    rollover_started_on = models.DateField(
        null=True, blank=True, help_text="First day of the month from which leftovers are carried.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="budget_unique_user_category"),
            models.CheckConstraint(condition=Q(monthly_limit__gt=0), name="budget_limit_positive"),
            models.CheckConstraint(
                condition=Q(alert_threshold_percent__gte=1, alert_threshold_percent__lte=100),
                name="budget_threshold_range",
            ),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="budget_category_valid"),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.monthly_limit}/month"
