"""What the offline provider makes of "undo that": the ``undo_last_action`` tool, for the most
recent change PAM made in the conversation or the latest one to a kind of record the user names
("undo the last expense", "take back that fill-up")."""

import datetime
import re

from assistant.providers.local.actions import Reply, ToolRequest
from assistant.undo import undo_window

# The request opens the message ("undo", "oops, undo that", "can you take that back?"), so an
# expense at "Undo Café" or a note that mentions undoing is not one.
_UNDO = re.compile(
    r"^(?:(?:please|pam|hey pam|oops|whoops|oh no|actually|no|wait|sorry|ok|okay|hmm|can you|could you|"
    r"would you|pls)[\s,!.]+)*"
    r"(?:undo|un-do|revert|take (?:that|it|this|the \w+(?: \w+)?) back|take back|roll (?:that|it) back)\b",
    re.IGNORECASE,
)
_HOW = re.compile(r"\bhow (?:do|can|would|to)\b", re.IGNORECASE)
# A specific word before a general one: "the fuel expense" is an expense, "the fill-up" a fill-up.
_KINDS = [
    ("expense", r"expenses?|purchases?|bills?|charges?|spending"),
    ("fill_up", r"fill[- ]?ups?|fuel|gas|diesel"),
    ("income", r"income|pension|pay ?checks?|paydays?|deposits?"),
    ("budget", r"budgets?"),
    ("maintenance", r"maintenance|oil change|service|repairs?"),
    ("trip", r"trips?|stops?|route"),
    ("place", r"places?|campgrounds?|spots?"),
    ("calendar_event", r"events?|appointments?|calendar|reminders?"),
    ("vehicle", r"vehicles?|rv|motorhome|odometer"),
    ("alert_settings", r"alerts?|quiet hours|notifications?"),
]
_KIND_RES = [(kind, re.compile(rf"\b(?:{words})\b", re.IGNORECASE)) for kind, words in _KINDS]


def undo_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    """``undo_last_action`` (with ``what`` when a kind of record is named) for a request to undo,
    how-to help for a question about undoing, else None."""
    if _HOW.search(text) and re.search(r"\bundo\b", text, re.IGNORECASE):
        return Reply(f"Say “undo that” within {undo_window()} of a change I made and I'll put everything back as it "
                     "was, or tap Undo on the change in the chat.")
    match = _UNDO.search(text)
    if match is None:
        return None
    rest = text[match.start():]
    for kind, words in _KIND_RES:
        if words.search(rest):
            return ToolRequest("undo_last_action", {"what": kind})
    return ToolRequest("undo_last_action", {})
