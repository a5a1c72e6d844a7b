"""Where, in what people type: the places they name ("from Denver to Moab", "near Moab, UT",
"the Grand Canyon") and the shops ("at Love's in Green River", "at Jiffy Lube").

Places are returned as the user said them (a leading lower-case "the" dropped): the travel tools
resolve them with the offline gazetteer. A place ends at a word that cannot be part of one ("to",
"via", "next", "budget"), at punctuation other than a comma before a state or province, and at
any figure blanked out beforehand (``figures_blanked``), so "Moab next Friday" is "Moab".
"""

import datetime
import re

from assistant.providers.local import parsing

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"

_STATES = (
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|hawaii|idaho|"
    "illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|"
    "mississippi|missouri|montana|nebraska|nevada|new hampshire|new jersey|new mexico|new york|north carolina|"
    "north dakota|ohio|oklahoma|oregon|pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|"
    "utah|vermont|virginia|washington|west virginia|wisconsin|wyoming|alberta|british columbia|manitoba|"
    "new brunswick|newfoundland|nova scotia|ontario|quebec|saskatchewan|yukon|mexico|usa|canada"
)
_REGION_AFTER = re.compile(rf",?\s*(?:[A-Z]{{2}}\b|(?:{_STATES})\b)", re.IGNORECASE)
_STOP_WORDS = frozenset("""
to via through thru then and on next this for with budget leaving departing starting returning until till
from at by in tomorrow today tonight over during stopping staying is was will would how what when take takes
taking drive driving cost costs a an my our around about weather forecast be arriving coming back please if
it that so but or near within of plus using we i get getting mpg miles mile mi gallons gallon weekend week
month trip trips nights night days day stop stops rated stars star per each overnight starts start ends end
going want need like can could should may might have has had let's lets its than right now later soon again
also instead rather only just all any some more less hour hours minutes as someday sometime eventually
""".split())
_NOT_A_PLACE = frozenset("""
my our your his her their me us you him them it there here home where somewhere anywhere everywhere which
the that this these those a an drive get go take travel head make reach be do fill spend plan add see visit
buy pay camp park stay leave cost figure find check move cancel book know rain snow storm hail freeze sleet
""".split()) | frozenset(parsing.WEEKDAYS)
_MONTH_WORDS = re.compile(rf"^(?:{parsing._MONTHS})$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][\w.'’&-]*")


def blank(text: str, spans) -> str:
    """``text`` with the characters in ``spans`` replaced by "|", which no place crosses."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "|" * (end - start)
    return "".join(chars)


def place_at(text: str, position: int, *, max_words: int = 6) -> tuple[str, int, int] | None:
    """The place name starting at ``position`` ("Grand Junction", "Moab, UT", "the Grand
    Canyon") with its span, or None when the words there are not a place ("drive", "my trip").
    It ends at a stop word ("to", "via", "next"), a date or figure blanked out with "|", or
    punctuation other than a comma before a state or province."""
    words = []
    cursor = position
    while len(words) < max_words:
        match = _WORD.match(text, cursor)
        if match is None:
            break
        word = match.group(0).rstrip(".'’")
        lower = word.lower()
        if words and (lower in _STOP_WORDS or _MONTH_WORDS.match(word)):
            break
        if not words and (lower in _STOP_WORDS - {"the"} or lower in _NOT_A_PLACE - {"the"}):
            return None
        if not words and lower == "the":
            following = _WORD.match(text, match.end() + 1) if text[match.end():match.end() + 1] == " " else None
            if following is None or following.group(0).lower() in _STOP_WORDS | _NOT_A_PLACE:
                return None
        words.append((match.start(), match.start() + len(word)))
        cursor = match.end()
        gap = re.match(r" (?=[A-Za-z])", text[cursor:])
        if not gap:
            break
        cursor += 1
    if not words:
        return None
    start, end = words[0][0], words[-1][1]
    region = _REGION_AFTER.match(text, end)
    if region and text[end:end + 1] == "," and not _is_a_word(region.group(0)):
        end = region.end()
    name = text[start:end].strip(" ,")
    if name.lower() in ("the",):
        return None
    if name.startswith("the "):  # "the Grand Canyon" is Grand Canyon; "The Dalles" keeps its article
        name = name[4:]
    return name, start, end


def _is_a_word(region: str) -> bool:
    """A two-letter "region" that is really a word ("…, OK" is a state; "…, in 3 days" is not)."""
    code = region.strip(" ,")
    return len(code) == 2 and not code.isupper() and code.lower() in ("in", "on", "or", "me", "hi", "ok", "la", "de",
                                                                       "pa", "ma", "oh", "id", "al", "co", "at", "to")


def place_after(text: str, words: str, *, start: int = 0) -> tuple[str, int, int] | None:
    """The first place named right after one of ``words`` (a regex alternation: "in|near")."""
    for match in re.finditer(rf"\b(?:{words})\s+", text[start:], re.IGNORECASE):
        found = place_at(text, start + match.end())
        if found:
            return found
    return None


def figures_blanked(text: str, today: datetime.date) -> str:
    """``text`` with its dates, clock times, durations and money blanked, so a place ends there."""
    spans = [(found.start, found.end) for found in parsing.find_days_ahead(text, today)]
    for finder in (parsing.find_time, parsing.find_duration):
        found = finder(text)
        if found:
            spans.append((found.start, found.end))
    spans += [match.span() for match in re.finditer(rf"\$\s*(?:{NUMBER})|\b(?:{NUMBER})\b", text)]
    return blank(text, spans)


def route_in(text: str, today: datetime.date) -> tuple[str | None, str | None]:
    """``(origin, destination)`` the user names: "from Denver to Moab", "to Moab from Denver",
    "between Denver and Moab", "how far is Moab from Denver", "Denver to Moab"."""
    clean = figures_blanked(text, today)
    between = re.search(r"\bbetween\s+", clean, re.IGNORECASE)
    if between:
        first = place_at(clean, between.end())
        if first:
            second = place_after(clean, "and", start=first[2])
            if second:
                return first[0], second[0]
    origin = place_after(clean, "from")
    destination = None
    for match in re.finditer(r"\b(?:to|into|towards?)\s+", clean, re.IGNORECASE):
        if origin and origin[1] <= match.start() < origin[2]:
            continue
        destination = place_at(clean, match.end())
        if destination:
            if origin is None:
                origin = _place_before(clean, match.start())
            break
    if destination is None:
        far = re.search(r"\bhow far (?:away )?is\s+", clean, re.IGNORECASE)
        if far:
            destination = place_at(clean, far.end())
    return (origin[0] if origin else None), (destination[0] if destination else None)


def _place_before(text: str, end: int) -> tuple[str, int, int] | None:
    """The capitalised place that ends just before ``end`` ("Phoenix to Tucson")."""
    match = re.search(r"((?:[A-Z][\w.'’&-]*\s+){1,4}(?:,\s*[A-Z]{2}\s+)?)$", text[:end])
    if not match:
        return None
    words = match.group(1).split()
    while words and (words[0].lower() in _STOP_WORDS | _NOT_A_PLACE or words[0].endswith(":")):
        words.pop(0)
    if not words:
        return None
    name = " ".join(words)
    start = text.rindex(name, 0, end)
    return name.strip(" ,"), start, start + len(name)


_STATIONS = {
    "love's": "Love's", "loves": "Love's", "pilot": "Pilot", "flying j": "Flying J", "shell": "Shell",
    "chevron": "Chevron", "costco": "Costco", "sam's club": "Sam's Club", "maverik": "Maverik",
    "speedway": "Speedway", "buc-ee's": "Buc-ee's", "bucees": "Buc-ee's", "petro": "Petro", "exxon": "Exxon",
    "mobil": "Mobil", "conoco": "Conoco", "sinclair": "Sinclair", "circle k": "Circle K", "kum & go": "Kum & Go",
    "quiktrip": "QuikTrip", "walmart": "Walmart", "safeway": "Safeway", "kroger": "Kroger", "casey's": "Casey's",
    "wawa": "Wawa", "sheetz": "Sheetz", "valero": "Valero", "arco": "ARCO", "murphy usa": "Murphy USA",
    "cenex": "Cenex", "holiday": "Holiday", "king soopers": "King Soopers", "fred meyer": "Fred Meyer",
}
_STATION_RE = re.compile(r"\b(" + "|".join(re.escape(name) for name in sorted(_STATIONS, key=len, reverse=True))
                         + r")(?![\w'])", re.IGNORECASE)
_AT_NAME = re.compile(r"\b(?:at|from)\s+(?:the\s+)?([A-Z][\w'’&.-]*(?:\s+(?:[A-Z][\w'’&.-]*|&|in|of)(?=\s|$|[,.!]))*)")
_NOT_A_SHOP = re.compile(rf"^(?:{parsing._MONTHS}|{parsing._WEEKDAYS}|I|It|The|My|Today|Yesterday)$", re.IGNORECASE)


def shop_in(text: str) -> str:
    """Where: "at Love's in Green River", "at Jiffy Lube", a known station brand; "" if none."""
    for match in _AT_NAME.finditer(text):
        words = match.group(1).split()
        while words and (words[-1].lower() in ("in", "of", "&") or _NOT_A_SHOP.match(words[-1])):
            words.pop()
        if words and not _NOT_A_SHOP.match(words[0]):
            return " ".join(words).rstrip(".,!")[:200]
    brand = _STATION_RE.search(text)
    return _STATIONS[brand.group(1).lower()] if brand else ""
