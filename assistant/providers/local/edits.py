"""Which of the user's expenses a correction or a deletion means, and what should change.

"delete the $30 propane expense", "that last expense was actually $52", "the Safeway one was
groceries, not dining": ``edit_intent`` splits such a sentence into a reference (the filters to
list candidates with, or "the latest one") and, for a correction, the new values. Nothing here
acts: the provider lists the candidates first and changes one only when exactly one fits
(``understanding.follow_up``).
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from assistant.providers.local import parsing
from finance.categories import category_from_text, keywords_in_text, place_in_text
from finance.periods import period_range

RECENT_DAYS = 90  # how far back "the $30 propane expense" is looked for when no day is named
CANDIDATES_LIMIT = 10

_FILLER = re.compile(
    r"^(?:(?:oops|sorry|actually|wait|hmm+|oh|ah|hey|pam|correction|my bad|no|ok(?:ay)?|so)\b[\s,:;.!-]*)+",
    re.IGNORECASE,
)
_POLITE = re.compile(
    r"^(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+|i\s+(?:want|need|would like)\s+(?:you\s+)?to\s+"
    r"|i'd like\s+(?:you\s+)?to\s+|let's\s+|lets\s+)+",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"[\s,]*(?:please|for me|thanks|thank you|thx)?[\s.!?]*$", re.IGNORECASE)

_DELETE_VERB = r"(?:delete|remove|erase|scrap|get rid of|void|trash|strike)\b"
_DELETE = re.compile(rf"^{_DELETE_VERB}\s*(?P<ref>.*)$", re.IGNORECASE)
_DELETE_PASSIVE = re.compile(
    r"^(?P<ref>.+?)\s+(?:should|needs to|has to|must|can)\s+be\s+(?:deleted|removed)\b.*$", re.IGNORECASE
)
_UPDATE_VERB = (
    r"(?:change|update|edit|correct|fix|modify|adjust|amend|switch|move|re-?categori[sz]e|reclassify)"
)
_NOT = r",?\s+(?:not|instead of|rather than)\s+(?P<old>.+)"
# Tried in order; each gives the reference, the new values and maybe the old ones.
_UPDATE_PATTERNS = [
    # "fix the dinner expense, it was $52"
    re.compile(rf"^{_UPDATE_VERB}\s+(?P<ref>.+?)[,;:]?\s+(?:it|that|this)\s+(?:was|is|should(?:\s+have)?\s+"
               rf"(?:been|be))\s+(?:actually\s+)?(?P<new>.+?)(?:{_NOT})?$", re.I),
    # "change the groceries expense from yesterday to $52", "move the Safeway one to groceries"
    re.compile(rf"^{_UPDATE_VERB}\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<new>.+?)(?:{_NOT})?$", re.I),
    # "make it $52"
    re.compile(rf"^make\s+(?P<ref>(?:it|that|this)(?:\s+one)?|the last one)\s+(?P<new>.+?)(?:{_NOT})?$", re.I),
]
_STATEMENT_PATTERNS = [
    # "that last expense was actually $52", "the dinner should have been $52"
    re.compile(rf"^(?P<ref>.+?)\s+(?:was|is|were|cost|came to)\s+(?:actually|really|in fact|supposed to be)\s+"
               rf"(?P<new>.+?)(?:{_NOT})?$", re.I),
    re.compile(rf"^(?P<ref>.+?)\s+should(?:\s+have)?\s+(?:been|be)\s+(?P<new>.+?)(?:{_NOT})?$", re.I),
    # "the Safeway one wasn't dining, it was groceries"
    re.compile(r"^(?P<ref>.+?)\s+(?:wasn't|wasnt|was not|isn't|isnt|is not)\s+(?P<old>.+?)[,;.]?\s+"
               r"(?:it was|it's|it is|its|that was|but|it should be)\s+(?:actually\s+)?(?P<new>.+)$", re.I),
    # "the Safeway one was groceries, not dining" (the old value is required here: see edit_intent)
    re.compile(rf"^(?P<ref>.+?)\s+(?:was|is|were)\s+(?P<new>.+?){_NOT}$", re.I),
]

_OTHER_THINGS = re.compile(
    r"\b(?:budget|income|pension|paycheck|salary|social security|trip|route|calendar|event|reminder|meetup|"
    r"post|message|account|vehicle|alert|conversation|chat)s?\b",
    re.IGNORECASE,
)
_MANY = re.compile(
    r"\b(?:all|every|both|these|those)\b|\blast\s+(?:two|three|four|five|few|couple|\d+)\b|\bexpenses\b", re.I
)
_EXPENSE_WORD = re.compile(
    r"\b(?:expenses?|charges?|entry|entries|purchases?|transactions?|payments?|bills?|receipts?|one|it|that|this)\b",
    re.IGNORECASE,
)
_LATEST = re.compile(r"\b(?:last|latest|most recent|newest|previous|recent|just)\b", re.IGNORECASE)
_NAMED_PERIOD = re.compile(
    rf"\b(?:last|past|previous|this)\s+"
    rf"(?:month|week|year|night|\d+\s+days|seven days|thirty days|{parsing._WEEKDAYS})\b",
    re.IGNORECASE,
)
_FIELD_HINTS = {
    "merchant": re.compile(r"\b(?:merchant|store|shop|vendor|payee|place)\b", re.I),
    "description": re.compile(r"\b(?:description|note|label)\b", re.I),
}
_NAME_AFTER = re.compile(r"\b(?:at|from)\s+(?:the\s+)?([A-Z][\w'&.-]*(?:\s+(?:[A-Z][\w'&.-]*|&))*)")
_CAPITALISED = re.compile(r"\b[A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*)*")
_NOT_A_NAME = re.compile(
    rf"^(?:{parsing._MONTHS}|{parsing._WEEKDAYS}|yesterday|today|tonight|last|latest|this|that|these|the|a|an|my|"
    r"it|its|one|i|i'm|i've|pam|expense|expenses|charge|entry|purchase|oops|sorry|please|change|make)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ExpenseReference:
    """Which expense the user means: filters for ``list_expenses`` and a check on each result.

    ``is_latest``: the newest expense that fits ("that last expense"), however many fit.
    """

    when: parsing.PeriodChoice
    start: datetime.date
    end: datetime.date
    amount: Decimal | None = None
    category: str | None = None
    text: str | None = None
    is_latest: bool = False

    def list_arguments(self) -> dict:
        arguments = self.when.as_arguments()
        if self.amount is not None:
            arguments["amount"] = str(self.amount)
        if self.category:
            arguments["category"] = self.category
        if self.text:
            arguments["text"] = self.text
        arguments["limit"] = 1 if self.is_latest else CANDIDATES_LIMIT
        return arguments

    def matches(self, expense: dict) -> bool:
        """Whether a listed expense fits the amount, category and dates (the text is the tool's job)."""
        if self.amount is not None and Decimal(expense["amount"]) != self.amount:
            return False
        if self.category and expense["category"] != self.category:
            return False
        return self.start <= datetime.date.fromisoformat(expense["date"]) <= self.end


@dataclass(frozen=True)
class EditIntent:
    """A request to delete or correct one expense.

    ``action`` is "delete" or "update"; ``changes`` holds an update's new values (amount as
    Decimal, category key, date, merchant, description). ``is_many`` marks a request about
    several expenses at once, which PAM does not do; ``other_thing`` names what else the user
    wants removed or changed ("budget"), which this flow does not touch.
    """

    action: str
    reference: ExpenseReference | None = None
    changes: dict = field(default_factory=dict)
    is_many: bool = False
    other_thing: str = ""


def _clean(text: str) -> str:
    text = _FILLER.sub("", " ".join(text.split()))
    text = _POLITE.sub("", text)
    return _TRAILER.sub("", text)


def name_in(text: str, *, loose: bool = True) -> tuple[str, int, int] | None:
    """A shop or place the user names, with its span: "at Safeway", "from Acme Corp", a known
    place ("the koa expense") and, when ``loose``, any capitalised name ("the Safeway one"). A
    name that is an item word ("the Propane one") is not a place. None when there is none."""
    for match in _NAME_AFTER.finditer(text):
        words = match.group(1).split()
        while words and _NOT_A_NAME.match(words[-1].removesuffix("'s")):
            words.pop()
        if words and not _NOT_A_NAME.match(words[0]):
            name = " ".join(words).rstrip(".,!")
            return name, match.start(1), match.start(1) + len(name)
    for match in _CAPITALISED.finditer(text) if loose else ():
        words = match.group(0).split()
        offset = match.start()
        while words and _NOT_A_NAME.match(words[0].removesuffix("'s")):
            offset = text.index(words[0], offset) + len(words[0])
            words.pop(0)
        while words and _NOT_A_NAME.match(words[-1].removesuffix("'s")):
            words.pop()
        name = " ".join(words).rstrip(".,!")
        if name and not keywords_in_text(name):
            start = text.index(name, offset)
            return name, start, start + len(name)
    place = place_in_text(text)
    if place and not keywords_in_text(place):
        start = text.lower().index(place.lower())
        return place, start, start + len(place)
    return None


def _values(text: str, today: datetime.date, hint: str | None = None) -> dict:
    """The values a fragment names: "$52", "groceries", "yesterday", "at Walmart"."""
    text = text.strip(" .!?,;:")
    if hint == "merchant" and text:
        return {"merchant": re.sub(r"^(?:at|from)\s+(?:the\s+)?", "", text, flags=re.I)[:200]}
    values: dict = {}
    date = parsing.find_date(text, today)
    spans = [(date.start, date.end)] if date else []
    if date:
        values["date"] = date.value
    amount = parsing.find_amount(text, ignore=spans)
    if amount:
        values["amount"] = amount.value
        spans.append((amount.start, amount.end))
    name = name_in(parsing.blank(text, spans))
    rest = parsing.blank(text, spans + ([(name[1], name[2])] if name else []))
    if keywords_in_text(rest):
        values["category"] = category_from_text(rest)
    if name and (hint == "merchant" or _NAME_AFTER.search(text) or not rest.strip()):
        values["merchant"] = name[0]
    if hint == "description" and not values and text:
        values["description"] = text[:500]
    return values


def _reference(text: str, today: datetime.date, old: dict) -> ExpenseReference | None:
    """Filters from the words that point at the expense, plus any old values the user named."""
    date = parsing.find_date(text, today)
    spans = [(date.start, date.end)] if date else []
    period = None if date else parsing.find_period(text, today)
    amount = parsing.find_amount(text, ignore=spans)
    if amount:
        spans.append((amount.start, amount.end))
    name = name_in(parsing.blank(text, spans))
    if name:
        spans.append((name[1], name[2]))
    rest = parsing.blank(text, spans)
    category = category_from_text(rest) if keywords_in_text(rest) else None

    day = old.get("date") or (date.value if date else None)
    amount_value = old.get("amount") or (amount.value if amount else None)
    category = old.get("category") or category
    name_value = old.get("merchant") or (name[0] if name else None)
    has_filters = any(value is not None for value in (day, period, amount_value, category, name_value))
    if not has_filters and not _EXPENSE_WORD.search(text):
        return None
    if day is not None:
        when = parsing.PeriodChoice(start=day, end=day)
    elif period is not None:
        when = period
    else:
        when = parsing.PeriodChoice(start=today - datetime.timedelta(days=RECENT_DAYS - 1), end=today)
    start, end = (when.start, when.end) if when.start else period_range(when.period, today)
    without_periods = _NAMED_PERIOD.sub(" ", parsing.blank(text, [(date.start, date.end)] if date else []))
    return ExpenseReference(
        when=when, start=start, end=end, amount=amount_value, category=category, text=name_value,
        is_latest=bool(_LATEST.search(without_periods)) or not has_filters,
    )


def _hint(text: str) -> str | None:
    return next((name for name, regex in _FIELD_HINTS.items() if regex.search(text)), None)


_CLAUSE_START = re.compile(rf"(?:[,.;!]\s*|\b(?:so|and|just|please)\s+)(?={_DELETE_VERB})", re.IGNORECASE)
_MISTAKE = re.compile(
    r"\b(?:twice|double|duplicate|mistake|wrong|by accident|accidentally|error|didn't|did not|never)\b", re.I
)


def _delete_intent(text: str, today: datetime.date) -> EditIntent | None:
    match = _DELETE.match(text) or _DELETE_PASSIVE.match(text)
    clause = _CLAUSE_START.search(text)
    if not match and clause and _MISTAKE.search(text[: clause.start()]):
        # After the reason: "I logged that twice, delete the last one" (not "…and get rid of the old one").
        match = _DELETE.match(_POLITE.sub("", text[clause.end():]))
    if not match:
        return None
    ref = match.group("ref")
    other = _OTHER_THINGS.search(ref)
    if other:
        return EditIntent("delete", other_thing=other.group(0).lower())
    if _MANY.search(ref):
        return EditIntent("delete", is_many=True)
    reference = _reference(ref, today, {})
    return EditIntent("delete", reference) if reference else None


def _update_intent(text: str, today: datetime.date) -> EditIntent | None:
    for patterns, is_command in ((_UPDATE_PATTERNS, True), (_STATEMENT_PATTERNS, False)):
        for regex in patterns:
            match = regex.match(text)
            if not match:
                continue
            ref = match.group("ref")
            hint = _hint(ref)
            changes = _values(match.group("new"), today, hint)
            old = _values(match.group("old"), today, hint) if match.group("old") else {}
            if not is_command and not changes:
                continue  # "it was actually nice": not a correction
            if match.group("old") and not (set(old) & set(changes)):
                continue  # "lunch was $12, not bad": the "not" is no old value
            if _OTHER_THINGS.search(ref):
                return None  # a budget or an income: not this flow (see is_edit_wording)
            if _MANY.search(ref):
                return EditIntent("update", is_many=True)
            reference = _reference(ref, today, old)
            if reference is None:
                continue
            return EditIntent("update", reference, changes)
    return None


_EDIT_START = re.compile(rf"^(?:{_DELETE_VERB}|{_UPDATE_VERB}\s|make\s+(?:it|that|this)\b)", re.IGNORECASE)


def is_edit_wording(text: str) -> bool:
    """Whether ``text`` asks to change or remove something ("change my pension to $1,300"), so
    that it is never read as something new to log."""
    return bool(_EDIT_START.match(_clean(text)))


def edit_intent(text: str, today: datetime.date) -> EditIntent | None:
    """Read a request to delete or correct one of the user's expenses, or None when ``text`` is
    not one. Dates are read relative to the user's local ``today``; an expense named without a
    day is looked for in the last ``RECENT_DAYS`` days."""
    text = _clean(text)
    if not text:
        return None
    return _delete_intent(text, today) or _update_intent(text, today)
