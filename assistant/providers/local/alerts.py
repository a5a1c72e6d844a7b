"""What the offline provider makes of talk about PAM's own alerts: muting and unmuting a kind
("stop sending me weather alerts"), quiet hours ("quiet hours from 10pm to 7am", "no quiet
hours"), and "what are my alert settings?"."""

import datetime
import re

from assistant.providers.local import parsing
from assistant.providers.local.actions import Reply, ToolRequest

_ABOUT_ALERTS = re.compile(r"\b(?:alerts?|notifications?|warnings?|quiet hours|do not disturb|don'?t disturb)\b", re.I)
_CATEGORIES = [
    ("fuel", re.compile(r"\b(?:fuel|gas|tank)\b", re.I)),
    ("budget", re.compile(r"\b(?:budgets?|spending)\b", re.I)),
    ("weather", re.compile(r"\bweather\b", re.I)),
    ("maintenance", re.compile(r"\b(?:maintenance|service|oil change)\b", re.I)),
    ("trip", re.compile(r"\b(?:trips?|departures?)\b", re.I)),
    ("calendar", re.compile(r"\b(?:calendar|reminders?|events?)\b", re.I)),
]
_ALL = re.compile(r"\b(?:all|any|every)\b", re.I)
_UNMUTE = re.compile(r"\b(?:turn (?:\w+ )?(?:\w+ )?on|back on|resume|unmute|enable|start (?:sending|showing)|"
                     r"send (?:me )?(?:\w+ )?(?:alerts?|notifications?) again)\b", re.I)
_MUTE = re.compile(r"\b(?:stop|mute|disable|turn (?:\w+ )?(?:\w+ )?off|no more|don'?t (?:send|show|want)|"
                   r"do not (?:send|show|want)|silence|quit)\b", re.I)
_QUIET = re.compile(r"\b(?:quiet hours|do not disturb|don'?t disturb)\b", re.I)
_NO_QUIET = re.compile(r"\b(?:no|remove|clear|cancel|turn off|disable|stop|delete)\b.{0,20}\bquiet hours\b"
                       r"|\bquiet hours\b.{0,10}\b(?:off|none)\b", re.I)
_SETTINGS = re.compile(r"\b(?:settings?|preferences?|which|what)\b", re.I)


def alert_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    """A ``set_alert_preferences`` call for what the user said about alerts, or None when the
    text is not about PAM's alerts (a budget's alert threshold is the budget's business)."""
    if not _ABOUT_ALERTS.search(text) or "%" in text or re.search(r"\bpercent\b|\bthreshold\b", text, re.I):
        return None
    if _QUIET.search(text):
        if _NO_QUIET.search(text):
            return ToolRequest("set_alert_preferences", {"clear_quiet_hours": True})
        found = parsing.find_time(text)
        if found is None or found.value.end is None:
            return Reply("From when to when? For example “quiet hours from 10pm to 7am”: alerts that aren't "
                         "urgent wait until the morning.")
        return ToolRequest("set_alert_preferences", {"quiet_hours_start": found.value.start.strftime("%H:%M"),
                                                     "quiet_hours_end": found.value.end.strftime("%H:%M")})
    categories = [name for name, words in _CATEGORIES if words.search(text)]
    if not categories and _ALL.search(text):
        categories = [name for name, _ in _CATEGORIES]
    if categories and _UNMUTE.search(text):
        return ToolRequest("set_alert_preferences", {"unmute": categories})
    if categories and _MUTE.search(text):
        return ToolRequest("set_alert_preferences", {"mute": categories})
    if not categories or (_SETTINGS.search(text) and parsing.is_question(text)):
        return ToolRequest("set_alert_preferences", {})
    return None
