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

_WORD_COUNTS = {
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
    if match and match.group(1) in _WORD_COUNTS:
        return f"{_WORD_COUNTS[match.group(1)]} {match.group(2)} ago"
    match = re.fullmatch(rf"in\s+({_COUNT})\s+(days?|weeks?)", phrase)
    if match and match.group(1) in _WORD_COUNTS:
        return f"in {_WORD_COUNTS[match.group(1)]} {match.group(2)}"
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
