"""What the offline provider makes of road talk: vehicles, fill-ups and MPG, fuel cost,
maintenance, trips and their stops, drive time, the forecast and saved places.

``road_request`` turns a message into a tool call, a reply, or None (not road talk). Places are
passed on as the user said them ("Moab", "Denver, CO"; see places.py): the tools resolve them. Writes need
clear wording: a question, a plan ("going to fill up") or a missing figure never logs anything,
and a fill-up or a maintenance job without an odometer reading stays a plain expense (the money
side, which asks for less) unless the user clearly logs it as one.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from assistant.providers.local import parsing
from assistant.providers.local.actions import Reply, ToolRequest
from assistant.providers.local.places import (
    NUMBER,
    blank,
    figures_blanked,
    place_after,
    place_at,
    route_in,
    shop_in,
)
from finance.money import to_cents

MAX_FORECAST_DAYS = 14
FORECAST_DAYS = 7


def number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# --- Figures --------------------------------------------------------------------------------------

_MILES = re.compile(rf"(?<![\w.$,])({NUMBER})\s*(?:-\s*)?(?:miles?|mi)\b(?!\s*(?:per|a|to the)\s+gallon)", re.I)
_MPG = re.compile(rf"(?<![\w.$,])({NUMBER})\s*(?:mpg|miles?\s+(?:per|a|to the)\s+gallon|mi/gal)\b", re.I)
_GALLONS = re.compile(rf"(?<![\w.$,])({NUMBER})\s*(?:-\s*)?(?:gallons?|gals?)\b\.?(?!\s*(?:fuel\s+)?tank)", re.I)
_ODOMETER = re.compile(
    rf"\b(?:odometer|odo|mileage)(?:\s+(?:reading|reads|read|says|said|shows|showed|is|was|at|of|now|to|it's|"
    rf"it\s+says))*\s*[:=]?\s*(?P<a>{NUMBER})"
    rf"|(?<![\w.$,])(?P<b>{NUMBER})\s*(?:miles?|mi)?\s+on\s+the\s+(?:odometer|odo|clock)"
    rf"|\b(?:at|@)\s+(?P<c>{NUMBER})\s*(?:miles|mi)\b",
    re.IGNORECASE,
)
_PER_GALLON = re.compile(
    rf"\$?\s*(?P<v>{NUMBER})\s*(?:/\s*gal(?:lon)?|(?:a|per|each|the)\s+gallon|/g)\b"
    rf"|\b(?:gas|diesel|fuel|gasoline|unleaded|price|prices)\s+(?:is\s+|was\s+|at\s+|costs?\s+|of\s+)\$?\s*(?P<w>{NUMBER})"
    rf"|\bgal(?:lon)?s?\.?\s+(?:of\s+\w+\s+)?(?:at|@)\s*\$?\s*(?P<x>{NUMBER})",
    re.IGNORECASE,
)


def _first(regex: re.Pattern, text: str):
    match = regex.search(text)
    if not match:
        return None, None
    value = next(group for group in match.groups() if group is not None)
    return number(value), match.span()


def odometer_in(text: str) -> tuple[int | None, tuple[int, int] | None]:
    value, span = _first(_ODOMETER, text)
    return (int(value) if value is not None else None), span


def per_gallon_in(text: str) -> Decimal | None:
    for match in _PER_GALLON.finditer(text):
        value = number(next(group for group in match.groups() if group is not None))
        if value is not None and 0 < value < 20:
            return value
    return None


# --- Vehicles -------------------------------------------------------------------------------------

_MAKES = [
    "Winnebago", "Thor", "Jayco", "Forest River", "Coachmen", "Fleetwood", "Tiffin", "Newmar", "Entegra",
    "Airstream", "Grand Design", "Keystone", "Heartland", "Dutchmen", "Holiday Rambler", "Roadtrek", "Pleasure-Way",
    "Leisure Travel Vans", "Gulf Stream", "Northwood", "Lance", "Alliance", "Brinkley", "Palomino", "Prime Time",
    "Coach House", "Renegade", "Regency", "Storyteller", "Nexus", "Dynamax", "Monaco", "Prevost", "Foretravel",
    "American Coach", "Highland Ridge", "Cruiser RV", "Venture RV", "Outdoors RV", "Oliver", "Casita", "Scamp",
    "Happier Camper", "Lazydays", "Ford", "Chevrolet", "Chevy", "Ram", "Dodge", "GMC", "Toyota", "Nissan", "Jeep",
    "Honda", "Subaru", "Mercedes-Benz", "Mercedes", "Freightliner", "Sprinter", "Tesla", "Rivian", "Hyundai", "Kia",
]
_MAKE_RE = re.compile(r"\b(" + "|".join(re.escape(make) for make in sorted(_MAKES, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)
_VEHICLE_TYPES = [
    (r"\bclass\s*a\b|\bdiesel pusher\b|\bbus\b|\bcoach\b", "class_a"),
    (r"\bclass\s*b\b|\bcamper ?van\b|\bvan\b|\bsprinter\b", "class_b"),
    (r"\bclass\s*c\b", "class_c"),
    (r"\bfifth[- ]wheel\b|\b5th[- ]wheel\b", "fifth_wheel"),
    (r"\btravel trailer\b|\btrailer\b|\btoy hauler\b|\bteardrop\b|\bairstream\b|\bcasita\b|\bscamp\b",
     "travel_trailer"),
    (r"\btow vehicle\b|\btow car\b|\btoad\b|\btruck\b|\bpickup\b|\bjeep\b|\bsuv\b|\bcar\b|\bf-?[1-4]50\b|"
     r"\b[1-3]500\b", "tow_vehicle"),
]
_VEHICLE_TYPE_RES = [(re.compile(words, re.IGNORECASE), kind) for words, kind in _VEHICLE_TYPES]
_FUELS = [
    (r"\bdiesel\b", "diesel"), (r"\b(?:gas|gasoline|petrol|unleaded)\b", "gasoline"),
    (r"\b(?:electric|ev|battery[- ]electric)\b", "electric"), (r"\bpropane\b", "propane"),
]
_FUEL_RES = [(re.compile(words, re.IGNORECASE), kind) for words, kind in _FUELS]
_TYPE_LABELS = {"class_a": "Class A motorhome", "class_b": "Class B camper van", "class_c": "Class C motorhome",
                "fifth_wheel": "Fifth wheel", "travel_trailer": "Travel trailer", "tow_vehicle": "Tow vehicle"}
_VEHICLE_WORDS = (r"vehicle|rig|rv|motor ?home|camper(?: ?van)?|van|fifth[- ]wheel|5th[- ]wheel|travel trailer|"
                  r"trailer|toy hauler|truck|tow vehicle|tow car|toad|pickup|jeep|bus|coach|class\s*[abc]")
_ADD_VEHICLE = re.compile(
    rf"^(?:add|register|set up|save|track|create)\s+(?:(?:my|our|a|an|the|new|another|second|other)\s+)*"
    rf"(?:(?:19[5-9]\d|20[0-4]\d)\b|{_MAKE_RE.pattern}|(?:{_VEHICLE_WORDS})\b)"
    rf"|^new\s+(?:vehicle|rig|rv)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_NAMED = re.compile(r"\b(?:called|named|nicknamed)\s+[\"“']?([^,\"”']+?)[\"”']?(?=,|\.|$|\s+(?:class|with|gas|"
                    r"diesel|rated|it|that|and)\b)", re.IGNORECASE)
_MODEL_STOP = re.compile(
    rf"^(?:class|gas|gasoline|diesel|petrol|electric|propane|with|that|which|rated|gets|getting|tank|and|it|its|"
    rf"is|has|odometer|fifth|5th|travel|wheel|toy|hauler|tow|motorhome|camper|van|rv|rig|{_VEHICLE_WORDS}|\d.*)$",
    re.IGNORECASE,
)
_TANK = re.compile(rf"(?<![\w.$,])({NUMBER})\s*(?:-\s*)?(?:gallons?|gal)\.?\s*(?:fuel\s+|gas\s+|diesel\s+)?tank"
                   rf"|\btank\s+(?:holds|of|is|size|capacity)?\s*:?\s*({NUMBER})\s*(?:gallons?|gal)\b", re.IGNORECASE)
_VEHICLE_ODOMETER = re.compile(rf"(?<![\w.$,])({NUMBER})\s*(?:miles|mi)\s+on\s+(?:it|the\s+(?:clock|odometer))",
                               re.IGNORECASE)


def _vehicle_request(text: str) -> ToolRequest | None:
    if not _ADD_VEHICLE.search(text):
        return None
    arguments: dict = {}
    year = _YEAR.search(text)
    if year:
        arguments["year"] = int(year.group(1))
    make = _MAKE_RE.search(text)
    model = ""
    if make:
        arguments["make"] = next(name for name in _MAKES if name.lower() == make.group(1).lower())
        model = _model_after(text, make.end())
    elif year:
        words = _model_after(text, year.end()).split()
        if words:
            arguments["make"], model = words[0], " ".join(words[1:])
    if model:
        arguments["model"] = model
    for regex, kind in _VEHICLE_TYPE_RES:
        if regex.search(text):
            arguments["vehicle_type"] = kind
            break
    for regex, fuel in _FUEL_RES:
        if regex.search(text):
            arguments["fuel_type"] = fuel
            break
    else:
        if arguments.get("vehicle_type") in ("fifth_wheel", "travel_trailer"):
            arguments["fuel_type"] = "none"
    tank, _ = _first(_TANK, text)
    if tank:
        arguments["tank_capacity_gallons"] = str(tank)
    mpg, _ = _first(_MPG, text)
    if mpg:
        arguments["rated_mpg"] = str(mpg)
    odometer = _first(_VEHICLE_ODOMETER, text)[0] or odometer_in(text)[0]
    if odometer:
        arguments["odometer_miles"] = int(odometer)
    named = _NAMED.search(text)
    name = named.group(1).strip() if named else " ".join(filter(None, (arguments.get("make"), model)))
    if not name:  # "add my truck": the word the user used
        said = re.search(rf"\b({_VEHICLE_WORDS})\b", text, re.IGNORECASE)
        name = said.group(1) if said and said.group(1).lower() not in ("vehicle", "rig") else ""
        name = name[:1].upper() + name[1:]
    arguments["name"] = (name or _TYPE_LABELS.get(arguments.get("vehicle_type", ""), "My RV"))[:100]
    return ToolRequest("add_vehicle", arguments)


def _model_after(text: str, position: int) -> str:
    """The model name after the make: words up to a comma or a detail ("class C", "gas")."""
    words = []
    for word in re.split(r"\s+", re.split(r"[,;:()]|\s-\s", text[position:])[0].strip()):
        if not word or _MODEL_STOP.match(word) or (words and word.lower() in ("a", "an", "the")):
            break
        words.append(word if any(ch.isupper() for ch in word) or any(ch.isdigit() for ch in word)
                     else word.capitalize())
    return " ".join(words)[:60]


# --- Fill-ups -------------------------------------------------------------------------------------

_FILL = re.compile(
    r"\b(?:fill(?:ed|ing)?[- ]?up|fill-?up|filled|topped (?:off|up)|top(?:ped)? off|fuel(?:ed|led)? up|gassed up|"
    r"put in|pumped|partial(?:ly)? fill(?:ed)?|log (?:fuel|gas|diesel|a fill)|got (?:gas|diesel|fuel)|"
    r"bought (?:gas|diesel|fuel)|tanked up|refuel(?:ed|led)?)\b",
    re.IGNORECASE,
)
_PARTIAL = re.compile(r"\bpartial(?:ly)?\b|\bhalf (?:a )?tank\b|\bnot (?:a )?full\b|\bdidn't fill\b", re.IGNORECASE)
_MISSED = re.compile(r"\b(?:missed|forgot|didn't log|did not log|skipped)\b.{0,30}\b(?:fill|log|last|previous|one)",
                     re.IGNORECASE)
_NOT_YET = re.compile(r"\b(?:will|going to|gonna|plan to|planning to|need to|have to|should|tomorrow|later|"
                      r"next)\b", re.IGNORECASE)
_MONEY = re.compile(rf"\$\s*(?P<a>{NUMBER})|(?<![\w.$,])(?P<b>\d+\.\d{{2,3}})(?![\w.,])|(?P<c>{NUMBER})\s*(?:dollars|"
                    rf"bucks)\b", re.IGNORECASE)
_TOTAL_CUE = re.compile(
    r"(?:for|total(?:\s+of)?|totaling|totalling|paid|spent|cost|came to|was)\s*$", re.IGNORECASE)
_TOTAL_AFTER = re.compile(r"^\s*(?:of|in|worth of|total|for (?:gas|diesel|fuel))\b", re.IGNORECASE)
def _fuel_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    gallons = _GALLONS.search(text)
    odometer, odometer_span = odometer_in(text)
    price = per_gallon_in(text)
    fill_words = bool(_FILL.search(text))
    if not ((gallons and (fill_words or odometer is not None or price)) or (fill_words and odometer is not None)):
        return None
    if parsing.is_question(text):
        return None
    if _NOT_YET.search(text):
        return Reply("It sounds like that fill-up hasn't happened yet, so I haven't logged anything. Tell me once "
                     "you've filled up, with the gallons, the price or total, and the odometer.")
    date = parsing.find_date(text, today)
    skip = [span for span in (gallons.span() if gallons else None, odometer_span,
                              (date.start, date.end) if date else None) if span]
    total = None
    for match in _MONEY.finditer(blank(text, skip)):
        value = number(next(group for group in match.groups() if group is not None))
        if value is None or value <= 0 or (price is not None and value == price):
            continue
        before, after = text[: match.start()], text[match.end():]
        if _TOTAL_CUE.search(before) or _TOTAL_AFTER.match(after) or value >= 10 or price is not None:
            total = total or value
        elif price is None:
            price = value
    amounts = {"volume_gallons": number(gallons.group(1)) if gallons else None, "price_per_gallon": price,
               "total_cost": total}
    given = {name: value for name, value in amounts.items() if value is not None}
    if odometer is None:
        return Reply("What did the odometer read at this fill-up? I need it to work out your MPG — for example "
                     "“filled up 32 gallons at $3.89, odometer 45,210”. I haven't logged anything yet.")
    if len(given) < 2:
        return Reply("I need two of these to log a fill-up: the gallons, the price per gallon, or the total — for "
                     "example “32 gallons at $3.89” or “$120 for 30 gallons”. I haven't logged anything yet.")
    if date is not None and date.value > today:
        return Reply("That fill-up is still ahead, so I haven't logged it. Tell me once you've filled up.")
    if "total_cost" in given:
        given["total_cost"] = to_cents(given["total_cost"])
    arguments = {"odometer_miles": odometer, **{name: str(value) for name, value in given.items()}}
    if _PARTIAL.search(text):
        arguments["is_full"] = False
    if _MISSED.search(text):
        arguments["missed_previous"] = True
    station = shop_in(blank(text, [odometer_span]))
    if station:
        arguments["station"] = station
    if date is not None:
        arguments["date"] = date.value.isoformat()
    return ToolRequest("log_fuel", arguments)


_ECONOMY = re.compile(
    r"\b(?:gas|fuel)\s+(?:mileage|economy|efficiency|consumption)\b|\bmpg\b|\bmiles (?:per|to the|a) gallon\b"
    r"|\bmileage\b",
    re.IGNORECASE,
)


def _economy_request(text: str) -> ToolRequest | None:
    if not _ECONOMY.search(text) or _MILES.search(text) or _MPG.search(text):
        return None
    if parsing.is_question(text) or re.search(r"^(?:show|check|tell|give|what|how)\b", text, re.IGNORECASE) \
            or len(text.split()) <= 4:
        return ToolRequest("get_fuel_economy", {})
    return None


def _odometer_request(text: str) -> ToolRequest | None:
    odometer, _ = odometer_in(text)
    if odometer is None or not re.search(r"\b(?:odometer|odo|mileage)\b", text, re.IGNORECASE):
        return None
    if re.search(r"^(?:what|how|when|is|does)\b", text, re.IGNORECASE) or _NOT_YET.search(text):
        return None
    return ToolRequest("update_odometer", {"odometer_miles": odometer})


# --- Fuel cost and drive time ---------------------------------------------------------------------

_GAS_COST = re.compile(
    r"\b(?:gas|fuel|diesel|gasoline)\b.{0,40}\b(?:cost|costs|much|price|budget|need|take|use|burn|run)\b"
    r"|\b(?:cost|costs|much)\b.{0,40}\b(?:gas|fuel|diesel|gasoline)\b|\bcost (?:me )?to drive\b"
    r"|\bhow much (?:will|would|does|is|to)\b.{0,20}\bcost\b.{0,20}\bdriv",
    re.IGNORECASE,
)
_SPENT = re.compile(r"\b(?:spent|spend|spending|paid|did|last (?:week|month)|this (?:week|month)|so far)\b",
                    re.IGNORECASE)


def _gas_cost_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    if not _GAS_COST.search(text) or _SPENT.search(text):
        return None
    miles = _MILES.search(text)
    mpg, _ = _first(_MPG, text)
    origin, destination = route_in(text, today)
    if miles is None and destination is None:
        if mpg is None and not re.search(r"\b(?:drive|trip|miles)\b", text, re.IGNORECASE):
            return None
        return Reply("How far is the drive? Give me the miles (“how much gas for 500 miles at 10 mpg?”) or the "
                     "places (“what will fuel cost from Denver to Moab?”).")
    arguments: dict = {}
    if miles is not None:
        arguments["distance_miles"] = _plain(number(miles.group(1)))
    elif origin is None:
        return Reply(f"Where will you drive to {destination} from? For example “what will fuel cost from Denver to "
                     f"{destination}?”")
    else:
        arguments.update(origin=origin, destination=destination)
    if mpg:
        arguments["mpg"] = _plain(mpg)
    price = per_gallon_in(text)
    if price is None:
        money = re.search(rf"\$\s*({NUMBER})", text)
        price = number(money.group(1)) if money and number(money.group(1)) < 20 else None
    if price:
        arguments["price_per_gallon"] = _plain(price)
    return ToolRequest("calculate_gas_cost", arguments)


_TRAVEL_TIME = re.compile(
    r"\bhow long\b|\bhow many (?:days|hours)\b|\bdriving time\b|\bdrive time\b|\btravel time\b|\bhow far\b"
    r"|\bdistance (?:from|between|to)\b|\bhow many miles\b",
    re.IGNORECASE,
)


def _travel_time_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    if not _TRAVEL_TIME.search(text) or re.search(r"\bhow long (?:until|till|before|ago)\b", text, re.IGNORECASE):
        return None
    miles = _MILES.search(text)
    if miles is not None and re.search(r"\b(?:drive|driving|take|days|hours|get)\b", text, re.IGNORECASE):
        return ToolRequest("estimate_travel_time", {"distance_miles": _plain(number(miles.group(1)))})
    origin, destination = route_in(text, today)
    if destination is None:
        return None
    if origin is None:
        return Reply(f"From where? Tell me both ends — for example “how long to drive from Denver to {destination}?”")
    return ToolRequest("estimate_travel_time", {"origin": origin, "destination": destination})


# --- Maintenance ----------------------------------------------------------------------------------

_TASKS = [
    (r"\bgenerator\b", "Generator service"),
    (r"\btransmission\b", "Transmission service"),
    (r"\boil\b", "Oil change"),
    (r"\brotat\w*\b.{0,20}\btires?\b|\btires?\b.{0,20}\brotat\w*", "Tire rotation"),
    (r"\balign(?:ment|ed)\b", "Wheel alignment"),
    (r"\b(?:wheel )?bearings?\b", "Wheel bearing repack"),
    (r"\btires?\b", "Tire replacement"),
    (r"\bbrakes?\b", "Brake service"),
    (r"\bcoolant\b|\bradiator\b|\bantifreeze\b", "Coolant flush"),
    (r"\bair filter\b", "Air filter"),
    (r"\bfuel filter\b", "Fuel filter"),
    (r"\broof\b.{0,20}\b(?:seal|sealed|reseal|resealed|caulk|caulked)\b|\b(?:seal|sealed|reseal|resealed)\b.{0,20}"
     r"\broof\b", "Roof reseal"),
    (r"\broof\b", "Roof inspection"),
    (r"\bwater heater\b", "Water heater service"),
    (r"\bbatter(?:y|ies)\b", "Battery"),
    (r"\bawning\b", "Awning repair"),
    (r"\bsmog\b|\bemissions\b|\binspection\b|\binspected\b", "Inspection"),
    (r"\bspark plugs?\b", "Spark plugs"),
    (r"\bwiper", "Wiper blades"),
    (r"\btune[- ]?up\b|\bservice\b|\bserviced\b", "Service"),
]
_TASK_RES = [(re.compile(words, re.IGNORECASE), task) for words, task in _TASKS]
_DONE = re.compile(
    r"\b(?:got|had|did|done|just|finished|changed|rotated|replaced|serviced|installed|flushed|repacked|inspected|"
    r"resealed|aligned|balanced|fixed|repaired|log(?:ged)?|record(?:ed)?|completed)\b",
    re.IGNORECASE,
)
# A question about maintenance; "did an oil change at 45,300" tells, it does not ask.
_ASKS = re.compile(r"\?\s*$|^(?:how|what|what's|whats|when|where|why|which|is|are|should|do|does|will|can|tell me)\b",
                   re.IGNORECASE)
_SPEND_WORDS = re.compile(r"\b(?:spent|spend|paid|pay|cost|costs|bought|charged)\b", re.IGNORECASE)
_EVERY_MILES = re.compile(rf"\bevery\s+({NUMBER})\s*(?:miles|mi)\b", re.IGNORECASE)
_EVERY_DAYS = re.compile(r"\bevery\s+(\d+|a|one|two|three|four|six|twelve)?\s*(days?|weeks?|months?|years?)\b",
                         re.IGNORECASE)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def task_in(text: str) -> str | None:
    """The maintenance task named in ``text`` ("got the oil changed" → "Oil change"), or None."""
    for regex, task in _TASK_RES:
        if regex.search(text):
            return task
    return None


def _maintenance_log_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    task = task_in(text)
    if task is None or _ASKS.search(text) or _NOT_YET.search(text):
        return None
    odometer, odometer_span = odometer_in(text)
    explicit = re.search(r"\b(?:log|record)\b.{0,20}\b(?:maintenance|service)\b|\bmaintenance\s*:", text, re.I)
    if not (odometer is not None or explicit or (_DONE.search(text) and not _SPEND_WORDS.search(text))):
        return None
    date = parsing.find_date(text, today)
    if date is not None and date.value > today:
        return None
    spans = [span for span in (odometer_span, (date.start, date.end) if date else None) if span]
    every = [match.span() for match in (_EVERY_MILES.search(text), _EVERY_DAYS.search(text)) if match]
    cost = parsing.find_amount(text, ignore=spans + every)
    arguments: dict = {"task": task}
    if date is not None:
        arguments["date"] = date.value.isoformat()
    if odometer is not None:
        arguments["odometer_miles"] = odometer
    if cost is not None and (cost.value < 1000 or "$" in text or "," in text):
        arguments["cost"] = str(cost.value)
    shop = shop_in(blank(text, spans))
    if shop:
        arguments["shop"] = shop
    miles = _EVERY_MILES.search(text)
    if miles:
        arguments["interval_miles"] = int(number(miles.group(1)))
    days = _EVERY_DAYS.search(text)
    if days:
        count = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "six": 6, "twelve": 12}.get(
            (days.group(1) or "1").lower()) or int(days.group(1) or 1)
        arguments["interval_days"] = count * _UNIT_DAYS[days.group(2).lower().rstrip("s")]
    return ToolRequest("log_maintenance", arguments)


_DUE = re.compile(
    r"\b(?:due|overdue|coming up|need(?:s|ed)?|next)\b.{0,40}\b(?:maintenance|service|servicing)\b"
    r"|\b(?:maintenance|service)\b.{0,40}\b(?:due|overdue|schedule|coming up|needed)\b"
    r"|\bwhat(?:'s| is)\s+(?:over)?due\b|\banything\s+(?:over)?due\b",
    re.IGNORECASE,
)
_TASK_DUE = re.compile(r"\b(?:due|overdue|need|needs|next)\b", re.IGNORECASE)


def _maintenance_due_request(text: str) -> ToolRequest | None:
    if _DUE.search(text) and not re.search(r"\b(?:bill|payment|rent|insurance|appointment|dentist)\b", text, re.I):
        return ToolRequest("get_maintenance_due", {})
    if task_in(text) and _TASK_DUE.search(text) and parsing.is_question(text):
        return ToolRequest("get_maintenance_due", {})
    return None


# --- Trips ----------------------------------------------------------------------------------------

_PLAN = re.compile(
    r"\bplan\b.{0,30}\b(?:trip|route|drive|journey|getaway|vacation|road ?trip)\b|\bnew (?:road )?trip\b"
    r"|\b(?:road )?trip (?:from|to)\b|\b(?:create|make|start|set up) (?:a |my |the )?(?:road )?trip\b",
    re.IGNORECASE,
)
_STOPS_LIST = re.compile(
    r"\b(?:via|through|thru|stopping (?:in|at|by)|with (?:a )?stops? (?:in|at))\s+", re.IGNORECASE)
_END_CUE = re.compile(
    r"(?:until|till|til|to|through|thru|returning|return|back|coming back|home|-|–)\s*(?:on\s+|by\s+|the\s+)?$",
    re.IGNORECASE)
_UNTIL = re.compile(r"\b(?:until|till|til|returning|coming back)\b", re.IGNORECASE)
_TITLE = re.compile(r"\b(?:called|named|titled)\s+[\"“']?([^,\"”']+?)[\"”']?(?=,|\.|$)", re.IGNORECASE)


def _trip_dates(text: str, today: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """``(start, end)`` of a trip: the first day named is the start; a day after "until", "to",
    "through" or "returning" is the end, read from the start ("Dec 25 until the 3rd" ends Jan 3);
    "for a week" (7 nights), "for 3 nights" or "for 5 days" (5 days counted inclusively) give the
    end from the start."""
    start = end = None
    for found in parsing.find_days_ahead(text, today):
        before = text[: found.start]
        is_end = bool(_END_CUE.search(before)) and (start is not None or bool(_UNTIL.search(before)))
        if is_end and end is None:
            end = parsing.day_ahead(text[found.start:found.end], start or today)
        elif start is None:
            start = found.value
    duration = parsing.find_duration(text)
    if start and end is None and duration:
        count, unit = duration.value
        days = {"days": count - 1, "nights": count, "weeks": 7 * count}.get(unit)
        if days is not None:
            end = start + datetime.timedelta(days=max(0, int(days)))
    return start, end


def _stops_in(text: str, destination: str | None) -> list[str]:
    match = _STOPS_LIST.search(text)
    if not match:
        return []
    stops = []
    cursor = match.end()
    while True:
        found = place_at(text, cursor)
        if found is None:
            break
        if found[0] != destination:
            stops.append(found[0])
        separator = re.match(r"\s*(?:,\s*(?:and\s+|then\s+)?|\s+and\s+(?:then\s+)?|\s+then\s+)", text[found[2]:])
        if not separator:
            break
        cursor = found[2] + separator.end()
    return stops[:20]


_MAYBE = re.compile(r"\b(?:maybe|might|someday|some day|sometime|thinking (?:about|of)|considering|wondering|"
                    r"if)\b", re.IGNORECASE)
_UNDO_TRIP = re.compile(r"^(?:cancel|delete|remove|scrap|call off|drop)\b.*\btrip\b", re.IGNORECASE)


def _plan_trip_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    if _UNDO_TRIP.search(text):
        return Reply("I can't cancel or delete trips from chat, so I haven't changed anything. "
                     "“show my trips” lists them.")
    if not _PLAN.search(text) or re.search(r"\b(?:how|when)\b", text, re.IGNORECASE) or _MAYBE.search(text):
        return None
    origin, destination = route_in(text, today)
    stops = _stops_in(figures_blanked(text, today), destination)
    if destination in stops:
        stops.remove(destination)
    if destination is None:
        return Reply("Where would you like to go? Tell me where you'll start and end — for example “plan a trip "
                     "from Denver to Moab next Friday”. I haven't planned anything yet.")
    if origin is None:
        return Reply(f"Where will you start from? For example “plan a trip from Denver to {destination} next "
                     "Friday”. I haven't planned anything yet.")
    start, end = _trip_dates(text, today)
    if start is not None and start < today:
        return Reply(f"{start:%B} {start.day} has passed, so I haven't planned anything. Which day will you leave?")
    arguments: dict = {"origin": origin, "destination": destination}
    if stops:
        arguments["stops"] = stops
    if start:
        arguments["start_date"] = start.isoformat()
    if end:
        arguments["end_date"] = end.isoformat()
    budget = _budget_in(text, today)
    if budget is not None:
        arguments["budget"] = str(budget)
    title = _TITLE.search(text)
    if title:
        arguments["title"] = title.group(1).strip()[:200]
    return ToolRequest("plan_trip", arguments)


def _budget_in(text: str, today: datetime.date) -> Decimal | None:
    spans = [(found.start, found.end) for found in parsing.find_days_ahead(text, today)]
    if not re.search(r"\$|\bbudget\b|\bdollars\b|\bbucks\b", text, re.IGNORECASE):
        return None
    amount = parsing.find_amount(text, ignore=spans)
    return amount.value if amount else None


_LIST_TRIPS = re.compile(
    r"\b(?:show|list|see|view|what|which|any|upcoming|planned|all|past|previous|completed|old)\b.{0,30}\btrips\b"
    r"|\bmy trips\b|\btrips (?:do I have|planned|coming up|are planned)\b|\b(?:next|upcoming|current|active) trip\b"
    r"|\btrip plans\b|^trips\??$|\bhow long (?:until|till|before) (?:my|our|the) (?:next )?trip\b",
    re.IGNORECASE,
)


def _list_trips_request(text: str) -> ToolRequest | None:
    if not _LIST_TRIPS.search(text):
        return None
    if re.search(r"\b(?:past|previous|completed|finished|old|done)\b", text, re.IGNORECASE):
        return ToolRequest("list_trips", {"status": "completed"})
    if re.search(r"\b(?:active|current)\b", text, re.IGNORECASE):
        return ToolRequest("list_trips", {"status": "active"})
    return ToolRequest("list_trips", {})


_ADD_STOP = re.compile(
    r"\b(?:add|include|put|insert)\b.{0,60}\b(?:stop|stopover|night|nights|overnight|layover)\b"
    r"|\b(?:add|include|put|insert)\b.{0,60}\bto (?:my|the|our)\b.{0,30}\btrip\b"
    r"|\bstop (?:in|at|by)\b.{0,40}\b(?:on the way|along the way|en route)\b",
    re.IGNORECASE,
)
_STOP_KINDS = [
    (r"\b(?:campground|campsite|camp|koa|rv park)\b", "campground"),
    (r"\b(?:fuel|gas|diesel)\b", "fuel"),
    (r"\b(?:see|visit|attraction|park|museum|monument|arches|canyon|sightseeing)\b", "attraction"),
    (r"\b(?:night|nights|overnight|sleep|stay)\b", "overnight"),
]
_TRIP_REF = re.compile(r"\b(?:to|on|in|for)\s+(?:my|the|our)\s+(?P<ref>[\w ,'’.-]*?)\s*(?:road )?trip\b", re.I)
_GENERIC_TRIP = re.compile(r"^(?:next|upcoming|current|planned|new|big|road|this|that)?$", re.IGNORECASE)


def trip_reference(text: str) -> str | None:
    """The words that name a trip ("to my Moab trip" → "Moab"), or None for "my trip"."""
    match = _TRIP_REF.search(text)
    if not match or _GENERIC_TRIP.match(match.group("ref").strip()):
        return None
    return match.group("ref").strip()


def _stop_arguments(text: str, today: datetime.date) -> dict | Reply:
    """add_trip_stop's arguments (without the trip) for "add a night in Green River on the 28th,
    $35 a night", or a Reply asking where when no place is named."""
    clean = figures_blanked(text, today)
    named = _TRIP_REF.search(clean)
    if named and trip_reference(text):
        clean = blank(clean, [named.span()])  # "to my Moab trip" names the trip, not the stop
    found = (place_after(clean, r"stop(?:over)?\s+(?:in|at|by)|night(?:s)?\s+(?:in|at)|overnight\s+(?:in|at)|"
                                r"layover\s+(?:in|at)|stay\s+(?:in|at)|(?:in|at)")
             or place_after(clean, r"add|include|insert"))
    if found is None:
        return Reply("Where should the stop be? For example “add a stop in Green River to my trip”. "
                     "I haven't changed your trip.")
    arguments: dict = {"place": found[0]}
    for words, kind in _STOP_KINDS:
        if re.search(words, text, re.IGNORECASE):
            arguments["kind"] = kind
            break
    day = parsing.find_day_ahead(text, today)
    if day is not None:
        arguments["arrive_on"] = day.value.isoformat()
        duration = parsing.find_duration(text)
        if duration and duration.value[1] in ("nights", "days", "weeks"):
            count, unit = duration.value
            nights = int(count * (7 if unit == "weeks" else 1))
            arguments["depart_on"] = (day.value + datetime.timedelta(days=nights)).isoformat()
    price = re.search(rf"\$\s*({NUMBER})\s*(?:a|per|/)\s*night", text, re.IGNORECASE)
    if price:
        arguments["price_per_night"] = str(to_cents(number(price.group(1))))
    return arguments


def _trip_stop_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    """A stop for a trip: straight to add_trip_stop (the tool picks the only upcoming trip), or,
    when the user names the trip ("to my Moab trip"), list_trips first (see trip_follow_up)."""
    if not _ADD_STOP.search(text) or parsing.is_question(text):
        return None
    arguments = _stop_arguments(text, today)
    if isinstance(arguments, Reply):
        return arguments
    if trip_reference(text):
        return ToolRequest("list_trips", {})
    return ToolRequest("add_trip_stop", arguments)


def trip_follow_up(original_text: str, data: dict, today: datetime.date) -> ToolRequest | Reply | None:
    """After list_trips for "add Green River to my Moab trip": the one trip that fits gets the
    stop; none or several → say so and ask, adding nothing."""
    text = " ".join(original_text.split())
    reference = trip_reference(text)
    if not reference or not _ADD_STOP.search(text) or parsing.is_question(text):
        return None
    arguments = _stop_arguments(text, today)
    if isinstance(arguments, Reply):
        return arguments
    words = [word.lower() for word in re.findall(r"[\w'’-]+", reference) if word.lower() not in ("to", "the")]
    trips = [trip for trip in data.get("trips", []) if all(
        word in (trip["title"] + " " + " ".join(stop["name"] for stop in trip["stops"])).lower() for word in words)]
    if not trips:
        return Reply(f"I couldn't find an upcoming trip matching “{reference}”, so I haven't added "
                     f"{arguments['place']} anywhere. “show my trips” lists them.")
    if len(trips) > 1:
        names = "; ".join(f"“{trip['title']}”" for trip in trips)
        return Reply(f"{len(trips)} trips fit “{reference}” ({names}), so I haven't added anything yet. "
                     "Which one should get the stop?")
    return ToolRequest("add_trip_stop", {**arguments, "trip_id": trips[0]["id"]})


# --- Weather --------------------------------------------------------------------------------------

_WEATHER = re.compile(
    r"\bweather\b|\b(?:rain|raining|rainy|snow|snowing|snowy|storms?|stormy|windy|wind|thunderstorms?|hail|"
    r"temperatures?|temps|freezing|frost|sunny|cloudy)\b|\bhow (?:hot|cold|warm|chilly)\b",
    re.IGNORECASE,
)
_FORECAST = re.compile(r"\bforecast\b", re.IGNORECASE)
_MONEY_WORDS = re.compile(r"\b(?:spend|spending|spent|budget|money|expenses?|cost|income|month)\b", re.IGNORECASE)
_NEXT_DAYS = re.compile(r"\b(?:next|coming|following)\s+(\d{1,2}|two|three|four|five|six|seven|ten|fourteen|few|"
                        r"couple(?: of)?)\s+days\b|\b(\d{1,2})[- ]day\b", re.IGNORECASE)
_WORD_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10, "fourteen": 14,
                 "few": 3, "couple": 2, "couple of": 2}


def forecast_window(text: str, today: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The days a weather question is about: "this weekend" → its Saturday and Sunday, "next 10
    days", "tomorrow", "this week" (through Sunday), "next week", a named day; None when none is
    named."""
    match = _NEXT_DAYS.search(text)
    if match:
        said = (match.group(1) or match.group(2)).lower()
        days = _WORD_NUMBERS.get(said) or int(said)
        return today, today + datetime.timedelta(days=max(days, 1) - 1)
    weeks = re.search(r"\b(a|one|two|three|four|\d|couple of)\s+weeks?\b|\bfortnight\b", text, re.IGNORECASE)
    if weeks and not re.search(r"\bweeks?\s+(?:ago|from now|away)\b|\bin\s+\S+\s+weeks?\b", text, re.I):
        said = (weeks.group(1) or "two").lower()
        count = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "couple of": 2}.get(said) or int(said)
        return today, today + datetime.timedelta(days=7 * count - 1)
    weekend = re.search(r"\b(?:this|next|the|over the)\s+weekend\b|\bweekend\b", text, re.IGNORECASE)
    if weekend:
        saturday, sunday = parsing.weekend_of(weekend.group(0), today)
        return max(saturday, today), sunday
    if re.search(r"\bthis week\b", text, re.IGNORECASE):
        return today, today + datetime.timedelta(days=6 - today.weekday())
    if re.search(r"\bnext week\b", text, re.IGNORECASE):
        monday = today + datetime.timedelta(days=7 - today.weekday())
        return monday, monday + datetime.timedelta(days=6)
    if re.search(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", text, re.IGNORECASE):
        return today, today
    day = parsing.find_day_ahead(text, today)
    if day is not None and day.value >= today:
        return day.value, day.value
    return None


def _weather_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    weather = _WEATHER.search(text)
    if not weather and not (_FORECAST.search(text) and not _MONEY_WORDS.search(text)):
        return None
    if weather and not re.search(r"\bweather\b", text, re.IGNORECASE) and not (
            parsing.is_question(text) or _FORECAST.search(text)):
        return None
    arguments: dict = {}
    clean = figures_blanked(text, today)
    place = place_after(clean, r"in|at|for|near|around|over")
    if place:
        arguments["place"] = place[0]
    window = forecast_window(text, today)
    days = FORECAST_DAYS
    if window:
        days = (window[1] - today).days + 1
        if days > MAX_FORECAST_DAYS and window[0] > today + datetime.timedelta(days=MAX_FORECAST_DAYS - 1):
            return Reply(f"I can only see the forecast {MAX_FORECAST_DAYS} days ahead, and {window[0]:%a %b} "
                         f"{window[0].day} is further out than that. Ask me again closer to the day.")
    arguments["days"] = max(1, min(days, MAX_FORECAST_DAYS))
    return ToolRequest("get_weather_forecast", arguments)


# --- Saved places ---------------------------------------------------------------------------------

_PLACE_KINDS = [
    (r"\bboondock\w*|\bdispersed\b|\bblm\b|\bwild camp", "boondocking"),
    (r"\bdump (?:station|site)s?\b", "dump_station"),
    (r"\brv (?:park|resort)s?\b|\bkoa\b|\bresorts?\b", "rv_park"),
    (r"\bcamp ?grounds?\b|\bcamp ?sites?\b|\bcamping\b|\bstate parks?\b", "campground"),
    (r"\bgas stations?\b|\bfuel stops?\b|\btruck stops?\b|\bfuel stations?\b", "fuel"),
    (r"\bmechanics?\b|\brepair (?:shops?)?\b|\bservice (?:centers?|shops?)\b|\bshops?\b", "service"),
    (r"\battractions?\b|\bviewpoints?\b|\btrailheads?\b|\bhikes?\b|\bmuseums?\b|\bsights?\b", "attraction"),
]
_PLACE_KIND_RES = [(re.compile(words, re.IGNORECASE), kind) for words, kind in _PLACE_KINDS]
_SAVE = re.compile(
    r"^(?:save|bookmark|favou?rite|star|remember)\b"
    r"|\b(?:add|put)\b.{0,60}\bto (?:my )?(?:saved places|saved spots|favou?rites|favou?rite (?:places|spots|"
    r"campgrounds)|list of (?:places|favou?rites))\b",
    re.IGNORECASE,
)
_FIND_PLACES = re.compile(
    r"\b(?:saved|favou?rite|bookmarked|starred)\b.{0,30}\b(?:places|spots|campgrounds|campsites|parks|sites|"
    r"stations|stops|boondocking|shops|locations)\b"
    r"|\b(?:my|our)\s+(?:campgrounds|spots|places|boondocking spots|rv parks)\b",
    re.IGNORECASE,
)
_RATING = re.compile(r"\b([1-5])\s*(?:stars?|/\s*5|out of 5|-star)\b|\brated\s+(?:it\s+)?([1-5])\b", re.IGNORECASE)
_NIGHTLY = re.compile(rf"\$\s*({NUMBER})\s*(?:a|per|/|each)\s*night|({NUMBER})\s*(?:dollars|bucks)\s*(?:a|per)\s*"
                      rf"night|\$\s*({NUMBER})\s*nightly", re.IGNORECASE)
_AMENITIES = [
    "full hookups", "hookups", "water", "electric", "sewer", "showers", "wifi", "laundry", "dump station", "pool",
    "fire rings", "shade", "views", "pull-through", "pull through", "pet friendly", "restrooms", "vault toilets",
    "cell signal", "level sites", "picnic tables",
]
_AMENITY_RE = re.compile(r"\b(" + "|".join(re.escape(word) for word in _AMENITIES) + r")\b", re.IGNORECASE)
_NEAR = r"near|in|outside(?: of)?|by|close to|around|just outside(?: of)?"
_PLACE_NAME = re.compile(
    r"^(?:save|bookmark|favou?rite|star|remember|add|put)\s+(?:the\s+|a\s+|this\s+|that\s+)?(?P<name>.+?)"
    r"(?=\s+(?:near|in|outside|by|close to|around|just outside|at|to my|to the|as)\b|,|\s+with\b|\s+rated\b|\s*\||$)",
    re.IGNORECASE,
)


def _kind_of_place(text: str) -> str | None:
    for regex, kind in _PLACE_KIND_RES:
        if regex.search(text):
            return kind
    return None


def _save_place_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    if not _SAVE.search(text) or parsing.is_question(text):
        return None
    clean = figures_blanked(text, today)
    name_match = _PLACE_NAME.match(clean)
    name = name_match.group("name").strip(" .") if name_match else ""
    if ":" in name:
        name = name.split(":", 1)[1].strip()
    if not name or name.lower() in ("it", "this", "that", "this place", "this spot", "this campground", "here"):
        return Reply("What's the place called? For example “save Sand Flats campground near Moab, 5 stars, "
                     "$20 a night”. I haven't saved anything yet.")
    arguments: dict = {"name": name[:200]}
    near = place_after(clean, _NEAR, start=name_match.end("name"))
    if near:
        arguments["near"] = near[0]
    kind = _kind_of_place(text)
    if kind:
        arguments["kind"] = kind
    rating = _RATING.search(text)
    if rating:
        arguments["rating"] = int(rating.group(1) or rating.group(2))
    nightly = _NIGHTLY.search(text)
    if nightly:
        arguments["price_per_night"] = str(to_cents(number(next(group for group in nightly.groups() if group))))
    elif re.search(r"\bfree\b", text, re.IGNORECASE):
        arguments["price_per_night"] = "0.00"
    amenities = []
    for match in _AMENITY_RE.finditer(text[name_match.end("name"):] if name_match else text):
        amenity = match.group(1).lower()
        if amenity not in amenities:
            amenities.append(amenity)
    if amenities:
        arguments["amenities"] = amenities
    return ToolRequest("save_place", arguments)


def _find_places_request(text: str, today: datetime.date) -> ToolRequest | None:
    if not _FIND_PLACES.search(text):
        return None
    arguments: dict = {}
    clean = figures_blanked(text, today)
    within = re.search(rf"\bwithin\s+({NUMBER})\s*(?:miles|mi)\b(?:\s+of\s+)?", text, re.IGNORECASE)
    near = place_after(clean, _NEAR + "|of")
    if near:
        arguments["near"] = near[0]
    if within:
        arguments["radius_miles"] = _plain(number(within.group(1)))
    kind = _kind_of_place(text)
    if kind:
        arguments["kind"] = kind
    return ToolRequest("find_saved_places", arguments)


def road_request(text: str, today: datetime.date) -> ToolRequest | Reply | None:
    """What to do with road talk seen on the user's local ``today``, or None when ``text`` is not
    about the road (vehicles, fuel, maintenance, trips, drive time, weather, saved places)."""
    text = " ".join(text.split())
    for step in (
        lambda: _weather_request(text, today),
        lambda: _save_place_request(text, today),
        lambda: _find_places_request(text, today),
        lambda: _vehicle_request(text),
        lambda: _fuel_request(text, today),
        lambda: _maintenance_log_request(text, today),
        lambda: _maintenance_due_request(text),
        lambda: _odometer_request(text),
        lambda: _gas_cost_request(text, today),
        lambda: _travel_time_request(text, today),
        lambda: _economy_request(text),
        lambda: _trip_stop_request(text, today),
        lambda: _plan_trip_request(text, today),
        lambda: _list_trips_request(text),
    ):
        result = step()
        if result is not None:
            return result
    return None
