"""What the offline provider makes of one user message: a tool to call, or a reply to give.

The rules, in order: small talk (greetings, thanks, help, jokes); undoing PAM's last change
("undo that", undoing.py); moving or cancelling a calendar event (events.py); the road —
vehicles, fill-ups, maintenance, trips, drive time, weather, saved places (road.py); adding an
event or asking what is on the calendar; deleting or correcting an expense; exporting; looking
ahead (the month's projection, savings); setting a budget; asking about budgets; listing
expenses; asking about spending; logging income; logging an expense. A
message that fits none gets an honest "I don't follow" with what PAM can do. Nothing here
writes: a write happens only when the agent runs the tool this returns, and wording that is
unsure (a question, a plan, no amount) never becomes a write.

Deleting or correcting takes two steps: list the expenses the user points at, then, when the list
comes back, ``follow_up`` acts on the one that fits, or asks which one, or says none does. Moving
or cancelling an event, and adding a stop to a trip the user names, work the same way.
"""

import datetime
import re
from decimal import Decimal

from assistant.providers.local import alerts, edits, events, parsing, replies, road, undoing
from assistant.providers.local.actions import Reply, ToolRequest
from finance.categories import category_from_text, keywords_in_text, place_in_text
from finance.models import Category, IncomeKind
from finance.recurrence import STEPS, next_occurrence, occurrences_between

CAPABILITIES = (
    "Here's what I can do right now:\n"
    "Money\n"
    "• Log an expense — “spent $45 on groceries at Safeway yesterday”, or a bill: “Starlink is $120 every month”\n"
    "• Log income — “my $1,200 pension came in”\n"
    "• Fix or delete an expense — “that last expense was actually $52”, “delete the $30 propane expense”\n"
    "• List or export expenses — “show my fuel expenses this week”, “export last month's expenses”\n"
    "• Budgets and spending — “how's my budget looking?”, “set my grocery budget to $800 a month”\n"
    "• Look ahead — “am I on track this month?” or “where can I save money?”\n"
    "Road\n"
    "• Trips — “plan a trip from Denver to Moab next Friday”, “add a stop in Green River to my trip”\n"
    "• Drive time and fuel cost — “how long to drive from Denver to Moab?”, “how much gas for 500 miles at 10 mpg?”\n"
    "• Fill-ups, MPG and maintenance — “filled up 32 gallons at $3.89, odometer 45,210”, “when is my next oil "
    "change due?”\n"
    "• Weather, vehicles and places — “what's the weather in Moab this weekend?”, “save Sand Flats campground near "
    "Moab”\n"
    "Calendar\n"
    "• “add a dentist appointment next Tuesday at 2pm”, “remind me to call mom on Friday”, “what's on my calendar "
    "this week?”, “move the dentist to 3pm”\n"
    "Alerts\n"
    "• “stop sending me weather alerts”, “quiet hours from 10pm to 7am”, “what are my alert settings?”\n"
    "Changed your mind?\n"
    "• “undo that” takes back my last change, for 10 minutes"
)

JOKES = [
    "Why did the RV break up with the tent? It needed more space — and full hookups.",
    "What's an RVer's favourite kind of music? Anything with a good hitch in the rhythm.",
    "I asked my RV how it was feeling. It said a little tired — four of them, in fact.",
]

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


_is_question = parsing.is_question


def _merchant(text: str) -> str:
    for match in _MERCHANT.finditer(text):
        words = match.group(1).split()
        if re.match(r"^\d[\d,.]*$", words[0]):
            continue  # "at 45,000 miles" is an odometer, not a shop
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


_EXPORT = re.compile(r"\b(?:export|download|csv|spreadsheet|excel)\b", re.IGNORECASE)
_PROJECTION = re.compile(
    r"\bon (?:track|pace|course)\b"
    r"|\b(?:will|going to|gonna)\b.{0,40}\b(?:stay|be|go|end up|come in|finish|run|land|keep)\s+"
    r"(?:under|over|within|below|above)\b"
    r"|\b(?:will|going to|gonna)\b.{0,40}\b(?:exceed|overspend|blow|bust|go over)\b"
    r"|\bhow will\b.*\bmonth\b|\bmonth\b.{0,20}\b(?:end up|turn out|finish|shaping up|shape up|end)\b"
    r"|\bend of (?:the |this )?month\b|\bmonth[- ]end\b|\bforecast|\bprojection|\bprojected\b|\bpredict"
    r"|\bat (?:this|my current|the current|my) (?:pace|rate)\b|\bhow much will I (?:spend|have spent)\b",
    re.IGNORECASE,
)
# The projection is about money: "will I be under way by noon?" or a weather forecast is not.
_NOT_MONEY = re.compile(
    r"\b(?:weather|rain|snow|wind|storm|temperature|trip|drive|driving|route|arrive|arrival|miles|destination)\b",
    re.IGNORECASE,
)
_SAVINGS = re.compile(
    r"\b(?:where|how|what)\b.{0,30}\b(?:save|saving|cut|trim|spend less|reduce|economi[sz]e)\b"
    r"|\bsav(?:e|ing) (?:some )?money\b|\bsavings? (?:opportunit|tip|idea)|\bways to (?:save|cut)\b"
    r"|\bcut (?:back|down|costs|my costs|spending|my spending)\b|\bspend(?:ing)? less\b|\bwhere am I overspending\b"
    r"|\btighten\b.{0,20}\bbelt\b|\bfind (?:me )?(?:some )?savings\b",
    re.IGNORECASE,
)
_EXPENSE_NOUNS = r"(?:expenses|purchases|transactions|charges|receipts|payments|entries|bills)"
_LIST = re.compile(rf"\b(?:list|itemi[sz]e)\b.*\b(?:{_EXPENSE_NOUNS}|spent|spending|bought)\b", re.IGNORECASE)
_SHOW = re.compile(
    rf"\b(?:show|see|view|display|pull up|give me|what are|what were|which)\b.*\b{_EXPENSE_NOUNS}\b", re.IGNORECASE
)
_HOW_MANY = r"\d{1,3}|few|two|three|four|five|six|seven|eight|nine|ten"
_EACH = re.compile(rf"\b(?:each|every|all|individual|recent|latest|last\s+(?:{_HOW_MANY}))\b", re.IGNORECASE)
# "my last 3 expenses": how many to list, never an amount.
_LAST_N = re.compile(rf"\b(?:last|latest|recent)\s+({_HOW_MANY})\b", re.IGNORECASE)
_BOUGHT_WHERE = re.compile(r"\bwhat did I (?:buy|get|pay for|spend)\b", re.IGNORECASE)

_INCOME_SOURCES = [
    # (words, kind, source label (None: the words as said), named clearly enough to need no verb)
    (r"\bsocial security\b|\bss (?:check|payment|deposit|benefits?)\b|\bssdi\b|\bssi\b",
     IncomeKind.PENSION, "Social Security", True),
    (r"\bpensions?\b|\bretirement (?:check|payment|income)\b|\bannuity\b|\bva (?:benefits?|disability|check)\b",
     IncomeKind.PENSION, "Pension", True),
    (r"\bpay ?checks?\b|\bsalary\b|\bwages?\b|\bpayroll\b|\bpay ?day\b", IncomeKind.SALARY, None, True),
    (r"\bmy job\b", IncomeKind.SALARY, "Pay", False),
    (r"\bfreelance\b|\bgigs?\b|\bclients?\b|\bside (?:job|hustle|gig)\b|\bconsulting\b|\bcontract work\b"
     r"|\binvoices?\b|\bcommissions?\b", IncomeKind.FREELANCE, "Freelance work", False),
    (r"\brental income\b|\bincome\b|\bdividends?\b|\binterest\b|\btax refund\b", IncomeKind.OTHER, None, False),
]
_INCOME_SOURCE_RES = [(re.compile(words, re.IGNORECASE), *rest) for words, *rest in _INCOME_SOURCES]
_INCOME_CUE = re.compile(
    r"\b(?:received|receive|receives|got|get|gets|getting|came|come|comes|coming|arrived|arrives|deposited|"
    r"hit my account|earned|earn|made|from|paid me)\b",
    re.IGNORECASE,
)
_INCOME_VERB = re.compile(r"\b(?:received|got paid|get paid|paid me|deposited|earned)\b", re.IGNORECASE)
_OUTGOING = re.compile(
    r"\b(?:spent|spend|bought|buy|purchased|cost|costs|charged|bill|fee|owe|(?<!got\s)(?<!get\s)paid\s+(?:for\b|\$|\d))"
    r"|\bfor\s+\$?\d",
    re.IGNORECASE,
)
_STARTING = re.compile(r"\b(?:starting|beginning|starts|begins|effective)\s*$", re.IGNORECASE)


def _unsupported_rhythm(text: str) -> Reply:
    rhythm = parsing.IRREGULAR_REPEAT_RE.search(text).group(0)
    return Reply(
        f"I can repeat things weekly, monthly or yearly, but not {rhythm}, so I haven't logged anything. "
        "Tell me each one as it comes, or say how it repeats (for example “every month”)."
    )


def _repeat_start(date: parsing.Found | None, frequency: str, text: str, today: datetime.date) -> datetime.date:
    """The first day of something that repeats: today when no day is named. Named days are read
    in the past, but "starting Dec 1" means the next Dec 1, and a day more than one step back
    becomes its latest occurrence (so "every month on Dec 3" does not post a year of bills)."""
    if date is None:
        return today
    day = date.value
    if day > today:
        return day
    if _STARTING.search(text[: date.start]):
        return next_occurrence(day, frequency, today - datetime.timedelta(days=1))
    if day + STEPS[frequency] <= today:
        day = list(occurrences_between(day, frequency, today - STEPS[frequency], today))[-1]
    return day


def _expense_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    date = parsing.find_date(text, today)
    date_spans = [(date.start, date.end)] if date else []
    amount = parsing.find_amount(text, ignore=date_spans)
    category = category_from_text(text)
    explicit_log = bool(_LOG_VERB.search(text))
    spend_verb = bool(_SPEND_VERB.search(text))
    repeats = parsing.find_repeats(text)

    if amount is None:
        if _is_question(text):
            return None  # "how do I delete an expense?" asks for no amount
        if explicit_log or (spend_verb and category):
            what = _category_label(category) if category else "that"
            return Reply(f"How much was {what}? Tell me the amount and I'll log it.")
        return None
    if _is_question(text) and not explicit_log:
        return None
    # A date is no plan: "in May" is not "may".
    if _HYPOTHETICAL.search(parsing.blank(text, date_spans)) and not explicit_log:
        return Reply(
            "It sounds like that hasn't happened yet, so I haven't logged anything. "
            "Tell me once you've paid and I'll record it."
        )
    if parsing.IRREGULAR_REPEAT_RE.search(text) and (explicit_log or spend_verb or category):
        return _unsupported_rhythm(text)
    if category is None:
        if not (explicit_log or spend_verb or repeats):
            return None
        category = Category.OTHER.value
    if repeats:
        day = _repeat_start(date, repeats, text, today)
    elif date is not None and date.value > today:
        return Reply(
            f"{date.value:%B} {date.value.day} is still ahead, so I haven't logged it. "
            "Tell me once you've paid and I'll record it."
        )
    else:
        day = date.value if date else today
    arguments = {
        "amount": str(amount.value),
        "category": category,
        "date": day.isoformat(),
        "description": ", ".join(keywords_in_text(text))[:500],
        "merchant": _merchant(text),
    }
    if repeats:
        arguments["repeats"] = repeats
    return ToolRequest("log_expense", arguments)


def _income_source(text: str) -> tuple[str, str] | None:
    """``(kind, source)`` of the income ``text`` names, or None when it names none. The source
    is who paid when the user says so ("from Acme Corp"), else what the income is ("Pension")."""
    payer = _place_named(text)
    for regex, kind, label, is_clear in _INCOME_SOURCE_RES:
        match = regex.search(text)
        if match and (is_clear or _INCOME_CUE.search(text)):
            return kind.value, payer or label or match.group(0).title()
    if _INCOME_VERB.search(text):
        return IncomeKind.OTHER.value, payer or "Income"
    return None


def _income_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    date = parsing.find_date(text, today)
    date_spans = [(date.start, date.end)] if date else []
    amount = parsing.find_amount(text, ignore=date_spans)
    if amount is None or _OUTGOING.search(text) or (_is_question(text) and not _LOG_VERB.search(text)):
        return None
    found = _income_source(text)
    if found is None:
        return None
    kind, source = found
    if _HYPOTHETICAL.search(parsing.blank(text, date_spans)) and not _LOG_VERB.search(text):
        return Reply(
            "It sounds like that hasn't arrived yet, so I haven't logged anything. "
            "Tell me once it's in and I'll record it."
        )
    if parsing.IRREGULAR_REPEAT_RE.search(text):
        return _unsupported_rhythm(text)
    repeats = parsing.find_repeats(text)
    if repeats:
        day = _repeat_start(date, repeats, text, today)
    elif date is not None and date.value > today:
        return Reply(
            f"{date.value:%B} {date.value.day} is still ahead, so I haven't logged it. "
            "Tell me once it has arrived and I'll record it."
        )
    else:
        day = date.value if date else today
    arguments = {"amount": str(amount.value), "source": source[:200], "kind": kind, "date": day.isoformat()}
    if repeats:
        arguments["repeats"] = repeats
    return ToolRequest("log_income", arguments)


def _filters(text: str, today: datetime.date, default_period: str = "this_month") -> dict:
    """list_expenses / export_expenses arguments for the period and category ``text`` names."""
    period = parsing.find_period(text, today) or parsing.PeriodChoice(period=default_period)
    arguments = period.as_arguments()
    category = category_from_text(text)
    if category:
        arguments["category"] = category
    return arguments


def _place_named(text: str) -> str | None:
    """The shop, place or payer named after "at" or "from" ("at Walmart", "at the KOA", "from
    Acme Corp"), if any."""
    named = edits.name_in(text, loose=False)
    if named is None:
        return None
    before = text[: named[1]]
    return named[0] if re.search(r"\b(?:at|from)\s+(?:the\s+)?$", before, re.IGNORECASE) else None


def _list_request(text: str, today: datetime.date) -> ToolRequest | None:
    place = _place_named(text)
    wants_list = bool(_LIST.search(text)) or (
        bool(_SHOW.search(text)) and bool(place or category_from_text(text) or _EACH.search(text))
    ) or (bool(place) and bool(_SPENDING_QUESTION.search(text) or _BOUGHT_WHERE.search(text)))
    if not wants_list:
        return None
    last_n = _LAST_N.search(text)
    recent = last_n or re.search(r"\b(?:recent|latest)\b", text, re.IGNORECASE)
    if recent and parsing.find_period(text, today) is None:
        start = today - datetime.timedelta(days=edits.RECENT_DAYS - 1)
        arguments = {"start_date": start.isoformat(), "end_date": today.isoformat()}
        category = category_from_text(text)
        if category:
            arguments["category"] = category
    else:
        arguments = _filters(text, today)
    if place:
        arguments["text"] = place
        if category_from_text(text) == category_from_text(place):
            arguments.pop("category", None)  # "at Safeway" names the shop, not a category
    if last_n:
        said = last_n.group(1).lower()
        count = 5 if said == "few" else int(parsing.WORD_COUNTS.get(said, said))
        arguments["limit"] = max(1, min(count, 100))
    return ToolRequest("list_expenses", arguments)


def _edit_request(intent: edits.EditIntent, today: datetime.date) -> ToolRequest | Reply:
    verb = "delete" if intent.action == "delete" else "change"
    if intent.other_thing:
        return Reply(
            f"I can only {verb} expenses from here, so I haven't touched your {intent.other_thing}. "
            "To remove an expense, tell me which one — for example “delete the $30 propane expense from Nov 3”."
        )
    if intent.is_many:
        return Reply(
            f"I can {verb} one expense at a time, and I haven't changed anything. Tell me which one — for example "
            f"“{verb} the $30 propane expense from Nov 3”."
        )
    if intent.action == "update":
        if not intent.changes:
            return Reply(
                "What should I change it to? For example “make it $52” or “it was groceries, not dining”. "
                "I haven't changed anything yet."
            )
        day = intent.changes.get("date")
        if day is not None and day > today:
            return Reply(f"{day:%B} {day.day} is still ahead, and an expense is dated when it was paid, "
                         "so I haven't changed anything.")
    return ToolRequest("list_expenses", intent.reference.list_arguments())


def follow_up(original_text: str, tool: str, data: dict, today: datetime.date,
              currency: str = "USD") -> ToolRequest | Reply | None:
    """The next step of a two-step request once a tool's result is back, or None when the result
    itself is the answer (``replies.compose`` writes it).

    ``original_text`` is what the user asked. After ``list_expenses`` for "delete the $30 propane
    expense" or "that last expense was actually $52": exactly one expense that fits (or the newest,
    for "that last expense") → ``delete_expense`` (which only proposes it; the user approves) or
    ``update_expense`` with the changes; none → say so; several → list them and ask which.
    """
    if tool == "list_calendar_events":
        return events.follow_up(original_text, data, today)
    if tool == "list_trips":
        return road.trip_follow_up(original_text, data, today)
    if tool != "list_expenses":
        return None
    intent = edits.edit_intent(" ".join(original_text.split()), today)
    if intent is None or intent.reference is None or (intent.action == "update" and not intent.changes):
        return None
    reference = intent.reference
    currency = data.get("currency") or currency
    candidates = [expense for expense in data.get("expenses", []) if reference.matches(expense)]
    if reference.is_latest:
        candidates = candidates[:1]
    elif data.get("count", 0) > len(data.get("expenses", [])):
        candidates += [None] * (data["count"] - len(data["expenses"]))  # more than were listed
    if not candidates:
        return Reply(replies.no_expense_found(intent.action, reference, data, currency, today))
    if len(candidates) > 1:
        shown = [expense for expense in candidates if expense is not None]
        return Reply(replies.which_expense(intent.action, shown, len(candidates), currency, today))
    expense = candidates[0]
    if intent.action == "delete":
        return ToolRequest("delete_expense", {"expense_id": expense["id"]})
    changes = {name: value for name, value in intent.changes.items() if not _same(expense, name, value)}
    if not changes:
        return Reply(replies.already_so(expense, currency, today))
    arguments = {"expense_id": expense["id"]}
    for name, value in changes.items():
        arguments[name] = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return ToolRequest("update_expense", arguments)


def _same(expense: dict, name: str, value) -> bool:
    current = expense.get(name)
    if name == "amount":
        return Decimal(current) == value
    if name == "date":
        return current == value.isoformat()
    return (current or "").casefold() == str(value).casefold()


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

    # The road and the calendar first: their wording is specific ("odometer", "next Tuesday at
    # 2pm"), while the money rules read any number as an amount.
    for step in (undoing.undo_request, alerts.alert_request, events.change_request, events.reminder_request,
                 road.road_request, events.create_request, events.list_request):
        result = step(text, today)
        if result is not None:
            return result

    intent = edits.edit_intent(text, today)
    if intent is not None and not (_BUDGET.search(text) and intent.action == "update"):
        return _edit_request(intent, today)
    has_amount = parsing.find_amount(_LAST_N.sub(" ", text)) is not None
    if _EXPORT.search(text) and not has_amount:
        return ToolRequest("export_expenses", _filters(text, today))
    if _PROJECTION.search(text) and not has_amount and not _NOT_MONEY.search(text):
        return ToolRequest("predict_end_of_month", {})
    if _SAVINGS.search(text) and not has_amount:
        return ToolRequest("find_savings_opportunities", {})

    if _BUDGET.search(text):
        result = _budget_request(text, today)
        if result is not None:
            return result
    listing = _list_request(text, today)
    if listing is not None and (_is_question(text) or not has_amount):
        return listing
    if _SPENDING_QUESTION.search(text) and (_is_question(text) or not has_amount):
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

    if not edits.is_edit_wording(text):
        result = _income_request(text, today) or _expense_request(text, today)
        if result is not None:
            return result
    if _HELP.search(text):
        return Reply(CAPABILITIES)
    return Reply(
        "I'm not sure what you'd like me to do with that, and I haven't changed anything. "
        f"I'm running in offline mode. {CAPABILITIES}"
    )
