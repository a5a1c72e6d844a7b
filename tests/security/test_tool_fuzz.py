"""Hypothesis on PAM's tools (assistant.registry): every registered tool, called for alice with
arguments a language model could send — anything JSON, values shaped by the tool's own JSON
schema, ids of alice's real rows, text PostgreSQL cannot store — never raises, answers ok, error
or needs_confirmation with a result that can be stored on the reply, never fails unexpectedly,
and writes nothing when it answers with an error.
"""

import datetime
import math
import zoneinfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from assistant.registry import ToolContext, all_tools, call_tool
from tests.security.seed import owned_rows, seed_rows

STATUSES = {"ok", "error", "needs_confirmation"}
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["\u200fשלום", "👩🏽\u200d🚒", "e\u0301", "ﷺ", " ", ""]))
# A NUL character and unpaired UTF-16 surrogates: JSON carries them, PostgreSQL stores neither.
UNSTORABLE = st.sampled_from(["\x00", "fuel\x00", "\ud800", "x\udfff", "\udbff\ud800"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, UNSTORABLE)
ANYTHING = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                        max_leaves=6)
# Which seeded row an id argument names.
REAL_ROW = {"expense_id": "expense", "event_id": "calendar_event", "trip_id": "trip", "vehicle_id": "vehicle"}


class RealId(str):
    """Stands for the id of alice's seeded row of this kind; swapped in by the test."""


def from_schema(schema: dict, defs: dict) -> st.SearchStrategy:
    """Values shaped by one property of a tool's JSON schema (pydantic's subset): its type, enum,
    format and bounds, reaching just past the bounds too."""
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in schema:
        return st.one_of([from_schema(option, defs) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date":  # the ends of the calendar too, where date arithmetic overflows
            return st.one_of(st.dates(), st.sampled_from([datetime.date.min, datetime.date.max])).map(
                datetime.date.isoformat)
        if schema.get("format") == "date-time":
            return st.one_of(st.datetimes(), st.sampled_from([datetime.datetime.min, datetime.datetime.max])).map(
                datetime.datetime.isoformat)
        return st.one_of(st.text(max_size=schema.get("maxLength", 40) + 2), TEXT)
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum")
        edges = [value + delta for value in (low, high) if value is not None for delta in (-1, 0, 1)]
        numbers = st.integers() if kind == "integer" else st.floats(allow_nan=False, allow_infinity=False)
        return st.one_of(numbers, st.sampled_from(edges or [0]), st.integers(min_value=2**63))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), defs), max_size=4)
    if kind == "null":
        return st.none()
    return ANYTHING


def arguments_for(tool) -> st.SearchStrategy:
    """Anything at all, or the tool's own fields (each shaped by its schema, anything, text
    PostgreSQL cannot store, or alice's real row) with an unknown field now and then."""
    schema = tool.args_model.model_json_schema()
    defs = schema.get("$defs", {})
    fields = {}
    for name, prop in schema.get("properties", {}).items():
        options = [from_schema(prop, defs), ANYTHING, UNSTORABLE]
        if name in REAL_ROW:
            options.append(st.just(RealId(REAL_ROW[name])))
        fields[name] = st.one_of(options)
    shaped = st.fixed_dictionaries({}, optional={**fields, "user_id": st.integers(), "extra": ANYTHING})
    return st.one_of(shaped, shaped, ANYTHING)


def with_real_ids(arguments, rows: dict[str, int]):
    if isinstance(arguments, dict):
        return {key: rows[value] if isinstance(value, RealId) else value for key, value in arguments.items()}
    return arguments


def storable(value) -> bool:
    """Whether PostgreSQL can store ``value`` in a jsonb column (the reply's tool calls): JSON,
    with no NUL character and no unpaired surrogate in any text, and no NaN or infinity."""
    if isinstance(value, str):
        return "\x00" not in value and value.encode("utf-8", "surrogatepass") == value.encode("utf-8", "replace")
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(storable(item) for item in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, bool | int)


@pytest.fixture
def alice_context(db, alice, fake_open_meteo):
    rows = seed_rows(alice)
    ctx = ToolContext(user=alice, timezone=zoneinfo.ZoneInfo("America/Denver"),
                      now=datetime.datetime.now(datetime.UTC), currency="USD")
    return ctx, rows


@pytest.mark.parametrize("tool", all_tools(), ids=lambda tool: tool.name)
def test_a_tool_answers_any_arguments_without_failing(tool, alice_context, caplog):
    ctx, rows = alice_context

    @fuzz_settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(arguments=arguments_for(tool))
    def run(arguments):
        arguments = with_real_ids(arguments, rows)
        before = owned_rows(ctx.user)
        caplog.clear()
        outcome = call_tool(tool.name, arguments, ctx)
        assert outcome.status in STATUSES
        assert storable(outcome.as_record()), outcome.as_record()
        unexpected = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
        assert not unexpected, (outcome.result, unexpected)
        if outcome.status == "error":
            assert outcome.result["error"] and outcome.result["error"] != "The tool failed unexpectedly."
            assert owned_rows(ctx.user) == before, outcome.result

    run()
