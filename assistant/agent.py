"""One chat turn: ask the model, run the tools it asks for, loop until it ends its turn.

The provider chain (``anthropic`` then ``local`` with an API key, ``local`` alone without) fails
over to the next provider only while nothing of the reply has reached the user; after the first
delta a failure ends the turn with what was said (DESIGN.md, "Providers").
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings

from assistant.prompts import as_data
from assistant.providers.base import CircuitBreaker, MessageDone, ModelRequest, ProviderError, TextDelta
from assistant.registry import ToolContext, call_tool, tool_card
from pam_project import metrics
from pam_project.worker_threads import in_worker_thread

logger = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 8  # DESIGN.md: cap on tool rounds per turn


class ProviderUnavailable(Exception):
    """No provider could answer, or one failed after part of its reply was sent."""


@dataclass
class TurnState:
    """What a turn has produced so far; kept when the turn is stopped or fails part-way."""

    text: str = ""
    tool_calls: list[dict] = field(default_factory=list)
    ui_actions: list[dict] = field(default_factory=list)
    provider: str = ""
    model: str = ""
    usage: dict = field(default_factory=dict)
    provider_seconds: float = 0.0  # time spent waiting on the model, for the server's own latency

    def add_provider_wait(self, seconds: float) -> None:
        self.provider_seconds += seconds

    def add_usage(self, usage: dict) -> None:
        for key, value in usage.items():
            if isinstance(value, int):
                self.usage[key] = self.usage.get(key, 0) + value


class ProviderChain:
    """Providers tried in order, each behind its own circuit breaker."""

    def __init__(self, providers: list, *, failures: int = 3, reset_seconds: float = 60.0):
        self.providers = providers
        self.breakers = {p.name: CircuitBreaker(failures=failures, reset_seconds=reset_seconds) for p in providers}

    async def stream(self, request: ModelRequest, failed: set[str]) -> AsyncIterator[TextDelta | MessageDone]:
        """Yield one provider's events. Providers named in ``failed`` are skipped and a provider
        that fails is added to it, so a turn that failed over stays with the next provider.
        Raises ProviderUnavailable when every provider failed before sending text, or when the
        provider sending text fails part-way."""
        last_error: Exception | None = None
        for provider in self.providers:
            breaker = self.breakers[provider.name]
            is_last = provider is self.providers[-1]
            if (provider.name in failed or breaker.is_open) and not is_last:
                continue
            forwarded = False
            try:
                async for event in metrics.timed_provider(provider.stream(request), provider.name):
                    if isinstance(event, TextDelta):
                        forwarded = True
                    yield event
            except ProviderError as exc:
                metrics.provider_error(provider.name)
                breaker.record_failure()
                failed.add(provider.name)
                logger.warning("provider %s failed (%s)", provider.name, exc)
                if forwarded:
                    raise ProviderUnavailable(f"{provider.name} failed part-way through its reply") from exc
                last_error = exc
                continue
            breaker.record_success()
            return
        raise ProviderUnavailable("no language model provider could answer") from last_error


@lru_cache(maxsize=1)
def default_chain() -> ProviderChain:
    """The process-wide chain from settings: one Anthropic client per process."""
    from assistant.providers.local import LocalProvider

    providers = []
    if settings.ANTHROPIC_API_KEY:
        from assistant.providers.anthropic import AnthropicProvider

        providers.append(AnthropicProvider.from_settings())
    providers.append(LocalProvider())
    return ProviderChain(
        providers, failures=settings.PAM_BREAKER_FAILURES, reset_seconds=settings.PAM_BREAKER_RESET_SECONDS
    )


Emit = Callable[[dict], Awaitable[None]]


async def run_turn(*, chain: ProviderChain, request: ModelRequest, ctx: ToolContext, state: TurnState,
                   emit: Emit) -> TurnState:
    """Run the model/tool loop for one user message, updating ``state`` as it goes.

    ``emit`` receives the frames for the client (``chat_response_delta``, ``tool_call``)
    without ``message_id``. Returns ``state``. Raises ProviderUnavailable (see ProviderChain).
    """
    messages = list(request.messages)
    failed_providers: set[str] = set()
    for round_number in range(MAX_TOOL_ROUNDS + 1):
        round_request = dataclasses.replace(request, messages=messages)
        done: MessageDone | None = None
        separator_pending = bool(state.text)
        async for event in metrics.timed_waits(chain.stream(round_request, failed_providers), state.add_provider_wait):
            if isinstance(event, TextDelta):
                delta = event.text
                if separator_pending and delta.strip():
                    delta = "\n\n" + delta.lstrip()
                    separator_pending = False
                state.text += delta
                await emit({"type": "chat_response_delta", "delta": delta})
            else:
                done = event
        if done is None:
            raise ProviderUnavailable("the provider ended without a message")
        state.provider, state.model = done.provider, done.model
        state.add_usage(done.usage)
        if done.stop_reason != "tool_use" or not done.tool_uses:
            return state
        if round_number == MAX_TOOL_ROUNDS:
            logger.warning("turn hit the cap of %s tool rounds", MAX_TOOL_ROUNDS)
            return state

        messages.append({"role": "assistant", "content": done.content})
        results = []
        for tool_use in done.tool_uses:
            outcome = await in_worker_thread(call_tool)(
                tool_use["name"], tool_use.get("input"), ctx)
            state.tool_calls.append(outcome.as_record())
            state.ui_actions.extend(action for action in outcome.ui_actions if action not in state.ui_actions)
            record = outcome.as_record()
            await emit({"type": "tool_call", **record, **tool_card(record)})
            results.append(
                {
                    "type": "tool_result",
                    "tool_use_id": tool_use["id"],
                    # Data, never instructions: markup escaped so record text cannot close the block.
                    "content": as_data(outcome.result),
                    "is_error": outcome.is_error,
                }
            )
        messages.append({"role": "user", "content": results})
    return state
