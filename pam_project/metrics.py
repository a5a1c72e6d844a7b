"""PAM's Prometheus metrics (issue 7, "Operations"): the metric objects and the small functions
that record them. ``/metrics`` (``pam_project.operations.metrics_view``) serves them to staff or
to a scraper holding ``PAM_METRICS_TOKEN``; docs/operations.md lists each one.

Times are seconds and counters end in ``_total`` (Prometheus' naming conventions). Each web
process keeps its own figures (scrape every daphne process); the alert counts are read from the
database at scrape time, so they are right whichever process (a Celery worker) raised the alerts.
No metric carries a user's id or anything a user wrote: labels are statuses, tool, provider, part
and alert category names only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily

logger = logging.getLogger(__name__)

# The `_created` timestamp series would double the output for nothing an operator reads.
disable_created_metrics()

#: Seconds, fine enough for milliseconds at the bottom and an LLM reply (PAM_LLM_TOTAL_TIMEOUT,
#: 90 s) at the top.
LATENCY_BUCKETS = (.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120)
#: Seconds: a context load on a cache hit is one Redis round trip (target 0.2 ms, issue 7).
CONTEXT_BUCKETS = (.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5)

TURNS = Counter("pam_turns", "Chat turns finished, by how they ended (complete, stopped or error).", ["status"])
TURN_SECONDS = Histogram(
    "pam_turn_duration_seconds",
    "Seconds from a chat message's arrival on the socket until its reply (or error) was sent, "
    "provider time included.",
    buckets=LATENCY_BUCKETS,
)
PROVIDER_SECONDS = Histogram(
    "pam_provider_request_duration_seconds",
    "Seconds spent waiting on one language model request (one round of a turn), by provider; "
    "PAM's own handling of the streamed events is not counted.",
    ["provider"],
    buckets=LATENCY_BUCKETS,
)
PROVIDER_ERRORS = Counter("pam_provider_errors", "Language model requests that failed, by provider.", ["provider"])
TOOL_CALLS = Counter(
    "pam_tool_calls",
    "Tool calls by tool and outcome: ok, error, or needs_confirmation (a proposed action waiting "
    "for the user's approval). A tool name the registry does not know is counted as 'unknown'.",
    ["tool", "outcome"],
)
CONTEXT_LOOKUPS = Counter(
    "pam_context_cache_lookups",
    "User context parts looked up in the cache, by part (profile, financial, travel) and result: hit, "
    "or miss (absent, or cached on an earlier local day, so built from the database).",
    ["part", "result"],
)
CONTEXT_SECONDS = Histogram(
    "pam_context_load_duration_seconds",
    "Seconds to load a user's whole context; result is hit when every part came from the cache, "
    "else miss.",
    ["result"],
    buckets=CONTEXT_BUCKETS,
)
OPEN_SOCKETS = Gauge("pam_open_sockets", "Signed-in chat sockets open in this process.")
DB_STATEMENTS = Counter(
    "pam_db_statements",
    "SQL statements PAM's code sent to the database from this process (not the row level security "
    "set_config PAM sends before them, nor BEGIN/COMMIT).",
)

# Known label values start at 0, so a series exists (and rate() works) before its first event.
TURN_STATUSES = ("complete", "stopped", "error")  # assistant.models.Message.Status
CONTEXT_PARTS = ("profile", "financial", "travel")  # assistant.context.PART_TTL_SECONDS
for _status in TURN_STATUSES:
    TURNS.labels(_status)
for _part in CONTEXT_PARTS:
    for _result in ("hit", "miss"):
        CONTEXT_LOOKUPS.labels(_part, _result)
for _result in ("hit", "miss"):
    CONTEXT_SECONDS.labels(_result)


def turn_finished(status: str, seconds: float) -> None:
    """Record a finished turn: ``status`` is the reply's Message.Status value (complete, stopped,
    error); ``seconds`` its duration."""
    TURNS.labels(status).inc()
    TURN_SECONDS.observe(seconds)


def provider_request(provider: str, seconds: float) -> None:
    """Record one request to ``provider`` ("anthropic", "local") that took ``seconds`` of waiting."""
    PROVIDER_SECONDS.labels(provider).observe(seconds)


async def timed_waits(events: AsyncIterator, on_wait: Callable[[float], None]) -> AsyncIterator:
    """``events`` unchanged, calling ``on_wait(seconds)`` with the time spent waiting for each
    one (time.perf_counter; the caller's work between events is not counted), the wait that ends
    the stream or fails included."""
    iterator = aiter(events)
    while True:
        waiting_since = time.perf_counter()
        try:
            event = await anext(iterator)
        except StopAsyncIteration:
            return
        finally:
            on_wait(time.perf_counter() - waiting_since)
        yield event


async def timed_provider(events: AsyncIterator, provider: str) -> AsyncIterator:
    """``events`` (one provider request's stream) unchanged; once it ends, fails or is closed,
    ``provider_request`` records the seconds spent waiting for its events."""
    waits = []
    try:
        async for event in timed_waits(events, waits.append):
            yield event
    finally:
        provider_request(provider, sum(waits))


def provider_error(provider: str) -> None:
    """Record a failed request to ``provider``."""
    PROVIDER_ERRORS.labels(provider).inc()


def tool_called(tool: str, outcome: str) -> None:
    """Record one tool call: ``tool`` a registered tool's name (else "unknown"), ``outcome`` the
    ToolOutcome's status."""
    TOOL_CALLS.labels(tool, outcome).inc()


def context_loaded(*, hits: Iterable[str], misses: Iterable[str], seconds: float) -> None:
    """Record one ``user_context`` load: the parts found in the cache (``hits``) and the parts
    built from the database (``misses``), and the load's ``seconds``."""
    missed = False
    for part in hits:
        _child(CONTEXT_LOOKUPS, part, "hit").inc()
    for part in misses:
        _child(CONTEXT_LOOKUPS, part, "miss").inc()
        missed = True
    _child(CONTEXT_SECONDS, "miss" if missed else "hit").observe(seconds)


_children: dict = {}


def _child(metric, *labels):
    """``metric.labels(*labels)``, bound once: the lookup is about 3 µs, and a cache hit is a
    fraction of a millisecond (docs/performance.md)."""
    key = (metric, labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


def socket_opened() -> None:
    """A signed-in chat socket started its session (pair with ``socket_closed``)."""
    OPEN_SOCKETS.inc()


def socket_closed() -> None:
    """A socket counted by ``socket_opened`` closed."""
    OPEN_SOCKETS.dec()


def count_statement(execute, sql, params, many, context):
    """Execute wrapper (the outermost one, installed by ``pam_project.db``): counts each statement
    PAM's code sends, once, in ``pam_db_statements_total``; an ``executemany`` counts once."""
    DB_STATEMENTS.inc()
    return execute(sql, params, many, context)


class AlertsRaisedCollector:
    """``pam_alerts_raised_total{category, severity}``: the alerts in the database, read at scrape
    time in the system row level security scope (one grouped count).

    The monitors raise alerts in the Celery worker, another process that no scrape of the web
    process sees, and a counter in the worker would restart at 0 with it; the alert rows are the
    one record every process shares, so this number is right across processes and restarts. Alerts
    go only with their user's account, which reads as a counter reset."""

    name = "pam_alerts_raised"
    documentation = "Alerts raised by PAM (rows in the alert table), by category and severity."

    def describe(self):
        return [CounterMetricFamily(self.name, self.documentation, labels=["category", "severity"])]

    def collect(self):
        from django.db.models import Count

        from assistant.models import Alert
        from pam_project import rls

        family = CounterMetricFamily(self.name, self.documentation, labels=["category", "severity"])
        try:
            with rls.system_scope():  # counts over every user's alerts; no row leaves the database
                rows = Alert.objects.order_by().values_list("category", "severity").annotate(count=Count("id"))
                counts = {(category, severity): count for category, severity, count in rows}
        except Exception:  # a scrape must still show the other metrics while the database is down
            logger.warning("could not count alerts for /metrics", exc_info=True)
            return
        for category in Alert.Category.values:
            for severity in Alert.Severity.values:
                counts.setdefault((category, severity), 0)
        for (category, severity), count in sorted(counts.items()):
            family.add_metric([category, severity], count)
        yield family


_alerts_collector = AlertsRaisedCollector()
REGISTRY.register(_alerts_collector)
