"""Secrets and personal data masked in log output (issue 6: "Secrets and personal data (card
numbers, emails, phone numbers) are masked in logs").

``MaskSecretsFilter`` sits on every handler in settings.LOGGING and on the Celery worker's own
handlers (pam_project/celery.py). Before a record is formatted it rewrites the message (with its
arguments merged in), the exception text and the stack text. What is masked, and as what:

    a password in a URL          postgres://pam:[redacted]@db/pam
    a named credential           password=, secret=, token=, api_key=, authorization:, sessionid=,
                                 csrftoken= (also "name": "value")  → name=[redacted]
    bearer or basic credentials  Bearer [redacted]
    JWTs                         eyJ….….… (three base64url parts)  → [jwt]
    Anthropic API keys           sk-ant-…  → [api key]
    configured secrets           the values of settings.SECRET_KEY (DJANGO_SECRET_KEY),
                                 ANTHROPIC_API_KEY, PAM_METRICS_TOKEN and the database
                                 password → [secret]
    email addresses              [email]
    card numbers                 13 to 19 digits, spaces or dashes between, Luhn-valid
                                 → [card …1111] (the last four, as on a receipt; PCI DSS 3.4)
    phone numbers                valid numbers found by phonenumbers (Google's libphonenumber
                                 rules); without a +country code read as US numbers → [phone]

Query strings in URLs are percent-decoded first, so what they carry ("q=4111+1111+…",
"alice%40example.com") is masked too. No well-kept library redacts stdlib logging records (the
PyPI redactors are unmaintained or bring NLP models), so the rules are these few expressions;
phone numbers use ``phonenumbers``, whose per-country rules no regex matches.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

import phonenumbers

PHONE_REGION = "US"  # how a number without a +country code is read (PAM's users are in North America)
MIN_SECRET_LENGTH = 8  # a shorter configured "secret" would mask ordinary words

_URL_QUERY = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s?#'\"]*\?)(?P<query>[^\s#'\"]+)", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]*:)[^\s/@'\"]+@", re.IGNORECASE)
_NAMED_CREDENTIAL = re.compile(
    r"(?P<head>[\w-]*(?:password|passwd|secret|secret[_-]?key|token|api[_-]?key|authorization|sessionid|csrftoken)"
    r"[\"']?\s*[:=]\s*[\"']?)(?!\[)(?:(?:bearer|basic|token)\s+)?[^\s\"',;&)}\]]+",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(r"\b(?P<head>bearer|basic)\s+(?!\[)[\w.~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+")
_ANTHROPIC_KEY = re.compile(r"\bsk-ant-[\w-]+")
_EMAIL = re.compile(r"[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}", re.IGNORECASE)
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_DIGIT = re.compile(r"\d")


def luhn_ok(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (ISO/IEC 7812-1), as card numbers do."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return f"[card …{digits[-4:]}]" if luhn_ok(digits) else match.group()


def _phones(text: str) -> str:
    if len(_DIGIT.findall(text)) < 7:  # no phone number is shorter; skip the matcher
        return text
    spans = [(match.start, match.end) for match in phonenumbers.PhoneNumberMatcher(text, PHONE_REGION)]
    for start, end in reversed(spans):
        text = f"{text[:start]}[phone]{text[end:]}"
    return text


def configured_secrets() -> list[str]:
    """The secret values of this deployment's settings that must never be logged as they are."""
    from django.conf import settings

    if not settings.configured:
        return []
    values = [getattr(settings, "SECRET_KEY", ""), getattr(settings, "ANTHROPIC_API_KEY", ""),
              getattr(settings, "PAM_METRICS_TOKEN", "")]
    values += [database.get("PASSWORD") or "" for database in getattr(settings, "DATABASES", {}).values()]
    return [value for value in values if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH]


def mask(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """``text`` with every secret and piece of personal data in the module's table replaced by
    its mask; ``secrets`` are literal values to mask as well. Masking twice changes nothing."""
    text = _URL_QUERY.sub(lambda m: m.group("head") + unquote_plus(m.group("query")), text)
    text = _URL_PASSWORD.sub(r"\g<head>[redacted]@", text)
    text = _JWT.sub("[jwt]", text)
    text = _ANTHROPIC_KEY.sub("[api key]", text)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "[secret]")
    text = _NAMED_CREDENTIAL.sub(r"\g<head>[redacted]", text)
    text = _AUTH_SCHEME.sub(r"\g<head> [redacted]", text)
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub(_card, text)
    return _phones(text)


class MaskSecretsFilter(logging.Filter):
    """A handler filter that masks the record's text (``mask``) and never drops a record.

    The message's arguments are merged into it first (a card number is usually an argument), so
    the record leaves with ``args=None``; the exception text is rendered here and masked, and
    formatters use it as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = configured_secrets()
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it; mask what it will print
            record.msg = mask(str(record.msg), secrets)
            if isinstance(record.args, tuple):
                record.args = tuple(mask(arg, secrets) if isinstance(arg, str) else arg for arg in record.args)
            return True
        record.msg, record.args = mask(message, secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = mask(record.stack_info, secrets)
        return True


def mask_handlers(logger: logging.Logger) -> None:
    """Put a ``MaskSecretsFilter`` on each of ``logger``'s handlers that lacks one (for handlers
    made outside settings.LOGGING, like the Celery worker's)."""
    for handler in logger.handlers:
        if not any(isinstance(existing, MaskSecretsFilter) for existing in handler.filters):
            handler.addFilter(MaskSecretsFilter())
