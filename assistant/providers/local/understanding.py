"""What the offline provider makes of one user message: a tool to call, or a reply to give.

The rules, in order: small talk (greetings, thanks, help, jokes); setting a budget; asking about
budgets; asking about spending; logging an expense. A message that fits none gets an honest "I
don't follow" with what PAM can do. Nothing here writes: a write happens only when the agent
runs the tool this returns, and wording that is unsure (a question, a plan, no amount) never
becomes a write.
"""

import datetime
import re
from dataclasses import dataclass, field

from assistant.providers.local import parsing
from finance.categories import category_from_text, keywords_in_text, place_in_text
from finance.models import Category


@dataclass(frozen=True)
class ToolRequest:
    name: str
    input: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    text: str


CAPABILITIES = (
    "Here's what I can do right now:\n"
    "• Log an expense — “spent $45 on groceries at Safeway yesterday”\n"
    "• Check your budgets — “how's my budget looking?” or “what's left in my dining budget?”\n"
    "• Summarise spending — “how much have I spent on fuel this month?”\n"
    "• Set a budget — “set my grocery budget to $800 a month”"
)

JOKES = [
    "Why did the RV break up with the tent? It needed more space — and full hookups.",
    "What's an RVer's favourite kind of music? Anything with a good hitch in the rhythm.",
    "I asked my RV how it was feeling. It said a little tired — four of them, in fact.",
]

_QUESTION_START = re.compile(
    r"^\s*(?:how|what|what's|whats|when|where|why|which|who|should|shall|do|does|did|is|are|am|will|"
    r"was|were|have|has|tell me|show me)\b",
    re.IGNORECASE,
)
_POLITE_REQUEST = re.compile(
    r"^\s*(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+)"
    r"(?:log|add|record|enter|track|put|note|set|make|change|update|increase|raise|lower)\b",
    re.IGNORECASE,
)
_LOG_VERB = re.compile(r"\b(?:log|logged|add|record|enter|track|note|put down|expense)\b", re.IGNORECASE)
_SPEND_VERB = re.compile(
    r"\b(?:spent|spend|paid|pay|bought|buy|purchased|cost|costs|costed|charged|was|were|came to|got|grabbed|"
    r"picked up|filled up|fill up|dropped|shelled out|bill|fee|total)\b",
    re.IGNORECASE,
)
_HYPOTHETICAL = re.compile(
    r"\b(?:might|may|maybe|someday|some day|thinking about|thinking of|planning|plan to|going to|gonna|will|"
    r"would|should|could|if|considering|want to|wanna|hoping|hope to|wish|wonder|need to|have to|tomorrow|"
    r"next week|next month|later)\b",
    re.IGNORECASE,
)
_BUDGET = re.compile(r"\bbudget", re.IGNORECASE)
_SET_WORDS = re.compile(
    r"\b(?:set|make|change|update|increase|raise|bump|lower|decrease|reduce|cut|adjust|create|add|put|new)\b",
    re.IGNORECASE,
)
_SPENDING_QUESTION = re.compile(
    r"\b(?:how much|what)\b.*\b(?:spen[dt]|spending|expenses|cost me)\b"
    r"|\b(?:show|list|give|summari[sz]e|break\s*down|total|see|review)\w*\b.*\b(?:spending|expenses|spent)\b"
    r"|\bspending\s+(?:summary|report|breakdown)\b|\bwhere did my money go\b|\bmy spending\b",
    re.IGNORECASE,
)
_LEFT_QUESTION = re.compile(
    r"\b(?:left|remaining|over|under|on track|overspent|overspending)\b", re.IGNORECASE
)
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|howdy|hiya|yo|good (?:morning|afternoon|evening)|greetings)\b[\s,!.]*(?:pam)?[\s!.]*$",
    re.IGNORECASE,
)
_THANKS = re.compile(r"^\s*(?:thanks|thank you|thx|cheers|ty|great,? thanks|perfect|awesome)\b", re.IGNORECASE)
_HELP = re.compile(r"\b(?:help|what can you do|what do you do|how do(?:es)? (?:this|you) work)\b", re.IGNORECASE)
_JOKE = re.compile(r"\b(?:joke|make me laugh|something funny)\b", re.IGNORECASE)
_MERCHANT = re.compile(
    r"\b(?:at|from)\s+(?:the\s+)?((?:[A-Z0-9][\w'&.-]*)(?:\s+(?:[A-Z0-9][\w'&.-]*|&|of|de|la)\b)*)"
)
_NOT_MERCHANT = re.compile(
    rf"^(?:{parsing._MONTHS}|{parsing._WEEKDAYS}|yesterday|today|tonight|last|this|I)\b", re.IGNORECASE
)


def _category_label(category: str) -> str:
    return Category(category).label.lower()


def _is_question(text: str) -> bool:
    if _POLITE_REQUEST.search(text):
        return False
    return text.rstrip().endswith("?") or bool(_QUESTION_START.search(text))


def _merchant(text: str) -> str:
    for match in _MERCHANT.finditer(text):
        words = match.group(1).split()
        # Stop at a trailing date word ("Safeway Yesterday" when typed in title case).
        while words and _NOT_MERCHANT.match(words[-1]):
            words.pop()
        if words and not _NOT_MERCHANT.match(words[0]):
            return " ".join(words).rstrip(".,!")[:200]
    place = place_in_text(text)
    if place:
        return place.upper() if len(place) <= 4 else place.title()
    return ""


def _budget_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    category = category_from_text(text)
    amount = parsing.find_amount(text)
    is_setting = bool(_SET_WORDS.search(text)) or bool(re.search(r"\bbudget\b.{0,30}\bto\s+\$?\d", text, re.I))
    if amount is not None and (is_setting or not _is_question(text)):
        if category is None:
            return Reply(
                f"Which category should get a {amount.value:,.2f} monthly budget? For example: "
                "“set my fuel budget to $600 a month”."
            )
        return ToolRequest("set_budget", {"category": category, "monthly_limit": str(amount.value)})
    if is_setting and not _is_question(text):
        if category is None:
            return Reply("Which budget would you like to set, and to how much? For example: "
                         "“set my campground budget to $900 a month”.")
        return Reply(f"How much should your {_category_label(category)} budget be each month?")
    return ToolRequest("get_budget_status", {"category": category} if category else {})


def _expense_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    date = parsing.find_date(text, today)
    amount = parsing.find_amount(text, ignore=[(date.start, date.end)] if date else [])
    category = category_from_text(text)
    explicit_log = bool(_LOG_VERB.search(text))
    spend_verb = bool(_SPEND_VERB.search(text))

    if amount is None:
        if explicit_log or (spend_verb and category and not _is_question(text)):
            what = _category_label(category) if category else "that"
            return Reply(f"How much was {what}? Tell me the amount and I'll log it.")
        return None
    if _is_question(text) and not explicit_log:
        return None
    if _HYPOTHETICAL.search(text) and not explicit_log:
        return Reply(
            "It sounds like that hasn't happened yet, so I haven't logged anything. "
            "Tell me once you've paid and I'll record it."
        )
    if category is None:
        if not (explicit_log or spend_verb):
            return None
        category = Category.OTHER.value
    if date is not None and date.value > today:
        return Reply(
            f"{date.value:%B} {date.value.day} is still ahead, so I haven't logged it. "
            "Tell me once you've paid and I'll record it."
        )
    arguments = {
        "amount": str(amount.value),
        "category": category,
        "date": (date.value if date else today).isoformat(),
        "description": ", ".join(keywords_in_text(text))[:500],
        "merchant": _merchant(text),
    }
    return ToolRequest("log_expense", arguments)


def understand(text: str, today: datetime.date, display_name: str = "") -> ToolRequest | Reply:
    """Decide what to do with ``text`` seen on the user's local ``today``."""
    text = " ".join(text.split())
    name = f" {display_name}" if display_name else ""
    if not text or _GREETING.search(text):
        return Reply(f"Hi{name}! I'm PAM, your RV travel assistant. {CAPABILITIES}\n\nWhat can I do for you?")
    if _THANKS.search(text) and len(text) < 40:
        return Reply("You're welcome! Anything else I can do?")
    if _JOKE.search(text):
        joke = JOKES[sum(map(ord, text)) % len(JOKES)]
        return Reply(f"{joke}\n\nI'm better with budgets than punchlines, though — ask me how yours is looking.")

    if _BUDGET.search(text):
        result = _budget_request(text, today)
        if result is not None:
            return result
    if _SPENDING_QUESTION.search(text) and (_is_question(text) or parsing.find_amount(text) is None):
        period = parsing.find_period(text, today) or parsing.PeriodChoice(period="this_month")
        arguments = period.as_arguments()
        category = category_from_text(text)
        if category:
            arguments["category"] = category
        return ToolRequest("get_spending_summary", arguments)
    if re.search(r"\bhow much\b.*\bleft\b", text, re.I) or (
        _is_question(text) and _LEFT_QUESTION.search(text) and category_from_text(text)
    ):
        category = category_from_text(text)
        return ToolRequest("get_budget_status", {"category": category} if category else {})

    result = _expense_request(text, today)
    if result is not None:
        return result
    if _HELP.search(text):
        return Reply(CAPABILITIES)
    return Reply(
        "I'm not sure what you'd like me to do with that, and I haven't changed anything. "
        f"I'm running in offline mode. {CAPABILITIES}"
    )
