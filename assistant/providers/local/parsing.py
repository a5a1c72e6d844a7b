"""Reading amounts, dates and periods out of what people type.

Dates are read by ``dateparser`` (relative to the user's local now, preferring the past); this
module only finds the date phrases in a sentence, because dateparser's own sentence search takes
"$45" for the year 1945 and "may" for May.
"""

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import dateparser

from finance.money import to_cents

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_COUNT = r"\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a couple|a few"

_DATE_PATTERNS = [
    r"the day before yesterday",
    r"(?:yesterday|today|this)\s+(?:morning|afternoon|evening)",
    r"yesterday|today|tonight|last night|the day after tomorrow|tomorrow",
    rf"next\s+(?:week|month|{_WEEKDAYS})",
    rf"in\s+(?:{_COUNT})\s+(?:days?|weeks?)",
    rf"(?:{_COUNT})\s+(?:days?|weeks?)\s+ago",
    rf"(?:(?:last|this past|on|this)\s+)?(?:{_WEEKDAYS})",
    rf"(?:on\s+)?(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?",
    rf"(?:on\s+)?(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})(?:,?\s+\d{{4}})?",
    r"(?:on\s+)?the\s+\d{1,2}(?:st|nd|rd|th)",
    r"(?:on\s+)?\d{4}-\d{2}-\d{2}",
    r"(?:on\s+)?\d{1,2}/\d{1,2}(?:/\d{2,4})?",
]
DATE_RE = re.compile(r"(?<![\w$])(?:" + "|".join(_DATE_PATTERNS) + r")(?![\w])", re.IGNORECASE)

#: Counts said in words, as digits ("three" → "3"): "three days ago", "my last three expenses".
WORD_COUNTS = {
    "a couple of": "2", "a couple": "2", "a few": "3", "an": "1", "a": "1", "one": "1", "two": "2",
    "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}


@dataclass(frozen=True)
class Found:
    """A piece of the text: its value and where it stood."""

    value: object
    start: int
    end: int


def _normalise_date_phrase(phrase: str) -> str:
    phrase = phrase.lower().strip()
    phrase = re.sub(r"^on\s+", "", phrase)
    phrase = phrase.replace("the day before yesterday", "2 days ago").replace("this past ", "last ")
    phrase = phrase.replace("the day after tomorrow", "in 2 days")
    if phrase in ("tonight",) or re.fullmatch(r"this (?:morning|afternoon|evening)", phrase):
        return "today"
    if re.fullmatch(r"yesterday (?:morning|afternoon|evening)", phrase) or phrase == "last night":
        return "yesterday"
    match = re.fullmatch(rf"({_COUNT})\s+(days?|weeks?)\s+ago", phrase)
    if match and match.group(1) in WORD_COUNTS:
        return f"{WORD_COUNTS[match.group(1)]} {match.group(2)} ago"
    match = re.fullmatch(rf"in\s+({_COUNT})\s+(days?|weeks?)", phrase)
    if match and match.group(1) in WORD_COUNTS:
        return f"in {WORD_COUNTS[match.group(1)]} {match.group(2)}"
    return phrase


_DAY_OF_MONTH_RE = re.compile(r"(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)", re.IGNORECASE)


def _last_day_numbered(number: int, today: datetime.date) -> datetime.date | None:
    """The latest day on or before ``today`` that is the ``number``-th of its month."""
    if not 1 <= number <= 31:
        return None
    month = today.replace(day=1)
    for _ in range(12):
        if number <= calendar.monthrange(month.year, month.month)[1]:
            day = month.replace(day=number)
            if day <= today:
                return day
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return None


def find_date(text: str, today: datetime.date) -> Found | None:
    """The first date the user names, read relative to their local ``today`` (past preferred).

    "yesterday", "last night" → today − 1; "two days ago"; "last Friday"; "Jan 15"; "the 3rd"
    (the latest 3rd); "11/20" (month first); "2026-11-03". Returns None when no date is named.
    """
    base = datetime.datetime.combine(today, datetime.time(12, 0))
    for match in DATE_RE.finditer(text):
        day_of_month = _DAY_OF_MONTH_RE.fullmatch(match.group(0).strip())
        if day_of_month:  # dateparser reads "the 3rd" as March
            day = _last_day_numbered(int(day_of_month.group(1)), today)
            if day is not None:
                return Found(day, match.start(), match.end())
            continue
        parsed = dateparser.parse(
            _normalise_date_phrase(match.group(0)),
            languages=["en"],
            settings={"PREFER_DATES_FROM": "past", "RELATIVE_BASE": base, "DATE_ORDER": "MDY"},
        )
        if parsed is not None:
            return Found(parsed.date(), match.start(), match.end())
    return None


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?|\.\d{1,2}"
_CURRENCY_RE = re.compile(rf"(?:[$€£]|\b(?:usd|cad)\s?)\s?({_NUMBER})(k\b)?", re.IGNORECASE)
_WORDED_RE = re.compile(rf"(?<![\w.,])({_NUMBER})\s*(k\s*)?(?:dollars?|bucks|usd|cad)\b", re.IGNORECASE)
_BARE_RE = re.compile(rf"(?<![\w.,$/:-])({_NUMBER})(?![\w/:%°]|[.,]\d)", re.IGNORECASE)
# Words before a bare number that mark it as the price: "for 300", "was 27.80", "cost me 89".
_PRICE_CUE_RE = re.compile(
    r"(?:for|of|was|were|is|cost|costs|costing|cost me|paid|pay|spent|spend|total|totaled|totalled|"
    r"came to|come to|at|to|charged|budget|bill|limit|\$)\s*$",
    re.IGNORECASE,
)


def _decimal(number: str, thousands: bool = False) -> Decimal | None:
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    if thousands:
        value *= 1000
    return to_cents(value)


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the characters in ``spans`` replaced by spaces (positions kept)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def find_amount(text: str, ignore: list[tuple[int, int]] = ()) -> Found | None:
    """The money amount in ``text`` as a two-place Decimal, or None.

    "$1,250.00", "$45", "45 dollars", "$1.2k" are read first; otherwise a bare number, preferring
    one after a price word ("for 300", "was 27.80") and then one with cents. Numbers inside the
    spans in ``ignore`` (dates) are skipped, and so are quantities with a unit ("32 gallons",
    "3 nights").
    """
    text = blank(text, list(ignore))
    for regex in (_CURRENCY_RE, _WORDED_RE):
        match = regex.search(text)
        if match:
            value = _decimal(match.group(1), thousands=bool(match.group(2)))
            if value is not None and value > 0:
                return Found(value, match.start(), match.end())
    candidates = []
    for match in _BARE_RE.finditer(text):
        following = text[match.end() : match.end() + 12].lower()
        if re.match(r"\s*(?:gallons?|gal|liters?|litres?|miles?|mi|km|mpg|days?|weeks?|months?|years?|"
                    r"nights?|people|percent|%|am|pm|o'clock|st|nd|rd|th)\b", following):
            continue
        value = _decimal(match.group(1))
        if value is None or value <= 0:
            continue
        has_cue = bool(_PRICE_CUE_RE.search(text[: match.start()]))
        has_cents = "." in match.group(1)
        candidates.append(((has_cue, has_cents), Found(value, match.start(), match.end())))
    if not candidates:
        return None
    best = max(candidates, key=lambda item: item[0])
    return best[1]


@dataclass(frozen=True)
class PeriodChoice:
    """Either a named period (``finance.periods.Period`` value) or an explicit date range."""

    period: str | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None

    def as_arguments(self) -> dict:
        if self.period:
            return {"period": self.period}
        return {"start_date": self.start.isoformat(), "end_date": self.end.isoformat()}


_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NAMES.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTH_NAMES["sept"] = 9


def find_period(text: str, today: datetime.date) -> PeriodChoice | None:
    """The spending period a question names, or None.

    Named periods: this week, this month, last month, last 7 days (past week), last 30 days
    (past month), this year (year to date). Explicit ranges: today, yesterday, last week
    (Monday to Sunday), "last N days", a month name ("in October": its most recent past one).
    """
    lower = text.lower()
    if re.search(r"\b(?:last|past|previous)\s+(?:7|seven)\s+days\b|\bpast week\b", lower):
        return PeriodChoice(period="last_7_days")
    if re.search(r"\b(?:last|past|previous)\s+(?:30|thirty)\s+days\b|\bpast month\b", lower):
        return PeriodChoice(period="last_30_days")
    match = re.search(r"\b(?:last|past|previous)\s+(\d{1,3})\s+days\b", lower)
    if match:
        days = max(1, int(match.group(1)))
        return PeriodChoice(start=today - datetime.timedelta(days=days - 1), end=today)
    if re.search(r"\b(?:last|previous)\s+month\b", lower):
        return PeriodChoice(period="last_month")
    if re.search(r"\bthis\s+month\b|\bso far this month\b|\bmonth to date\b", lower):
        return PeriodChoice(period="this_month")
    if re.search(r"\b(?:last|previous)\s+week\b", lower):
        monday = today - datetime.timedelta(days=today.weekday() + 7)
        return PeriodChoice(start=monday, end=monday + datetime.timedelta(days=6))
    if re.search(r"\bthis\s+week\b", lower):
        return PeriodChoice(period="this_week")
    if re.search(r"\bthis\s+year\b|\byear to date\b|\bytd\b|\bso far this year\b", lower):
        return PeriodChoice(period="this_year")
    if re.search(r"\btoday\b", lower):
        return PeriodChoice(start=today, end=today)
    if re.search(r"\byesterday\b", lower):
        yesterday = today - datetime.timedelta(days=1)
        return PeriodChoice(start=yesterday, end=yesterday)
    match = re.search(r"\b(?:in|for|during)\s+(" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\b",
                      lower)
    if match:
        month = _MONTH_NAMES[match.group(1)]
        year = today.year if month <= today.month else today.year - 1
        last_day = calendar.monthrange(year, month)[1]
        end = min(datetime.date(year, month, last_day), today)
        return PeriodChoice(start=datetime.date(year, month, 1), end=end)
    return None


_EVERY = r"(?:every|each|per)"
_REPEAT_PATTERNS = {
    "weekly": (
        rf"\b{_EVERY}\s+(?:week|{_WEEKDAYS})\b|(?<=\d)\s*(?:a|/)\s*(?:week|wk)\b(?!\s+ago)",
        r"weekly",
    ),
    "monthly": (
        rf"\b{_EVERY}\s+(?:month|\d{{1,2}}(?:st|nd|rd|th))\b|(?<=\d)\s*(?:a|/)\s*(?:month|mo)\b(?!\s+ago)",
        r"monthly",
    ),
    "yearly": (
        rf"\b{_EVERY}\s+year\b|(?<=\d)\s*(?:a|/)\s*(?:year|yr)\b(?!\s+ago)",
        r"yearly|annually",
    ),
}
# "monthly" counts only as a statement ("it repeats monthly", "$95 monthly"), not as an adjective
# ("paid the monthly bill"): one payment of a monthly bill is not a request to repeat it.
_REPEAT_RES = {
    frequency: re.compile(
        rf"{always}|(?:\b(?:repeats|recurs|recurring|renews|billed|charged|paid|comes|due|is|it's)|,|\d)\s+(?:{word})\b"
        rf"|\b(?:{word})\s*[.!]?\s*$",
        re.IGNORECASE,
    )
    for frequency, (always, word) in _REPEAT_PATTERNS.items()
}
IRREGULAR_REPEAT_RE = re.compile(
    r"\bevery\s+(?:other|two|2|three|3|four|4|six|6|few|couple of)\s+(?:days?|weeks?|months?)\b|\bbi-?weekly\b"
    r"|\bfortnightly\b|\bquarterly\b|\bsemi-?(?:monthly|annually)\b|\btwice a (?:week|month|year)\b"
    r"|\bevery\s+(?:day|night)\b|\bdaily\b|\bnightly\b",
    re.IGNORECASE,
)


def find_repeats(text: str) -> str | None:
    """How often the user says a bill or income repeats: "weekly", "monthly", "yearly" or None.

    "Starlink is $120 every month", "$95 a month", "it repeats monthly", "every Friday" (weekly).
    Rhythms the tools cannot hold ("every two weeks", "quarterly") match ``IRREGULAR_REPEAT_RE``
    instead and give None here.
    """
    if IRREGULAR_REPEAT_RE.search(text):
        return None
    for frequency, regex in _REPEAT_RES.items():
        if regex.search(text):
            return frequency
    return None


# --- Days ahead, clock times and durations (trips, the calendar, the forecast) -------------------

_QUESTION_START = re.compile(
    r"^\s*(?:how|what|what's|whats|when|where|why|which|who|should|shall|do|does|did|is|are|am|will|"
    r"was|were|have|has|tell me|show me)\b",
    re.IGNORECASE,
)
_POLITE_REQUEST = re.compile(
    r"^\s*(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+)"
    r"(?:log|add|record|enter|track|put|note|set|make|change|update|increase|raise|lower|delete|remove|fix|correct|"
    r"edit|list|show|export|download|plan|save|schedule|move|cancel|remind)\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """Whether ``text`` asks rather than tells ("how much…?", "what's…"); a polite request
    ("can you log…", "please add…") is not a question."""
    if _POLITE_REQUEST.search(text):
        return False
    return text.rstrip().endswith("?") or bool(_QUESTION_START.search(text))


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKEND_RE = re.compile(r"\b(?:(this|next|the|over the|on the)\s+)?weekend\b", re.IGNORECASE)
_WEEKDAY_PHRASE = re.compile(rf"(?:(next|last|this past|on|this)\s+)?({_WEEKDAYS})", re.IGNORECASE)
_MONTH_DAY = re.compile(
    rf"(?:on\s+)?(?:(?P<m1>{_MONTHS})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTHS}))(?:,?\s+(?P<year>\d{{4}}))?",
    re.IGNORECASE,
)
_NUMERIC_DAY = re.compile(r"(?:on\s+)?(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?")
_PAST_WORDS = re.compile(r"\b(?:yesterday|ago|last|past)\b", re.IGNORECASE)


def _month_number(name: str) -> int:
    name = name.lower().rstrip(".")
    return _MONTH_NAMES.get(name) or _MONTH_NAMES[name[:3]]


def _coming(month: int, day: int, today: datetime.date, year: int | None = None) -> datetime.date | None:
    """The ``month``/``day`` on or after ``today`` (this year's, else next year's), or in ``year``."""
    for candidate_year in ([year] if year else [today.year, today.year + 1]):
        try:
            candidate = datetime.date(candidate_year, month, day)
        except ValueError:
            continue
        if year or candidate >= today:
            return candidate
    return None


def _next_day_numbered(number: int, today: datetime.date) -> datetime.date | None:
    """The first day on or after ``today`` that is the ``number``-th of its month."""
    if not 1 <= number <= 31:
        return None
    month = today.replace(day=1)
    for _ in range(12):
        if number <= calendar.monthrange(month.year, month.month)[1] and month.replace(day=number) >= today:
            return month.replace(day=number)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return None


def weekend_of(phrase: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Saturday and Sunday of "this weekend" (the one under way or coming) or "next weekend"
    (the one after)."""
    saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:
        saturday = today - datetime.timedelta(days=1)
    if phrase.lower().startswith("next"):
        saturday += datetime.timedelta(days=7)
    return saturday, saturday + datetime.timedelta(days=1)


def day_ahead(phrase: str, today: datetime.date) -> datetime.date | None:
    """The day one date phrase names, read as coming (see ``find_days_ahead``), or None."""
    phrase = re.sub(r"^on\s+", "", " ".join(phrase.lower().split()))
    weekend = _WEEKEND_RE.fullmatch(phrase)
    if weekend:
        return max(weekend_of(phrase, today)[0], today)
    weekday = _WEEKDAY_PHRASE.fullmatch(phrase)
    if weekday and (weekday.group(1) or "") not in ("last", "this past"):
        ahead = (WEEKDAYS.index(weekday.group(2)) - today.weekday()) % 7
        if weekday.group(1) == "next" and ahead == 0:
            ahead = 7  # "next Friday" said on a Friday is a week away; a bare "Friday" is today
        return today + datetime.timedelta(days=ahead)
    if phrase == "next week":
        return today + datetime.timedelta(days=7 - today.weekday())
    if phrase == "next month":
        return (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    day_of_month = _DAY_OF_MONTH_RE.fullmatch(phrase)
    if day_of_month:
        return _next_day_numbered(int(day_of_month.group(1)), today)
    month_day = _MONTH_DAY.fullmatch(phrase)
    if month_day:
        month = _month_number(month_day.group("m1") or month_day.group("m2"))
        day = int(month_day.group("d1") or month_day.group("d2"))
        return _coming(month, day, today, int(month_day.group("year")) if month_day.group("year") else None)
    numeric = _NUMERIC_DAY.fullmatch(phrase)
    if numeric:
        year = numeric.group(3)
        year = (int(year) + 2000 if len(year) == 2 else int(year)) if year else None
        return _coming(int(numeric.group(1)), int(numeric.group(2)), today, year)
    if _PAST_WORDS.search(phrase):
        found = find_date(phrase, today)
        return found.value if found else None
    base = datetime.datetime.combine(today, datetime.time(12, 0))
    parsed = dateparser.parse(_normalise_date_phrase(phrase), languages=["en"],
                              settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base, "DATE_ORDER": "MDY"})
    return parsed.date() if parsed else None


def find_days_ahead(text: str, today: datetime.date) -> list[Found]:
    """Every day ``text`` names, in order, read as coming (on or after the user's local
    ``today``) — the reading for trips, the calendar and the forecast.

    "next Friday" and a bare "Friday" are the first Friday after today (a bare "Friday" said on
    a Friday is today); "this weekend" is its Saturday (today, when it is under way); "next
    week" is next Monday; "Nov 27" and "the 20th" are the next ones; "tomorrow", "in 3 days".
    Words for the past ("yesterday", "last Friday") keep their past day.
    """
    found = []
    taken: list[tuple[int, int]] = []
    for match in _WEEKEND_RE.finditer(text):
        found.append(Found(day_ahead(match.group(0), today), match.start(), match.end()))
        taken.append((match.start(), match.end()))
    for match in DATE_RE.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        day = day_ahead(match.group(0), today)
        if day is not None:
            found.append(Found(day, match.start(), match.end()))
    return sorted(found, key=lambda item: item.start)


def find_day_ahead(text: str, today: datetime.date) -> Found | None:
    """The first day ``text`` names, read as coming (see ``find_days_ahead``), or None."""
    days = find_days_ahead(text, today)
    return days[0] if days else None


_TIME_RANGE_RE = re.compile(
    r"\b(?:from\s+|between\s+)?(?P<sh>\d{1,2})(?::(?P<sm>\d{2}))?\s*(?:(?P<sp>[ap])\.?\s?m\b\.?)?\s*"
    r"(?:-|–|to|until|till|and)\s*(?:(?P<eh>\d{1,2})(?::(?P<em>\d{2}))?\s*(?P<ep>[ap])\.?\s?m\b\.?"
    r"|(?P<enoon>noon|midnight)\b)",
    re.IGNORECASE,
)
_TIME_RE = re.compile(
    r"\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<p>[ap])\.?\s?m\b\.?"
    r"|\b(?P<noon>noon|midday|midnight)\b"
    r"|\b(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)\b"
    r"|\bat\s+(?P<hb>\d{1,2})(?:\s*o'?clock)?(?![\d,.:/%]|\s*(?:miles?|mi\b|mpg|gal|gallons?|stars?|percent|dollars|"
    r"bucks|nights?|days?|weeks?|hours?|minutes?|mins?|people|am\b|pm\b))",
    re.IGNORECASE,
)
_MORNING = re.compile(r"\b(?:in the morning|this morning|tomorrow morning|morning)\b", re.IGNORECASE)
_EVENING = re.compile(r"\b(?:in the (?:afternoon|evening)|tonight|at night|this (?:afternoon|evening)|evening)\b",
                      re.IGNORECASE)


def _hour(hour: int, meridiem: str | None, text: str = "") -> int | None:
    """A 24-hour hour from what was said: "2" + "p" → 14; a bare hour reads as the calendar apps
    read it (1–7 afternoon, 8–11 morning, 12 noon) unless the text says morning or evening."""
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        return hour % 12 + (12 if meridiem.lower() == "p" else 0)
    if hour > 23:
        return None
    if hour > 12 or hour == 0:
        return hour
    if _MORNING.search(text):
        return hour % 12
    if _EVENING.search(text) or 1 <= hour <= 7:
        return hour % 12 + 12
    return hour


@dataclass(frozen=True)
class ClockTime:
    """A time of day the user said, with the end when they gave a range ("2 to 4pm")."""

    start: datetime.time
    end: datetime.time | None = None


def find_time(text: str) -> Found | None:
    """The time of day in ``text`` as a ``ClockTime``, or None: "2pm", "2:30 p.m.", "14:00",
    "at noon", "at 3" (a bare hour: 1–7 are afternoon), "from 2 to 4pm", "10am-noon"."""
    match = _TIME_RANGE_RE.search(text)
    if match:
        if match.group("enoon"):
            end, end_meridiem = (12, "p") if match.group("enoon").lower() == "noon" else (0, "a")
        else:
            end, end_meridiem = _hour(int(match.group("eh")), match.group("ep")), match.group("ep")
        start = _hour(int(match.group("sh")), match.group("sp") or end_meridiem)
        if start is not None and end is not None and not match.group("sp") and start > end >= 12:
            start -= 12  # "11 to 1pm": the start is the morning
        if start is not None and end is not None:
            return Found(ClockTime(datetime.time(start, int(match.group("sm") or 0)),
                                   datetime.time(end, int(match.group("em") or 0))), match.start(), match.end())
    match = _TIME_RE.search(text)
    if not match:
        return None
    if match.group("noon"):
        hour, minute = (0 if match.group("noon").lower() == "midnight" else 12), 0
    elif match.group("h"):
        hour, minute = _hour(int(match.group("h")), match.group("p")), int(match.group("m") or 0)
    elif match.group("h24"):
        hour, minute = _hour(int(match.group("h24")), None, text), int(match.group("m24"))
    else:
        hour, minute = _hour(int(match.group("hb")), None, text), 0
    if hour is None or minute > 59:
        return None
    return Found(ClockTime(datetime.time(hour, minute)), match.start(), match.end())


_DURATION_RE = re.compile(
    rf"\bfor\s+(?:a\s+|an\s+|the\s+)?(?P<n>{_COUNT}|\d+(?:\.\d+)?|half an|an? half)?\s*"
    r"(?P<unit>hours?|hrs?|minutes?|mins?|days?|nights?|weeks?|weekend)\b",
    re.IGNORECASE,
)


def find_duration(text: str) -> Found | None:
    """A length the user gives with "for": "for 2 hours", "for 30 minutes", "for a week",
    "for 3 nights", "for the weekend". The value is ``(number, unit)`` with unit one of
    "minutes", "hours", "days", "nights", "weeks"; None when there is none."""
    match = _DURATION_RE.search(text)
    if not match:
        return None
    unit = match.group("unit").lower()
    if unit == "weekend":
        return Found((2, "nights"), match.start(), match.end())
    said = (match.group("n") or "1").lower()
    number = 0.5 if said in ("half an", "a half", "an half") else float(WORD_COUNTS.get(said, said))
    unit = {"hr": "hours", "hrs": "hours", "hour": "hours", "min": "minutes", "mins": "minutes",
            "minute": "minutes", "day": "days", "night": "nights", "week": "weeks"}.get(unit, unit)
    return Found((number, unit), match.start(), match.end())
