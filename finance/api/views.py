"""The finance API's views: thin. Rows are read with finance.selectors and written with
finance.services, always as ``request.user``; another user's row is a 404.

A service's django ValidationError becomes a 400 naming the field (``{"amount": ["..."]}``).
"""

from django.db import IntegrityError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from assistant.context import local_now, user_context
from finance import services
from finance.api import serializers
from finance.api.filters import ExpenseFilter, IncomeFilter
from finance.exports import expenses_csv_filename, write_expenses_csv
from finance.models import Budget, RecurringExpense, RecurringIncome
from finance.periods import month_bounds
from finance.selectors import (
    budget_status,
    cashflow,
    expense_list,
    income_list,
    months_back,
    spending_by_month,
    spending_summary,
)
from pam_project.api_support import (
    AnonRateThrottle,
    OwnedRows,
    ScopedRateThrottle,
    UserRateThrottle,
    local_today,
    query_params,
    service_errors,
)
from pam_project.login_throttle import TokenLockout


class _LedgerViewSet(OwnedRows, viewsets.ModelViewSet):
    """Dated rows (expenses, income) written through their services; a new row without a date is
    dated the user's local today."""

    ordering_fields = ["date", "amount", "created_at"]
    ordering = ["-date", "-created_at", "-id"]

    def perform_create(self, serializer):
        with service_errors():
            data = {"date": local_today(self.request.user), **serializer.validated_data}
            serializer.instance = self.create_service(user=self.request.user, **data)

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance, _ = self.update_service(
                user=self.request.user, **{self.id_argument: serializer.instance.id}, **serializer.validated_data
            )

    def perform_destroy(self, instance):
        with service_errors():
            self.delete_service(user=self.request.user, **{self.id_argument: instance.id})


@extend_schema_view(
    list=extend_schema(summary="List expenses", description="Newest first; filter, order and page with the "
                       "query parameters."),
    create=extend_schema(summary="Log an expense"),
    retrieve=extend_schema(summary="One expense"),
    update=extend_schema(summary="Change an expense"),
    partial_update=extend_schema(summary="Change some fields of an expense"),
    destroy=extend_schema(summary="Delete an expense"),
)
class ExpenseViewSet(_LedgerViewSet):
    serializer_class = serializers.ExpenseSerializer
    filterset_class = ExpenseFilter
    create_service = staticmethod(services.expense_create)
    update_service = staticmethod(services.expense_update)
    delete_service = staticmethod(services.expense_delete)
    id_argument = "expense_id"

    def user_rows(self, user):
        return expense_list(user=user)


@extend_schema_view(
    list=extend_schema(summary="List income", description="Newest first."),
    create=extend_schema(summary="Record income"),
    retrieve=extend_schema(summary="One income row"),
    update=extend_schema(summary="Change an income row"),
    partial_update=extend_schema(summary="Change some fields of an income row"),
    destroy=extend_schema(summary="Delete an income row"),
)
class IncomeViewSet(_LedgerViewSet):
    serializer_class = serializers.IncomeSerializer
    filterset_class = IncomeFilter
    create_service = staticmethod(services.income_create)
    update_service = staticmethod(services.income_update)
    delete_service = staticmethod(services.income_delete)
    id_argument = "income_id"

    def user_rows(self, user):
        return income_list(user=user)


@extend_schema_view(
    list=extend_schema(summary="List budgets", description="By category."),
    create=extend_schema(
        summary="Create a budget",
        description="One budget per category: a second one for the same category is a 400 naming `category`; "
        "change an existing budget with PATCH. Turning `rollover` on starts carrying leftovers from the "
        "user's current month.",
    ),
    retrieve=extend_schema(summary="One budget"),
    update=extend_schema(summary="Change a budget", description="The category cannot change."),
    partial_update=extend_schema(summary="Change some fields of a budget", description="The category cannot change."),
    destroy=extend_schema(summary="Delete a budget"),
)
class BudgetViewSet(OwnedRows, viewsets.ModelViewSet):
    serializer_class = serializers.BudgetSerializer
    ordering_fields = ["category", "monthly_limit"]
    ordering = ["category", "id"]

    def user_rows(self, user):
        return Budget.objects.filter(user=user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            with service_errors():
                serializer.instance, _ = services.budget_set(
                    user=self.request.user, category=data["category"], monthly_limit=data["monthly_limit"],
                    alert_threshold_percent=data.get("alert_threshold_percent"), rollover=data.get("rollover"),
                    today=local_today(self.request.user),
                )
        except IntegrityError:  # the same category created by a concurrent request
            raise ValidationError({"category": [f"You already have a {data['category']} budget."]}) from None

    def perform_update(self, serializer):
        changes = {name: value for name, value in serializer.validated_data.items() if name != "category"}
        with service_errors():
            serializer.instance, _ = services.budget_update(
                user=self.request.user, budget_id=serializer.instance.id, today=local_today(self.request.user),
                **changes,
            )

    def perform_destroy(self, instance):
        with service_errors():
            services.budget_delete(user=self.request.user, budget_id=instance.id)


@extend_schema_view(
    list=extend_schema(summary="List recurring expenses", description="Soonest due first."),
    create=extend_schema(
        summary="Add a recurring expense",
        description="A bill that repeats (insurance, Starlink). Each occurrence from `starts_on` up to the user's "
        "today is posted as an expense on its day.",
    ),
    retrieve=extend_schema(summary="One recurring expense"),
    destroy=extend_schema(summary="Stop a recurring bill", description="What it already posted stays."),
)
class RecurringExpenseViewSet(
    OwnedRows, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.RecurringExpenseSerializer
    ordering_fields = ["next_due_on", "amount", "created_at"]
    ordering = ["next_due_on", "id"]

    def user_rows(self, user):
        return RecurringExpense.objects.filter(user=user)

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.recurring_expense_create(
                user=self.request.user, **serializer.validated_data
            )

    def perform_destroy(self, instance):
        with service_errors():
            services.recurring_delete(user=self.request.user, model=RecurringExpense, recurring_id=instance.id)


@extend_schema_view(
    list=extend_schema(summary="List recurring income", description="Soonest due first."),
    create=extend_schema(
        summary="Add recurring income",
        description="Income that repeats (a pension on the 3rd), posted as income on each occurrence's day.",
    ),
    retrieve=extend_schema(summary="One recurring income"),
    destroy=extend_schema(summary="Stop a recurring income", description="What it already posted stays."),
)
class RecurringIncomeViewSet(
    OwnedRows, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.RecurringIncomeSerializer
    ordering_fields = ["next_due_on", "amount", "created_at"]
    ordering = ["next_due_on", "id"]

    def user_rows(self, user):
        return RecurringIncome.objects.filter(user=user)

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.recurring_income_create(user=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        with service_errors():
            services.recurring_delete(user=self.request.user, model=RecurringIncome, recurring_id=instance.id)


class BudgetStatusView(APIView):
    @extend_schema(
        summary="Budget standing for a month",
        description="Each budget's limit, carryover (rollover budgets), spending and state for the month, and "
        "spending in categories without a budget. Without `month`, the user's current month, counted from "
        "their local today; a past month is counted from its last day, a future one from its first.",
        parameters=[serializers.BudgetStatusQuerySerializer],
        responses=serializers.BudgetStatusSerializer,
    )
    def get(self, request):
        query = query_params(serializers.BudgetStatusQuerySerializer, request)
        today = local_today(request.user)
        month = query.get("month")
        if month is not None and month != today.replace(day=1):
            today = month if month > today else month_bounds(month)[1]
        return Response(budget_status(user=request.user, today=today, category=query.get("category")))


class SpendingReportView(APIView):
    @extend_schema(
        summary="Spending by category (and by month)",
        description="Totals between `start` and `end` (default: the user's current month) by category, largest "
        "first. With `months=N`, also `by_month`: spending per month for the last N months, the current one "
        "included.",
        parameters=[serializers.SpendingQuerySerializer],
        responses=serializers.SpendingReportSerializer,
    )
    def get(self, request):
        today = local_today(request.user)
        query = query_params(serializers.SpendingQuerySerializer, request, today=today)
        report = spending_summary(user=request.user, start=query["start"], end=query["end"],
                                  category=query.get("category"))
        if "months" in query:
            first, last = months_back(today, query["months"])
            report["by_month"] = spending_by_month(user=request.user, first=first, last=last)
        return Response(report)


class CashflowReportView(APIView):
    @extend_schema(
        summary="Income against expenses per month",
        description="For the last `months` months (default 6), the current one included, oldest first.",
        parameters=[serializers.CashflowQuerySerializer],
        responses=serializers.CashflowSerializer,
    )
    def get(self, request):
        today = local_today(request.user)
        query = query_params(serializers.CashflowQuerySerializer, request)
        first, last = months_back(today, query["months"])
        return Response(cashflow(user=request.user, first=first, last=last))


class _AlwaysFirstRenderer(BaseContentNegotiation):
    """The CSV export answers CSV whatever the Accept header says (and errors as JSON)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExpenseExportView(APIView):
    content_negotiation_class = _AlwaysFirstRenderer

    @extend_schema(
        summary="Download expenses as CSV",
        operation_id="exports_expenses_csv",
        description="Columns: date, amount, currency, category, description, merchant, location, tags, "
        "receipt_note; oldest first. Default period: the user's current month. Sent as an attachment named "
        "pam-expenses-START-to-END.csv.",
        parameters=[serializers.PeriodQuerySerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file.")},
    )
    def get(self, request):
        profile = user_context(request.user)["profile"]
        query = query_params(serializers.PeriodQuerySerializer, request, today=local_now(profile).date())
        expenses = expense_list(
            user=request.user, start=query["start"], end=query["end"], category=query.get("category")
        ).order_by("date", "created_at", "id")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = expenses_csv_filename(query["start"], query["end"])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        write_expenses_csv(response, expenses.iterator(), currency=profile["currency"])
        return response


class _TokenThrottles:
    # Password guessing: a tighter limit per client than the API's (scope auth_token, PAM_API_TOKEN_RATE).
    throttle_classes = [AnonRateThrottle, UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "auth_token"


@extend_schema(summary="Get a JWT pair", description="Send username and password; get an `access` token "
               "(15 minutes) for `Authorization: Bearer …` and a `refresh` token for auth/token/refresh/. After "
               "too many failed sign-ins for a username or from an address, a 429 with `Retry-After` "
               "(\"Too many sign-in attempts. Try again in N minutes.\"), whether or not the account exists.")
class TokenObtainView(TokenLockout, _TokenThrottles, TokenObtainPairView):
    pass


@extend_schema(summary="Refresh a JWT pair", description="Send a `refresh` token; get a new `access` and a new "
               "`refresh` token. The refresh token sent is blacklisted: each one works once.")
class TokenRefreshRotatingView(_TokenThrottles, TokenRefreshView):
    pass

