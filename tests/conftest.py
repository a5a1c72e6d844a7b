"""Shared fixtures: the real PostgreSQL and Redis, and three users — alice (the owner), bob
(who must see nothing of alice's) and charlie."""

import pytest
from django.conf import settings
from django.core.cache import cache

from assistant.models import Profile

# The browser tests' fixtures (a live daphne server, Chromium): tests/browser_support.py.
pytest_plugins = ["tests.browser_support"]


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        raise pytest.UsageError(f"PAM's tests need PostgreSQL (DATABASE_URL); the database engine is {engine}.")
    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        raise pytest.UsageError("PAM's tests need Redis (REDIS_URL).")
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").ping()
    except Exception as exc:
        raise pytest.UsageError(f"PAM's tests need Redis at {settings.REDIS_URL}: {exc}") from exc
    # Pages render in-process without a collectstatic manifest; the browser test's daphne
    # server uses the real manifest storage (tests/test_browser.py).
    settings.PASSWORD_HASHERS = ["tests.hashers.QuickPBKDF2PasswordHasher"]
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with an empty Redis test database (cache, rate limits, channel layer)."""
    cache.clear()
    yield
    cache.clear()


def make_user(django_user_model, username, timezone="America/Denver", display_name=""):
    user = django_user_model.objects.create_user(username, password=f"{username}-password-123")
    Profile.objects.create(user=user, timezone=timezone, display_name=display_name or username.title())
    return user


@pytest.fixture
def alice(django_user_model):
    return make_user(django_user_model, "alice")


@pytest.fixture
def bob(django_user_model):
    return make_user(django_user_model, "bob", timezone="America/New_York")


@pytest.fixture
def charlie(django_user_model):
    return make_user(django_user_model, "charlie", timezone="Europe/Berlin")


def api_client(user=None):
    """A DRF test client, authenticated as ``user`` when given (the REST API's own auth)."""
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api():
    return api_client()


@pytest.fixture
def as_alice(alice):
    return api_client(alice)


@pytest.fixture
def as_bob(bob):
    return api_client(bob)


@pytest.fixture
async def socket_for(transactional_db):
    """``await socket_for(user)``: a connected WebsocketCommunicator on the real ASGI app,
    authenticated by that user's session cookie, like a browser. Every socket it opened is
    disconnected at teardown, so no consumer is left waiting on the channel layer."""
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from pam_project.asgi import application

    opened = []

    async def connect(user, *, origin="http://127.0.0.1", expect_connection=True):
        client = Client()
        if user is not None:
            await database_sync_to_async(client.force_login)(user)
        headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1")]
        if user is not None:
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
        communicator = WebsocketCommunicator(application, "/ws/pam/", headers=headers)
        opened.append(communicator)
        connected, _ = await communicator.connect()
        if expect_connection:
            assert connected
            frame = await communicator.receive_json_from(timeout=5)
            assert frame["type"] == "connection", frame
            communicator.connection_frame = frame
        else:
            communicator.accepted = connected
        return communicator

    yield connect
    for communicator in opened:
        try:
            await communicator.disconnect(timeout=5)
        except Exception:  # already closed by the test or by the server
            pass


@pytest.fixture
def fake_anthropic(settings):
    """A fake Messages API server, with PAM configured to use it (key set, so the chain is
    anthropic → local). Yields the FakeAnthropic to script."""
    from assistant.agent import default_chain
    from tests.fakes.anthropic_server import FakeAnthropic

    fake = FakeAnthropic().start()
    settings.ANTHROPIC_API_KEY = "sk-ant-test-key"
    settings.ANTHROPIC_BASE_URL = fake.url
    settings.PAM_MODEL = "claude-sonnet-5-5"
    settings.PAM_FALLBACK_MODELS = ["claude-sonnet-5"]
    settings.PAM_LLM_READ_TIMEOUT = 5.0
    default_chain.cache_clear()
    yield fake
    fake.stop()
    default_chain.cache_clear()


@pytest.fixture
def fake_open_meteo(settings):
    """A fake Open-Meteo on 127.0.0.1, with OPEN_METEO_URL pointing at it (short timeout).
    The travel tools and the weather monitor ask it."""
    from tests.fakes.open_meteo_server import FakeOpenMeteo

    fake = FakeOpenMeteo().start()
    settings.OPEN_METEO_URL = fake.url
    settings.PAM_WEATHER_TIMEOUT = 2.0
    yield fake
    fake.stop()


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """Close Django's psycopg pools (connections made in worker threads included) before the
    test database is dropped."""
    yield
    from django.db import connections

    for connection in connections.all():
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
