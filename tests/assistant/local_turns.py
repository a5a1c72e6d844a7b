"""Whole chat turns with the offline provider, for the flow tests: the real agent loop, tools,
database and offline data. The user's local day is Saturday 2026-11-21 (noon in Denver, 2 PM in
New York)."""

import datetime
import zoneinfo

from asgiref.sync import async_to_sync

from assistant.agent import ProviderChain, TurnState, run_turn
from assistant.providers.base import ModelRequest
from assistant.providers.local import LocalProvider
from assistant.registry import ToolContext

NOW = datetime.datetime(2026, 11, 21, 19, 0, tzinfo=datetime.UTC)  # noon in Denver, a Saturday
TODAY = datetime.date(2026, 11, 21)


def zone_of(user) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(user.pam_profile.timezone)


def context_for(user) -> ToolContext:
    return ToolContext(user=user, timezone=zone_of(user), now=NOW, currency="USD")


def chat(user, text: str) -> TurnState:
    """One turn for ``user`` saying ``text`` in their own timezone: the state holds the reply
    text and every tool call. The agent runs tools in another thread: use committed rows
    (``django_db(transaction=True)``)."""
    request = ModelRequest(system_static="", user_context="", volatile="", messages=[{"role": "user", "content": text}],
                           tools=[], now=NOW, timezone=zone_of(user))

    async def emit(frame):
        pass

    return async_to_sync(run_turn)(chain=ProviderChain([LocalProvider()]), request=request, ctx=context_for(user),
                                   state=TurnState(), emit=emit)


def tools_called(state: TurnState) -> list[str]:
    return [call["tool"] for call in state.tool_calls]
