"""Endpoints for operators (issue 7, "Operations"; docs/operations.md, "Metrics and health").

    /metrics        Prometheus metrics (pam_project/metrics.py): staff signed in, or a scraper
                    sending "Authorization: Bearer <PAM_METRICS_TOKEN>"
    /health/        liveness: 200 while the process serves requests; no database, no sign-in
    /health/ready/  readiness: PostgreSQL, Redis and the Celery broker answer; no sign-in

The health answers name each check and how long it took, never a URL or an error's text (which
may hold a host or a password): the error goes to the log, masked.
"""

from __future__ import annotations

import hmac
import logging
import time

from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder

logger = logging.getLogger(__name__)

NOT_CONFIGURED = "not configured"


def _refusal(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def metrics_access(request) -> int:
    """Who may read /metrics: 200 for a request with the metrics token (``PAM_METRICS_TOKEN``,
    compared in constant time) or from a signed-in active staff user; 401 for a wrong token or
    nobody (never a redirect to the sign-in page, which a scraper cannot follow); 403 for a
    signed-in user who is not staff."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        token = settings.PAM_METRICS_TOKEN
        if token and hmac.compare_digest(given.strip().encode(), token.encode()):
            return 200
        return 401
    user = request.user
    if not user.is_authenticated:
        return 401
    return 200 if user.is_active and user.is_staff else 403


@never_cache
@require_GET
def metrics_view(request):
    """This process's metrics in the format the scraper's Accept header asks for (Prometheus text
    0.0.4 by default, OpenMetrics on request; prometheus_client's own negotiation)."""
    status = metrics_access(request)
    if status == 401:
        return _refusal(401, "Send the metrics token: Authorization: Bearer <PAM_METRICS_TOKEN>.")
    if status == 403:
        return _refusal(403, "Metrics are for staff.")
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(REGISTRY), content_type=content_type)


@never_cache
@require_GET
async def health(request):
    """Liveness: ``{"status": "ok"}``. Async and touching nothing, so it answers while the event
    loop runs even when the database or the sync thread is stuck."""
    return JsonResponse({"status": "ok"})


def check_database() -> str:
    """``SELECT 1`` on the default database through the app's own pool, waiting at most
    PAM_HEALTH_TIMEOUT seconds for a connection (the app's requests wait PAM_DB_POOL_TIMEOUT, 10 s:
    too long for a probe while PostgreSQL is down). Without a pool (SQLite), through the app's
    connection. Raises psycopg_pool.PoolTimeout or the database's error."""
    pool = getattr(connections["default"], "pool", None)
    if pool is None:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    with pool.connection(timeout=settings.PAM_HEALTH_TIMEOUT) as connection:
        connection.execute("SELECT 1").fetchone()
    return "ok"


def check_redis() -> str:
    """PING through the cache's Redis client (the cache's own short socket timeouts), or
    "not configured" when the cache is not Redis (no REDIS_URL)."""
    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        return NOT_CONFIGURED
    from django_redis import get_redis_connection

    get_redis_connection("default").ping()
    return "ok"


def check_broker() -> str:
    """One connection attempt to the Celery broker, waiting at most PAM_HEALTH_TIMEOUT seconds,
    or "not configured" for the in-memory broker (no REDIS_URL)."""
    from pam_project.celery import app

    url = settings.CELERY_BROKER_URL
    if not url or url.startswith("memory://"):
        return NOT_CONFIGURED
    timeout = settings.PAM_HEALTH_TIMEOUT
    options = {**(app.conf.broker_transport_options or {}), "socket_connect_timeout": timeout,
               "socket_timeout": timeout}
    with app.connection_for_write(url, connect_timeout=timeout, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    return "ok"


CHECKS = {"database": check_database, "redis": check_redis, "broker": check_broker}


@never_cache
@require_GET
def health_ready(request):
    """Readiness: ``{"status": "ok" | "unavailable", "checks": {name: {"status": "ok" | "down" |
    "not configured", "ms": float, "error": exception class}}, "failing": [names]}``; 200 when no
    check is down, else 503."""
    checks, failing = {}, []
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result = {"status": check()}
        except Exception as exc:
            logger.warning("readiness check %s failed", name, exc_info=True)
            result = {"status": "down", "error": type(exc).__name__}
            failing.append(name)
        if result["status"] != NOT_CONFIGURED:
            result["ms"] = round((time.perf_counter() - started) * 1000, 2)
        checks[name] = result
    body = {"status": "unavailable" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
