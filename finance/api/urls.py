"""/api/v1/ for money: rows (expenses, income, budgets, recurring ones), reports, the CSV export
and JWT tokens. Included by pam_project.api_urls, whose ``api`` namespace names them
("api:expense-list")."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from finance.api import views

router = SimpleRouter()
router.register("expenses", views.ExpenseViewSet, basename="expense")
router.register("income", views.IncomeViewSet, basename="income")
router.register("budgets", views.BudgetViewSet, basename="budget")
router.register("recurring-expenses", views.RecurringExpenseViewSet, basename="recurring-expense")
router.register("recurring-income", views.RecurringIncomeViewSet, basename="recurring-income")

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", views.TokenRefreshRotatingView.as_view(), name="token-refresh"),
    path("budgets/status/", views.BudgetStatusView.as_view(), name="budget-status"),
    path("reports/spending/", views.SpendingReportView.as_view(), name="report-spending"),
    path("reports/cashflow/", views.CashflowReportView.as_view(), name="report-cashflow"),
    path("exports/expenses.csv", views.ExpenseExportView.as_view(), name="export-expenses"),
    *router.urls,
]
