"""A fake Anthropic Messages API on 127.0.0.1 that speaks the real wire protocol.

Tests script its replies (SSE event streams, HTTP errors, mid-stream errors, stalls) and the real
``anthropic`` SDK talks to it through ``base_url``. Every request body is recorded, and so is each
time a client hung up on a stream before its end (``disconnected``; ``hung_up_at``, time.monotonic()).
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Script:
    """One scripted response: an HTTP error, or SSE events with optional stall points."""

    status: int = 200
    body: dict | None = None
    # (event_name, data), "STALL" (keep-alive comments only, as a busy API sends) or "SILENCE"
    # (nothing at all: what a read timeout is for), each until the test sets ``release``.
    events: list = field(default_factory=list)


def _sse(name: str, data: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _message_start(model: str) -> tuple:
    return ("message_start", {"type": "message_start", "message": {
        "id": "msg_fake", "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 120, "output_tokens": 1, "cache_read_input_tokens": 100,
                  "cache_creation_input_tokens": 0}}})


def _text_block(index: int, chunks: list[str]) -> list:
    events = [("content_block_start", {"type": "content_block_start", "index": index,
                                       "content_block": {"type": "text", "text": ""}})]
    for chunk in chunks:
        events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                               "delta": {"type": "text_delta", "text": chunk}}))
    events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return events


def _end(stop_reason: str, output_tokens: int = 20) -> list:
    return [
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                           "usage": {"output_tokens": output_tokens}}),
        ("message_stop", {"type": "message_stop"}),
    ]


def text_reply(*chunks: str, model: str = "claude-sonnet-5-5") -> Script:
    return Script(events=[_message_start(model), *_text_block(0, list(chunks)), *_end("end_turn")])


def tool_use_reply(name: str, tool_input: dict, *, tool_use_id: str = "toolu_fake_1", preamble: str = "",
                   model: str = "claude-sonnet-5-5") -> Script:
    events = [_message_start(model)]
    index = 0
    if preamble:
        events += _text_block(0, [preamble])
        index = 1
    raw = json.dumps(tool_input)
    half = len(raw) // 2
    events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                           "content_block": {"type": "tool_use", "id": tool_use_id, "name": name,
                                                             "input": {}}}))
    for part in (raw[:half], raw[half:]):
        events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                               "delta": {"type": "input_json_delta", "partial_json": part}}))
    events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return Script(events=events + _end("tool_use"))


def http_error(status: int, error_type: str, message: str = "") -> Script:
    error = {"type": error_type, "message": message or error_type}
    return Script(status=status, body={"type": "error", "error": error})


def overloaded() -> Script:
    return http_error(529, "overloaded_error", "Overloaded")


def _unfinished_text(chunks) -> list:
    """A message whose text block has started and streamed ``chunks`` but not ended."""
    return [_message_start("claude-sonnet-5-5"), *_text_block(0, list(chunks))[:-1]]


def text_then_error(*chunks: str, error_type: str = "overloaded_error") -> Script:
    error = ("error", {"type": "error", "error": {"type": error_type, "message": "Overloaded"}})
    return Script(events=[*_unfinished_text(chunks), error])


def text_then_stall(*chunks: str) -> Script:
    return Script(events=[*_unfinished_text(chunks), "STALL"])


def text_then_silence(*chunks: str) -> Script:
    return Script(events=[*_unfinished_text(chunks), "SILENCE"])


def text_with_stall(before: list[str], after: list[str]) -> Script:
    """A whole reply that stalls (keep-alives only) after ``before`` until the test sets
    ``release``, then streams ``after`` and ends normally."""
    return Script(events=[*_unfinished_text(before), "STALL", *_text_block(0, after)[1:], *_end("end_turn")])


def silence() -> Script:
    """Headers, then not one byte: the model never starts its reply."""
    return Script(events=["SILENCE"])


def _peer_closed(sock) -> bool:
    """Whether the client has closed its end (its socket reads as end of file)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class FakeAnthropic:
    """Start with ``start()``; queue scripts with ``push(...)``; read ``requests``."""

    def __init__(self):
        self.scripts: list[Script] = []
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.release = threading.Event()
        self.stalled = threading.Event()
        self.disconnected = threading.Event()
        self.hung_up_at: list[float] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append(body)
                    fake.headers.append({key.lower(): value for key, value in self.headers.items()})
                    script = fake.scripts.pop(0) if fake.scripts else http_error(500, "api_error", "no script")
                if self.path.rstrip("/") != "/v1/messages":
                    script = http_error(404, "not_found_error", self.path)
                if script.status != 200:
                    payload = json.dumps(script.body).encode()
                    self.send_response(script.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.send_header("connection", "close")
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()
                try:
                    for event in script.events:
                        if event in ("STALL", "SILENCE"):
                            fake.stalled.set()
                            # Wait for the test to release us or for the client to hang up.
                            while not fake.release.wait(0.02):
                                if _peer_closed(self.connection):
                                    fake.hung_up()
                                    return
                                if event == "STALL":
                                    self.wfile.write(b": keep-alive\n\n")
                                    self.wfile.flush()
                            continue
                        self.wfile.write(_sse(*event))
                        self.wfile.flush()
                except OSError:
                    fake.hung_up()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def hung_up(self) -> None:
        self.hung_up_at.append(time.monotonic())
        self.disconnected.set()

    def push(self, *scripts: Script) -> None:
        with self._lock:
            self.scripts.extend(scripts)

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
