"""The offline provider: deterministic, no network, the same tools as Claude.

It reads the last message of the conversation. A user's text becomes either a ``tool_use``
block (the agent runs the tool and calls back) or a text reply; a message of tool results becomes
an answer written from those results (``replies``). Text is streamed word by word so the client
path is the same as with Claude.
"""

import json
import re
import uuid
from collections.abc import AsyncIterator

from assistant.providers.base import MessageDone, ModelRequest, TextDelta
from assistant.providers.local import replies
from assistant.providers.local.understanding import Reply, understand

MODEL = "pam-local-1"


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    return " ".join(block.get("text", "") for block in content if block.get("type") == "text")


def _tool_uses_before(messages: list[dict]) -> dict[str, dict]:
    for message in reversed(messages[:-1]):
        if message["role"] == "assistant" and isinstance(message["content"], list):
            return {block["id"]: block for block in message["content"] if block.get("type") == "tool_use"}
    return {}


class LocalProvider:
    name = "local"

    async def stream(self, request: ModelRequest) -> AsyncIterator[TextDelta | MessageDone]:
        today = request.now.astimezone(request.timezone).date()
        last = request.messages[-1]
        content = last["content"]
        blocks = content if isinstance(content, list) else []
        results = [block for block in blocks if block.get("type") == "tool_result"]
        if results:
            uses = _tool_uses_before(request.messages)
            parts = []
            for result in results:
                tool = uses.get(result["tool_use_id"], {}).get("name", "")
                try:
                    data = json.loads(result.get("content") or "{}")
                except (TypeError, ValueError):
                    data = {}
                parts.append(replies.compose(tool, data, bool(result.get("is_error")), today))
            decision = Reply("\n\n".join(parts))
        else:
            decision = understand(_text_of(content), today, request.display_name)

        if isinstance(decision, Reply):
            for piece in re.findall(r"\S+\s*|\s+", decision.text):
                yield TextDelta(piece)
            yield MessageDone([{"type": "text", "text": decision.text}], "end_turn", self.name, MODEL)
            return
        block = {"type": "tool_use", "id": f"toolu_local_{uuid.uuid4().hex[:20]}", "name": decision.name,
                 "input": decision.input}
        yield MessageDone([block], "tool_use", self.name, MODEL)
