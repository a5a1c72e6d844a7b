"""Query-string filters of the list endpoints. The matching rules live in finance.selectors
(``expense_list``, ``income_list``), so the API and PAM's tools agree on what "text" or "tag"
finds; these classes only validate the parameters (a bad one is a 400 naming it) and document them."""

import django_filters

from finance.models import Category, Expense, Income, IncomeKind
from finance.selectors import expense_list, income_list


class ExpenseFilter(django_filters.FilterSet):
    start = django_filters.DateFilter(help_text="On or after this date (YYYY-MM-DD).")
    end = django_filters.DateFilter(help_text="On or before this date (YYYY-MM-DD).")
    category = django_filters.ChoiceFilter(choices=Category.choices)
    q = django_filters.CharFilter(
        help_text="Text in the description, merchant, location or receipt note (case-insensitive)."
    )
    tag = django_filters.CharFilter(help_text="Carries this tag (case-insensitive).")
    min_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", help_text="Amount at least.")
    max_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", help_text="Amount at most.")

    class Meta:
        model = Expense
        fields = ["start", "end", "category", "q", "tag", "min_amount", "max_amount"]

    def filter_queryset(self, queryset):
        values = self.form.cleaned_data
        matching = expense_list(
            user=self.request.user, start=values.get("start"), end=values.get("end"),
            category=values.get("category") or None, text=values.get("q") or None, tag=values.get("tag") or None,
        )
        for name in ("min_amount", "max_amount"):
            if values.get(name) is not None:
                matching = self.filters[name].filter(matching, values[name])
        return queryset & matching


class IncomeFilter(django_filters.FilterSet):
    start = django_filters.DateFilter(help_text="On or after this date (YYYY-MM-DD).")
    end = django_filters.DateFilter(help_text="On or before this date (YYYY-MM-DD).")
    kind = django_filters.ChoiceFilter(choices=IncomeKind.choices)

    class Meta:
        model = Income
        fields = ["start", "end", "kind"]

    def filter_queryset(self, queryset):
        values = self.form.cleaned_data
        matching = income_list(
            user=self.request.user, start=values.get("start"), end=values.get("end"), kind=values.get("kind") or None
        )
        return queryset & matching
