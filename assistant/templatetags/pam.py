from django import template

from assistant.registry import tool_card

register = template.Library()


@register.filter(name="tool_card")
def tool_card_filter(record: dict) -> dict:
    """``{% with card=call|tool_card %}``: the same label and summary the live page shows."""
    return tool_card(record)


ACTION_OUTCOMES = {"done": "Approved", "cancelled": "Cancelled", "expired": "Expired: ask PAM again",
                   "failed": "Failed"}  # the same words as chat.js


@register.filter
def action_state(record: dict, states: dict | None) -> str:
    """A confirmation card's state ("pending", "done", ...) from the page's action states; "" for
    a call that needed no confirmation."""
    action_id = record.get("action_id")
    if not action_id or record.get("status") != "needs_confirmation":
        return ""
    return (states or {}).get(action_id, "expired")


@register.filter
def action_outcome(state: str) -> str:
    return ACTION_OUTCOMES.get(state, state)


@register.filter
def undo_state(record: dict, states: dict | None) -> str:
    """A write's undo state ("available", "undone", "expired") from the page's undo states; ""
    for a call that cannot be undone."""
    undo_id = record.get("undo_id")
    if not undo_id or record.get("status") != "ok":
        return ""
    return (states or {}).get(undo_id, "expired")
