"""The offline provider: deterministic, no network, the same tools as Claude.

It reads the last message of the conversation. A user's text becomes either a ``tool_use``
block (the agent runs the tool and calls back) or a text reply; a message of tool results becomes
an answer written from those results (``replies``), or, for a request that takes two steps
("delete the $30 propane expense": list, then delete), the next tool call, decided from the
user's original words (``understanding.follow_up``). Text is streamed word by word so the client
path is the same as with Claude.
"""

import json
import re
import uuid
from collections.abc import AsyncIterator

from assistant.providers.base import MessageDone, ModelRequest, TextDelta
from assistant.providers.local import replies
from assistant.providers.local.understanding import Reply, ToolRequest, follow_up, understand

MODEL = "pam-local-1"


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    return " ".join(block.get("text", "") for block in content if block.get("type") == "text")


def _last_user_text(messages: list[dict]) -> str:
    """What the user last typed: the newest user message that is not only tool results."""
    for message in reversed(messages):
        if message["role"] == "user" and _text_of(message["content"]).strip():
            return _text_of(message["content"])
    return ""


def _tool_uses_before(messages: list[dict]) -> dict[str, dict]:
    for message in reversed(messages[:-1]):
        if message["role"] == "assistant" and isinstance(message["content"], list):
            return {block["id"]: block for block in message["content"] if block.get("type") == "tool_use"}
    return {}


#: Characters per streamed chunk: about a line. A hosted model's deltas are a few tokens because it
#: is still writing; the local provider has the whole reply at once, and every delta is a socket
#: frame (issue 7: the chat path's cost), so it streams a line at a time.
CHUNK_CHARS = 60


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """``text`` cut after whitespace into pieces of at least ``size`` characters (the last may be
    shorter); they join back to ``text`` exactly."""
    pieces, current = [], ""
    for word in re.findall(r"\S+\s*|\s+", text):
        current += word
        if len(current) >= size:
            pieces.append(current)
            current = ""
    return [*pieces, current] if current else pieces


class LocalProvider:
    name = "local"

    async def stream(self, request: ModelRequest) -> AsyncIterator[TextDelta | MessageDone]:
        today = request.now.astimezone(request.timezone).date()
        last = request.messages[-1]
        content = last["content"]
        blocks = content if isinstance(content, list) else []
        results = [block for block in blocks if block.get("type") == "tool_result"]
        if results:
            decision = self._answer(request, results, today)
        else:
            decision = understand(_text_of(content), today, request.display_name)

        if isinstance(decision, Reply):
            for chunk in chunks(decision.text):
                yield TextDelta(chunk)
            yield MessageDone([{"type": "text", "text": decision.text}], "end_turn", self.name, MODEL)
            return
        block = {"type": "tool_use", "id": f"toolu_local_{uuid.uuid4().hex[:20]}", "name": decision.name,
                 "input": decision.input}
        yield MessageDone([block], "tool_use", self.name, MODEL)

    def _answer(self, request: ModelRequest, results: list[dict], today) -> ToolRequest | Reply:
        """The next step after tool results: a follow-up call, or the answer written from them."""
        uses = _tool_uses_before(request.messages)
        parts = []
        for result in results:
            use = uses.get(result["tool_use_id"], {})
            try:
                data = json.loads(result.get("content") or "{}")
            except (TypeError, ValueError):
                data = {}
            is_error = bool(result.get("is_error"))
            if len(results) == 1 and not is_error:
                step = follow_up(_last_user_text(request.messages), use.get("name", ""), data, today, request.currency)
                if step is not None:
                    return step
            parts.append(replies.compose(use.get("name", ""), data, is_error, today, arguments=use.get("input"),
                                         currency=request.currency, question=_last_user_text(request.messages)))
        return Reply("\n\n".join(parts))
