"""Request and turn ids on every log line, and the log formats (issue 7: structured JSON logs).

``request_id`` is a context variable: ``RequestIdMiddleware`` sets it for each HTTP request (the
client's ``X-Request-ID`` when it is a sane token, else a new one, echoed on the response), the
chat consumer for each turn (the client's ``message_id``) and the Celery worker for each task (its
task id). ``RequestIdFilter`` copies it onto every record as ``request_id``.

Formats (settings.LOGGING, ``PAM_LOG_FORMAT``): ``json`` (the default), one JSON object a line
from python-json-logger::

    {"level": "INFO", "logger": "assistant.monitors", "message": "fuel monitor: 3 users, 1 alerts",
     "request_id": "5f0c…", "timestamp": "2026-11-21T18:04:05.123456+00:00"}

with ``exc_info`` for a traceback; and ``text`` for a terminal:
``2026-11-21 18:04:05,123 INFO assistant.monitors [5f0c…] fuel monitor: 3 users, 1 alerts``.
Both print what ``MaskSecretsFilter`` (pam_project/log_masking.py) left of the message and the
traceback; anything else a record carries (``extra=``) is masked here.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.utils.decorators import sync_and_async_middleware
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from pam_project.log_masking import configured_secrets, mask

REQUEST_ID_HEADER = "X-Request-ID"
#: An incoming id PAM keeps: letters, digits and ``-_.:``, 1 to 64 of them (a UUID, a proxy's
#: hex id); anything else is replaced, so a header cannot forge log lines or carry data.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("pam_request_id", default=None)


def new_request_id() -> str:
    """A fresh id: 32 hex digits (a random UUID)."""
    return uuid.uuid4().hex


def set_request_id(value: str | None) -> contextvars.Token:
    """Name the current request, turn or task in the log lines that follow in this context."""
    return request_id.set(value)


def incoming_request_id(value: str | None) -> str:
    """The client's ``X-Request-ID`` when it is a sane token (``SANE_REQUEST_ID``), else a new id."""
    if value and SANE_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


@sync_and_async_middleware
def RequestIdMiddleware(get_response):  # noqa: N802  (a middleware factory reads like a class)
    """First in MIDDLEWARE: gives each request its id and echoes it in the ``X-Request-ID``
    response header. The id is left set after the response: Django logs a 4xx/5xx response after
    the middlewares return, and those lines should carry it too. Each ASGI request runs in its own
    context, and the next request sets its own id first."""
    from asgiref.sync import iscoroutinefunction

    if iscoroutinefunction(get_response):

        async def middleware(request):
            request.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
            set_request_id(request.request_id)
            response = await get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            return response

    else:

        def middleware(request):
            request.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
            set_request_id(request.request_id)
            response = get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            return response

    return middleware


class RequestIdFilter(logging.Filter):
    """A handler filter that adds ``request_id`` (the current request's, turn's or task's id, or
    None) to every record; it never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request id] message`` (the id only when there is one), for people
    reading a terminal (``PAM_LOG_FORMAT=text``)."""

    def __init__(self, fmt: str | None = None, datefmt: str | None = None):
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s %(request_tag)s%(message)s", datefmt)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802  (logging's name)
        rid = getattr(record, "request_id", None)
        record.request_tag = f"[{rid}] " if rid else ""
        try:
            return super().formatMessage(record)
        finally:
            del record.request_tag  # not a field of the record for any other handler


class JsonFormatter(_JsonFormatter):
    """One JSON object a line: level, logger, message, request_id, timestamp (ISO 8601, UTC),
    exc_info when there is a traceback, and any ``extra=`` fields (masked). Non-ASCII stays as
    it is (UTF-8)."""

    FIELDS = ("levelname", "name", "message", "request_id")
    OWN_KEYS = frozenset({"level", "logger", "message", "request_id", "timestamp", "exc_info", "stack_info"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", list(self.FIELDS))
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_text:
            # python-json-logger renders exc_info anew, which would undo the masking that
            # MaskSecretsFilter applied to exc_text: print that text instead.
            exc_info, record.exc_info = record.exc_info, None
            try:
                return super().format(record)
            finally:
                record.exc_info = exc_info
        return super().format(record)

    def process_log_record(self, log_data: dict) -> dict:
        secrets = None
        for key, value in log_data.items():
            if key in self.OWN_KEYS or value is None or isinstance(value, bool | int | float):
                continue
            # Django's request logging passes the request object: its text has the URL and query.
            secrets = configured_secrets() if secrets is None else secrets
            log_data[key] = mask(value if isinstance(value, str) else str(value), secrets)
        return log_data


def log_formatter(name: str) -> logging.Formatter:
    """A new formatter for the format ``name`` ("json" or "text")."""
    return JsonFormatter() if name == "json" else TextFormatter()


def configure_worker_handlers(logger: logging.Logger) -> None:
    """Give the handlers a Celery worker made for ``logger`` PAM's log format
    (settings.PAM_LOG_FORMAT) and the request id filter (the masking filter is added by
    ``log_masking.mask_handlers``)."""
    from django.conf import settings

    for handler in logger.handlers:
        handler.setFormatter(log_formatter(settings.PAM_LOG_FORMAT))
        if not any(isinstance(existing, RequestIdFilter) for existing in handler.filters):
            handler.addFilter(RequestIdFilter())
