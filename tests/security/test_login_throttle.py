"""Sign-in throttling (pam_project/login_throttle.py, django-axes) on the login page and the
API's token endpoint: locked after too many failures per username and per address, and never a
hint of whether an account exists."""

import datetime
import re
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
LOCKED = "Too many sign-in attempts. Try again in 15 minutes."


@pytest.fixture(autouse=True)
def three_tries(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
async def asgi_client(async_client):
    """pytest-django's AsyncClient (Django's ASGI handler, as under daphne). The database
    connection its sync views opened in asgiref's thread is closed after the test, so the test
    database can be dropped at the end."""
    yield async_client
    await sync_to_async(connections.close_all)()


def page_text(response, username: str) -> str:
    """The page with what differs by request alone (the CSRF token, the username typed) blanked."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', html)
    return html.replace(username, "USERNAME")


def sign_in(client, username, password, ip="192.0.2.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


class TestLoginPage:
    def test_a_wrong_password_and_an_unknown_user_read_the_same(self, client, alice):
        wrong_password = sign_in(client, "alice", "not-her-password")
        unknown_user = sign_in(client, "nobody", "not-her-password", ip="192.0.2.11")
        assert wrong_password.status_code == unknown_user.status_code == 200
        assert "Please enter a correct username and password" in wrong_password.content.decode()
        assert page_text(wrong_password, "alice") == page_text(unknown_user, "nobody")

    def test_too_many_failures_lock_the_username_even_with_the_right_password(self, client, alice):
        statuses = [sign_in(client, "alice", f"guess-{n}", ip=f"192.0.2.{n}").status_code for n in range(3)]
        assert statuses == [200, 200, 429]  # the third failure locks
        right = sign_in(client, "alice", "alice-password-123", ip="198.51.100.1")
        assert right.status_code == 429 and LOCKED in right.content.decode()
        assert right["Retry-After"] == "900"
        assert "_auth_user_id" not in client.session

    def test_the_lockout_reads_the_same_for_an_existing_and_a_missing_account(self, client, alice):
        for n in range(3):
            sign_in(client, "alice", f"guess-{n}", ip="192.0.2.1")
            sign_in(client, "nobody", f"guess-{n}", ip="192.0.2.2")
        existing = sign_in(client, "alice", "alice-password-123", ip="192.0.2.1")
        missing = sign_in(client, "nobody", "alice-password-123", ip="192.0.2.2")
        assert existing.status_code == missing.status_code == 429
        assert existing["Retry-After"] == missing["Retry-After"]
        assert LOCKED in existing.content.decode()
        assert page_text(existing, "alice") == page_text(missing, "nobody")

    def test_the_username_tally_ignores_case_and_spaces(self, client, alice):
        for n, typed in enumerate(["Alice", " alice ", "ALICE"]):
            sign_in(client, typed, "wrong", ip=f"192.0.2.{n}")
        assert sign_in(client, "alice", "alice-password-123", ip="198.51.100.1").status_code == 429

    def test_an_address_guessing_at_many_usernames_is_locked_out(self, client, alice, bob):
        for name in ("carol", "dave", "erin"):
            sign_in(client, name, "password1", ip="203.0.113.9")
        assert sign_in(client, "bob", "bob-password-123", ip="203.0.113.9").status_code == 429
        # bob from his own address is not held up
        assert sign_in(client, "bob", "bob-password-123", ip="198.51.100.7").status_code == 302

    def test_the_lockout_ends_after_its_time(self, client, alice, settings):
        settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=1)
        for n in range(3):
            sign_in(client, "alice", f"guess-{n}")
        assert sign_in(client, "alice", "alice-password-123").status_code == 429
        time.sleep(1.2)
        assert sign_in(client, "alice", "alice-password-123").status_code == 302

    @pytest.mark.django_db(transaction=True)
    async def test_the_lockout_page_is_served_under_asgi_as_daphne_runs_it(self, asgi_client, alice):
        for n in range(3):
            await asgi_client.post(LOGIN, {"username": "alice", "password": f"guess-{n}"})
        locked = await asgi_client.post(LOGIN, {"username": "alice", "password": "alice-password-123"})
        assert locked.status_code == 429 and LOCKED in locked.content.decode()
        assert 'name="username"' in locked.content.decode()  # the login form again, not a bare message

    def test_a_lockout_keeps_a_safe_next_and_drops_another_sites(self, client, alice):
        for n in range(3):
            sign_in(client, "alice", f"guess-{n}")
        own = client.post(LOGIN, {"username": "alice", "password": "x", "next": "/finance/"}, REMOTE_ADDR="192.0.2.10")
        assert 'name="next" value="/finance/"' in own.content.decode()
        other = client.post(LOGIN, {"username": "alice", "password": "x", "next": "https://evil.example/"},
                            REMOTE_ADDR="192.0.2.10")
        assert "evil.example" not in other.content.decode()


    def test_a_forwarded_for_that_is_no_address_is_not_an_error(self, client, alice, settings):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        response = client.post(LOGIN, {"username": "alice", "password": "wrong"}, HTTP_X_FORWARDED_FOR="<script>")
        assert response.status_code == 200  # counted against the socket's address instead


class TestTokenEndpoint:
    def test_a_wrong_password_and_an_unknown_user_read_the_same(self, api, alice):
        wrong_password = api.post(TOKEN, {"username": "alice", "password": "nope"}, format="json")
        unknown_user = api.post(TOKEN, {"username": "nobody", "password": "nope"}, format="json",
                                REMOTE_ADDR="192.0.2.11")
        assert wrong_password.status_code == unknown_user.status_code == 401
        assert wrong_password.json() == unknown_user.json()

    def test_the_lockout_reads_the_same_for_an_existing_and_a_missing_account(self, api, alice):
        answers = {}
        for username, ip in (("alice", "192.0.2.1"), ("nobody", "192.0.2.2")):
            for n in range(3):
                api.post(TOKEN, {"username": username, "password": f"guess-{n}"}, format="json", REMOTE_ADDR=ip)
            answers[username] = api.post(TOKEN, {"username": username, "password": "alice-password-123"},
                                         format="json", REMOTE_ADDR=ip)
        assert answers["alice"].status_code == answers["nobody"].status_code == 429
        assert answers["alice"].json() == answers["nobody"].json() == {"detail": LOCKED}
        assert answers["alice"]["Retry-After"] == answers["nobody"]["Retry-After"] == "900"

    def test_failures_on_the_page_and_the_api_share_one_tally(self, client, api, alice):
        sign_in(client, "alice", "guess-1")
        sign_in(client, "alice", "guess-2")
        api.post(TOKEN, {"username": "alice", "password": "guess-3"}, format="json", REMOTE_ADDR="198.51.100.2")
        right = api.post(TOKEN, {"username": "alice", "password": "alice-password-123"}, format="json",
                         REMOTE_ADDR="198.51.100.3")
        assert right.status_code == 429 and "access" not in right.json()

    def test_the_right_password_before_the_limit_still_gets_a_token(self, api, alice):
        api.post(TOKEN, {"username": "alice", "password": "guess-1"}, format="json")
        right = api.post(TOKEN, {"username": "alice", "password": "alice-password-123"}, format="json")
        assert right.status_code == 200 and "access" in right.json()
