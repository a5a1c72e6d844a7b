"""JSON PostgreSQL can store.

JSON text can carry a NUL character ("\\u0000") and an unpaired UTF-16 surrogate ("\\ud800"), and
Python's json module also reads NaN and Infinity; Python holds all of them, and a PostgreSQL text
or jsonb column takes none (psycopg raises mid-transaction). Every door where JSON comes in — the
REST API's parser, the socket's frames, the tools' arguments — refuses such input with a message
naming where it is.
"""

import math


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored in PostgreSQL, or None when it can."""
    if "\x00" in text:
        return "must not contain the NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain an unpaired UTF-16 surrogate (\\ud800-\\udfff)"
    return None


def find_unstorable(value, where: str = "") -> str | None:
    """The first part of ``value`` (parsed JSON) that cannot be stored, as ``"where: why"``
    (``"tags.1: must not contain the NUL character (\\u0000)"``; list items count from 0), or None."""
    if isinstance(value, str):
        reason = unstorable(value)
        return f"{where or 'text'}: {reason}" if reason else None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where or 'number'}: must be a finite number (JSON has no NaN or Infinity)"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        path = f"{where}.{storable(str(key))}" if where else storable(str(key))
        if isinstance(key, str) and (reason := unstorable(key)):
            return f"{path} (a field name): {reason}"
        if problem := find_unstorable(item, path):
            return problem
    return None


def storable(value):
    """``value`` (parsed JSON) made storable, for echoing refused input back: each character
    PostgreSQL cannot store becomes U+FFFD (a lone surrogate is one ``str`` character), and NaN
    or an infinity becomes null."""
    if isinstance(value, str):
        if unstorable(value) is None:
            return value
        return "".join("\ufffd" if char == "\x00" or "\ud800" <= char <= "\udfff" else char for char in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value
