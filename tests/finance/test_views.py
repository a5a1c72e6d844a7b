"""The money dashboard page (/finance/) through the Django test client on the real PostgreSQL: who
may see it, what it tells its script (currency, this month in the user's timezone), the CSRF cookie
its writes need, and that nothing of bob's reaches alice's page or the figures it loads."""

import re
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assistant.models import Profile
from finance import services
from finance.models import Category, Expense
from tests.page_helpers import attribute, local_today

pytestmark = pytest.mark.django_db

URL = "/finance/"


class TestDashboardAccess:
    def test_the_url_is_named(self):
        assert reverse("finance:dashboard") == URL

    def test_it_sends_anonymous_visitors_to_log_in_first(self, client):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={URL}"

    def test_it_renders_for_alice(self, client, alice):
        client.force_login(alice)
        response = client.get(URL)
        assert response.status_code == 200
        assert "finance/dashboard.html" in [t.name for t in response.templates]
        html = response.content.decode()
        assert "<h1 class=\"money__title\">Money</h1>" in html
        for section in ("budgets", "by-category", "by-month", "cashflow", "expenses"):
            assert f'id="{section}"' in html

    def test_it_sets_the_csrf_cookie_its_script_sends_back(self, client, alice):
        client.force_login(alice)
        response = client.get(URL)
        cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
        assert cookie is not None and cookie.value
        assert not cookie["httponly"], "the script reads the token from the cookie"


class TestDashboardPage:
    def test_it_passes_alices_currency_and_this_month_in_her_timezone(self, client, alice):
        Profile.objects.filter(user=alice).update(currency="CAD")
        client.force_login(alice)
        html = client.get(URL).content.decode()
        today = local_today("America/Denver")
        assert attribute(html, "money", "data-currency") == "CAD"
        assert attribute(html, "money", "data-today") == today.isoformat()
        assert attribute(html, "money", "data-month-start") == today.replace(day=1).isoformat()
        assert attribute(html, "money", "data-month-end").startswith(today.strftime("%Y-%m-"))

    def test_a_user_without_a_profile_sees_us_dollars(self, client, django_user_model):
        dana = django_user_model.objects.create_user("dana", password="dana-password-123")
        client.force_login(dana)
        html = client.get(URL).content.decode()
        assert attribute(html, "money", "data-currency") == "USD"

    def test_opening_the_page_posts_bills_that_fell_due(self, client, alice):
        today = timezone.now().astimezone(zoneinfo.ZoneInfo("America/Denver")).date()
        services.recurring_expense_create(user=alice, amount=Decimal("120"), category="connectivity", starts_on=today)
        client.force_login(alice)
        assert client.get("/finance/").status_code == 200
        assert list(Expense.objects.filter(user=alice).values_list("date", "amount")) == [(today, Decimal("120.00"))]

    def test_the_csv_link_downloads_this_months_expenses(self, client, alice):
        client.force_login(alice)
        html = client.get(URL).content.decode()
        today = local_today("America/Denver")
        href = attribute(html, "csv-link", "href").replace("&amp;", "&")
        assert href.startswith(f"/api/v1/exports/expenses.csv?start={today.replace(day=1).isoformat()}&end=")
        assert client.get(href).status_code == 200

    def test_the_expense_form_offers_every_category(self, client, alice):
        client.force_login(alice)
        html = client.get(URL).content.decode()
        select = re.search(r'<select id="expense-category".*?</select>', html, re.S).group(0)
        assert re.findall(r'<option value="([a-z]+)"', select) == Category.values

    def test_charts_come_from_our_own_static_files_not_a_cdn(self, client, alice):
        client.force_login(alice)
        html = client.get(URL).content.decode()
        scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
        assert any(src.endswith("vendor/chartjs/chart.umd.min.js") for src in scripts), scripts
        assert not [src for src in scripts if "//" in src], scripts


class TestTopBarNavigation:
    def test_money_is_the_current_page_on_the_dashboard(self, client, alice):
        client.force_login(alice)
        html = client.get(URL).content.decode()
        assert '<a class="topnav__link" href="/finance/" aria-current="page">Money</a>' in html
        assert '<a class="topnav__link" href="/">Chat</a>' in html

    def test_chat_is_the_current_page_on_the_chat(self, client, alice):
        client.force_login(alice)
        html = client.get("/").content.decode()
        assert '<a class="topnav__link" href="/" aria-current="page">Chat</a>' in html
        assert '<a class="topnav__link" href="/finance/">Money</a>' in html

    def test_logged_out_pages_have_no_navigation(self, client):
        assert "topnav" not in client.get("/accounts/login/").content.decode()


class TestDashboardPrivacy:
    @pytest.fixture
    def bobs_money(self, bob):
        today = local_today("America/New_York")
        services.expense_create(user=bob, amount=Decimal("987.65"), category="fuel", date=today,
                                merchant="Bobs Secret Truckstop", description="bobs-only-note")
        services.budget_set(user=bob, category="fuel", monthly_limit=Decimal("1234"))
        services.income_create(user=bob, source="Bobs Pension Fund", amount=Decimal("4321"), date=today)
        Profile.objects.filter(user=bob).update(currency="EUR")

    def test_alices_page_shows_nothing_of_bobs(self, client, alice, bob, bobs_money):
        client.force_login(alice)
        html = client.get(URL).content.decode()
        for secret in ("Bobs Secret Truckstop", "bobs-only-note", "987.65", "Bobs Pension Fund", "EUR", "bob"):
            assert secret not in html

    def test_the_figures_alices_page_loads_hold_nothing_of_bobs(self, client, alice, bob, bobs_money):
        services.expense_create(user=alice, amount=Decimal("12.50"), category="propane",
                                date=local_today("America/Denver"), merchant="Moab KOA")
        client.force_login(alice)
        today = local_today("America/Denver")
        start, end = today.replace(day=1).isoformat(), today.isoformat()
        # The requests dashboard.js makes.
        for path in ("/api/v1/budgets/status/", "/api/v1/expenses/?page_size=10", "/api/v1/reports/cashflow/?months=6",
                     f"/api/v1/reports/spending/?start={start}&end={end}&months=6"):
            response = client.get(path, HTTP_ACCEPT="application/json")
            assert response.status_code == 200, (path, response.content)
            body = response.content.decode()
            for secret in ("Bobs Secret Truckstop", "987.65", "1234", "4321"):
                assert secret not in body, (path, secret)
        expenses = client.get("/api/v1/expenses/").json()["results"]
        assert [(e["merchant"], e["amount"]) for e in expenses] == [("Moab KOA", "12.50")]
