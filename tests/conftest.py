"""Shared fixtures: the real PostgreSQL and Redis, and three users — alice (the owner), bob
(who must see nothing of alice's) and charlie."""

import asyncio
import os
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed

from assistant.models import Profile

# The browser tests' fixtures (a live daphne server, Chromium): tests/browser_support.py.
pytest_plugins = ["tests.browser_support"]


def pytest_configure(config):
    _own_redis_database_per_worker()
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "pam_project.db":
        raise pytest.UsageError(f"PAM's tests need PostgreSQL (DATABASE_URL); the database engine is {engine}.")
    _require_role_held_to_row_security()
    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        raise pytest.UsageError("PAM's tests need Redis (REDIS_URL).")
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").ping()
    except Exception as exc:
        raise pytest.UsageError(f"PAM's tests need Redis at {settings.REDIS_URL}: {exc}") from exc
    # Pages render in-process without a collectstatic manifest; the browser test's daphne
    # server uses the real manifest storage (tests/test_browser.py). A conftest that imported the
    # ASGI application has already made the manifest storage (WhiteNoise reads it when a
    # `make run` left a STATIC_ROOT): the signal Django's own override_settings sends drops it.
    settings.PASSWORD_HASHERS = ["tests.hashers.QuickPBKDF2PasswordHasher"]
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    setting_changed.send(sender=type(settings._wrapped), setting="STORAGES", value=settings.STORAGES, enter=True)


def _own_redis_database_per_worker():
    """Under pytest-xdist (`make test` runs two workers) each worker has its own PostgreSQL test
    database (pytest-django adds the worker's name) and here its own Redis database: REDIS_URL's
    number less the worker's (gw0 keeps db 15, gw1 takes 14), so one worker's ``cache.clear()``,
    rate limits and channel groups never reach the other's. Nothing has connected to Redis yet."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", …; unset without xdist
    if not worker.startswith("gw") or not settings.REDIS_URL:
        return
    parts = urlsplit(settings.REDIS_URL)
    database = int(parts.path.strip("/") or 0) - int(worker[2:])
    if database < 0:
        raise pytest.UsageError(f"Too many test workers for REDIS_URL {settings.REDIS_URL}: "
                                "each needs a Redis database of its own below it.")
    url = parts._replace(path=f"/{database}").geturl()
    if settings.CELERY_BROKER_URL == settings.REDIS_URL:
        settings.CELERY_BROKER_URL = url
    settings.REDIS_URL = url
    settings.CACHES["default"]["LOCATION"] = url
    for host in settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]:
        host["address"] = url


def _require_role_held_to_row_security():
    """Superusers and BYPASSRLS roles skip row level security: tests connected as one would prove
    nothing about it. `make test` creates the owner role the tests connect as (scripts/db_roles.py)."""
    import psycopg

    database = settings.DATABASES["default"]
    try:
        with psycopg.connect(dbname="postgres", host=database["HOST"], port=database["PORT"] or 5432,
                             user=database["USER"], password=database["PASSWORD"] or None, connect_timeout=5) as conn:
            bypasses = conn.execute(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    except psycopg.Error as exc:
        raise pytest.UsageError(f"PAM's tests need PostgreSQL as {database['USER']!r} (run scripts/db_roles.py): "
                                f"{exc}") from exc
    if bypasses:
        raise pytest.UsageError(
            f"The tests connect to PostgreSQL as {database['USER']!r}, a role that bypasses row level security; "
            "connect as the owner role instead (DATABASE_URL=postgres://pam_owner@…, see scripts/db_roles.py).")


def app_role_database_url() -> str:
    """The test database as the application's role (pam_app): what a server or worker started by
    a test connects as, exactly like production (no ownership, no BYPASSRLS)."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{settings.PAM_DATABASE_APP_ROLE}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(autouse=True)
def _system_scope():
    """A test's own setup and checks work on every user's rows (the system scope), as an operator
    would; the code under test sets its own scope at its entry points (a request, a socket, a
    tool, a monitor: pam_project.rls), exactly as in production, so nothing is inherited."""
    from pam_project import rls

    with rls.system_scope():
        yield


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
    """A DRF test client, authenticated as ``user`` when given, with a real JWT access token in
    the Authorization header as API clients send it (so the request's authentication, and with it
    its row level security scope, is the production one)."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
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


async def close_sockets(communicators) -> None:
    """Disconnect test sockets side by side, each given 1 s to wind down before it is cancelled
    (a consumer ends at once, or at the end of the channel layer's blocking pop in progress:
    pam_project.channel_layer.RedisChannelLayer)."""

    async def disconnect(communicator):
        try:
            await communicator.disconnect(timeout=1)
        except Exception:  # already closed by the test or by the server
            pass

    await asyncio.gather(*(disconnect(communicator) for communicator in communicators))


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

    await close_sockets(opened)


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
