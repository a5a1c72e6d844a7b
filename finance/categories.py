"""Which expense category a phrase names (DESIGN.md, "Domain vocabulary").

Words that name what was bought are *specific*; shop, brand and place names are *places*. A
specific word beats a place ("propane at the KOA" is propane), and among words of the same kind
the first one said wins ("oil change and a coffee" is maintenance).
"""

import re

from finance.models import Category

# category -> (specific words, place/brand words)
KEYWORDS: dict[str, tuple[list[str], list[str]]] = {
    Category.FUEL: (
        ["gas", "gasoline", "diesel", "fuel", "fill-up", "fill up", "filled up", "fillup", "unleaded", "petrol"],
        ["gas station", "truck stop", "pilot", "flying j", "love's", "loves", "shell", "chevron", "exxon",
         "conoco", "sinclair", "maverik", "buc-ee's"],
    ),
    Category.CAMPGROUND: (
        ["campsite", "campsites", "camp site", "site fee", "hookups", "hook-ups", "full hookup", "dump station",
         "dump fee", "rv site", "camping fee", "camping", "overnight fee", "boondocking fee", "site rental"],
        ["koa", "rv park", "rv resort", "campground", "thousand trails", "harvest host", "harvest hosts"],
    ),
    Category.GROCERIES: (
        ["groceries", "grocery", "food shopping", "supermarket", "produce", "snacks", "food run"],
        ["safeway", "kroger", "trader joe's", "trader joes", "whole foods", "albertsons", "aldi", "publix",
         "heb", "h-e-b", "food lion", "king soopers", "smith's", "sprouts", "winco", "costco", "sam's club"],
    ),
    Category.DINING: (
        ["restaurant", "dinner", "lunch", "breakfast", "brunch", "takeout", "take-out", "take out", "coffee",
         "pizza", "burger", "burgers", "tacos", "diner", "cafe", "café", "meal", "eating out", "ate out",
         "ice cream", "bar tab", "brewery", "drinks", "donuts", "food truck"],
        ["denny's", "dennys", "mcdonald's", "mcdonalds", "starbucks", "subway", "chipotle", "applebee's",
         "cracker barrel", "waffle house", "ihop", "dutch bros", "taco bell", "wendy's", "culver's"],
    ),
    Category.PROPANE: (
        ["propane", "lp", "lpg", "lp gas", "lp tank", "propane tank", "propane refill"],
        ["amerigas", "blue rhino"],
    ),
    Category.MAINTENANCE: (
        ["oil change", "tire", "tires", "tyre", "tyres", "repair", "repairs", "parts", "mechanic", "brakes",
         "brake job", "alignment", "battery", "batteries", "wiper", "wipers", "filter", "tune-up", "tune up",
         "lube", "inspection", "windshield", "transmission", "roof reseal", "generator service", "oil"],
        ["service", "les schwab", "jiffy lube", "discount tire", "firestone", "midas", "valvoline"],
    ),
    Category.INSURANCE: (
        ["insurance", "premium", "roadside assistance", "roadside plan"],
        ["progressive", "good sam", "geico", "state farm", "allstate", "coach-net"],
    ),
    Category.CONNECTIVITY: (
        ["phone", "phone bill", "cell", "cellphone", "internet", "hotspot", "starlink", "wifi", "wi-fi",
         "data plan", "cellular", "mobile plan", "sim card"],
        ["verizon", "at&t", "t-mobile", "tmobile", "mint mobile"],
    ),
    Category.ENTERTAINMENT: (
        ["ticket", "tickets", "park entry", "park pass", "entrance fee", "entry fee", "admission", "tour",
         "tours", "museum", "movie", "movies", "concert", "live show", "comedy show", "national park",
         "annual pass", "golf", "rafting", "kayak rental", "boat rental", "zoo", "aquarium"],
        [],
    ),
    Category.SUPPLIES: (
        ["hardware", "rv supplies", "supplies", "firewood", "ice", "laundry", "laundromat", "sewer hose",
         "toilet paper", "rv toilet paper", "cleaning supplies", "tools", "water filter", "leveling blocks",
         "batteries for", "bug spray", "sunscreen", "household"],
        ["home depot", "lowe's", "lowes", "ace hardware", "walmart", "camping world", "dollar general"],
    ),
    Category.HEALTH: (
        ["pharmacy", "doctor", "prescription", "prescriptions", "meds", "medicine", "medication", "dentist",
         "dental", "clinic", "urgent care", "hospital", "copay", "co-pay", "eye exam", "glasses"],
        ["cvs", "walgreens", "rite aid"],
    ),
}


def _pattern(words: list[str]) -> re.Pattern | None:
    if not words:
        return None
    # Longest first, so "oil change" wins over "oil" and "ice cream" over "ice" at one position.
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    # An optional plural ending: "campgrounds", "repairs", "restaurants".
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?:e?s)?(?![\w'])", re.IGNORECASE)


def _build(kind: int) -> dict[str, re.Pattern]:
    patterns = {}
    for category, lists in KEYWORDS.items():
        words = list(lists[kind])
        if kind == 0:
            # The category's own name is a specific word too ("my dining budget").
            words.append(str(category))
        pattern = _pattern(words)
        if pattern is not None:
            patterns[str(category)] = pattern
    return patterns


_SPECIFIC = _build(0)
_PLACES = _build(1)


def _first_match(text: str, patterns: dict[str, re.Pattern]) -> tuple[int, int, str] | None:
    best = None
    for category, pattern in patterns.items():
        match = pattern.search(text)
        if match is None:
            continue
        # Earliest wins; at the same position the longer phrase wins ("ice cream" over "ice").
        candidate = (match.start(), -len(match.group(0)), category)
        if best is None or candidate < best:
            best = candidate
    return best


def category_from_text(text: str) -> str | None:
    """The category key named in ``text`` ("propane at the KOA" → ``"propane"``), or None.

    Specific words beat place and brand names; the first word said wins among equals.
    """
    match = _first_match(text, _SPECIFIC) or _first_match(text, _PLACES)
    return match[2] if match else None


def keywords_in_text(text: str) -> list[str]:
    """The specific item words in ``text``, in the order said, lower-case, without repeats
    ("bought firewood and ice" → ``["firewood", "ice"]``)."""
    found: list[tuple[int, int, str]] = []
    for pattern in _SPECIFIC.values():
        found.extend((m.start(), -len(m.group(0)), m.group(0).lower()) for m in pattern.finditer(text))
    words: list[str] = []
    covered_until = 0
    for start, negative_length, word in sorted(found):
        if start < covered_until:
            continue  # inside a longer phrase already taken ("ice" in "ice cream")
        covered_until = start - negative_length
        if word not in words:
            words.append(word)
    return words


def place_in_text(text: str) -> str | None:
    """The first shop, brand or place name in ``text`` as written ("at the koa" → "koa")."""
    match = _first_match(text, _PLACES)
    if match is None:
        return None
    start, negative_length, _ = match
    return text[start : start - negative_length]
