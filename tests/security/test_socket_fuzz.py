"""Hypothesis on the chat socket's frame parser (assistant/consumers.py, assistant/protocol.py),
through the real ASGI application with alice's signed-in socket.

Malformed JSON, JSON that is not a frame, unknown types, known types with fields of the wrong
type or out of range, oversized frames and messages, text PostgreSQL cannot store (NUL, lone
surrogates) and binary frames: each gets an ``error`` frame, the socket stays open (a ``ping``
still gets its ``pong``), and nothing of alice's is written.
"""

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from assistant.protocol import CLIENT_FRAME_TYPES, MAX_FRAME_CHARS, MAX_MESSAGE_CHARS
from tests.security.seed import owned_rows, seed_rows

pytestmark = pytest.mark.django_db(transaction=True)

REFUSALS = {"VALIDATION_ERROR", "MESSAGE_TOO_LARGE", "NOT_FOUND"}

# Text a person might type that is still fine to store: right-to-left marks, emoji with
# joiners and skin tones, combining marks, other scripts.
EDGY_TEXT = st.sampled_from(
    ["\u200fשלום\u200e", "👩🏽\u200d🚒🚐", "e\u0301\u0308", "ﷺ", "\u202eevil", "日本語", "\ufeff"])
TEXT = st.one_of(st.text(max_size=40), EDGY_TEXT)
# Text that PostgreSQL cannot store, as a JSON escape: NUL, and UTF-16 surrogates without a pair.
UNSTORABLE = st.sampled_from(["\\u0000", "a\\u0000b", "\\ud800", "\\udfff", "x\\udbff", "\\udc00\\ud800"])
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
NOT_A_UUID = st.one_of(TEXT.filter(lambda text: not _is_uuid(text)), st.integers(), st.booleans(), st.none(),
                       st.lists(JSON_SCALARS, max_size=2), st.dictionaries(TEXT, JSON_SCALARS, max_size=2))
# Ids are JSON integers from 1 that fit a bigint: not 0, 2**63, 5.0, "5" or true.
NOT_AN_ID = st.one_of(st.integers(max_value=0), st.integers(min_value=2**63), st.floats(allow_nan=False),
                      st.integers(1, 99).map(str), TEXT, st.booleans(), st.lists(st.integers(), max_size=2))
NOT_A_STRING = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(),
                         st.lists(JSON_SCALARS, max_size=2), st.dictionaries(TEXT, JSON_SCALARS, max_size=2))
NOT_A_BOOL = st.one_of(st.integers(min_value=2), st.floats(allow_nan=False), st.none(),
                       st.lists(JSON_SCALARS, max_size=2), st.sampled_from(["maybe", "", "👍", "ja"]))
UUIDS = st.uuids().map(str)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def as_frame(data: dict) -> str:
    return json.dumps(data)


@st.composite
def bad_chat(draw) -> str:
    """A chat frame with exactly what is wrong with it drawn: the message, its id, the
    conversation, or the browser's context."""
    frame = {"type": "chat", "message": draw(TEXT.filter(str.strip)) or "hello", "message_id": draw(UUIDS)}
    fault = draw(st.sampled_from(["message type", "empty message", "long message", "unstorable message",
                                  "message_id", "conversation_id", "missing conversation", "context"]))
    if fault == "message type":
        frame["message"] = draw(NOT_A_STRING)
    elif fault == "empty message":
        frame["message"] = draw(st.sampled_from(["", " ", "\n\t", "\u3000", "\u00a0"]))
    elif fault == "long message":
        frame["message"] = draw(st.sampled_from(["a", "é", "🚐"])) * (MAX_MESSAGE_CHARS + draw(st.integers(1, 50)))
    elif fault == "message_id":
        frame["message_id"] = draw(NOT_A_UUID)
    elif fault == "conversation_id":
        frame["conversation_id"] = draw(NOT_AN_ID)
    elif fault == "missing conversation":
        frame["conversation_id"] = draw(st.integers(min_value=10**9, max_value=2**63 - 1))
    elif fault == "context":
        frame["context"] = draw(st.one_of(
            NOT_A_STRING.filter(lambda value: not isinstance(value, dict | type(None))),
            st.fixed_dictionaries({"timezone": st.one_of(NOT_A_STRING.filter(lambda value: value is not None),
                                                         st.text(min_size=65, max_size=80))}),
            st.fixed_dictionaries({"location": st.fixed_dictionaries({
                "lat": st.one_of(st.floats(min_value=90.001), st.floats(max_value=-90.001), NOT_A_STRING.filter(
                    lambda value: not isinstance(value, int | float | bool))),
                "lng": st.floats(-180, 180)})}),
            st.fixed_dictionaries({"page": st.text(min_size=201, max_size=220)}),
        ))
    if fault == "unstorable message":  # only expressible in the JSON text itself
        text = as_frame({**frame, "message": "MESSAGE"})
        return text.replace('"MESSAGE"', f'{json.dumps(draw(TEXT))[:-1]}{draw(UNSTORABLE)}"')
    return as_frame(frame)


@st.composite
def bad_other(draw) -> str:
    """A stop, confirm_action or alert_ack frame with a field missing, of the wrong type, or
    naming something alice does not have."""
    frame_type = draw(st.sampled_from(["stop", "confirm_action", "alert_ack"]))
    if frame_type == "stop":  # a stop for no running reply is NOT_FOUND
        return as_frame({"type": "stop", "message_id": draw(st.one_of(NOT_A_UUID, UUIDS))})
    if frame_type == "confirm_action":
        frame = {"type": "confirm_action", "action_id": draw(UUIDS), "approved": draw(st.booleans())}
        field = draw(st.sampled_from(["action_id", "approved", "missing", "unknown action"]))
        if field == "action_id":
            frame["action_id"] = draw(NOT_A_UUID)
        elif field == "approved":
            frame["approved"] = draw(NOT_A_BOOL)
        elif field == "missing":
            del frame[draw(st.sampled_from(["action_id", "approved"]))]
        return as_frame(frame)
    return as_frame({"type": "alert_ack", "alert_id": draw(st.one_of(NOT_AN_ID, st.integers(10**9, 2**63 - 1)))})


def not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


BAD_FRAMES = st.one_of(
    # Not JSON: random text, and a frame cut short.
    st.text(max_size=60).filter(not_json),
    st.builds(lambda text, cut: text[:cut], st.just('{"type": "chat", "message": "hi", "message_id": "x"}'),
              st.integers(1, 50)),
    # JSON that is not a frame object, and objects without a known type.
    JSON_VALUES.filter(lambda value: not isinstance(value, dict)).map(json.dumps),
    st.dictionaries(TEXT, JSON_SCALARS, max_size=3).filter(lambda data: data.get("type") not in CLIENT_FRAME_TYPES)
    .map(json.dumps),
    st.builds(lambda kind, rest: json.dumps({**rest, "type": kind}),
              st.one_of(NOT_A_STRING, TEXT).filter(lambda kind: kind not in CLIENT_FRAME_TYPES),
              st.dictionaries(TEXT, JSON_SCALARS, max_size=2)),
    st.builds(lambda escape: f'{{"type": "{escape}"}}', UNSTORABLE),
    bad_chat(),
    bad_other(),
    # Oversized frames, however well-formed.
    st.builds(lambda pad: json.dumps({"type": "ping", "pad": "x" * pad}),
              st.integers(MAX_FRAME_CHARS, MAX_FRAME_CHARS + 99)),
    # Binary frames.
    st.binary(max_size=40),
)


@pytest.fixture
def alice_rows(alice, settings):
    """Alice with real rows, and socket rate limits far above what the fuzzer sends (a
    RATE_LIMIT_EXCEEDED frame would hide the answer under test)."""
    settings.PAM_WS_FRAMES_PER_MINUTE = 100_000
    settings.PAM_CHAT_MESSAGES_PER_MINUTE = 100_000
    seed_rows(alice)
    return alice


@pytest.fixture
async def alice_socket(socket_for, alice_rows):
    return await socket_for(alice_rows)


@fuzz_settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(frame=BAD_FRAMES)
async def test_a_bad_frame_gets_an_error_and_the_socket_stays_open(alice_socket, alice_rows, frame):
    while not await alice_socket.receive_nothing(timeout=0.05):  # what a failed example left unread
        await alice_socket.receive_from()
    before = await database_sync_to_async(owned_rows)(alice_rows)
    # Sent as raw ASGI events: the communicator's send_to cannot send an empty frame.
    await alice_socket.send_input({"type": "websocket.receive", "bytes" if isinstance(frame, bytes) else "text": frame})
    answer = await alice_socket.receive_json_from(timeout=5)
    assert answer["type"] == "error" and answer["error_code"] in REFUSALS, (frame[:200], answer)
    assert answer["message"]
    await alice_socket.send_json_to({"type": "ping"})
    assert await alice_socket.receive_json_from(timeout=5) == {"type": "pong"}
    assert await database_sync_to_async(owned_rows)(alice_rows) == before
