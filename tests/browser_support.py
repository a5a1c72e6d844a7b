"""What the browser tests share: a real daphne process serving PAM (DEBUG off, manifest static
files, the test PostgreSQL database and Redis), Debian's Chromium driven by Playwright, logging in,
and a failure report with a screenshot in test-artifacts/ and daphne's output.

Chromium comes from Debian (`make browser`), never from `playwright install`. Set
PAM_TEST_SCREENSHOTS=1 to keep screenshots of passing runs as well (see ``keep_screenshot``).

tests/conftest.py loads this module as a plugin, so its fixtures (``live_pam``, ``browser_page``)
are there for every test; import the helpers.
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.async_api import async_playwright, expect

from tests.conftest import app_role_database_url

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 15_000
DENVER = zoneinfo.ZoneInfo("America/Denver")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(static_root) -> dict:
    db = connection.settings_dict
    assert db["ENGINE"] == "pam_project.db", "the browser test needs PostgreSQL"
    env = dict(os.environ)
    env.update({
        # The test database pytest-django made, so the server sees what the test commits, as
        # the application's role, held to row level security like in production.
        "DATABASE_URL": app_role_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "browser-test-secret-key-0123456789-abcdefghij",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ANTHROPIC_API_KEY": "",
        "DJANGO_SETTINGS_MODULE": "pam_project.settings",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_STATIC_ROOT": str(static_root),
    })
    return env


def _output(log) -> str:
    log.flush()
    return Path(log.name).read_text(errors="replace")[-8000:]


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Run collectstatic once, as a deployment would (with DEBUG off, whitenoise serves the
    manifest storage's hashed files), into this run's own folder (DJANGO_STATIC_ROOT), so runs
    side by side never rewrite each other's files. Returns that folder."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT, env={**os.environ, "DJANGO_DEBUG": "0", "DJANGO_STATIC_ROOT": str(static_root)},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, f"collectstatic failed:\n{result.stdout}\n{result.stderr}"
    return static_root


@pytest.fixture
def live_pam(transactional_db, collected_static):
    """A daphne process serving PAM on a free port; yields ``(base_url, output)`` where
    ``output()`` is daphne's output so far. Stopped before the database is flushed."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="pam-daphne-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "pam_project.asgi:application"],
        cwd=ROOT, env=_server_env(collected_static), stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                pytest.fail(f"daphne exited with {process.returncode}:\n{_output(log)}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"daphne did not accept connections on port {port} within 15 s:\n{_output(log)}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", lambda: _output(log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
        os.unlink(log.name)


@pytest.fixture
async def browser_page():
    """A fresh Chromium page (Debian's build), in America/Denver like alice. Open more pages of
    the same browser context (same cookies) with ``page.context.new_page()``."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(timezone_id="America/Denver", locale="en-US",
                                                viewport={"width": 1280, "height": 800})
            page = await context.new_page()
            page.set_default_timeout(WAIT_MS)
            expect.set_options(timeout=WAIT_MS)
            yield page
            await context.close()
        finally:
            await browser.close()


async def log_in(page, base_url: str, path: str, username: str, password: str) -> None:
    """Open ``path`` logged out: the page sends the browser to the login form, which, filled
    in, sends it back to ``path``."""
    await page.goto(f"{base_url}{path}")
    await expect(page).to_have_url(f"{base_url}/accounts/login/?next={path}")
    await page.fill("#id_username", username)
    await page.fill("#id_password", password)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{base_url}{path}")


async def open_chat(page, base_url: str, username: str) -> None:
    """Log in as ``username`` (the fixtures' password, "<username>-password-123") through the
    chat page and wait until it is ready and its socket connected."""
    await log_in(page, base_url, "/", username, f"{username}-password-123")
    await page.wait_for_selector('body[data-pam-ready="1"]')
    await expect(page.locator("#connection-status")).to_have_text("Connected")


async def keep_screenshot(page, name: str) -> None:
    """With PAM_TEST_SCREENSHOTS set, save a full-page screenshot as test-artifacts/<name>.png."""
    if os.environ.get("PAM_TEST_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@contextlib.asynccontextmanager
async def failure_report(page, name: str, server_output, **details):
    """On any failure inside the block, save test-artifacts/<name>-failure.png and re-raise as
    an AssertionError that carries the screenshot's path, each of ``details`` (a value or a
    function returning one, read at failure time) and daphne's output."""
    try:
        yield
    except Exception as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"{name}-failure.png"
        try:
            await page.screenshot(path=str(shot), full_page=True)
        except Exception as shot_error:  # the page may be gone; the server output matters more
            shot = f"(no screenshot: {shot_error})"
        extra = "".join(f"\n{label}: {value() if callable(value) else value}" for label, value in details.items())
        raise AssertionError(f"{exc}\n\nScreenshot: {shot}{extra}\n\ndaphne output:\n{server_output()}") from exc
