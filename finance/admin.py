from django.contrib import admin

from finance.models import Budget, Expense


@admin.register(Expense)
class ExpenseAdmin(admin.ModelAdmin):
    list_display = ["date", "user", "amount", "category", "merchant", "description"]
    list_filter = ["category", "date"]
    search_fields = ["description", "merchant", "user__username"]
    raw_id_fields = ["user"]
    date_hierarchy = "date"


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["user", "category", "monthly_limit", "alert_threshold_percent", "updated_at"]
    list_filter = ["category"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
