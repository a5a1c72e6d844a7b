from decimal import Decimal

from django.conf import settings
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


class Expense(models.Model):
    """Money the user paid, in the user's currency (Profile.currency)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expenses")
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.CharField(max_length=500, blank=True)
    merchant = models.CharField(max_length=200, blank=True, help_text="Where it was paid: a shop, campground or town.")
    date = models.DateField(help_text="The day it was paid, in the user's timezone.")
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
        ]

    def __str__(self):
        return f"{self.amount} {self.get_category_display()} on {self.date}"


class Budget(models.Model):
    """A monthly spending limit for one category."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budgets")
    category = models.CharField(max_length=20, choices=Category.choices)
    monthly_limit = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    alert_threshold_percent = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Warn when this share of the monthly limit is spent (DESIGN.md: 80 % by default).",
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
