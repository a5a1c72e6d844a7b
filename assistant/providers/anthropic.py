"""Claude through the Anthropic Messages API: streaming, tool use and prompt caching.

Prompt layout for the cache (DESIGN.md, "Providers"): the tools and PAM's static instructions
are cached, then the user's context block is cached, then the volatile block (the current time)
comes last, uncached. One ``AsyncAnthropic`` client per process. The SDK's own retries are off:
an overloaded, rate-limited or failing call is retried on the next model of ``PAM_MODEL`` +
``PAM_FALLBACK_MODELS`` only before the first delta was forwarded, then the provider gives up and
the chain moves on to ``local``.

Text from the user's records reaches Claude in two places only, both as data: the labelled
``<user_context>`` system block and ``tool_result`` blocks, JSON with markup escaped
(``assistant.prompts.as_data``); PAM's static prompt says such text is never an instruction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import anthropic
import httpx2
from django.conf import settings

from assistant.providers.base import MessageDone, ModelRequest, ProviderError, TextDelta

CACHED = {"type": "ephemeral"}
# Status codes worth another model: rate limited, server errors, overloaded (529).
RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}
RETRYABLE_ERROR_TYPES = {"overloaded_error", "rate_limit_error", "api_error", "timeout_error"}


def is_retryable(exc: Exception) -> bool:
    """Whether another model might succeed where this call failed."""
    # The SDK wraps a failure to connect or get the response's headers (timeouts included) in
    # APIConnectionError, but not one while the events stream in: the HTTP client's own
    # ReadTimeout or ReadError (httpx2.TransportError) comes through as it is.
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError | TimeoutError):
        return True
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error_type = (body.get("error") or {}).get("type") if isinstance(body.get("error"), dict) else None
        return exc.status_code in RETRYABLE_STATUS or error_type in RETRYABLE_ERROR_TYPES
    return False


def build_system(request: ModelRequest) -> list[dict]:
    return [
        {"type": "text", "text": request.system_static, "cache_control": CACHED},
        {"type": "text", "text": request.user_context, "cache_control": CACHED},
        {"type": "text", "text": request.volatile},
    ]


def build_tools(tools: list[dict]) -> list[dict]:
    if not tools:
        return []
    *rest, last = tools
    return [*rest, {**last, "cache_control": CACHED}]


class AnthropicProvider:
    name = "anthropic"

    def __init__(self, *, api_key: str, base_url: str | None, models: list[str], max_tokens: int,
                 connect_timeout: float, read_timeout: float, total_timeout: float):
        self.models = models
        self.max_tokens = max_tokens
        self.total_timeout = total_timeout
        self.client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=anthropic.Timeout(total_timeout, connect=connect_timeout, read=read_timeout),
        )

    @classmethod
    def from_settings(cls) -> AnthropicProvider:
        return cls(
            api_key=settings.ANTHROPIC_API_KEY,
            base_url=settings.ANTHROPIC_BASE_URL,
            models=[settings.PAM_MODEL, *settings.PAM_FALLBACK_MODELS],
            max_tokens=settings.PAM_MAX_TOKENS,
            connect_timeout=settings.PAM_LLM_CONNECT_TIMEOUT,
            read_timeout=settings.PAM_LLM_READ_TIMEOUT,
            total_timeout=settings.PAM_LLM_TOTAL_TIMEOUT,
        )

    async def stream(self, request: ModelRequest) -> AsyncIterator[TextDelta | MessageDone]:
        """Stream one model call. Raises ProviderError when every model failed before any
        text, or at once when a call fails after text was forwarded."""
        system, tools = build_system(request), build_tools(request.tools)
        last_error: Exception | None = None
        for model in self.models:
            forwarded = False
            # The read timeout catches a silent stream; the deadline bounds a slow or chatty one (a
            # stream of pings and keep-alives resets the read timeout). It is only ever armed while
            # waiting for the next event, never across a yield, so it cannot cancel our caller.
            deadline = asyncio.get_running_loop().time() + self.total_timeout
            try:
                async with self.client.messages.stream(
                    model=model,
                    max_tokens=self.max_tokens,
                    system=system,
                    messages=request.messages,
                    tools=tools,
                ) as stream:
                    events = aiter(stream)
                    while True:
                        try:
                            async with asyncio.timeout_at(deadline):
                                event = await anext(events)
                        except StopAsyncIteration:
                            break
                        if event.type == "text" and event.text:
                            forwarded = True
                            yield TextDelta(event.text)
                    final = await stream.get_final_message()
            except (anthropic.APIError, httpx2.TransportError, TimeoutError) as exc:
                if forwarded:
                    raise ProviderError(f"{model} failed mid-reply: {exc!r}") from exc
                last_error = exc
                if is_retryable(exc):
                    continue
                raise ProviderError(f"{model} refused the request: {exc!r}") from exc
            usage = final.usage.model_dump(exclude_none=True) if final.usage else {}
            yield MessageDone(
                content=[block.model_dump(mode="json", exclude_none=True) for block in final.content],
                stop_reason=final.stop_reason or "end_turn",
                provider=self.name,
                model=final.model or model,
                usage={key: value for key, value in usage.items() if isinstance(value, int)},
            )
            return
        raise ProviderError(f"every model failed; last error: {last_error}") from last_error
