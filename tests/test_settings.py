"""Settings helpers: a bad value stops start-up with a message naming the variable."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from pam_project.settings import env_bool, env_float, env_int, env_list


class TestEnvironmentHelpers:
    def test_booleans_accept_the_usual_spellings(self, monkeypatch):
        for value, expected in (("1", True), ("yes", True), ("On", True), ("0", False), ("false", False), ("", False)):
            monkeypatch.setenv("PAM_FLAG", value)
            assert env_bool("PAM_FLAG", not expected) is expected

    def test_a_bad_value_names_the_variable(self, monkeypatch):
        monkeypatch.setenv("PAM_FLAG", "maybe")
        with pytest.raises(ImproperlyConfigured, match="PAM_FLAG"):
            env_bool("PAM_FLAG", False)
        monkeypatch.setenv("PAM_COUNT", "ten")
        with pytest.raises(ImproperlyConfigured, match="PAM_COUNT"):
            env_int("PAM_COUNT", 1)
        with pytest.raises(ImproperlyConfigured, match="PAM_COUNT"):
            env_float("PAM_COUNT", 1.0)

    def test_lists_drop_blank_items(self, monkeypatch):
        monkeypatch.setenv("PAM_HOSTS", " a.example, ,b.example ")
        assert env_list("PAM_HOSTS") == ["a.example", "b.example"]


def start_django(code="import pam_project.asgi", **env):
    """Start PAM's ASGI application (as daphne does) in a fresh process with only ``env``."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PAM_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "pam_project.settings", **env},
        capture_output=True, text=True, timeout=60,
    )


class TestStartup:
    def test_production_without_a_secret_key_fails_naming_it(self):
        result = start_django(DJANGO_DEBUG="0")
        assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr

    def test_a_malformed_database_url_fails_naming_it(self):
        result = start_django(DJANGO_DEBUG="1", DATABASE_URL="mysqlish://??")
        assert result.returncode != 0 and "DATABASE_URL" in result.stderr

    def test_management_commands_that_sign_nothing_run_without_a_secret_key(self):
        result = start_django("import django; django.setup(); from django.core.management import call_command; "
                              "call_command('makemigrations', '--check', '--dry-run')", DJANGO_DEBUG="0")
        assert result.returncode == 0, result.stderr

    def test_it_starts_with_a_secret_key(self):
        result = start_django(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
        assert result.returncode == 0, result.stderr
