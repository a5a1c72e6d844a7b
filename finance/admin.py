from django.contrib import admin

from finance.models import Budget, Expense, Income, RecurringExpense, RecurringIncome


@admin.register(Expense)
class ExpenseAdmin(admin.ModelAdmin):
    list_display = ["date", "user", "amount", "category", "merchant", "location", "description", "recurring"]
    list_filter = ["category", "date"]
    search_fields = ["description", "merchant", "location", "receipt_note", "user__username"]
    raw_id_fields = ["user", "recurring"]
    date_hierarchy = "date"


@admin.register(Income)
class IncomeAdmin(admin.ModelAdmin):
    list_display = ["date", "user", "amount", "source", "kind", "recurring"]
    list_filter = ["kind", "date"]
    search_fields = ["source", "notes", "user__username"]
    raw_id_fields = ["user", "recurring"]
    date_hierarchy = "date"


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["user", "category", "monthly_limit", "alert_threshold_percent", "rollover", "updated_at"]
    list_filter = ["category", "rollover"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]


class RecurrenceAdmin(admin.ModelAdmin):
    list_filter = ["frequency", "is_active"]
    raw_id_fields = ["user"]
    date_hierarchy = "next_due_on"


@admin.register(RecurringExpense)
class RecurringExpenseAdmin(RecurrenceAdmin):
    list_display = ["description", "user", "amount", "category", "frequency", "next_due_on", "is_active"]
    list_filter = ["category", *RecurrenceAdmin.list_filter]
    search_fields = ["description", "merchant", "user__username"]


@admin.register(RecurringIncome)
class RecurringIncomeAdmin(RecurrenceAdmin):
    list_display = ["source", "user", "amount", "kind", "frequency", "next_due_on", "is_active"]
    list_filter = ["kind", *RecurrenceAdmin.list_filter]
    search_fields = ["source", "user__username"]
