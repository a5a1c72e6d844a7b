"""The PAM tool registry: one decorated function is a tool's description, schema and code.

A tool is a plain function ``tool(ctx: ToolContext, args: SomeArgs) -> ToolResult`` whose
docstring is the description the model reads and whose pydantic argument model is its JSON
schema and its validation, so schema and code cannot drift (DESIGN.md, "Tools"). The user comes
from the bound ``ToolContext``, never from the model's arguments.
"""

from __future__ import annotations

import datetime
import inspect
import logging
import typing
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pydantic
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from pam_project import metrics, rls
from pam_project.storable import find_unstorable, storable

logger = logging.getLogger(__name__)


class ToolError(Exception):
    """A domain error the model should see and can recover from ("no budget for propane")."""


@dataclass(frozen=True)
class ToolContext:
    """Who a tool acts for and when: the authenticated user, their timezone, currency (ISO 4217),
    the turn's time (aware) and, when the browser shared it, where they are ``(lat, lng)``."""

    user: Any
    timezone: zoneinfo.ZoneInfo
    now: datetime.datetime
    currency: str = "USD"
    conversation_id: int | None = None
    location: tuple[float, float] | None = None

    @property
    def today(self) -> datetime.date:
        """The user's local date."""
        return self.now.astimezone(self.timezone).date()


@dataclass
class ToolResult:
    """What a tool returns: JSON-able ``data`` for the model and ``ui_actions`` for the client."""

    data: dict
    ui_actions: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Confirmation:
    """What a tool that needs the user's approval will do: ``summary`` is shown beside the
    Approve/Cancel buttons ("$30.00 · propane · 2026-11-03"); ``data`` goes to the model."""

    summary: str
    data: dict = field(default_factory=dict)


@dataclass
class ToolOutcome:
    """One tool call as it happened, as recorded on the reply and sent in a ``tool_call`` frame."""

    tool: str
    input: dict
    status: str  # "ok" | "error" | "needs_confirmation"
    result: dict
    ui_actions: list[dict] = field(default_factory=list)
    action_id: str | None = None
    undo_id: str | None = None  # a write that can be undone (assistant.undo) until undo_until (ISO 8601)
    undo_until: str | None = None

    @property
    def is_error(self) -> bool:
        return self.status == "error"

    def as_record(self) -> dict:
        record = {"tool": self.tool, "input": self.input, "status": self.status, "result": self.result}
        if self.action_id:
            record["action_id"] = self.action_id
        if self.undo_id:
            record.update(undo_id=self.undo_id, undo_until=self.undo_until)
        return record


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args_model: type[pydantic.BaseModel]
    func: Callable[[ToolContext, Any], ToolResult]
    writes: bool
    label: str
    card: Callable[[dict, dict], str] | None = None
    confirm: Callable[[ToolContext, Any], Confirmation] | None = None
    undoable: bool = False

    def schema(self) -> dict:
        """The tool in the Anthropic Messages API format: name, description, input_schema."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.args_model.model_json_schema(),
        }


_tools: dict[str, Tool] = {}


def pam_tool(*, writes: bool = False, name: str | None = None, label: str | None = None,
             card: Callable[[dict, dict], str] | None = None,
             confirm: Callable[[ToolContext, Any], Confirmation] | None = None, undoable: bool | None = None):
    """Register ``func`` as a PAM tool.

    The function must be annotated ``(ctx: ToolContext, args: <pydantic model>) -> ToolResult``
    and have a docstring. ``writes`` marks tools that change the user's data: such a call runs in
    one transaction and, unless ``undoable=False`` (only the undo tool itself), what it changed
    can be undone for a while (``assistant.undo``). ``label`` ("Logged expense") and
    ``card(input, result) -> str`` ("$45.20 · groceries · 2026-11-20") are what the chat page
    shows for a call (see ``tool_card``). A destructive tool passes ``confirm(ctx, args)
    -> Confirmation``: a call then only proposes the action, and the function runs once the user
    approves it (``run_confirmed``). Raises ``TypeError`` at import time when the function does not
    have that shape, and ``ValueError`` when the name is taken.
    """

    def register(func):
        hints = typing.get_type_hints(func)
        args_model = hints.get("args")
        if not (isinstance(args_model, type) and issubclass(args_model, pydantic.BaseModel)):
            raise TypeError(f"{func.__qualname__}: annotate `args` with a pydantic model")
        if not func.__doc__:
            raise TypeError(f"{func.__qualname__}: a tool's docstring is its description; write one")
        tool_name = name or func.__name__
        if tool_name in _tools and _tools[tool_name].func is not func:
            raise ValueError(f"A PAM tool named {tool_name!r} is already registered")
        _tools[tool_name] = Tool(
            name=tool_name,
            description=inspect.cleandoc(func.__doc__),
            args_model=args_model,
            func=func,
            writes=writes,
            label=label or tool_name.replace("_", " ").capitalize(),
            card=card,
            confirm=confirm,
            undoable=writes if undoable is None else undoable and writes,
        )
        return func

    return register


def get_tool(name: str) -> Tool | None:
    return _tools.get(name)


def all_tools() -> list[Tool]:
    return sorted(_tools.values(), key=lambda tool: tool.name)


def tool_schemas() -> list[dict]:
    """Every registered tool's schema, in a stable order (so the prompt cache prefix is stable).

    Built once per set of registered tools: pydantic takes about 1 ms per schema, and every
    turn sends them all. Callers must not change the returned dicts.
    """
    names = tuple(sorted(_tools))
    if _schema_cache.get("names") != names:
        _schema_cache.update(names=names, schemas=[tool.schema() for tool in all_tools()])
    return _schema_cache["schemas"]


_schema_cache: dict = {}


def tool_card(record: dict) -> dict:
    """What the chat page shows for one recorded call: ``{"label", "summary"}``.

    ``record`` is ``ToolOutcome.as_record()``'s shape (tool, input, status, result), as sent in a
    ``tool_call`` frame and saved on the reply. The summary is "" when the tool has none or the
    input does not fit it (a call the model got wrong). A proposed action shows what it will do.
    """
    tool = _tools.get(record.get("tool", ""))
    if record.get("status") == "needs_confirmation":
        return {"label": "Waiting for your approval", "summary": str((record.get("result") or {}).get("summary", ""))}
    if tool is None:
        return {"label": str(record.get("tool") or "Tool").replace("_", " ").capitalize(), "summary": ""}
    summary = ""
    if tool.card is not None:
        try:
            summary = tool.card(record.get("input") or {}, record.get("result") or {})
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
            summary = ""  # a card must never fail the call it describes
    return {"label": tool.label, "summary": summary}


def _validation_message(exc: pydantic.ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        parts.append(f"{where}: {error['msg']}")
    return "Invalid arguments: " + "; ".join(parts)


AWAITING_APPROVAL_NOTE = (
    "Nothing has been changed yet. The user sees this action with Approve and Cancel buttons; tell "
    "them what will happen and that it waits for their approval. Do not call the tool again."
)


def call_tool(name: str, arguments: Any, ctx: ToolContext, *, confirmed: bool = False) -> ToolOutcome:
    """Validate ``arguments`` and run tool ``name`` for ``ctx.user``; synchronous (uses the ORM).

    Never raises for bad input or a domain error: those come back as an outcome with
    ``status="error"`` and ``result={"error": message}``, which the agent passes to the model
    as an ``is_error`` tool result. An unexpected exception is logged and reported the same way,
    so one failing tool does not end the turn. A tool with ``confirm`` is not run unless
    ``confirmed`` (the user approved it): the call saves a pending action and returns
    ``status="needs_confirmation"`` with its ``action_id``. The call runs in ``ctx.user``'s row level
    security scope (``pam_project.rls``). Counted in ``pam_tool_calls_total`` by tool and status.
    """
    with rls.scope(ctx.user):  # the tool's queries see only its user's rows, whoever called it
        outcome = _call_tool(name, arguments, ctx, confirmed)
    # A name the model made up is "unknown": labels must stay few.
    metrics.tool_called(name if isinstance(name, str) and name in _tools else "unknown", outcome.status)
    return outcome


def _call_tool(name: str, arguments: Any, ctx: ToolContext, confirmed: bool) -> ToolOutcome:
    arguments = arguments if isinstance(arguments, dict) else {}
    tool = _tools.get(name)
    if tool is None:
        return ToolOutcome(name, storable(arguments), "error", {"error": f"There is no tool named {name!r}."})
    if problem := find_unstorable(arguments):  # the call is saved on the reply (jsonb): echo it storable
        return ToolOutcome(name, storable(arguments), "error", {"error": f"Invalid arguments: {problem}"})
    try:
        args = tool.args_model.model_validate(arguments)
    except pydantic.ValidationError as exc:
        return ToolOutcome(name, arguments, "error", {"error": _validation_message(exc)})
    clean_arguments = args.model_dump(mode="json")
    try:
        if tool.confirm is not None and not confirmed:
            return _propose(tool, clean_arguments, tool.confirm(ctx, args), ctx)
        if tool.writes:
            return _run_write(tool, args, clean_arguments, ctx)
        result = tool.func(ctx, args)
    except ToolError as exc:
        return ToolOutcome(name, arguments, "error", {"error": str(exc)})
    except DjangoValidationError as exc:
        return ToolOutcome(name, arguments, "error", {"error": "; ".join(exc.messages)})
    except Exception:
        logger.exception("tool %s failed", name)
        return ToolOutcome(name, arguments, "error", {"error": "The tool failed unexpectedly."})
    return ToolOutcome(name, clean_arguments, "ok", result.data, result.ui_actions)


def _run_write(tool: Tool, args: pydantic.BaseModel, arguments: dict, ctx: ToolContext) -> ToolOutcome:
    """Run a write tool all or nothing (an error undoes its partial writes) and, when it is
    undoable and changed something, keep the change so the user can undo it: the outcome then
    carries ``undo_id`` and ``undo_until``."""
    from assistant import undo

    with transaction.atomic():
        if not tool.undoable:
            result = tool.func(ctx, args)
            return ToolOutcome(tool.name, arguments, "ok", result.data, result.ui_actions)
        with undo.recording() as recorder:
            result = tool.func(ctx, args)
        outcome = ToolOutcome(tool.name, arguments, "ok", result.data, result.ui_actions)
        card = tool_card(outcome.as_record())
        change = undo.change_save(recorder, user=ctx.user, tool=tool.name,
                                  summary=f"{card['label']} ({card['summary']})" if card["summary"] else card["label"],
                                  conversation_id=ctx.conversation_id, ui_actions=result.ui_actions)
    if change is not None:
        outcome.undo_id, outcome.undo_until = str(change.id), change.expires_at.isoformat()
    return outcome


def _propose(tool: Tool, arguments: dict, confirmation: Confirmation, ctx: ToolContext) -> ToolOutcome:
    from assistant.services import action_propose

    action = action_propose(user=ctx.user, tool=tool.name, arguments=arguments, summary=confirmation.summary,
                            conversation_id=ctx.conversation_id)
    result = {**confirmation.data, "action_id": str(action.id), "summary": confirmation.summary,
              "status": "needs_confirmation", "note": AWAITING_APPROVAL_NOTE}
    return ToolOutcome(tool.name, arguments, "needs_confirmation", result, action_id=str(action.id))
