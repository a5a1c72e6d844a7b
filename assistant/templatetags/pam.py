from django import template

from assistant.registry import tool_card

register = template.Library()


@register.filter(name="tool_card")
def tool_card_filter(record: dict) -> dict:
    """``{% with card=call|tool_card %}``: the same label and summary the live page shows."""
    return tool_card(record)
