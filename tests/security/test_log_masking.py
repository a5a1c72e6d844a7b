"""Secrets and personal data are masked in logs (issue 6): card numbers, emails, phone numbers,
JWTs, bearer credentials, Anthropic keys and DJANGO_SECRET_KEY never reach the log output, in the
message, its arguments or an exception's traceback. Logged through the handlers that
settings.LOGGING configured (the console handler's stream captured), the Celery worker's own
handlers, and a real chat turn whose tool fails and logs."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from django.conf import settings

from pam_project.log_masking import MaskSecretsFilter, luhn_ok
from tests.assistant.chat_helpers import chat_turn, of_type
from tests.fakes.anthropic_server import text_reply, tool_use_reply
from tests.fakes.http_service import Reply

ROOT = Path(__file__).resolve().parents[2]
CARD = "4111 1111 1111 1111"  # Visa's test number: Luhn-valid
EMAIL = "alice.rv+koa@example.com"
PHONE = "(303) 555-0142"
ANTHROPIC_KEY = "sk-ant-api03-Zx9_fake-Key-0123456789abcdef"
TOKEN = jwt.encode({"user_id": 42, "token_type": "access"}, "not-the-real-signing-key-0123456789abcdef",
                   algorithm="HS256")
log = logging.getLogger("pam.security.test")


@pytest.fixture
def console():
    """The console handler settings.LOGGING made, with its filters and formatter."""
    [handler] = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    return handler


@pytest.fixture
def log_output(console):
    """The text the configured console handler writes (only its stream is swapped for a buffer)."""
    stream = io.StringIO()
    previous = console.setStream(stream)
    yield stream
    console.setStream(previous)


class TestEveryHandlerMasks:
    def test_every_handler_in_the_settings_has_the_mask_filter(self):
        assert settings.LOGGING["handlers"]
        for name, handler in settings.LOGGING["handlers"].items():
            assert "mask_secrets" in handler.get("filters", []), f"handler {name!r} would log secrets unmasked"

    def test_every_handler_that_writes_anywhere_has_it_once_configured(self):
        loggers = [logging.getLogger(), *(logger for logger in logging.Logger.manager.loggerDict.values()
                                          if isinstance(logger, logging.Logger))]
        writing = [(logger.name, handler) for logger in loggers for handler in logger.handlers
                   if not isinstance(handler, logging.NullHandler)
                   and not type(handler).__module__.startswith("_pytest")]  # pytest's own capture
        assert writing, "the root logger writes to the console"
        for name, handler in writing:
            assert any(isinstance(f, MaskSecretsFilter) for f in handler.filters), f"{name}: {handler!r}"


class TestWhatIsMasked:
    @pytest.mark.parametrize(("secret", "mask"), [
        (CARD, "[card …1111]"),
        ("4111-1111-1111-1111", "[card …1111]"),
        ("5500005555555559", "[card …5559]"),
        ("378282246310005", "[card …0005]"),  # 15-digit Amex
        (EMAIL, "[email]"),
        (PHONE, "[phone]"),
        ("+1 720-555-0199", "[phone]"),
        ("+44 20 7946 0958", "[phone]"),
        (TOKEN, "[jwt]"),
        (ANTHROPIC_KEY, "[api key]"),
    ])
    def test_a_secret_in_the_arguments_is_masked(self, log_output, secret, mask):
        log.warning("user said %r while paying", f"use {secret} please")
        output = log_output.getvalue()
        assert mask in output and secret not in output
        record = json.loads(output.splitlines()[-1])  # the console writes one JSON object a line
        assert (record["level"], record["logger"]) == ("WARNING", "pam.security.test")
        assert record["message"].startswith("user said 'use "), "the rest of the line is kept"

    def test_credentials_in_headers_urls_and_the_django_secret_key_are_masked(self, log_output):
        log.error("request headers %s", {"Authorization": "Bearer abc.def-123", "x-api-key": "k-123456789"})
        log.error("retrying with Basic dXNlcjpwYXNz and token=raw-token-value")
        log.error("connecting to postgres://pam:hunter2-pw@db.internal:5432/pam")
        log.error("signing with %s", settings.SECRET_KEY)
        log.error("auth frame %s", {"type": "auth", "token": TOKEN})
        output = log_output.getvalue()
        for secret in ("abc.def-123", "k-123456789", "dXNlcjpwYXNz", "raw-token-value", "hunter2-pw",
                       settings.SECRET_KEY, TOKEN):
            assert secret not in output
        assert "'Authorization': '[redacted]'" in output and "'x-api-key': '[redacted]'" in output
        assert "Basic [redacted]" in output and "token=[redacted]" in output
        assert "postgres://pam:[redacted]@db.internal:5432/pam" in output
        assert "signing with [secret]" in output
        assert "'token': '[jwt]'" in output

    def test_a_url_encoded_query_is_masked_too(self, log_output):
        log.warning("GET http://geo.test/search?q=4111+1111+1111+1111&email=alice%40example.com&format=jsonv2")
        output = log_output.getvalue()
        assert "4111+1111" not in output and "alice%40example.com" not in output
        assert "q=[card …1111]&email=[email]&format=jsonv2" in output

    def test_an_exceptions_traceback_is_masked(self, log_output):
        try:
            raise ValueError(f"card {CARD} declined for {EMAIL}")
        except ValueError:
            log.exception("payment for %s failed", PHONE)
        output = log_output.getvalue()
        assert CARD not in output and EMAIL not in output and PHONE not in output
        assert "payment for [phone] failed" in output
        assert "Traceback (most recent call last)" in output
        assert "ValueError: card [card …1111] declined for [email]" in output

    def test_ordinary_numbers_dates_and_ids_are_left_alone(self, log_output):
        not_card = "4111 1111 1111 1112"
        assert not luhn_ok(not_card.replace(" ", ""))
        log.info("expense 1234 of $45.20 on 2026-11-21 at 39.7392,-104.9903; order %s; id 1763751600; "
                 "uuid 0f8fa0e2-1234-4567-8910-111213141516; usage {'input_tokens': 120}", not_card)
        output = log_output.getvalue()
        for kept in ("expense 1234 of $45.20 on 2026-11-21 at 39.7392,-104.9903", not_card, "1763751600",
                     "0f8fa0e2-1234-4567-8910-111213141516", "{'input_tokens': 120}"):
            assert kept in output

    def test_a_message_with_a_broken_format_string_is_still_masked(self, console, log_output, capsys):
        # One argument short: logging prints its own error report, with the message and arguments.
        console.handle(log.makeRecord(log.name, logging.WARNING, __file__, 1, "card %s and %s", (CARD,), None))
        report = capsys.readouterr().err
        assert "--- Logging error ---" in report and "Arguments: ('[card …1111]',)" in report
        assert CARD not in report + log_output.getvalue()


class TestTheCeleryWorker:
    def test_the_workers_own_handlers_mask_too(self):
        """A Celery worker replaces the root logger's handlers with its own; those mask too."""
        script = (
            "import django, logging; django.setup()\n"
            "from pam_project.celery import app\n"
            "from celery.utils.log import get_task_logger\n"
            "app.log.setup(loglevel='INFO', colorize=False)\n"
            f"logging.getLogger('assistant.monitors').warning('card %s', {CARD!r})\n"
            f"get_task_logger('assistant.tasks').warning('mail %s', {EMAIL!r})\n"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pam_project.settings"}
        result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=60)
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        assert "card [card …1111]" in output and "mail [email]" in output
        assert CARD not in output and EMAIL not in output


@pytest.mark.django_db(transaction=True)
class TestAChatTurn:
    async def test_a_card_number_in_a_tool_call_that_fails_is_masked_in_the_log(
        self, socket_for, alice, fake_anthropic, fake_open_meteo, settings, log_output
    ):
        from tests.fakes.nominatim_server import FakeNominatim

        geocoder = FakeNominatim().start()
        settings.PAM_GEOCODER_URL, settings.PAM_GEOCODER_TIMEOUT = geocoder.url, 2.0
        geocoder.scripts.append(Reply(500, {"error": "internal"}))
        place = f"Moab {CARD}"
        message = f"what's the weather in {place}? my card is {CARD}, call {PHONE} or mail {EMAIL}"
        fake_anthropic.push(tool_use_reply("get_weather_forecast", {"place": place}),
                            text_reply("I couldn't find that place."))
        try:
            socket = await socket_for(alice)
            frames, final = await chat_turn(socket, message)
        finally:
            geocoder.stop()

        [tool_call] = of_type(frames, "tool_call")
        assert tool_call["tool"] == "get_weather_forecast" and final["type"] == "chat_response"
        assert geocoder.requests and geocoder.requests[0].query["q"] == place, "the geocoder was asked and failed"
        output = log_output.getvalue()
        assert "Online geocoder" in output and "failed for 'Moab [card …1111]'" in output
        for secret in (CARD, CARD.replace(" ", "+"), CARD.replace(" ", "%20"), PHONE, EMAIL):
            assert secret not in output
