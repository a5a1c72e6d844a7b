"""What every provider speaks: a ``ModelRequest`` in, a stream of ``TextDelta`` then one
``MessageDone`` out. Messages and content blocks use the Anthropic Messages API shapes
(``{"type": "text" | "tool_use" | "tool_result", ...}``) for every provider."""

from __future__ import annotations

import datetime
import time
import zoneinfo
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol


class ProviderError(Exception):
    """The provider could not produce a reply (overloaded, rate-limited, unreachable, refused)."""


@dataclass(frozen=True)
class ModelRequest:
    """One model call: system blocks, the conversation so far and the tools on offer.

    ``system_static`` is PAM's fixed instructions, ``user_context`` the user's cached context
    (data, not instructions), ``volatile`` what changes every turn (the current time).
    """

    system_static: str
    user_context: str
    volatile: str
    messages: list[dict]
    tools: list[dict]
    now: datetime.datetime
    timezone: zoneinfo.ZoneInfo
    currency: str = "USD"
    display_name: str = ""


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class MessageDone:
    """The model's whole message: its content blocks, why it stopped, and who produced it."""

    content: list[dict]
    stop_reason: str  # "end_turn" | "tool_use" | "max_tokens" | ...
    provider: str
    model: str
    usage: dict = field(default_factory=dict)

    @property
    def tool_uses(self) -> list[dict]:
        return [block for block in self.content if block.get("type") == "tool_use"]


class Provider(Protocol):
    name: str

    def stream(self, request: ModelRequest) -> AsyncIterator[TextDelta | MessageDone]:
        """Yield text deltas as they arrive, then exactly one MessageDone. Raises ProviderError."""
        ...


class CircuitBreaker:
    """Skip a failing provider for ``reset_seconds`` after ``failures`` failures in a row.

    In-process and per provider: each daphne process learns on its own. After the pause one
    call is let through (half-open); a success closes the breaker, a failure opens it again.
    """

    def __init__(self, *, failures: int, reset_seconds: float, clock=time.monotonic):
        self.failures_to_open = failures
        self.reset_seconds = reset_seconds
        self.clock = clock
        self.consecutive_failures = 0
        self.opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        if self.opened_at is None:
            return False
        if self.clock() - self.opened_at >= self.reset_seconds:
            return False  # half-open: let one call try
        return True

    def record_success(self) -> None:
        self.consecutive_failures = 0
        self.opened_at = None

    def record_failure(self) -> None:
        self.consecutive_failures += 1
        if self.consecutive_failures >= self.failures_to_open:
            self.opened_at = self.clock()
