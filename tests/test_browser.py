"""End to end: a real daphne process serving PAM (DEBUG off, manifest static files, the test
PostgreSQL database and Redis), driven by Debian's Chromium through Playwright.

Chromium comes from Debian (`make browser`), never from `playwright install`. On failure a
screenshot is saved to test-artifacts/ and daphne's output is part of the assertion message;
set PAM_TEST_SCREENSHOTS=1 to keep a screenshot of the passing run as well.
"""

import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.async_api import async_playwright, expect

from finance.models import Expense

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


def _server_env() -> dict:
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql", "the browser test needs PostgreSQL"
    env = dict(os.environ)
    env.update({
        # The test database pytest-django made, so the server sees what the test commits.
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "browser-test-secret-key-0123456789-abcdefghij",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ANTHROPIC_API_KEY": "",
        "DJANGO_SETTINGS_MODULE": "pam_project.settings",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _output(log) -> str:
    log.flush()
    return Path(log.name).read_text(errors="replace")[-8000:]


@pytest.fixture(scope="session")
def collected_static():
    """Run collectstatic once, as a deployment would: with DEBUG off, whitenoise serves the
    manifest storage's hashed files. STATIC_ROOT is not configurable from the environment,
    so this collects into the default, git-ignored staticfiles/."""
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT, env={**os.environ, "DJANGO_DEBUG": "0"}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, f"collectstatic failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture
def live_pam(transactional_db, collected_static):
    """A daphne process serving PAM on a free port; yields ``(base_url, output)`` where
    ``output()`` is daphne's output so far. Stopped before the database is flushed."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="pam-daphne-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "pam_project.asgi:application"],
        cwd=ROOT, env=_server_env(), stdout=log, stderr=subprocess.STDOUT,
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
    """A fresh Chromium page (Debian's build), in America/Denver like alice."""
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


@database_sync_to_async
def expenses_of(user):
    return list(Expense.objects.filter(user=user).values("amount", "category", "date"))


def denver_yesterday():
    return timezone.now().astimezone(DENVER).date() - datetime.timedelta(days=1)


class TestChatInTheBrowser:
    async def test_alice_logs_an_expense_by_chatting_and_finds_it_again_after_a_reload(
        self, live_pam, browser_page, alice
    ):
        base_url, server_output = live_pam
        page = browser_page
        frames = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
        page_errors = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))

        try:
            # Not logged in: the chat sends her to the login page, then back to the chat.
            await page.goto(f"{base_url}/")
            await expect(page).to_have_url(f"{base_url}/accounts/login/?next=/")
            await page.fill("#id_username", "alice")
            await page.fill("#id_password", "alice-password-123")
            await page.get_by_role("button", name="Log in").click()
            await expect(page).to_have_url(f"{base_url}/")
            await page.wait_for_selector('body[data-pam-ready="1"]')
            await expect(page.locator("#connection-status")).to_have_text("Connected")
            await expect(page.locator("#welcome")).to_be_visible()

            yesterday_before = denver_yesterday()
            await page.fill("#composer", "I spent $45.20 on groceries yesterday")
            await page.press("#composer", "Enter")

            user_bubble = page.locator('article.msg[data-role="user"]')
            await expect(user_bubble).to_have_count(1)
            await expect(user_bubble.locator(".msg__text")).to_have_text("I spent $45.20 on groceries yesterday")
            reply = page.locator('article.msg[data-role="assistant"][data-status="complete"]')
            await expect(reply).to_have_count(1)
            yesterday_after = denver_yesterday()

            await expect(reply.locator(".msg__text")).to_contain_text("Logged $45.20 for groceries")
            card = reply.locator('li.tool-card[data-tool="log_expense"][data-status="ok"]')
            await expect(card).to_be_visible()
            await expect(card).to_contain_text("$45.20")
            await expect(card).to_contain_text("groceries")
            await expect(page.locator("#composer")).to_have_value("")
            await expect(page.locator("#stop")).to_be_hidden()
            await expect(page.locator("#welcome")).to_have_count(0)

            # The reply streamed in: several deltas, all before the final frame, adding up to it.
            messages = [json.loads(f) for f in frames if isinstance(f, str)]
            types = [m["type"] for m in messages]
            assert "chat_response" in types, types
            end = types.index("chat_response")
            final = messages[end]
            deltas = [m["delta"] for m in messages[:end] if m["type"] == "chat_response_delta"]
            assert len(deltas) > 1, types
            assert "".join(deltas) == final["message"]
            assert final["status"] == "complete" and final["source"] == "local"

            # The expense is really in her books, dated yesterday in her own timezone.
            expenses = await expenses_of(alice)
            assert len(expenses) == 1, expenses
            assert expenses[0]["amount"] == Decimal("45.20")
            assert expenses[0]["category"] == "groceries"
            assert expenses[0]["date"] in {yesterday_before, yesterday_after}

            # The address now names the conversation, and a reload brings the history back.
            conversation_id = final["conversation_id"]
            await expect(page).to_have_url(f"{base_url}/?c={conversation_id}")
            await expect(page.locator(f'#conversation-list a[data-conversation="{conversation_id}"]')).to_have_count(1)
            if os.environ.get("PAM_TEST_SCREENSHOTS"):
                ARTIFACTS.mkdir(exist_ok=True)
                await page.screenshot(path=str(ARTIFACTS / "browser-chat-after-reply.png"), full_page=True)

            await page.reload()
            await page.wait_for_selector('body[data-pam-ready="1"]')
            bubbles = page.locator("article.msg")
            await expect(bubbles).to_have_count(2)
            await expect(bubbles.nth(0)).to_have_attribute("data-role", "user")
            await expect(bubbles.nth(0).locator(".msg__text")).to_have_text("I spent $45.20 on groceries yesterday")
            await expect(bubbles.nth(1)).to_have_attribute("data-role", "assistant")
            await expect(bubbles.nth(1)).to_have_attribute("data-status", "complete")
            await expect(bubbles.nth(1).locator(".msg__text")).to_have_text(final["message"])
            saved_card = bubbles.nth(1).locator('li.tool-card[data-tool="log_expense"][data-status="ok"]')
            await expect(saved_card).to_contain_text("$45.20")
            await expect(page.locator("#welcome")).to_have_count(0)
            assert page_errors == []
            if os.environ.get("PAM_TEST_SCREENSHOTS"):
                await page.screenshot(path=str(ARTIFACTS / "browser-chat-after-reload.png"), full_page=True)
        except Exception as exc:
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "browser-chat-failure.png"
            try:
                await page.screenshot(path=str(shot), full_page=True)
            except Exception as shot_error:  # the page may be gone; the server output matters more
                shot = f"(no screenshot: {shot_error})"
            raise AssertionError(
                f"{exc}\n\nScreenshot: {shot}\nPage errors: {page_errors}\n"
                f"WebSocket frames: {frames[-20:]}\n\ndaphne output:\n{server_output()}"
            ) from exc
