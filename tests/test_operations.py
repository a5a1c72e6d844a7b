"""Operations (issue 7): /metrics for staff or a token, what a real chat turn records there, the
request and turn ids on JSON log lines, the health endpoints against the real services (and a
closed port), and warm_context_cache's progress and summary."""

import io
import json
import os
import re
import socket

import pytest
from django.core.management import call_command
from django.test import AsyncClient, override_settings
from prometheus_client.parser import text_string_to_metric_families

from tests.assistant.chat_helpers import chat_turn, of_type
from tests.conftest import make_user
from tests.fakes.anthropic_server import http_error, text_reply, tool_use_reply
from tests.test_settings import start_django

METRICS_TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def staff(django_user_model):
    user = make_user(django_user_model, "olive")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def console_lines():
    """The JSON objects the configured console handler writes (its stream swapped for a buffer)."""
    import logging

    [handler] = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


def samples_of(text: str) -> dict:
    """``{(sample name, ((label, value), ...)): value}`` from a Prometheus exposition."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
class TestMetricsAccess:
    def test_nobody_gets_a_401_asking_for_the_token_not_a_sign_in_redirect(self, client):
        response = client.get("/metrics")
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"pam_" not in response.content

    def test_a_signed_in_user_who_is_not_staff_is_refused(self, client, bob):
        client.force_login(bob)
        response = client.get("/metrics")
        assert response.status_code == 403 and b"pam_" not in response.content

    def test_staff_read_the_metrics(self, client, staff):
        client.force_login(staff)
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=0.0.4")
        samples = samples_of(response.content.decode())
        assert ("pam_turns_total", (("status", "complete"),)) in samples
        assert ("pam_alerts_raised_total", (("category", "fuel"), ("severity", "urgent"))) in samples

    def test_the_token_reads_them_and_a_wrong_one_does_not(self, client, settings):
        settings.PAM_METRICS_TOKEN = METRICS_TOKEN
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").status_code == 200
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}x").status_code == 401
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {METRICS_TOKEN}").status_code == 401

    def test_with_no_token_configured_no_bearer_is_accepted(self, client, settings):
        settings.PAM_METRICS_TOKEN = ""
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer").status_code == 401


@pytest.mark.django_db(transaction=True)
class TestAChatTurnIsMeasured:
    async def test_turns_tools_providers_context_sockets_and_statements_move(
        self, socket_for, alice, fake_anthropic, settings, console_lines
    ):
        settings.PAM_METRICS_TOKEN = METRICS_TOKEN

        async def scrape() -> dict:
            response = await AsyncClient().get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            assert response.status_code == 200
            return samples_of(response.content.decode())

        before = await scrape()
        socket = await socket_for(alice)
        fake_anthropic.push(tool_use_reply("list_expenses", {}), text_reply("Here they are."),
                            http_error(401, "authentication_error", "invalid x-api-key"))
        frames, final = await chat_turn(socket, "what did I spend?")
        assert final["type"] == "chat_response" and of_type(frames, "tool_call")[0]["status"] == "ok"
        # The next turn's Anthropic request is refused: PAM fails over to its local provider.
        _, failed_over = await chat_turn(socket, "hi")
        assert failed_over["type"] == "chat_response" and failed_over["source"] == "local"
        during = await scrape()
        await socket.disconnect()
        after = await scrape()

        def moved(name, **labels):
            return value(during, name, **labels) - value(before, name, **labels)

        assert moved("pam_turns_total", status="complete") == 2
        assert moved("pam_turn_duration_seconds_count") == 2
        assert moved("pam_tool_calls_total", tool="list_expenses", outcome="ok") == 1
        assert moved("pam_provider_request_duration_seconds_count", provider="anthropic") == 3
        assert moved("pam_provider_errors_total", provider="anthropic") == 1
        assert moved("pam_provider_request_duration_seconds_count", provider="local") == 1
        for part in ("profile", "financial", "travel"):  # built on connecting, then read from the cache
            assert moved("pam_context_cache_lookups_total", part=part, result="miss") >= 1
            assert moved("pam_context_cache_lookups_total", part=part, result="hit") >= 2
        assert moved("pam_context_load_duration_seconds_count", result="hit") >= 2
        assert moved("pam_context_load_duration_seconds_count", result="miss") >= 1
        assert moved("pam_db_statements_total") > 0
        assert moved("pam_open_sockets") == 1
        assert value(after, "pam_open_sockets") == value(before, "pam_open_sockets")

        # The failed-over turn's warning carries the turn's id (the client's message_id).
        [warning] = [line for line in console_lines() if line["message"].startswith("provider anthropic failed")]
        assert warning["request_id"] == failed_over["message_id"] and warning["level"] == "WARNING"


@pytest.mark.django_db
class TestRequestIds:
    def test_a_sane_incoming_id_is_echoed_and_on_the_requests_log_line(self, client, console_lines):
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a.42")
        assert response.status_code == 404 and response["X-Request-ID"] == "lb-7f3a.42"
        [line] = [line for line in console_lines() if line["logger"] == "django.request"]
        assert line["message"] == "Not Found: /no-such-page/" and line["request_id"] == "lb-7f3a.42"
        assert {"level", "timestamp"} <= set(line)

    def test_an_odd_incoming_id_is_replaced(self, client):
        response = client.get("/health/", HTTP_X_REQUEST_ID='x" forged=1 {')
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
        assert client.get("/health/")["X-Request-ID"] != response["X-Request-ID"]

    def test_text_logs_stay_available_for_a_terminal(self):
        script = ("import django, logging; django.setup()\n"
                  "from pam_project.observability import set_request_id\n"
                  "set_request_id('turn-1'); logging.getLogger('pam.ops').warning('mail %s', 'a@b.example')\n")
        result = start_django(script, PAM_LOG_FORMAT="text")
        assert result.returncode == 0, result.stderr
        assert re.search(r"WARNING pam\.ops \[turn-1\] mail \[email\]$", result.stderr.strip()), result.stderr

    def test_an_unknown_log_format_stops_start_up_naming_it(self):
        result = start_django(PAM_LOG_FORMAT="xml", DJANGO_DEBUG="1")
        assert result.returncode != 0 and "PAM_LOG_FORMAT" in result.stderr


class TestHealth:
    def test_liveness_answers_without_the_database(self, client):
        # No django_db mark: pytest-django refuses any database access in this test.
        response = client.get("/health/")
        assert response.status_code == 200 and response.json() == {"status": "ok"}

    @pytest.mark.django_db
    def test_ready_with_postgresql_redis_and_the_broker_up(self, client):
        response = client.get("/health/ready/")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok" and set(body["checks"]) == {"database", "redis", "broker"}
        for check in body["checks"].values():
            assert check["status"] == "ok" and check["ms"] >= 0

    @pytest.mark.django_db
    @pytest.mark.parametrize("broken", ["redis", "broker"])
    def test_a_service_on_a_closed_port_makes_it_unready_and_is_named(self, client, settings, broken):
        url = f"redis://:hunter2-secret@127.0.0.1:{closed_port()}/0"
        if broken == "redis":
            settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
        else:
            settings.CELERY_BROKER_URL = url
        response = client.get("/health/ready/")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable" and body["failing"] == [broken]
        assert body["checks"][broken]["status"] == "down"
        assert body["checks"]["database"]["status"] == "ok"
        assert "hunter2" not in response.content.decode() and "redis://" not in response.content.decode()

    @pytest.mark.django_db
    def test_without_redis_its_checks_are_not_configured_rather_than_failing(self, client):
        local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        with override_settings(CACHES=local, CELERY_BROKER_URL="memory://"):
            response = client.get("/health/ready/")
        assert response.status_code == 200
        checks = response.json()["checks"]
        assert checks["redis"] == {"status": "not configured"} and checks["broker"] == {"status": "not configured"}
        assert checks["database"]["status"] == "ok"


@pytest.mark.django_db
class TestWarmContextCache:
    def test_it_prints_a_summary_and_no_bar_when_not_on_a_terminal(self, alice, bob):
        out = io.StringIO()
        call_command("warm_context_cache", stdout=out)
        assert re.fullmatch(r"Warmed the context cache for 2 user\(s\) \(6 parts: profile, financial, travel\) "
                            r"in \d+\.\d\d s; 0 failed\.\n", out.getvalue())

    def test_on_a_terminal_it_shows_a_progress_bar(self, alice, bob):
        import pty

        main, terminal = pty.openpty()
        with open(terminal, "w", closefd=True) as tty:
            call_command("warm_context_cache", stdout=tty)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal side is closed: all read
                break
            if not chunk:
                break
            shown += chunk
        os.close(main)
        text = shown.decode()
        assert "Warming: 100%" in text and "2/2" in text
        assert "Warmed the context cache for 2 user(s)" in text
