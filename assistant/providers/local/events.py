"""What the offline provider makes of calendar talk: adding an event or a reminder, asking
what is on, and moving or cancelling one.

Times are written as the user's wall-clock time without an offset ("2026-11-24T14:00"): the
calendar tools read them in the user's timezone. Moving or cancelling takes two steps, like
correcting an expense (edits.py): list the events the words point at, then, when the list comes
back, ``follow_up`` acts on the one that fits, or asks which one, or says none does. A
cancellation only proposes the delete; the user approves it.
"""

import datetime
import re
from dataclasses import dataclass, field

from assistant.providers.local import parsing, replies
from assistant.providers.local.actions import Reply, ToolRequest
from assistant.providers.local.places import place_after, shop_in
from assistant.providers.local.road import task_in

FIND_DAYS = 365  # how far ahead "the dentist appointment" is looked for when no day is named

_POLITE = re.compile(
    r"^(?:(?:oh|ok(?:ay)?|hey|pam|so|and|also|actually|sorry|oops)\b[\s,:;.!-]*)*"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+|i\s+(?:want|need|would like)\s+(?:you\s+)?to\s+"
    r"|i'd like\s+(?:you\s+)?to\s+|let's\s+|lets\s+)*",
    re.IGNORECASE,
)
_CALENDAR_WORDS = re.compile(
    r"\b(?:appointments?|appts?|events?|reminders?|meetings?|calendar|schedule|reservations?|bookings?|"
    r"birthdays?|anniversary|check-?ins?|check-?ups?|dentist|doctor|vet|haircut|call|dinner|lunch|breakfast|"
    r"party|meetup|class|visit|pickup|pick-up|interview|service|massage|tour)\b",
    re.IGNORECASE,
)
_EXPENSE_LIKE = re.compile(
    r"\b(?:expenses?|charges?|purchases?|transactions?|payments?|bills?|receipts?|budgets?|income|pension|"
    r"paycheck|salary|subscriptions?|trip|stop|vehicle|fill-?up)\b|\$\s*\d",
    re.IGNORECASE,
)
_DELETE = re.compile(
    r"^(?:cancel|delete|remove|clear|scrap|drop|erase|call off|take)\s+(?P<ref>.+?)"
    r"(?:\s+(?:from|off|on)\s+(?:my|the)\s+(?:calendar|schedule))?$",
    re.IGNORECASE,
)
_UPDATE = re.compile(
    r"^(?:move|reschedule|push|shift|change|bump|postpone|delay|switch|make)\s+(?P<ref>.+?)\s+"
    r"(?:(?:back|forward|over|out|up)\s+)?(?:to|for|until|till|on)\s+(?P<new>.+)$",
    re.IGNORECASE,
)
_RESCHEDULE_ONLY = re.compile(r"^(?:reschedule|postpone|move|push back)\s+(?P<ref>.+)$", re.IGNORECASE)
_REMIND = re.compile(r"\bremind (?:me|us)\b|\bset (?:a|an|up a)\s+(?:reminder|alarm)\b|^reminder\b",
                     re.IGNORECASE)
_CREATE = re.compile(
    r"^(?:add|schedule|put|set up|create|make|pencil in|calendar|new|book|plan|note|log)\b"
    r"|\b(?:on|to|in)\s+(?:my|the)\s+calendar\b",
    re.IGNORECASE,
)
_BOOK = re.compile(r"^book\b", re.IGNORECASE)
_LIST = re.compile(
    r"\b(?:what(?:'s| is)|anything|show|see|check|view|list|read)\b.{0,30}\b(?:calendar|schedule|agenda)\b"
    r"|\b(?:my|the)\s+(?:calendar|schedule|agenda)\b"
    r"|\bwhat (?:do|have|did) (?:I|we) (?:got|have|get)\b.{0,30}\b(?:on|planned|scheduled|coming up|going on|"
    r"today|tomorrow|this|next)\b"
    r"|\bwhat(?:'s| is) (?:on|planned|scheduled|coming up|happening)\b"
    r"|\b(?:any|my|show|list|upcoming)\b.{0,20}\b(?:appointments|events|reminders|bookings|reservations|meetings)\b"
    r"|\bdo (?:I|we) have (?:anything|any\w*)\b"
    r"|\bwhen(?:'s| is| are)\s+(?:my|the|our)\s+(?:next\s+)?(?P<what>.+?)\??$",
    re.IGNORECASE,
)
_KINDS = [
    (re.compile(r"\bremind", re.IGNORECASE), "reminder"),
    (re.compile(r"\b(?:reservations?|bookings?|booked|check-?in|check-?out|campsite|campground|koa|rv park|ferry|"
                r"tickets?)\b", re.IGNORECASE), "booking"),
    (re.compile(r"\b(?:trip|depart|departure|leave for|road day)\b", re.IGNORECASE), "trip"),
]
_GENERIC = frozenset("""
the my our a an this that appointment appointments appt appts event events calendar schedule on from off in at
for with to of and next upcoming entry one thing reminder reminders booking reservation my's 's please
""".split())
_REMINDER_WORDS = re.compile(r"\breminders?\b", re.IGNORECASE)
_REMINDER_BEFORE = re.compile(
    r"\b(?:remind me|reminder|alert me|notify me|with a)\s*(?P<n>\d+|an?|one|two|half an)?\s*"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|days?)\s+(?:before|ahead|early|prior|in advance)\b"
    r"|\b(?P<n2>\d+|an?|one|two)\s*(?P<unit2>minutes?|mins?|hours?|hrs?|days?)[- ](?:reminder|heads-up|warning)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class EventReference:
    """Which event the user means: words in its title or place, maybe a day and a kind."""

    words: tuple[str, ...] = ()
    day: datetime.date | None = None
    kind: str | None = None

    def list_arguments(self, today: datetime.date) -> dict:
        arguments = {"start_date": (self.day or today).isoformat(),
                     "end_date": (self.day or today + datetime.timedelta(days=FIND_DAYS)).isoformat()}
        if self.words:
            arguments["text"] = max(self.words, key=len)
        if self.kind:
            arguments["kind"] = self.kind
        return arguments

    def matches(self, event: dict) -> bool:
        where = f"{event.get('title', '')} {event.get('location', '')}".lower()
        return all(word in where for word in self.words)

    def describe(self) -> str:
        return " ".join(self.words) or (self.kind or "event")


@dataclass(frozen=True)
class EventIntent:
    """A request to move ("update") or cancel ("delete") one event, with the new day and time
    of a move (``changes``: "day", "time", "duration_minutes")."""

    action: str
    reference: EventReference
    changes: dict = field(default_factory=dict)


def _clean(text: str) -> str:
    text = _POLITE.sub("", " ".join(text.split()))
    return re.sub(r"[\s,]*(?:please|for me|thanks|thank you)?[\s.!?]*$", "", text, flags=re.IGNORECASE)


def _reference(text: str, today: datetime.date) -> EventReference:
    day = parsing.find_day_ahead(text, today)
    spans = [(day.start, day.end)] if day else []
    time = parsing.find_time(text)
    if time:
        spans.append((time.start, time.end))
    rest = parsing.blank(text, spans)
    kind = "reminder" if _REMINDER_WORDS.search(rest) else None
    words = []
    for word in re.findall(r"[\w'’-]+", rest.lower()):
        word = re.sub(r"['’]s$", "", word)
        if word not in _GENERIC and len(word) > 1:
            words.append(word)
    return EventReference(tuple(words), day.value if day else None, kind)


_STRONG_CALENDAR_WORDS = re.compile(
    r"\b(?:appointments?|appts?|events?|reminders?|meetings?|calendar|reservations?|bookings?|birthdays?|"
    r"anniversary|check-?ins?|check-?ups?|dentist|doctor|vet|haircut|interview|meetup)\b",
    re.IGNORECASE,
)


def _is_calendar_ref(ref: str) -> bool:
    """Whether the words of a move or cancel point at an event rather than an expense or a trip
    ("the Safeway one" is an expense)."""
    if _EXPENSE_LIKE.search(ref):
        return False
    if re.search(r"\bone\b", ref, re.IGNORECASE) and not _STRONG_CALENDAR_WORDS.search(ref):
        return False
    return bool(re.search(r"[a-z]{3}", re.sub(r"\b(?:it|that|this|one|the|my|last)\b", "", ref, flags=re.I),
                          re.IGNORECASE))


def change_intent(text: str, today: datetime.date) -> EventIntent | Reply | None:
    """Read a request to move or cancel one event ("move the dentist to 3pm", "cancel the dentist
    appointment"), or None when ``text`` is not one."""
    text = _clean(text)
    match = _UPDATE.match(text)
    if match and _is_calendar_ref(match.group("ref")):
        new = match.group("new")
        day = parsing.find_day_ahead(new, today)
        time = parsing.find_time(new)
        if day is not None or time is not None:
            changes = {}
            if day is not None:
                changes["day"] = day.value
            if time is not None:
                changes["time"] = time.value
            duration = parsing.find_duration(new)
            if duration and duration.value[1] in ("hours", "minutes"):
                changes["duration_minutes"] = _minutes(duration.value)
            return EventIntent("update", _reference(match.group("ref"), today), changes)
    match = _RESCHEDULE_ONLY.match(text)
    if match and _is_calendar_ref(match.group("ref")) and _STRONG_CALENDAR_WORDS.search(match.group("ref")) \
            and not _UPDATE.match(text):
        return Reply("When should it move to? For example “move the dentist to Thursday at 3pm”. "
                     "I haven't changed anything yet.")
    match = _DELETE.match(text)
    if match and _is_calendar_ref(match.group("ref")):
        is_cancel = text.lower().startswith(("cancel", "call off"))
        if is_cancel or _STRONG_CALENDAR_WORDS.search(text):
            return EventIntent("delete", _reference(match.group("ref"), today))
    return None


def _minutes(duration: tuple[float, str]) -> int:
    count, unit = duration
    return max(1, int(count * {"minutes": 1, "hours": 60, "days": 1440, "nights": 1440, "weeks": 10080}[unit]))


def _kind(text: str) -> str:
    for regex, kind in _KINDS:
        if regex.search(text):
            return kind
    return "maintenance" if task_in(text) and not re.search(r"\b(?:dentist|doctor|vet)\b", text, re.I) \
        else "personal"


def _title(text: str, spans: list[tuple[int, int]]) -> str:
    rest = parsing.blank(text, spans)
    rest = re.sub(r"^\s*(?:add|schedule|put|set up|create|make|pencil in|calendar|new|plan|note|log)\b\s*", "", rest,
                  flags=re.IGNORECASE)
    rest = re.sub(r"\b(?:remind (?:me|us)(?:\s+(?:to|about|that|of))?|set (?:a|an|up a)\s+(?:reminder|alarm)"
                  r"(?:\s+(?:to|for|about))?|^reminder(?:\s*:|\s+to)?)\s*", "", rest, flags=re.IGNORECASE)
    rest = re.sub(r"\b(?:on|to|in|into)\s+(?:my|the)\s+calendar\b|\bcalendar\b", " ", rest, flags=re.IGNORECASE)
    rest = " ".join(rest.split())
    rest = re.sub(r"^(?:an?|the|my|our)\s+", "", rest, flags=re.IGNORECASE)
    rest = re.sub(r"(?:\s+(?:on|at|for|to|from|by|in|this|next|with|and|,|-|:))+$", "", rest, flags=re.IGNORECASE)
    rest = rest.strip(" ,.:;-!?")
    return rest[:1].upper() + rest[1:200] if rest else ""


def create_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    """A new event or reminder ("add a dentist appointment next Tuesday at 2pm", "remind me to
    call mom on Friday"), or None when ``text`` does not ask for one."""
    text = _clean(text)
    is_reminder = bool(_REMIND.search(text))
    has_when = parsing.find_day_ahead(text, today) is not None or parsing.find_time(text) is not None
    if not is_reminder and has_when and _STRONG_CALENDAR_WORDS.search(text) \
            and re.match(r"^(?:i|we)\s+(?:have|'ve got|have got|got)\b", text, re.IGNORECASE):
        return Reply("Want it on your calendar? Say “add” with the details — for example “add a dentist appointment "
                     "next Tuesday at 2pm” — and I'll put it there. I haven't added anything yet.")
    if not is_reminder and (not _CREATE.search(text) or parsing.is_question(text)):
        return None
    if parsing.find_amount(text) is not None and "$" in text and not re.search(r"\bcalendar\b", text, re.I):
        return None  # "add $60 campsite fee in 3 days" is money
    day = parsing.find_day_ahead(text, today)
    time = parsing.find_time(text)
    says_calendar = bool(re.search(r"\bcalendar\b", text, re.I) or _STRONG_CALENDAR_WORDS.search(text))
    if _BOOK.match(text) and not re.search(r"\bcalendar\b", text, re.I):
        if day is None and time is None and not says_calendar:
            return None
        return Reply("I can't make bookings, but I can put it on your calendar — for example “add the KOA "
                     "check-in on Friday at 3pm”. I haven't added anything yet.")
    if not is_reminder and day is None and time is None and not says_calendar:
        return None
    if not is_reminder and not (_CALENDAR_WORDS.search(text) or time is not None or says_calendar):
        return None
    spans = []
    for found in (day, time):
        if found is not None:
            start = found.start
            before = re.search(r"\b(?:at|on|from|for|by|this|starting)\s+$", text[:start], re.IGNORECASE)
            spans.append((before.start() if before else start, found.end))
    duration = parsing.find_duration(text)
    if duration and duration.value[1] in ("hours", "minutes", "days", "nights", "weeks"):
        spans.append((duration.start, duration.end))
    before_minutes = _REMINDER_BEFORE.search(text)
    if before_minutes:
        spans.append(before_minutes.span())
    location = _location(parsing.blank(text, spans))
    if location:
        spans.append((location[1], location[2]))
    title = _title(text, spans)
    if not title:
        return Reply("What should I call it? For example “add a dentist appointment next Tuesday at 2pm”. "
                     "I haven't added anything yet.")
    if day is None and time is None:
        return Reply(f"When is “{title}”? Tell me the day (and time, if it has one) — for example “{title.lower()} "
                     "on Friday at 2pm”. I haven't added anything yet.")
    when = day.value if day else today
    if when < today:
        return Reply(f"{when:%A, %B} {when.day} has passed, so I haven't added it. Which day did you mean?")
    arguments: dict = {"title": title, "kind": "reminder" if is_reminder else _kind(text)}
    if time is not None:
        start = datetime.datetime.combine(when, time.value.start)
        arguments["starts_at"] = start.strftime("%Y-%m-%dT%H:%M")
        if time.value.end is not None:
            end = datetime.datetime.combine(when, time.value.end)
            if end <= start:
                end += datetime.timedelta(days=1)
            arguments["duration_minutes"] = int((end - start).total_seconds() // 60)
    else:
        arguments["date"] = when.isoformat()
    if duration and "duration_minutes" not in arguments and (time is not None or duration.value[1] != "hours"):
        arguments["duration_minutes"] = _minutes(duration.value)
    if location:
        arguments["location"] = location[0]
    if before_minutes:
        count = before_minutes.group("n") or before_minutes.group("n2") or "1"
        unit = (before_minutes.group("unit") or before_minutes.group("unit2")).lower()
        number = {"a": 1, "an": 1, "one": 1, "two": 2, "half an": 0.5}.get(count.lower()) or int(count)
        arguments["reminder_minutes"] = int(number * (1440 if unit.startswith("d") else 60 if unit.startswith("h")
                                                      else 1))
    return ToolRequest("create_calendar_event", arguments)


def reminder_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    """A reminder ("remind me to get the oil changed on Friday"), before the road's rules read
    "oil changed" as work done."""
    return create_request(text, today) if _REMIND.search(text) else None


def _location(text: str) -> tuple[str, int, int] | None:
    """Where an event is: "at Moab Dental", "in Grand Junction" (a name, not a time)."""
    shop = shop_in(text)
    if shop:
        start = text.index(shop)
        return shop, start, start + len(shop)
    return place_after(text, "in")


def _window(text: str, today: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The days a calendar question covers: "today", "tomorrow", "this week" (to Sunday; from a
    Saturday or Sunday, the seven days ahead, which is what people mean then), "next
    week", "this weekend", "this month", "next N days", a named day; None for the default."""
    lower = text.lower()
    match = re.search(r"\b(?:next|coming)\s+(\d{1,3})\s+days\b", lower)
    if match:
        return today, today + datetime.timedelta(days=max(1, int(match.group(1))) - 1)
    if re.search(r"\bthis week\b|\brest of the week\b", lower):
        if today.weekday() >= 5 and "rest of" not in lower:
            return today, today + datetime.timedelta(days=6)
        return today, today + datetime.timedelta(days=6 - today.weekday())
    if re.search(r"\bnext week\b", lower):
        monday = today + datetime.timedelta(days=7 - today.weekday())
        return monday, monday + datetime.timedelta(days=6)
    weekend = re.search(r"\b(?:this|next|the)?\s*weekend\b", lower)
    if weekend:
        saturday, sunday = parsing.weekend_of(weekend.group(0).strip(), today)
        return max(saturday, today), sunday
    if re.search(r"\bthis month\b", lower):
        following = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        return today, following - datetime.timedelta(days=1)
    if re.search(r"\bnext month\b", lower):
        first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        return first, (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    day = parsing.find_day_ahead(text, today)
    if day is not None and day.value >= today:
        return day.value, day.value
    return None


def list_request(text: str, today: datetime.date) -> ToolRequest | None:
    """A question about what is on the calendar ("what's on my calendar this week?", "when is my
    dentist appointment?"), or None."""
    text = " ".join(text.split())
    match = _LIST.search(text)
    if not match:
        return None
    arguments: dict = {}
    what = match.groupdict().get("what")
    if what:
        if not _CALENDAR_WORDS.search(what):
            return None  # "when is my next trip?" and "when is rent due?" are not calendar questions
        reference = _reference(what, today)
        arguments.update(reference.list_arguments(today))
        return ToolRequest("list_calendar_events", arguments)
    window = _window(text, today)
    if window:
        arguments.update(start_date=window[0].isoformat(), end_date=window[1].isoformat())
    if re.search(r"\breminders\b", text, re.IGNORECASE):
        arguments["kind"] = "reminder"
    elif re.search(r"\b(?:bookings|reservations)\b", text, re.IGNORECASE):
        arguments["kind"] = "booking"
    return ToolRequest("list_calendar_events", arguments)


def change_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    """The first step of moving or cancelling an event: list the ones the words point at."""
    intent = change_intent(text, today)
    if intent is None or isinstance(intent, Reply):
        return intent
    return ToolRequest("list_calendar_events", intent.reference.list_arguments(today))


def _local(value: str) -> datetime.datetime:
    """An event time from a tool result, as the wall-clock time it shows (its own offset)."""
    return datetime.datetime.fromisoformat(value)


def follow_up(original_text: str, data: dict, today: datetime.date) -> ToolRequest | Reply | None:
    """After list_calendar_events for "move the dentist to 3pm" or "cancel the dentist
    appointment": the one event that fits is moved (update_calendar_event) or proposed for
    deletion (delete_calendar_event, which waits for the user's approval); none or several → say
    so and ask. None when the listing was a plain question."""
    intent = change_intent(original_text, today)
    if not isinstance(intent, EventIntent):
        return None
    verb = "moved" if intent.action == "update" else "cancelled"
    reference = intent.reference
    events = [event for event in data.get("events", []) if reference.matches(event)]
    if not events:
        where = f"“{reference.describe()}”" if reference.words else "an event like that"
        span = (f"on {reference.day:%a %b} {reference.day.day}" if reference.day
                else "in the coming year")
        return Reply(f"I couldn't find {where} on your calendar {span}, so I haven't {verb} anything.")
    if len(events) > 1:
        return Reply(f"{len(events)} events fit that, so I haven't {verb} anything yet:\n"
                     f"{replies.events_list(events, today)}\n"
                     f"Which one did you mean? Tell me its day — for example “{_example(intent, events[0])}”.")
    event = events[0]
    if intent.action == "delete":
        return ToolRequest("delete_calendar_event", {"event_id": event["id"]})
    start = _local(event["starts_at"])
    changes = intent.changes
    if event["all_day"] and "time" in changes:
        return Reply(f"“{event['title']}” is an all-day event, and I can only move it to another day, not give it "
                     "a time, so I haven't changed it. Tell me the new day, or cancel it and add it again with a time.")
    day = changes.get("day", start.date())
    clock = changes["time"].start if "time" in changes else start.time()
    new_start = datetime.datetime.combine(day, clock)
    arguments = {"event_id": event["id"]}
    if new_start != start.replace(tzinfo=None):
        arguments["starts_at"] = new_start.strftime("%Y-%m-%dT%H:%M")
    end_clock = changes["time"].end if "time" in changes else None
    if end_clock is not None:
        end = datetime.datetime.combine(day, end_clock)
        arguments["duration_minutes"] = int(((end - new_start) % datetime.timedelta(days=1)).total_seconds() // 60)
    elif "duration_minutes" in changes:
        arguments["duration_minutes"] = changes["duration_minutes"]
    if len(arguments) == 1:
        return Reply(f"“{event['title']}” is already then, so I haven't changed anything.")
    if new_start.date() < today:
        return Reply(f"{new_start:%a %b} {new_start.day} has passed, so I haven't moved “{event['title']}”.")
    return ToolRequest("update_calendar_event", arguments)


def _example(intent: EventIntent, event: dict) -> str:
    """ "move the dentist on Tuesday to 3 PM": the request again, naming the first event's day."""
    start = _local(event["starts_at"])
    what = " ".join(intent.reference.words) or event["title"].lower()
    if intent.action == "delete":
        return f"cancel the {what} on {start:%A}"
    new = []
    if "day" in intent.changes:
        new.append(f"{intent.changes['day']:%A}")
    if "time" in intent.changes:
        new.append(replies.clock(intent.changes["time"].start))
    return f"move the {what} on {start:%A} to {' at '.join(new)}"
