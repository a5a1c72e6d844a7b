"""The finance REST API (/api/v1/) on the real database and Redis, with alice (the owner) and bob
(who must reach none of alice's rows through any endpoint)."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from assistant.registry import ToolContext, call_tool
from finance import services
from finance.api.views import service_errors
from finance.models import Budget, Expense, Income, RecurringExpense

pytestmark = pytest.mark.django_db

API = "/api/v1"


def denver_today() -> datetime.date:
    """alice's date now (her profile's timezone is America/Denver)."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo("America/Denver")).date()


def last_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1) - datetime.timedelta(days=1)


def spend(user, amount, category, day=None, **kwargs) -> Expense:
    return services.expense_create(user=user, amount=Decimal(amount), category=category,
                                   date=day or denver_today(), **kwargs)



def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


class TestAuthentication:
    def test_a_request_without_credentials_gets_401_with_a_bearer_challenge(self, api):
        response = api.get(f"{API}/expenses/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_a_user_gets_a_token_pair_with_username_and_password_and_uses_the_access_token(self, api, alice, bob):
        spend(alice, "45.20", "groceries")
        response = api.post(f"{API}/auth/token/", {"username": "alice", "password": "alice-password-123"},
                            format="json")
        assert response.status_code == 200
        tokens = response.json()
        assert set(tokens) == {"access", "refresh"}

        response = api.get(f"{API}/expenses/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert response.status_code == 200
        assert [row["amount"] for row in response.json()["results"]] == ["45.20"]

    def test_a_wrong_password_gets_401_and_no_token(self, api, alice):
        response = api.post(f"{API}/auth/token/", {"username": "alice", "password": "guess"}, format="json")
        assert response.status_code == 401
        assert "access" not in response.json()

    def test_refresh_gives_a_new_pair_and_the_old_refresh_token_is_rejected_after_rotation(self, api, alice):
        first = api.post(f"{API}/auth/token/", {"username": "alice", "password": "alice-password-123"},
                         format="json").json()

        response = api.post(f"{API}/auth/token/refresh/", {"refresh": first["refresh"]}, format="json")
        assert response.status_code == 200
        second = response.json()
        assert second["refresh"] != first["refresh"]
        assert api.get(f"{API}/expenses/", HTTP_AUTHORIZATION=f"Bearer {second['access']}").status_code == 200

        reused = api.post(f"{API}/auth/token/refresh/", {"refresh": first["refresh"]}, format="json")
        assert reused.status_code == 401
        assert api.post(f"{API}/auth/token/refresh/", {"refresh": second["refresh"]}, format="json").status_code == 200

    def test_a_garbage_token_gets_401(self, api, alice):
        response = api.get(f"{API}/expenses/", HTTP_AUTHORIZATION="Bearer not.a.token")
        assert response.status_code == 401

    def test_an_expired_access_token_gets_401(self, api, alice):
        token = AccessToken.for_user(alice)
        token.set_exp(lifetime=-datetime.timedelta(seconds=1))
        response = api.get(f"{API}/expenses/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401

    def test_a_refresh_token_is_not_an_access_token(self, api, alice):
        tokens = api.post(f"{API}/auth/token/", {"username": "alice", "password": "alice-password-123"},
                          format="json").json()
        response = api.get(f"{API}/expenses/", HTTP_AUTHORIZATION=f"Bearer {tokens['refresh']}")
        assert response.status_code == 401

    def test_a_session_user_must_send_the_csrf_token_to_write(self, alice):
        browser = APIClient(enforce_csrf_checks=True)
        browser.get("/accounts/login/")  # sets the csrftoken cookie, as the page does for the dashboard
        # The sign-in throttle (django-axes) needs the request that signs in.
        browser.login(request=HttpRequest(), username="alice", password="alice-password-123")
        expense = {"amount": "12.00", "category": "dining", "date": denver_today().isoformat()}

        assert browser.get(f"{API}/expenses/").status_code == 200
        refused = browser.post(f"{API}/expenses/", expense, format="json")
        assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
        token = browser.cookies["csrftoken"].value
        assert browser.post(f"{API}/expenses/", expense, format="json", HTTP_X_CSRFTOKEN=token).status_code == 201
        assert Expense.objects.get().user == alice


class TestExpenses:
    def test_creating_an_expense_sets_the_owner_and_answers_money_with_two_places(self, as_alice, alice):
        response = as_alice.post(f"{API}/expenses/", {
            "amount": "45.2", "category": "groceries", "date": "2026-11-20", "merchant": " Safeway ",
            "location": "Moab, UT", "tags": ["Food", "food", "trip:utah"], "receipt_note": "milk, eggs",
        }, format="json")
        assert response.status_code == 201
        body = response.json()
        assert body["amount"] == "45.20" and body["merchant"] == "Safeway"
        assert body["tags"] == ["food", "trip:utah"] and body["recurring"] is None
        expense = Expense.objects.get(id=body["id"])
        assert (expense.user, expense.amount, expense.date) == (alice, Decimal("45.20"), datetime.date(2026, 11, 20))

    def test_a_user_field_in_the_body_is_ignored(self, as_alice, alice, bob):
        response = as_alice.post(f"{API}/expenses/", {"amount": "5", "category": "fuel", "date": "2026-11-20",
                                                      "user": bob.id}, format="json")
        assert response.status_code == 201
        assert Expense.objects.get().user == alice

    @pytest.mark.parametrize("change,field", [
        ({"amount": "-3.50"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "3.505"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"category": "yachts"}, "category"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"tags": ["x" * 41]}, "tags"),
        ({"tags": [f"t{n}" for n in range(11)]}, "tags"),
        ({"description": "x" * 501}, "description"),
    ])
    def test_a_bad_value_is_a_400_naming_the_field_and_nothing_is_saved(self, as_alice, change, field):
        expense = {"amount": "10.00", "category": "fuel", "date": "2026-11-20", **change}
        response = as_alice.post(f"{API}/expenses/", expense, format="json")
        assert response.status_code == 400
        assert list(response.json()) == [field]
        assert not Expense.objects.exists()

    def test_missing_required_fields_are_each_named(self, as_alice):
        response = as_alice.post(f"{API}/expenses/", {}, format="json")
        assert response.status_code == 400
        assert set(response.json()) == {"amount", "category"}

    def test_an_expense_without_a_date_is_dated_the_users_local_today(self, as_alice):
        response = as_alice.post(f"{API}/expenses/", {"amount": "5", "category": "dining"}, format="json")
        denver_today = timezone.now().astimezone(zoneinfo.ZoneInfo("America/Denver")).date()
        assert response.status_code == 201 and response.json()["date"] == denver_today.isoformat()

    def test_alice_reads_changes_and_deletes_her_expense(self, as_alice, alice):
        expense = spend(alice, "30", "propane")
        url = f"{API}/expenses/{expense.id}/"
        assert as_alice.get(url).json()["amount"] == "30.00"

        response = as_alice.patch(url, {"amount": "32.5", "tags": ["LP"]}, format="json")
        assert response.status_code == 200 and response.json()["amount"] == "32.50"
        expense.refresh_from_db()
        assert (expense.amount, expense.tags, expense.category) == (Decimal("32.50"), ["lp"], "propane")

        response = as_alice.put(url, {"amount": "31", "category": "fuel", "date": "2026-11-19"}, format="json")
        assert response.status_code == 200
        expense.refresh_from_db()
        assert (expense.amount, expense.category, expense.date) == (Decimal("31.00"), "fuel",
                                                                    datetime.date(2026, 11, 19))

        assert as_alice.delete(url).status_code == 204
        assert not Expense.objects.exists()
        assert as_alice.get(url).status_code == 404

    def test_a_bad_change_is_a_400_naming_the_field_and_nothing_changes(self, as_alice, alice):
        expense = spend(alice, "30", "propane")
        response = as_alice.patch(f"{API}/expenses/{expense.id}/", {"category": "yachts"}, format="json")
        assert response.status_code == 400 and "category" in response.json()
        expense.refresh_from_db()
        assert expense.category == "propane"

    def test_bob_never_sees_alices_expenses_in_his_list(self, as_bob, alice, bob):
        spend(alice, "30", "propane")
        own = spend(bob, "12", "dining")
        response = as_bob.get(f"{API}/expenses/")
        assert response.json()["count"] == 1 and ids(response) == [own.id]

    def test_bob_gets_404_for_alices_expense_and_cannot_change_or_delete_it(self, as_bob, alice):
        expense = spend(alice, "30", "propane")
        url = f"{API}/expenses/{expense.id}/"
        assert as_bob.get(url).status_code == 404
        assert as_bob.patch(url, {"amount": "1"}, format="json").status_code == 404
        assert as_bob.put(url, {"amount": "1", "category": "fuel", "date": "2026-11-20"},
                          format="json").status_code == 404
        assert as_bob.delete(url).status_code == 404
        expense.refresh_from_db()
        assert (expense.amount, expense.category) == (Decimal("30.00"), "propane")

    def test_a_missing_expense_is_404_like_another_users(self, as_alice):
        assert as_alice.get(f"{API}/expenses/999999/").status_code == 404


class TestServiceErrors:
    def test_a_service_validation_error_becomes_a_400_naming_its_fields(self):
        with pytest.raises(ValidationError) as info, service_errors():
            raise DjangoValidationError({"amount": ["Too small."], "__all__": ["Not like this."]})
        assert {key: [str(m) for m in value] for key, value in info.value.detail.items()} == {
            "amount": ["Too small."], "non_field_errors": ["Not like this."],
        }


class TestExpenseFilters:
    @pytest.fixture
    def expenses(self, alice, bob):
        today = denver_today()
        earlier = today - datetime.timedelta(days=40)
        return {
            "fuel": spend(alice, "80.00", "fuel", today, merchant="Maverik", location="Moab, UT", tags=["truck"]),
            "koa": spend(alice, "45.00", "campground", earlier, merchant="KOA", description="two nights"),
            "coffee": spend(alice, "4.50", "dining", today, description="Coffee at Moab Coffee Roasters"),
            "bobs": spend(bob, "60.00", "fuel", today, merchant="Maverik", tags=["truck"]),
        }

    def test_by_category(self, as_alice, expenses):
        assert ids(as_alice.get(f"{API}/expenses/", {"category": "fuel"})) == [expenses["fuel"].id]

    def test_by_date_range(self, as_alice, expenses):
        day = expenses["koa"].date.isoformat()
        assert ids(as_alice.get(f"{API}/expenses/", {"start": day, "end": day})) == [expenses["koa"].id]
        since = (denver_today() - datetime.timedelta(days=7)).isoformat()
        assert set(ids(as_alice.get(f"{API}/expenses/", {"start": since}))) == {
            expenses["fuel"].id, expenses["coffee"].id}

    def test_by_text_in_description_merchant_or_location(self, as_alice, expenses):
        assert set(ids(as_alice.get(f"{API}/expenses/", {"q": "moab"}))) == {expenses["fuel"].id,
                                                                             expenses["coffee"].id}
        assert ids(as_alice.get(f"{API}/expenses/", {"q": "koa"})) == [expenses["koa"].id]
        assert ids(as_alice.get(f"{API}/expenses/", {"q": "NIGHTS"})) == [expenses["koa"].id]

    def test_by_tag_only_alices(self, as_alice, expenses):
        assert ids(as_alice.get(f"{API}/expenses/", {"tag": "Truck"})) == [expenses["fuel"].id]

    def test_by_amount(self, as_alice, expenses):
        response = as_alice.get(f"{API}/expenses/", {"min_amount": "10", "max_amount": "50"})
        assert ids(response) == [expenses["koa"].id]
        assert set(ids(as_alice.get(f"{API}/expenses/", {"max_amount": "45"}))) == {
            expenses["koa"].id, expenses["coffee"].id}

    def test_ordering_by_amount(self, as_alice, expenses):
        response = as_alice.get(f"{API}/expenses/", {"ordering": "-amount"})
        assert ids(response) == [expenses["fuel"].id, expenses["koa"].id, expenses["coffee"].id]
        response = as_alice.get(f"{API}/expenses/", {"ordering": "amount"})
        assert ids(response) == [expenses["coffee"].id, expenses["koa"].id, expenses["fuel"].id]

    def test_newest_first_by_default(self, as_alice, expenses):
        assert ids(as_alice.get(f"{API}/expenses/"))[-1] == expenses["koa"].id

    @pytest.mark.parametrize("params,field", [
        ({"start": "last week"}, "start"),
        ({"min_amount": "lots"}, "min_amount"),
        ({"category": "yachts"}, "category"),
    ])
    def test_a_bad_filter_is_a_400_naming_it(self, as_alice, expenses, params, field):
        response = as_alice.get(f"{API}/expenses/", params)
        assert response.status_code == 400 and field in response.json()


class TestPagination:
    @pytest.fixture
    def many(self, alice):
        day = denver_today()
        Expense.objects.bulk_create(
            Expense(user=alice, amount=Decimal(n + 1), category="supplies", date=day) for n in range(205)
        )

    def test_fifty_a_page_by_default_with_links(self, as_alice, many):
        body = as_alice.get(f"{API}/expenses/").json()
        assert body["count"] == 205 and len(body["results"]) == 50
        assert body["previous"] is None and "page=2" in body["next"]

    def test_page_size_is_chosen_and_capped_at_200(self, as_alice, many):
        assert len(as_alice.get(f"{API}/expenses/", {"page_size": 10}).json()["results"]) == 10
        assert len(as_alice.get(f"{API}/expenses/", {"page_size": 1000}).json()["results"]) == 200

    def test_pages_cover_every_row_once_even_with_equal_sort_keys(self, as_alice, many):
        seen = []
        for page in (1, 2, 3):
            seen += ids(as_alice.get(f"{API}/expenses/", {"ordering": "date", "page_size": 100, "page": page}))
        assert len(seen) == len(set(seen)) == 205

    def test_a_page_takes_three_queries_however_many_rows_it_holds(self, as_alice, many, django_assert_num_queries):
        with django_assert_num_queries(3):  # the token's user, the count and the page
            assert len(as_alice.get(f"{API}/expenses/", {"page_size": 200}).json()["results"]) == 200

    def test_a_page_past_the_end_is_404(self, as_alice, many):
        assert as_alice.get(f"{API}/expenses/", {"page": 99}).status_code == 404


class TestIncome:
    def test_creating_income_sets_the_owner(self, as_alice, alice):
        response = as_alice.post(f"{API}/income/", {"source": "Social Security", "amount": "1200", "kind": "pension",
                                                    "date": "2026-11-03"}, format="json")
        assert response.status_code == 201 and response.json()["amount"] == "1200.00"
        assert Income.objects.get().user == alice

    @pytest.mark.parametrize("change,field", [
        ({"amount": "-1"}, "amount"), ({"kind": "lottery"}, "kind"), ({"date": "03/11/2026"}, "date"),
        ({"source": ""}, "source"),
    ])
    def test_a_bad_value_is_a_400_naming_the_field(self, as_alice, change, field):
        income = {"source": "Acme", "amount": "100", "date": "2026-11-03", **change}
        response = as_alice.post(f"{API}/income/", income, format="json")
        assert response.status_code == 400 and list(response.json()) == [field]

    def test_filters_by_kind_and_dates(self, as_alice, alice):
        pension = services.income_create(user=alice, source="SSA", amount=Decimal("1200"),
                                         date=datetime.date(2026, 11, 3), kind="pension")
        gig = services.income_create(user=alice, source="Acme", amount=Decimal("300"),
                                     date=datetime.date(2026, 10, 15), kind="freelance")
        assert ids(as_alice.get(f"{API}/income/", {"kind": "pension"})) == [pension.id]
        assert ids(as_alice.get(f"{API}/income/", {"end": "2026-10-31"})) == [gig.id]
        assert ids(as_alice.get(f"{API}/income/")) == [pension.id, gig.id]

    def test_alice_changes_and_deletes_her_income(self, as_alice, alice):
        income = services.income_create(user=alice, source="SSA", amount=Decimal("1200"),
                                        date=datetime.date(2026, 11, 3))
        response = as_alice.patch(f"{API}/income/{income.id}/", {"amount": "1250", "kind": "pension"}, format="json")
        assert response.status_code == 200
        income.refresh_from_db()
        assert (income.amount, income.kind) == (Decimal("1250.00"), "pension")
        assert as_alice.delete(f"{API}/income/{income.id}/").status_code == 204
        assert not Income.objects.exists()

    def test_bob_gets_404_for_alices_income_and_never_lists_it(self, as_bob, alice):
        income = services.income_create(user=alice, source="SSA", amount=Decimal("1200"),
                                        date=datetime.date(2026, 11, 3))
        url = f"{API}/income/{income.id}/"
        assert as_bob.get(f"{API}/income/").json()["count"] == 0
        assert as_bob.get(url).status_code == 404
        assert as_bob.patch(url, {"amount": "1"}, format="json").status_code == 404
        assert as_bob.delete(url).status_code == 404
        income.refresh_from_db()
        assert income.amount == Decimal("1200.00")


class TestBudgets:
    def test_creating_a_budget_sets_the_owner_and_the_default_threshold(self, as_alice, alice):
        response = as_alice.post(f"{API}/budgets/", {"category": "fuel", "monthly_limit": "600"}, format="json")
        assert response.status_code == 201
        body = response.json()
        assert (body["monthly_limit"], body["alert_threshold_percent"], body["rollover"]) == ("600.00", 80, False)
        assert Budget.objects.get().user == alice

    def test_a_second_budget_for_the_same_category_is_a_400_naming_category(self, as_alice, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        response = as_alice.post(f"{API}/budgets/", {"category": "fuel", "monthly_limit": "700"}, format="json")
        assert response.status_code == 400 and list(response.json()) == ["category"]
        assert Budget.objects.get().monthly_limit == Decimal("600.00")

    def test_bob_may_have_his_own_budget_for_a_category_alice_budgets(self, as_bob, alice, bob):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        response = as_bob.post(f"{API}/budgets/", {"category": "fuel", "monthly_limit": "300"}, format="json")
        assert response.status_code == 201
        assert Budget.objects.get(user=bob).monthly_limit == Decimal("300.00")

    @pytest.mark.parametrize("change,field", [
        ({"monthly_limit": "-5"}, "monthly_limit"), ({"category": "yachts"}, "category"),
        ({"alert_threshold_percent": 0}, "alert_threshold_percent"),
        ({"alert_threshold_percent": 101}, "alert_threshold_percent"),
    ])
    def test_a_bad_value_is_a_400_naming_the_field(self, as_alice, change, field):
        budget = {"category": "fuel", "monthly_limit": "600", **change}
        response = as_alice.post(f"{API}/budgets/", budget, format="json")
        assert response.status_code == 400 and list(response.json()) == [field]

    def test_alice_changes_her_budget_but_not_its_category(self, as_alice, alice):
        budget, _ = services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        url = f"{API}/budgets/{budget.id}/"
        response = as_alice.patch(url, {"monthly_limit": "650.5", "rollover": True}, format="json")
        assert response.status_code == 200
        body = response.json()
        assert body["monthly_limit"] == "650.50" and body["rollover"] is True
        assert body["rollover_started_on"] == denver_today().replace(day=1).isoformat()

        response = as_alice.patch(url, {"category": "dining"}, format="json")
        assert response.status_code == 400 and "category" in response.json()
        assert as_alice.put(url, {"category": "fuel", "monthly_limit": "500"}, format="json").status_code == 200
        assert Budget.objects.get().monthly_limit == Decimal("500.00")

    def test_bob_gets_404_for_alices_budget(self, as_bob, alice):
        budget, _ = services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        url = f"{API}/budgets/{budget.id}/"
        assert as_bob.get(f"{API}/budgets/").json()["count"] == 0
        assert as_bob.get(url).status_code == 404
        assert as_bob.patch(url, {"monthly_limit": "1"}, format="json").status_code == 404
        assert as_bob.delete(url).status_code == 404
        assert Budget.objects.get().monthly_limit == Decimal("600.00")

    def test_alice_deletes_her_budget(self, as_alice, alice):
        budget, _ = services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("600"))
        assert as_alice.delete(f"{API}/budgets/{budget.id}/").status_code == 204
        assert not Budget.objects.exists()


class TestBudgetStatus:
    def test_it_reflects_this_months_spending(self, as_alice, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("200"))
        spend(alice, "170", "fuel")
        spend(alice, "12", "dining")
        spend(alice, "99", "fuel", last_month(denver_today()))
        body = as_alice.get(f"{API}/budgets/status/").json()
        assert body["month"] == denver_today().strftime("%Y-%m")
        [fuel] = body["budgets"]
        assert (fuel["spent"], fuel["remaining"], fuel["percent_used"], fuel["state"]) == ("170.00", "30.00", 85.0,
                                                                                         "near")
        assert body["unbudgeted"] == [{"category": "dining", "spent": "12.00"}]
        assert body["total_spent"] == "182.00"

    def test_a_rollover_budget_carries_last_months_leftover(self, as_alice, alice):
        previous = last_month(denver_today())
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("200"), rollover=True, today=previous)
        spend(alice, "50", "fuel", previous)
        spend(alice, "100", "fuel")
        [fuel] = as_alice.get(f"{API}/budgets/status/").json()["budgets"]
        assert (fuel["rollover"], fuel["carryover"], fuel["available"]) == (True, "150.00", "350.00")
        assert (fuel["spent"], fuel["remaining"]) == ("100.00", "250.00")

    def test_an_earlier_month_is_counted_to_its_last_day(self, as_alice, alice):
        previous = last_month(denver_today())
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("200"))
        spend(alice, "250", "fuel", previous)
        body = as_alice.get(f"{API}/budgets/status/", {"month": previous.strftime("%Y-%m")}).json()
        assert (body["month"], body["days_left"]) == (previous.strftime("%Y-%m"), 1)
        assert (body["budgets"][0]["spent"], body["budgets"][0]["state"]) == ("250.00", "over")

    def test_a_later_month_is_counted_from_its_first_day(self, as_alice, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("200"))
        body = as_alice.get(f"{API}/budgets/status/", {"month": "2099-02"}).json()
        assert (body["month"], body["days_left"], body["budgets"][0]["spent"]) == ("2099-02", 28, "0.00")

    def test_one_category(self, as_alice, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("200"))
        services.budget_set(user=alice, category="dining", monthly_limit=Decimal("100"))
        body = as_alice.get(f"{API}/budgets/status/", {"category": "dining"}).json()
        assert [item["category"] for item in body["budgets"]] == ["dining"]

    @pytest.mark.parametrize("params,field", [({"month": "2026-13"}, "month"), ({"month": "11/2026"}, "month"),
                                              ({"category": "yachts"}, "category")])
    def test_a_bad_parameter_is_a_400_naming_it(self, as_alice, params, field):
        response = as_alice.get(f"{API}/budgets/status/", params)
        assert response.status_code == 400 and list(response.json()) == [field]

    def test_bob_sees_none_of_alices_budgets_or_spending(self, as_bob, alice):
        services.budget_set(user=alice, category="fuel", monthly_limit=Decimal("200"))
        spend(alice, "170", "fuel")
        body = as_bob.get(f"{API}/budgets/status/").json()
        assert (body["budgets"], body["unbudgeted"], body["total_spent"]) == ([], [], "0.00")


class TestSpendingReport:
    def test_it_defaults_to_this_month_by_category(self, as_alice, alice):
        today = denver_today()
        spend(alice, "80", "fuel")
        spend(alice, "20.5", "fuel")
        spend(alice, "12", "dining")
        spend(alice, "999", "fuel", last_month(today))
        body = as_alice.get(f"{API}/reports/spending/").json()
        assert (body["start"], body["total"], body["count"]) == (today.replace(day=1).isoformat(), "112.50", 3)
        assert body["by_category"] == [{"category": "fuel", "total": "100.50", "count": 2},
                                       {"category": "dining", "total": "12.00", "count": 1}]
        assert "by_month" not in body

    def test_a_period_and_a_category(self, as_alice, alice):
        spend(alice, "80", "fuel", datetime.date(2026, 3, 4))
        spend(alice, "12", "dining", datetime.date(2026, 3, 5))
        spend(alice, "40", "fuel", datetime.date(2026, 4, 1))
        body = as_alice.get(f"{API}/reports/spending/", {"start": "2026-03-01", "end": "2026-03-31",
                                                         "category": "fuel"}).json()
        assert (body["total"], body["count"], body["category"]) == ("80.00", 1, "fuel")

    def test_by_month_covers_the_last_n_months_with_empty_ones(self, as_alice, alice):
        today = denver_today()
        spend(alice, "80", "fuel")
        spend(alice, "30", "dining", last_month(last_month(today)))
        by_month = as_alice.get(f"{API}/reports/spending/", {"months": 3}).json()["by_month"]
        assert [month["month"] for month in by_month] == [
            last_month(last_month(today)).strftime("%Y-%m"), last_month(today).strftime("%Y-%m"),
            today.strftime("%Y-%m")]
        assert [month["total"] for month in by_month] == ["30.00", "0.00", "80.00"]
        assert by_month[2]["by_category"] == {"fuel": "80.00"}

    @pytest.mark.parametrize("params,field", [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "end"), ({"start": "soon"}, "start"),
        ({"months": 0}, "months"), ({"months": 61}, "months"),
    ])
    def test_a_bad_parameter_is_a_400_naming_it(self, as_alice, params, field):
        response = as_alice.get(f"{API}/reports/spending/", params)
        assert response.status_code == 400 and list(response.json()) == [field]

    def test_bob_sees_none_of_alices_spending(self, as_bob, alice):
        spend(alice, "80", "fuel")
        body = as_bob.get(f"{API}/reports/spending/", {"months": 2}).json()
        assert (body["total"], body["by_category"]) == ("0.00", [])
        assert [month["total"] for month in body["by_month"]] == ["0.00", "0.00"]


class TestCashflowReport:
    def test_it_has_income_expenses_and_net_per_month(self, as_alice, alice):
        today = denver_today()
        services.income_create(user=alice, source="SSA", amount=Decimal("1200"), date=today, kind="pension")
        spend(alice, "200.25", "fuel")
        spend(alice, "300", "campground", last_month(today))
        body = as_alice.get(f"{API}/reports/cashflow/").json()
        assert len(body["months"]) == 6
        assert body["months"][-1] == {"month": today.strftime("%Y-%m"), "income": "1200.00",
                                      "expenses": "200.25", "net": "999.75"}
        assert body["months"][-2] == {"month": last_month(today).strftime("%Y-%m"), "income": "0.00",
                                      "expenses": "300.00", "net": "-300.00"}
        assert (body["income"], body["expenses"], body["net"]) == ("1200.00", "500.25", "699.75")

    def test_months_chooses_how_far_back(self, as_alice):
        assert len(as_alice.get(f"{API}/reports/cashflow/", {"months": 12}).json()["months"]) == 12
        assert list(as_alice.get(f"{API}/reports/cashflow/", {"months": "x"}).json()) == ["months"]

    def test_bob_sees_none_of_alices_money(self, as_bob, alice):
        services.income_create(user=alice, source="SSA", amount=Decimal("1200"), date=denver_today())
        spend(alice, "200", "fuel")
        body = as_bob.get(f"{API}/reports/cashflow/").json()
        assert (body["income"], body["expenses"], body["net"]) == ("0.00", "0.00", "0.00")


class TestExpenseExport:
    def read_csv(self, response) -> list[list[str]]:
        return list(csv.reader(io.StringIO(response.content.decode())))

    def test_it_is_a_csv_attachment_with_a_header_and_a_row_per_expense(self, as_alice, alice):
        spend(alice, "45.2", "groceries", datetime.date(2026, 3, 2), merchant="Safeway", location="Moab, UT",
              description="weekly shop", tags=["food", "trip:utah"], receipt_note="milk, eggs")
        spend(alice, "80", "fuel", datetime.date(2026, 3, 1))
        spend(alice, "99", "fuel", datetime.date(2026, 4, 1))
        response = as_alice.get(f"{API}/exports/expenses.csv", {"start": "2026-03-01", "end": "2026-03-31"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"] == 'attachment; filename="pam-expenses-2026-03-01-to-2026-03-31.csv"'
        assert self.read_csv(response) == [
            ["date", "amount", "currency", "category", "description", "merchant", "location", "tags", "receipt_note"],
            ["2026-03-01", "80.00", "USD", "fuel", "", "", "", "", ""],
            ["2026-03-02", "45.20", "USD", "groceries", "weekly shop", "Safeway", "Moab, UT", "food; trip:utah",
             "milk, eggs"],
        ]

    def test_it_defaults_to_this_month_and_filters_by_category(self, as_alice, alice):
        today = denver_today()
        spend(alice, "80", "fuel")
        spend(alice, "12", "dining")
        spend(alice, "70", "fuel", last_month(today))
        response = as_alice.get(f"{API}/exports/expenses.csv", {"category": "fuel"})
        first = today.replace(day=1).isoformat()
        assert f"pam-expenses-{first}-to-" in response["Content-Disposition"]
        rows = self.read_csv(response)[1:]
        assert [(row[1], row[3]) for row in rows] == [("80.00", "fuel")]

    def test_it_answers_csv_whatever_the_client_accepts(self, as_alice, alice):
        response = as_alice.get(f"{API}/exports/expenses.csv", HTTP_ACCEPT="text/csv")
        assert response.status_code == 200 and self.read_csv(response)[0][0] == "date"

    def test_text_that_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(self, as_alice, alice):
        spend(alice, "5", "other", datetime.date(2026, 3, 1), description='=HYPERLINK("http://evil")',
              merchant="@shop")
        rows = self.read_csv(as_alice.get(f"{API}/exports/expenses.csv", {"start": "2026-03-01",
                                                                          "end": "2026-03-01"}))
        assert rows[1][4] == '\'=HYPERLINK("http://evil")' and rows[1][5] == "'@shop"

    def test_bobs_export_never_contains_alices_rows(self, as_bob, alice, bob):
        spend(alice, "45.2", "groceries")
        spend(bob, "9.99", "dining")
        rows = self.read_csv(as_bob.get(f"{API}/exports/expenses.csv"))
        assert [row[1] for row in rows[1:]] == ["9.99"]

    def test_the_link_pam_gives_in_chat_downloads_the_csv(self, as_alice, as_bob, alice):
        spend(alice, "45.2", "groceries")
        context = ToolContext(user=alice, timezone=zoneinfo.ZoneInfo("America/Denver"), now=timezone.now(),
                              currency="USD")
        outcome = call_tool("export_expenses", {}, context)
        assert outcome.status == "ok"
        rows = self.read_csv(as_alice.get(outcome.result["url"]))
        assert [row[1] for row in rows[1:]] == ["45.20"]
        assert self.read_csv(as_bob.get(outcome.result["url"]))[1:] == []  # the link is no key to alice's data

    def test_a_bad_period_is_a_400_naming_it(self, as_alice):
        response = as_alice.get(f"{API}/exports/expenses.csv", {"start": "2026-03-10", "end": "2026-03-01"})
        assert response.status_code == 400 and list(response.json()) == ["end"]

    def test_it_needs_credentials(self, api):
        assert api.get(f"{API}/exports/expenses.csv").status_code == 401


class TestRecurring:
    def test_alice_adds_a_recurring_bill_and_bob_cannot_see_it(self, as_alice, as_bob, alice):
        response = as_alice.post(f"{API}/recurring-expenses/", {
            "amount": "120", "category": "connectivity", "merchant": "Starlink", "starts_on": "2027-01-05",
        }, format="json")
        assert response.status_code == 201
        body = response.json()
        assert (body["amount"], body["frequency"], body["next_due_on"], body["is_active"]) == (
            "120.00", "monthly", "2027-01-05", True)
        assert RecurringExpense.objects.get().user == alice

        assert as_alice.get(f"{API}/recurring-expenses/{body['id']}/").status_code == 200
        assert as_bob.get(f"{API}/recurring-expenses/").json()["count"] == 0
        assert as_bob.get(f"{API}/recurring-expenses/{body['id']}/").status_code == 404

    def test_alice_adds_recurring_income_and_bob_cannot_see_it(self, as_alice, as_bob):
        response = as_alice.post(f"{API}/recurring-income/", {
            "amount": "1200", "source": "Social Security", "kind": "pension", "starts_on": "2027-01-03",
        }, format="json")
        assert response.status_code == 201 and response.json()["kind"] == "pension"
        assert as_alice.get(f"{API}/recurring-income/").json()["count"] == 1
        assert as_bob.get(f"{API}/recurring-income/{response.json()['id']}/").status_code == 404

    @pytest.mark.parametrize("change,field", [
        ({"frequency": "hourly"}, "frequency"), ({"ends_on": "2026-12-31"}, "ends_on"),
        ({"amount": "0"}, "amount"), ({"starts_on": ""}, "starts_on"),
    ])
    def test_a_bad_value_is_a_400_naming_the_field(self, as_alice, change, field):
        bill = {"amount": "120", "category": "insurance", "starts_on": "2027-01-05", **change}
        response = as_alice.post(f"{API}/recurring-expenses/", bill, format="json")
        assert response.status_code == 400 and list(response.json()) == [field]


    def test_alice_stops_a_bill_and_what_it_posted_stays_and_bob_cannot_stop_hers(self, as_alice, as_bob, alice):
        bill = services.recurring_expense_create(user=alice, amount=Decimal("120"), category="connectivity",
                                                 starts_on=datetime.date(2026, 10, 5))
        services.recurring_post_due(user=alice, today=datetime.date(2026, 11, 21))
        assert as_bob.delete(f"{API}/recurring-expenses/{bill.id}/").status_code == 404
        assert RecurringExpense.objects.filter(id=bill.id).exists()
        assert as_alice.delete(f"{API}/recurring-expenses/{bill.id}/").status_code == 204
        assert not RecurringExpense.objects.filter(id=bill.id).exists()
        assert Expense.objects.filter(user=alice, category="connectivity").count() == 2

    def test_moving_a_posted_bill_onto_a_day_it_already_posted_is_a_400_on_date(self, as_alice, alice):
        services.recurring_expense_create(user=alice, amount=Decimal("120"), category="connectivity",
                                          starts_on=datetime.date(2026, 10, 5))
        services.recurring_post_due(user=alice, today=datetime.date(2026, 11, 21))
        november = Expense.objects.get(user=alice, date=datetime.date(2026, 11, 5))
        response = as_alice.patch(f"{API}/expenses/{november.id}/", {"date": "2026-10-05"}, format="json")
        assert response.status_code == 400 and list(response.json()) == ["date"]


class TestThrottling:
    @pytest.fixture
    def rates(self, settings):
        def set_rates(**rates):
            settings.REST_FRAMEWORK = {
                **settings.REST_FRAMEWORK,
                "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
            }
        return set_rates

    def test_a_user_past_the_rate_gets_429_with_retry_after(self, rates, as_alice, as_bob):
        rates(user="3/min")
        statuses = [as_alice.get(f"{API}/expenses/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = as_alice.get(f"{API}/reports/cashflow/")
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert as_bob.get(f"{API}/expenses/").status_code == 200  # each user has their own allowance

    def test_the_token_endpoint_has_its_own_stricter_rate(self, rates, api, alice):
        rates(auth_token="2/min")
        guesses = [api.post(f"{API}/auth/token/", {"username": "alice", "password": f"guess-{n}"},
                            format="json").status_code for n in range(3)]
        assert guesses == [401, 401, 429]
        right = api.post(f"{API}/auth/token/", {"username": "alice", "password": "alice-password-123"}, format="json")
        assert right.status_code == 429

    def test_requests_without_credentials_have_their_own_rate(self, rates, api):
        rates(anon="2/min")
        # DRF checks permissions before rates: a protected endpoint answers 401 first, so the anon
        # rate guards the public ones (the schema is one, and costly to build).
        assert [api.get("/api/schema/").status_code for _ in range(3)] == [200, 200, 429]


class TestDocs:
    def test_swagger_ui_is_served_from_our_own_static_files(self, client):
        response = client.get("/api/docs/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
        assert "cdn" not in page.lower() and "https://" not in page
        for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "favicon-32x32.png"):
            assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{asset}"), asset

    def test_the_schema_is_served_as_json(self, client):
        response = client.get("/api/schema/", {"format": "json"})
        assert response.status_code == 200
        assert response.json()["openapi"].startswith("3.")
