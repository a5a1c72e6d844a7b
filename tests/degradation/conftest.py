"""Fixtures of the degradation tests (issue 7): PAM served by a real daphne on a private
PostgreSQL and a private Redis that a test may stop, restart or block, and a fake Anthropic.

The machine's shared PostgreSQL (5432) and Redis (6379) are never touched: every service here
runs on a free port of its own and is killed at teardown, whatever the test did. The cluster is
made once per session (initdb, PAM's roles as scripts/db_roles.py makes them, the schema migrated
as pam_owner); each test module starts a copy of it, its own Redis and its own daphne (with the
settings of its ``pam_env`` fixture), and each test gets a new user and finds every service
running again, whatever the test before it left stopped.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.degradation.client import ChatClient
from tests.degradation.services import (
    PG_BIN,
    REDIS_SERVER,
    ROOT,
    PamServer,
    PrivatePostgres,
    PrivateRedis,
    as_postgres,
    postgres_owned_dir,
)
from tests.fakes.anthropic_server import FakeAnthropic

_DIAGNOSTICS = pytest.StashKey[list]()
_user_numbers = itertools.count(1)


def _require_binaries():
    missing = [str(path) for path in (PG_BIN / "initdb", PG_BIN / "pg_ctl", Path(REDIS_SERVER))
               if not os.access(path, os.X_OK)]
    if shutil.which("runuser") is None:
        missing.append("runuser")
    if missing:
        pytest.fail(f"The degradation tests need PostgreSQL 15's and Redis's servers; missing: {', '.join(missing)}")


def _db_roles():
    spec = importlib.util.spec_from_file_location("pam_db_roles", ROOT / "scripts" / "db_roles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def postgres_template():
    """The data directory of a stopped cluster holding PAM's migrated database ``pam``, owned by
    pam_owner, with pam_app granted its rows (``pam_project.rls``)."""
    _require_binaries()
    base = postgres_owned_dir("pam-pg-template-")
    server = PrivatePostgres(base / "data")
    try:
        as_postgres(str(PG_BIN / "initdb"), "-D", str(server.data_dir), "-U", "postgres", "-A", "trust",
                     "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        server.start()
        _db_roles().ensure(["pam"], admin_url=server.url(database="postgres"))
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"], cwd=ROOT,
            env={**os.environ, "DATABASE_URL": server.url("pam_owner"), "REDIS_URL": ""},
            capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"migrating the private database failed:\n{result.stdout}\n{result.stderr}"
        server.stop()
        yield server.data_dir
    finally:
        server.kill()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def private_postgres(postgres_template):
    """A copy of the template cluster, started on a free port (``stop``, ``start``, ``restart``)."""
    base = postgres_owned_dir("pam-pg-")
    server = PrivatePostgres(base / "data")
    try:
        as_postgres("cp", "-a", str(postgres_template), str(server.data_dir))
        server.start()
        yield server
    finally:
        server.kill()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def private_redis():
    """redis-server on a free port (``stop``, ``start`` on the same port, ``block``, ``unblock``)."""
    _require_binaries()
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def fake_llm():
    """A fake Anthropic Messages API in this process; ``llm_env(fake)`` points a server at it."""
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


def llm_env(fake: FakeAnthropic, **extra) -> dict:
    """The settings that make PAM's chain anthropic (claude-sonnet-5-5, then claude-sonnet-5) →
    local on ``fake``, with ``extra`` settings on top."""
    return {"ANTHROPIC_API_KEY": "sk-ant-test-key", "ANTHROPIC_BASE_URL": fake.url, "PAM_MODEL": "claude-sonnet-5-5",
            "PAM_FALLBACK_MODELS": "claude-sonnet-5", **extra}


@pytest.fixture(scope="module")
def pam_env() -> dict:
    """Settings (environment variables) of the module's server; a module overrides this."""
    return {}


@pytest.fixture(scope="module")
def pam(private_postgres, private_redis, pam_env):
    """daphne serving PAM on the private PostgreSQL (as pam_app, held to row level security like
    production) and Redis (db 0), with ``pam_env`` on top. Without an Anthropic key in it the
    chain is the offline ``local`` provider."""
    server = PamServer({
        **os.environ,
        "DATABASE_URL": private_postgres.url("pam_app"),
        "REDIS_URL": private_redis.url(0),
        "DJANGO_SETTINGS_MODULE": "pam_project.settings",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the tests sign their JWTs with it
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_COOKIES": "0",
        "ANTHROPIC_API_KEY": "",
        "PYTHONUNBUFFERED": "1",
        **pam_env,
    })
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(autouse=True)
def _services_running(request):
    """Every service a test uses is up and answering when it starts (an earlier test may have
    failed with one stopped or frozen), the fake has nothing left queued, and a failure report
    carries each service's output."""
    diagnostics = request.node.stash.setdefault(_DIAGNOSTICS, [])
    names = request.fixturenames
    if "private_redis" in names or "pam" in names:
        redis = request.getfixturevalue("private_redis")
        if redis.is_blocked:
            redis.unblock()
        if redis.process is None:
            redis.start()
        diagnostics.append(("private Redis log", redis.output))
    if "private_postgres" in names or "pam" in names:
        postgres = request.getfixturevalue("private_postgres")
        if not postgres.is_running:
            postgres.start()
        diagnostics.append(("private PostgreSQL log", postgres.output))
    if "fake_llm" in names:
        fake = request.getfixturevalue("fake_llm")
        with fake._lock:
            fake.scripts.clear()
        for event in (fake.release, fake.stalled, fake.disconnected):
            event.clear()
    if "pam" in names:
        diagnostics.append(("daphne output", request.getfixturevalue("pam").output))
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        for label, output in item.stash.get(_DIAGNOSTICS, []):
            report.sections.append((label, output()))
    return report


@pytest.fixture
def user_id(private_postgres) -> int:
    """A new user's id: no turn, limit or conversation of an earlier test is theirs."""
    return private_postgres.create_user(f"rver{next(_user_numbers)}")


@pytest.fixture
async def open_chat(pam):
    """``await open_chat(user_id)``: a signed-in program socket to the module's server; every
    one is closed at teardown (so no turn of this test runs on into the next)."""
    opened = []

    async def open_one(user: int) -> ChatClient:
        client = await ChatClient.open(pam.ws_url, user)
        opened.append(client)
        return client

    yield open_one
    for client in opened:
        await client.close()
